//! What a package is built for: the function's Python runtime and CPU architecture, and
//! what follows from them: the wheel platform the installer selects, and which compiled
//! extensions (`.so` files) the runtime can load.

use crate::error::{Error, ticked};
use std::fmt;

/// The Python runtimes a package can be built for, with the glibc each runs on: Lambda's
/// `python3.11` runs on Amazon Linux 2 (glibc 2.26), `python3.12` and later on Amazon
/// Linux 2023 (glibc 2.34). Wheels are selected for the newest manylinux that glibc
/// loads, which accepts every older manylinux wheel too.
const RUNTIMES: &[(&str, u8, Manylinux)] = &[
    ("python3.11", 11, Manylinux::Glibc217),
    ("python3.12", 12, Manylinux::Glibc234),
    ("python3.13", 13, Manylinux::Glibc234),
    ("python3.14", 14, Manylinux::Glibc234),
];

/// The newest manylinux a runtime's glibc accepts, among those the installer can target.
/// Amazon Linux 2 has glibc 2.26, but the installer has no `manylinux_2_26` target:
/// `manylinux2014` (glibc 2.17) is the newest below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manylinux {
    Glibc217,
    Glibc234,
}

/// A Lambda Python runtime, such as `python3.12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Runtime {
    index: usize,
}

impl Runtime {
    /// The runtime named as Lambda names it (`python3.12`); exit 2 for any other name.
    pub fn parse(name: &str) -> Result<Self, Error> {
        RUNTIMES
            .iter()
            .position(|(known, ..)| *known == name)
            .map(|index| Runtime { index })
            .ok_or_else(|| {
                let known: Vec<&str> = RUNTIMES.iter().map(|(name, ..)| *name).collect();
                Error::usage(
                    format!(
                        "cannot build a Lambda package for the runtime `{}`",
                        crate::error::shown(name)
                    ),
                    Some(format!("supported runtimes: {}", ticked(&known))),
                )
            })
    }

    /// The name Lambda gives it: `python3.12`.
    pub fn name(self) -> &'static str {
        RUNTIMES[self.index].0
    }

    fn minor(self) -> u8 {
        RUNTIMES[self.index].1
    }

    /// The version the installer targets: `3.12`.
    pub fn python_version(self) -> String {
        format!("3.{}", self.minor())
    }

    /// The CPython tag of its extensions: `cpython-312`.
    fn cpython_tag(self) -> String {
        format!("cpython-3{}", self.minor())
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Lambda instruction set architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    /// The architecture named as Lambda names it (`x86_64`, `arm64`); exit 2 for others.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            other => Err(Error::usage(
                format!(
                    "cannot build a Lambda package for the architecture `{}`",
                    crate::error::shown(other)
                ),
                Some("Lambda's architectures are `x86_64` and `arm64`".to_owned()),
            )),
        }
    }

    /// Lambda's name: `x86_64` or `arm64`.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The machine's name in wheel and extension tags: `x86_64` or `aarch64`.
    pub fn machine(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "aarch64",
        }
    }

    /// The ELF `e_machine` of its code: `EM_X86_64` or `EM_AARCH64`.
    fn elf_machine(self) -> u16 {
        match self {
            Architecture::X86_64 => 62,
            Architecture::Arm64 => 183,
        }
    }

    fn from_elf_machine(machine: u16) -> Option<Self> {
        [Architecture::X86_64, Architecture::Arm64]
            .into_iter()
            .find(|arch| arch.elf_machine() == machine)
    }

    /// As messages name it: `arm64 (aarch64)` where the two names differ.
    fn shown(self) -> String {
        if self.name() == self.machine() {
            self.name().to_owned()
        } else {
            format!("{} ({})", self.name(), self.machine())
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a package is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub runtime: Runtime,
    pub architecture: Architecture,
}

impl Target {
    /// The target Lambda's names describe: `("python3.12", "arm64")`.
    pub fn parse(runtime: &str, architecture: &str) -> Result<Self, Error> {
        Ok(Target {
            runtime: Runtime::parse(runtime)?,
            architecture: Architecture::parse(architecture)?,
        })
    }

    /// The installer's `--python-platform`: `x86_64-manylinux_2_34`, `aarch64-manylinux2014`.
    pub fn python_platform(self) -> String {
        let glibc = match RUNTIMES[self.runtime.index].2 {
            Manylinux::Glibc217 => "manylinux2014",
            Manylinux::Glibc234 => "manylinux_2_34",
        };
        format!("{}-{glibc}", self.architecture.machine())
    }

    /// The wheel platform tag, for messages: `manylinux_2_34_x86_64`.
    pub fn platform_tag(self) -> String {
        let glibc = match RUNTIMES[self.runtime.index].2 {
            Manylinux::Glibc217 => "manylinux_2_17",
            Manylinux::Glibc234 => "manylinux_2_34",
        };
        format!("{glibc}_{}", self.architecture.machine())
    }

    /// The extension tag the runtime loads besides `abi3`: `cpython-312-x86_64-linux-gnu`.
    pub fn extension_tag(self) -> String {
        format!(
            "{}-{}-linux-gnu",
            self.runtime.cpython_tag(),
            self.architecture.machine()
        )
    }

    /// For messages: `python3.12 on arm64 (aarch64)`.
    pub fn shown(self) -> String {
        format!("{} on {}", self.runtime, self.architecture.shown())
    }

    /// Why the compiled file `name`, whose first bytes are `head`, cannot be loaded by this
    /// target, or `None` if it can (or is not recognisably compiled code).
    ///
    /// The name's tag (`_yaml.cpython-312-x86_64-linux-gnu.so`) says which interpreter
    /// it was built for; the ELF header says which machine, tagged or not.
    pub fn foreign_library(self, name: &str, head: &[u8]) -> Option<String> {
        let file = name.rsplit('/').next().unwrap_or(name);
        if let Some(tag) = extension_tag(file)
            && tag != "abi3"
            && tag != self.extension_tag()
        {
            return Some(format!(
                "is a compiled extension tagged `{tag}`, which {} cannot load: it loads `{}` or `abi3`",
                self.shown(),
                self.extension_tag()
            ));
        }
        self.foreign_code(head)
    }

    /// Why the code whose header is `head` does not run on this target's machine.
    fn foreign_code(self, head: &[u8]) -> Option<String> {
        const MACH_O: [[u8; 4]; 4] = [
            [0xFE, 0xED, 0xFA, 0xCE],
            [0xFE, 0xED, 0xFA, 0xCF],
            [0xCE, 0xFA, 0xED, 0xFE],
            [0xCF, 0xFA, 0xED, 0xFE],
        ];
        if head.len() >= 4 && MACH_O.iter().any(|magic| head[..4] == *magic) {
            return Some(
                "is a macOS (Mach-O) library, which Lambda's Linux cannot load".to_owned(),
            );
        }
        if head.len() < 20 || head[..4] != *b"\x7fELF" {
            return None;
        }
        // e_ident[EI_CLASS] is 2 for 64-bit code; e_ident[EI_DATA] 1 for little-endian, the
        // byte order of both of Lambda's architectures, so e_machine reads little-endian.
        if head[4] != 2 || head[5] != 1 {
            return Some(format!(
                "is not a 64-bit little-endian ELF library, which {} needs",
                self.architecture.shown()
            ));
        }
        let machine = u16::from_le_bytes([head[18], head[19]]);
        if machine == self.architecture.elf_machine() {
            return None;
        }
        Some(match Architecture::from_elf_machine(machine) {
            Some(other) => format!(
                "is built for {}, but the function runs on {}",
                other.shown(),
                self.architecture.shown()
            ),
            None => format!(
                "is built for another machine (ELF machine {machine}), but the function runs on {}",
                self.architecture.shown()
            ),
        })
    }
}

/// Whether `name` is a shared library by its name: `x.so`, or `libx.so.1.2`.
pub fn is_shared_library(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.ends_with(".so")
        || file.split_once(".so.").is_some_and(|(_, version)| {
            !version.is_empty()
                && version
                    .split('.')
                    .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The interpreter tag of an extension's file name (`cpython-312-x86_64-linux-gnu` of
/// `_yaml.cpython-312-x86_64-linux-gnu.so`, `abi3` of `_x.abi3.so`), or `None` for an
/// untagged library such as `libfoo.so`.
fn extension_tag(file: &str) -> Option<&str> {
    let stem = file.strip_suffix(".so")?;
    let (_, tag) = stem.rsplit_once('.')?;
    let tagged = tag == "abi3"
        || tag.contains('-')
        || ["cpython", "pypy", "graalpy", "cp3"]
            .iter()
            .any(|prefix| tag.starts_with(prefix));
    tagged.then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(runtime: &str, arch: &str) -> Target {
        Target::parse(runtime, arch).unwrap()
    }

    fn elf(machine: u16) -> Vec<u8> {
        let mut head = b"\x7fELF\x02\x01\x01".to_vec();
        head.resize(18, 0);
        head.extend_from_slice(&machine.to_le_bytes());
        head
    }

    #[test]
    fn platforms_follow_the_runtimes_glibc_and_the_architecture() {
        assert_eq!(
            target("python3.12", "x86_64").python_platform(),
            "x86_64-manylinux_2_34"
        );
        assert_eq!(
            target("python3.13", "arm64").python_platform(),
            "aarch64-manylinux_2_34"
        );
        assert_eq!(
            target("python3.11", "arm64").python_platform(),
            "aarch64-manylinux2014"
        );
        assert_eq!(
            target("python3.12", "x86_64").runtime.python_version(),
            "3.12"
        );
        assert_eq!(
            target("python3.12", "arm64").extension_tag(),
            "cpython-312-aarch64-linux-gnu"
        );
    }

    #[test]
    fn unknown_runtimes_and_architectures_are_refused_with_the_choices() {
        let error = Target::parse("python2.7", "x86_64")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`python3.12`"), "{error}");
        let error = Target::parse("python3.12", "aarch64")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`x86_64` and `arm64`"), "{error}");
    }

    #[test]
    fn extensions_of_the_runtime_and_abi3_load_and_others_are_named() {
        let x86 = target("python3.12", "x86_64");
        let x86_elf = elf(62);
        assert_eq!(
            x86.foreign_library("a/_yaml.cpython-312-x86_64-linux-gnu.so", &x86_elf),
            None
        );
        assert_eq!(x86.foreign_library("_x.abi3.so", &x86_elf), None);
        assert_eq!(x86.foreign_library("libfoo.so.1", &x86_elf), None);
        for foreign in [
            "_x.cpython-311-x86_64-linux-gnu.so",
            "_x.cpython-312-aarch64-linux-gnu.so",
            "_x.cpython-312-darwin.so",
            "_x.cpython-312-x86_64-linux-musl.so",
            "_x.pypy310-pp73-x86_64-linux-gnu.so",
        ] {
            let why = x86.foreign_library(foreign, &x86_elf).unwrap();
            assert!(why.contains("cpython-312-x86_64-linux-gnu"), "{why}");
        }
    }

    #[test]
    fn untagged_libraries_are_judged_by_their_elf_header() {
        let x86 = target("python3.12", "x86_64");
        let why = x86.foreign_library("libfoo.so", &elf(183)).unwrap();
        assert_eq!(
            why,
            "is built for arm64 (aarch64), but the function runs on x86_64"
        );
        let arm = target("python3.12", "arm64");
        assert!(arm.foreign_library("libfoo.so", &elf(183)).is_none());
        let why = arm
            .foreign_library("_x.abi3.so", &[0xCF, 0xFA, 0xED, 0xFE, 0, 0])
            .unwrap();
        assert!(why.contains("Mach-O"), "{why}");
        // Not compiled code at all (a linker script, say): not judged.
        assert!(
            arm.foreign_library("libc.so", b"/* GNU ld script */")
                .is_none()
        );
    }

    #[test]
    fn shared_libraries_are_known_by_name() {
        assert!(is_shared_library("a/b.so"));
        assert!(is_shared_library("libssl.so.3"));
        assert!(is_shared_library("libz.so.1.2.13"));
        assert!(!is_shared_library("notes.so.txt"));
        assert!(!is_shared_library("so"));
        assert!(!is_shared_library("a.py"));
    }
}
