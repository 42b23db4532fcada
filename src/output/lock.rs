//! One run at a time on an output folder: an advisory lock on the folder itself (no lock
//! file to commit or ignore), exclusive for writes and shared for `--check`, so that a
//! check never sees half a render and two renders never interleave.

use crate::error::Error;
use std::fs::TryLockError;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a run waits for another to finish before giving up, unless
/// `TAPGEN_LOCK_WAIT` (seconds) says otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);
const WAIT_VARIABLE: &str = "TAPGEN_LOCK_WAIT";

/// Held for as long as the lock is; dropping it (closing the folder) releases the lock.
#[derive(Debug)]
pub struct Lock {
    _folder: std::fs::File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Writing: no other run may read or write.
    Exclusive,
    /// Checking: other checks may run at the same time.
    Shared,
}

/// Locks the folder `root`, waiting a little for another run to release it.
pub fn acquire(root: &Path, mode: Mode) -> Result<Lock, Error> {
    let wait = wait()?;
    let folder = std::fs::File::open(root).map_err(|e| Error::io("lock", root, e))?;
    let deadline = Instant::now() + wait;
    loop {
        let attempt = match mode {
            Mode::Exclusive => folder.try_lock(),
            Mode::Shared => folder.try_lock_shared(),
        };
        match attempt {
            Ok(()) => return Ok(Lock { _folder: folder }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    root: root.to_path_buf(),
                    waited_s: wait.as_secs_f64(),
                    variable: WAIT_VARIABLE,
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", root, e)),
        }
    }
}

fn wait() -> Result<Duration, Error> {
    let Some(value) = std::env::var_os(WAIT_VARIABLE) else {
        return Ok(DEFAULT_WAIT);
    };
    value
        .to_str()
        .and_then(|text| text.trim().parse::<f64>().ok())
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            Error::usage(
                format!(
                    "`{WAIT_VARIABLE}` is `{}`, not a number of seconds",
                    value.to_string_lossy()
                ),
                Some(format!(
                    "set `{WAIT_VARIABLE}=10` to wait ten seconds, or unset it to wait {} s",
                    DEFAULT_WAIT.as_secs()
                )),
            )
        })
}
