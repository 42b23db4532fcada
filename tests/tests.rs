//! Every integration test, built into one binary.

mod support;

/// `[account]` and `[encryption]`: rendered in the roots only, bad input refused at its key,
/// Terraform refused for an encrypted root, an encrypted state and an account check in moto.
mod account;
/// Failures injected while writing leave the previous output byte-identical.
mod atomic_writes;
/// Invalid configs: exit 2, a message naming file, line and key, and nothing written.
mod bad_configs;
/// The command line: each command, exit codes, `--check`, `init`, hand-edited files.
mod cli;
/// The command line at its edges: full and closed output streams, the embedded default,
/// stale output under `validate`, tool choice, flag placement, `--env` completion, `init`.
mod cli_trust;
/// The config's rules: NFC, SemVer, registry addresses, regions, AWS limits, secrets, and
/// every error at once, in file order, each located under its full key.
mod config_rules;
/// `tapgen schema` carries each setting's rules: a JSON Schema validator and taplo refuse what
/// tapgen refuses and take every test config.
mod config_schema;
/// `[api.domain]`: a custom domain rendered for the environments that set it, and each bad
/// name, certificate, zone or base path refused at its line and key.
mod domain;
/// Environment roots deployed against an AWS emulator (moto) on loopback: init, apply, an
/// empty plan, outputs, destroy; every rendered AWS type has an emulator endpoint.
mod emulator;
/// Whole messages pinned: stderr and stdout compared in full for each representative error.
mod errors;
/// The committed module and environments equal a fresh render; renders are deterministic.
mod golden;
/// "This key needs that one", worded once for every pair of keys, pinned in full.
mod key_needs;
/// A handler's dependencies: pinned wheels for the function's runtime and architecture,
/// the same bytes from any checkout and cache, refusals of unpinned and foreign code.
mod lambda_deps;
/// `tapgen terraform` with dependencies: a package per environment's architecture, written
/// once where the roots reference it, the same bytes from any checkout, no installer on a
/// warm cache, the handler's pytest suite against it, refusals that write nothing.
mod lambda_packages;
/// The Lambda source folders: judged by the package step, reported as config problems at
/// their keys with every other problem, by the commands that reported them before.
mod lambda_sources;
/// The module as a consumer judges it: terraform-docs, the diagram, the usage snippet,
/// tflint, an offline plan of each example, and `tapgen module lint`.
mod module;
/// The module's own `tofu test` suite passes offline for every config and from the package,
/// and fails, naming the run, on a module broken on purpose.
mod module_tofu_test;
/// tapgen touches only what it wrote: no links followed, no special file opened, stale
/// output of dropped environments removed, bounded open files, one run at a time.
mod owned_output;
/// The Lambda package holds exactly the handler folder, with modes kept and limits enforced.
mod package;
/// The rendered IAM policies are least-privilege.
mod policies;
/// Renders checked against the aws provider's own schema snapshot.
mod provider_schema;
/// `[publish]`: `module publish` with no flags to every target it sets, flags for one target,
/// located errors for bad values, and the README's usage snippet from where it is published.
mod publish_config;
/// `tapgen module publish --git`: commits and annotated tags that real tofu installs from.
mod publish_git;
/// `tapgen module publish --oci`: OpenTofu module packages in a real OCI registry (with and
/// without credentials) that real tofu installs and oras pulls back.
mod publish_oci;
/// Packages, registry folders and `registry serve`; real tofu, terraform and nginx install from them.
mod publishing;
/// Real OpenTofu and Terraform judge the output, where installed.
mod real_tools;
/// A value refused as a secret is never printed back: masked in the source line, absent
/// from every message of the run, its place and key still shown.
mod redaction;
/// Every reference between rendered resources, inputs, locals and module outputs resolves.
mod references;
/// Every printed document parses back (hcl-rs) to the tree it was printed from.
mod roundtrip;
