//! `tapgen completions SHELL`: clap_complete's script, and for bash, environment names for
//! `--env`.
//!
//! Environment names come from the config, so no static script can know them. clap_complete
//! has a dynamic engine that asks the binary at every Tab, but it is behind an `unstable-`
//! feature whose API and shell scripts may change in any release. Instead the stable static
//! script is kept whole and a small bash function is appended that answers only `--env`
//! (and `-e`) of `terraform` and `validate`, asking the tapgen being completed for the
//! environments of the config in use (`__environments`, a hidden command), and hands every
//! other word to the generated `_tapgen`.

use crate::cli::Cli;
use crate::error::Error;
use clap::CommandFactory;
use clap_complete::Shell;

/// The function clap_complete's bash script defines for `tapgen`.
const GENERATED_BASH_FUNCTION: &str = "_tapgen() {";

const BASH_ENVIRONMENTS: &str = r#"
# Added by tapgen: `--env` completes the environments of the config in use (the file
# `--config` names, else ./tapgen.toml), as listed by the tapgen being completed.
_tapgen_environments() {
    local cur="$2" prev="$3" i word command="" config=() environments
    # `--env=st`: bash splits the word at `=`.
    if [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]]; then
        prev="${COMP_WORDS[COMP_CWORD-2]}"
    fi
    # The command, and `--config` before or after it.
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${COMP_WORDS[i]}"
        case "$word" in
            --config|-c|--out|-o|--env|-e)
                if [[ "${COMP_WORDS[i+1]}" == "=" ]]; then i=$((i + 1)); fi
                i=$((i + 1))
                if [[ ( "$word" == --config || "$word" == -c ) && $i -lt $COMP_CWORD ]]; then
                    config=(--config "${COMP_WORDS[i]/#\~/$HOME}")
                fi
                ;;
            -*) ;;
            *) if [[ -z "$command" ]]; then command="$word"; fi ;;
        esac
    done
    if [[ ( "$command" != terraform && "$command" != validate ) || ( "$prev" != --env && "$prev" != -e ) ]]; then
        _tapgen "$@"
        return
    fi
    environments="$("${COMP_WORDS[0]/#\~/$HOME}" __environments "${config[@]}" 2>/dev/null)"
    COMPREPLY=( $(compgen -W "$environments" -- "$cur") )
    # Offer no file names when no environment matches.
    if type compopt &>/dev/null; then
        compopt +o default +o bashdefault 2>/dev/null
    fi
    return 0
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _tapgen_environments -o nosort -o bashdefault -o default tapgen
else
    complete -F _tapgen_environments -o bashdefault -o default tapgen
fi
"#;

/// The completion script for `shell`.
pub(crate) fn script(shell: Shell) -> Result<String, Error> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics when its writer fails, and a Vec cannot fail;
    // the caller then writes it out like any other output.
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "tapgen", &mut buffer);
    let mut script = String::from_utf8(buffer).map_err(|e| {
        Error::io(
            "generate",
            "the completion script",
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    // Should a clap_complete release rename its function, the script still completes every
    // command and flag, only not environment names (and the tests say so).
    if shell == Shell::Bash && script.lines().any(|line| line == GENERATED_BASH_FUNCTION) {
        script.push_str(BASH_ENVIRONMENTS);
    }
    Ok(script)
}
