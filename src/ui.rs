//! Everything tapgen shows the user goes through here: stdout for output meant for other
//! programs (diffs, the schema, completions, help), stderr for notes, summaries and errors.
//!
//! `println!` and `eprintln!` panic when a write fails (a full disk behind `> file`), and a
//! panic aborts the release build. Here every write returns a `Result` instead, so that a
//! stream that cannot be written ends the command with exit 3 like any other failed write.
//! A closed pipe (`tapgen schema | head -1`) is the reader's choice, not a failure: output
//! to that stream stops quietly and the command keeps its own exit code.

use crate::error::Error;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn closed(self) -> &'static AtomicBool {
        match self {
            Stream::Stdout => &STDOUT_CLOSED,
            Stream::Stderr => &STDERR_CLOSED,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

fn write_to(stream: Stream, bytes: &[u8], ansi: bool) -> Result<(), Error> {
    if stream.closed().load(Ordering::Relaxed) {
        return Ok(());
    }
    // One write of the whole text, so that lines of stdout and stderr do not interleave
    // mid-line. `AutoStream` strips colours where the stream is not a terminal, as clap does.
    let result = match (stream, ansi) {
        (Stream::Stdout, false) => write_all(&mut io::stdout().lock(), bytes),
        (Stream::Stderr, false) => write_all(&mut io::stderr().lock(), bytes),
        (Stream::Stdout, true) => {
            write_all(&mut anstream::AutoStream::auto(io::stdout().lock()), bytes)
        }
        (Stream::Stderr, true) => {
            write_all(&mut anstream::AutoStream::auto(io::stderr().lock()), bytes)
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            stream.closed().store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(Error::io("write to", stream.name(), e)),
    }
}

fn write_all(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)?;
    out.flush()
}

/// Writes `text` to stdout as it is.
pub(crate) fn out(text: &str) -> Result<(), Error> {
    write_to(Stream::Stdout, text.as_bytes(), false)
}

/// Writes one line (a note, a summary, progress) to stderr.
pub(crate) fn line(text: &str) -> Result<(), Error> {
    write_to(Stream::Stderr, format!("{text}\n").as_bytes(), false)
}

/// Reports the error a command ended with. Nothing is left to report a failure to, so a
/// stderr that cannot be written is ignored here; the exit code still tells.
pub fn error(error: &Error) {
    let _ = line(&error.render());
}

/// A note on stderr (what tapgen chose for the user, what it left alone), laid out as
/// errors are, with what to do about it where there is something to do.
pub(crate) fn note(message: &str, help: Option<String>) -> Result<(), Error> {
    line(&crate::error::render::block(
        &crate::error::render::Block::note(message).help(help),
    ))
}

/// Shows what clap has to say (help, version, a command-line error) and returns the exit
/// code: clap's own (0 for help and version, 2 for errors), or 3 where help or version, the
/// output asked for, could not be written.
pub(crate) fn clap_message(error: &clap::Error) -> i32 {
    let text = error.render().ansi().to_string();
    if error.use_stderr() {
        // As with `error`: the command line was wrong whether or not that could be shown.
        let _ = write_to(Stream::Stderr, text.as_bytes(), true);
        return error.exit_code();
    }
    match write_to(Stream::Stdout, text.as_bytes(), true) {
        Ok(()) => error.exit_code(),
        Err(failure) => {
            self::error(&failure);
            failure.exit_code()
        }
    }
}
