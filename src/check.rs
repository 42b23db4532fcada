//! AWS's own rules and tapgen's naming rules, checked on the resolved environments
//! ([`crate::stack::Resolved`]), after the config's shape and each setting's own rule
//! ([`crate::config::structure`]); what is here needs several values or AWS's lists.
//!
//! The checks read nothing but the resolved model: what needs the disk (whether the Lambda
//! source folders exist) is the package step's ([`crate::package::source`]), which the
//! commands run with the checks through [`OnDisk`] so that its problems come with these.
//!
//! All problems are collected and reported together, in file order. Each points at the line
//! that set the offending value: the environment's overlay when it sets the key, else the
//! project-wide value, else (for defaults and derived names) the nearest table that is
//! written. A value inherited by several environments is reported once, where it is written.

use crate::aws::{self, regions};
use crate::config::secrets::looks_like_secret;
use crate::config::source::Source;
use crate::config::{ConfigFile, Loaded};
use crate::error::{ArnOf, Diagnostic, Error, Holder, Problem, Redacted, Rule, shown, ticked};
use crate::stack::{self, Resolved, Stack};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The longest suffix the module appends to `<project>-<env>` in a resource name
/// (`-apigw-cloudwatch`, on the account logging role), within the IAM role name limit.
const LONGEST_NAME_SUFFIX: usize = "-apigw-cloudwatch".len();

/// The problems of a resolved config that only the disk shows, found outside the check
/// stage (by [`crate::package::source::problems`]) and reported with the stage's own, in
/// file order, so that a missing source folder comes with every other mistake.
pub type OnDisk = fn(&Loaded, &Resolved) -> Vec<Diagnostic>;

/// No look at the disk: the config's own problems alone.
fn nothing_on_disk(_: &Loaded, _: &Resolved) -> Vec<Diagnostic> {
    Vec::new()
}

/// Loads `--config PATH` (see [`crate::config::load()`]) and reports every problem of its shape
/// together with the rule problems of the rest and those `on_disk` finds.
pub fn load(path: Option<&Path>, on_disk: OnDisk) -> Result<Loaded, Error> {
    finish(crate::config::load::load(path)?, on_disk)
}

/// Parses config text (see [`crate::config::load::parse`]) and reports every problem of its
/// shape together with the rule problems of the rest: `name` is what messages call the file.
pub fn parse(name: &str, text: String, base_dir: PathBuf) -> Result<Loaded, Error> {
    finish(
        crate::config::load::parse(name, text, base_dir)?,
        nothing_on_disk,
    )
}

/// A parse with problems of shape fails, with the rule problems of what is left added, and
/// those `on_disk` finds.
fn finish(parsed: crate::config::load::Parsed, on_disk: OnDisk) -> Result<Loaded, Error> {
    let crate::config::load::Parsed { loaded, problems } = parsed;
    if problems.is_empty() {
        return Ok(loaded);
    }
    let resolved = stack::resolve(&loaded);
    let mut diagnostics = problems;
    diagnostics.extend(check(&loaded, &resolved));
    diagnostics.extend(on_disk(&loaded, &resolved));
    Err(config_error(&loaded, diagnostics))
}

/// The error of a config with `diagnostics`, in file order.
pub(crate) fn config_error(loaded: &Loaded, mut diagnostics: Vec<Diagnostic>) -> Error {
    crate::error::sort_by_location(&mut diagnostics);
    Error::Config {
        file: loaded.source.name.clone(),
        diagnostics,
    }
}

/// Resolves the config once, checks every environment, and keeps the requested ones (in the
/// order requested) in [`Resolved::stacks`]. Reads nothing; see [`validate_with`].
pub fn validate(loaded: &Loaded, requested: &[String]) -> Result<Resolved, Error> {
    validate_with(loaded, requested, nothing_on_disk)
}

/// [`validate`], with the problems `on_disk` finds in every environment reported together
/// with the checks' own.
pub fn validate_with(
    loaded: &Loaded,
    requested: &[String],
    on_disk: OnDisk,
) -> Result<Resolved, Error> {
    let mut resolved = stack::resolve(loaded);
    let mut diagnostics = check(loaded, &resolved);
    diagnostics.extend(on_disk(loaded, &resolved));
    if !diagnostics.is_empty() {
        return Err(config_error(loaded, diagnostics));
    }
    let declared = stack::environments(&loaded.config);
    let mut stacks = Vec::new();
    for environment in requested {
        let Some(index) = resolved
            .stacks
            .iter()
            .position(|stack| stack.environment == *environment)
        else {
            return Err(Error::UndeclaredEnvironment {
                name: environment.clone(),
                file: loaded.source.name.clone(),
                closest: crate::suggest::closest(environment, declared.iter().map(String::as_str))
                    .map(str::to_owned),
                declared,
            });
        };
        stacks.push(resolved.stacks[index].clone());
    }
    resolved.stacks = stacks;
    Ok(resolved)
}

/// `tapgen validate` with Terraform (`tool`) on the root of `stack`, which encrypts its state
/// with a block only OpenTofu reads: the error, at the key that turns encryption on.
pub fn refuse_terraform(loaded: &Loaded, stack: &Stack, tool: &Path) -> Error {
    let mut checker = Checker::new(loaded, &[]);
    let problem = Problem::NeedsOpenTofu {
        environment: stack.environment.clone(),
        tool: tool.display().to_string(),
    };
    checker.report(stack, &["encryption", "kms_key_id"], problem);
    config_error(loaded, checker.diagnostics)
}

/// Every rule problem of every resolved environment, in the order found. Reads nothing but
/// `loaded` and `resolved`: the same model gives the same problems wherever it is checked.
pub fn check(loaded: &Loaded, resolved: &Resolved) -> Vec<Diagnostic> {
    let config = &loaded.config;
    let mut checker = Checker::new(loaded, &resolved.stacks);
    checker.project(config, &resolved.module);
    checker.publish(config);
    checker.oci_tag(config, &resolved.module);
    for stack in &resolved.stacks {
        checker.environment_name(&stack.environment);
        checker.stack(stack);
    }
    checker.diagnostics
}

/// The problem with `value` where it looks like a credential: `holder` names it, and its
/// name is evidence too (`DB_PASSWORD`).
pub(crate) fn plain_text_secret(holder: Holder, value: &str) -> Option<Problem> {
    let name = match &holder {
        Holder::EnvironmentVariable(name) | Holder::Tag(name) => name,
    };
    let secret = looks_like_secret(name, value)?;
    Some(Problem::Secret {
        holder,
        secret,
        value: Redacted::new(value),
    })
}

/// The rule checks of one config, which each family's own checks report through.
pub struct Checker<'a> {
    source: &'a Source,
    diagnostics: Vec<Diagnostic>,
    /// Every environment checked, which a rule comparing them reads.
    stacks: &'a [Stack],
    /// A project-wide mistake is found once per environment; report it once: the same
    /// place, key and advice is the same problem.
    seen: BTreeSet<Identity>,
}

/// What makes two findings the same problem: line and column, key, advice.
type Identity = (Option<(usize, usize)>, Option<String>, String);

/// Where an environment's value of `key` may be written: the environment's overlay (where
/// the key can be overlaid at all), then the project-wide key.
fn written_paths<'k>(environment: Option<&'k str>, key: &[&'k str]) -> [Vec<&'k str>; 2] {
    let overlay = environment
        .zip(crate::family::overlay_path(key))
        .map(|(env, path)| ["env", env].into_iter().chain(path).collect())
        .unwrap_or_default();
    [overlay, key.to_vec()]
}

impl<'a> Checker<'a> {
    pub(crate) fn new(loaded: &'a Loaded, stacks: &'a [Stack]) -> Self {
        Self {
            source: &loaded.source,
            diagnostics: Vec::new(),
            stacks,
            seen: BTreeSet::new(),
        }
    }
}

impl Checker<'_> {
    /// Reports a problem with `key` (its project-wide path, such as `lambda.memory_mb`) as
    /// resolved for `stack`'s environment.
    pub(crate) fn report(&mut self, stack: &Stack, key: &[&str], problem: Problem) {
        self.error(Some(&stack.environment), key, problem);
    }

    /// Every environment being checked.
    pub(crate) fn stacks(&self) -> &[Stack] {
        self.stacks
    }

    /// Reports a problem with `key` as the project-wide value has it, with no environment's
    /// overlay: the module examples' (see [`Resolved::project`]).
    pub(crate) fn report_project(&mut self, key: &[&str], problem: Problem) {
        self.error(None, key, problem);
    }

    /// The problems reported, in the order found.
    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Reports a problem with `key` (its project-wide path, such as `lambda.memory_mb` or
    /// `project.region`) as resolved for `environment`.
    fn error(&mut self, environment: Option<&str>, key: &[&str], problem: Problem) {
        let [overlay, base] = written_paths(environment, key);
        let written = |path: &&Vec<&str>| !path.is_empty() && self.source.contains(path);
        // The line that set the value: the environment's overlay, else the project-wide key.
        let exact = [&overlay, &base].into_iter().find(written);
        // For a default or a derived value, the nearest project-wide table that is written,
        // else `[project]`: a default every environment shares is reported once, there.
        fn prefixes<'k>(path: &[&'k str], shortest: usize) -> Vec<Vec<&'k str>> {
            (shortest..path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .collect()
        }
        let nearest = exact.cloned().or_else(|| {
            prefixes(&base, 1)
                .into_iter()
                .chain([vec!["project"]])
                .chain(prefixes(&overlay, 2))
                .find(|path| self.source.contains(path))
        });
        let shown_key = exact
            .or([&base, &overlay].into_iter().find(|p| !p.is_empty()))
            .map(|path| crate::error::key_path(path));
        let span = nearest
            .and_then(|path| self.source.span_of(&path))
            .unwrap_or(0..0);
        let diagnostic = Diagnostic {
            problem,
            key: shown_key,
            location: Some(self.source.location(span)),
            file: self.source.name.clone(),
        };
        let identity = (
            diagnostic.location.as_ref().map(|l| (l.line, l.column)),
            diagnostic.key.clone(),
            diagnostic.problem.help(),
        );
        if self.seen.insert(identity) {
            self.diagnostics.push(diagnostic);
        }
    }

    fn project(&mut self, config: &ConfigFile, module: &stack::ModuleSpec) {
        let name = &config.project.name;
        if !is_name(name, true) {
            self.error(
                None,
                &["project", "name"],
                invalid(Rule::ProjectName, name, None),
            );
        }
        if !(is_name(&module.name, false) && is_registry_name(&module.name)) {
            self.error(
                None,
                &["module", "name"],
                invalid(Rule::ModuleName, &module.name, None),
            );
        }
        // The namespace defaults to the registry's, whose address `publish` checks, else to
        // the project name, so a bad default is the name's fault.
        let namespace_from_registry =
            config.module.namespace.is_none() && config.publish.registry.is_some();
        if !namespace_from_registry && !is_registry_name(&module.namespace) {
            let (key, rule): (&[&str], _) = if config.module.namespace.is_some() {
                (&["module", "namespace"], Rule::ModuleNamespace)
            } else {
                (&["project", "name"], Rule::DerivedNamespace)
            };
            self.error(None, key, invalid(rule, &module.namespace, None));
        }
        // The version is printed into the module's README and pinned by registry roots:
        // only a whole, valid SemVer version goes there.
        if let Err(problem) = semver::Version::parse(&module.version) {
            self.error(
                None,
                &["module", "version"],
                invalid(
                    Rule::ModuleVersion,
                    &module.version,
                    Some(problem.to_string()),
                ),
            );
        }
        let Some(source) = &config.module.source else {
            return;
        };
        self.credential_in_address(&["module", "source"], source);
        if source == "local" || is_git_or_oci_source(source) {
            return;
        }
        if let Err(problem) = check_registry_address(source) {
            self.error(
                None,
                &["module", "source"],
                invalid(Rule::ModuleSource, source, Some(problem)),
            );
            return;
        }
        // Roots must pin the address that `tapgen module package` publishes, or they would
        // install some other module (or none).
        let published = format!(
            "{}/{}/{}",
            module.namespace,
            module.name,
            crate::publish::package::SYSTEM
        );
        if !source.ends_with(&format!("/{published}")) && *source != published {
            self.error(
                None,
                &["module", "source"],
                Problem::ModuleSourceMismatch {
                    source: source.clone(),
                    published,
                },
            );
        }
    }

    /// `[publish]`: each value in the form its target takes, and the registry's namespace the
    /// module's own.
    fn publish(&mut self, config: &ConfigFile) {
        let publish = &config.publish;
        // Each address is printed in the README's usage snippet. Checked for credentials
        // whatever else is wrong with it, so that the report of that masks them too.
        for (key, address) in [
            ("git", &publish.git),
            ("oci", &publish.oci),
            ("registry", &publish.registry),
        ] {
            if let Some(address) = address {
                self.credential_in_address(&["publish", key], address);
            }
        }
        if let Some(git) = &publish.git
            && let Err(problem) = check_git_repository(git)
        {
            self.error(
                None,
                &["publish", "git"],
                invalid(Rule::GitRepository, git, Some(problem)),
            );
        }
        // Values with a rule of their own alone: the key, the value, the rule and its check.
        type Check = fn(&str) -> Result<(), String>;
        let one_rule: [(&str, &Option<String>, Rule, Check); 3] = [
            (
                "tag_prefix",
                &publish.tag_prefix,
                Rule::TagPrefix,
                crate::publish::git::check_tag_prefix,
            ),
            ("git_path", &publish.git_path, Rule::GitPath, check_git_path),
            (
                "oci",
                &publish.oci,
                Rule::OciRepository,
                check_oci_repository,
            ),
        ];
        for (key, value, rule, check) in one_rule {
            if let Some(value) = value
                && let Err(problem) = check(value)
            {
                self.error(None, &["publish", key], invalid(rule, value, Some(problem)));
            }
        }
        if let Some(registry) = &publish.registry {
            if let Err(problem) = check_registry_namespace_address(registry) {
                self.error(
                    None,
                    &["publish", "registry"],
                    invalid(Rule::RegistryAddress, registry, Some(problem)),
                );
            } else if let (Some(namespace), Some(theirs)) = (
                &config.module.namespace,
                registry.split_once('/').map(|(_, ns)| ns),
            ) && namespace != theirs
            {
                self.error(
                    None,
                    &["publish", "registry"],
                    Problem::RegistryNamespaceMismatch {
                        registry: registry.clone(),
                        registry_namespace: theirs.to_owned(),
                        namespace: namespace.clone(),
                    },
                );
            }
        }
        if publish
            .registry_site
            .as_deref()
            .is_some_and(|site| site.trim().is_empty())
        {
            self.error(
                None,
                &["publish", "registry_site"],
                Problem::EmptyRegistrySite,
            );
        }
    }

    /// An address that ends up in the README or in every root must hold no credentials.
    fn credential_in_address(&mut self, key: &[&str], address: &str) {
        if let Some(secret) = looks_like_secret(key.last().copied().unwrap_or_default(), address) {
            self.error(
                None,
                key,
                Problem::CredentialInAddress {
                    key: crate::error::key_path(key),
                    secret,
                    value: Redacted::new(address),
                },
            );
        }
    }

    /// An OCI tag (`?tag=<version>`) has no `+`: a version with build metadata can't be one.
    fn oci_tag(&mut self, config: &ConfigFile, module: &stack::ModuleSpec) {
        let oci =
            config.publish.oci.is_some() || matches!(module.source, stack::ModuleSource::Oci(_));
        if oci && module.version.contains('+') {
            self.error(
                None,
                &["module", "version"],
                Problem::OciTagVersion {
                    version: module.version.clone(),
                },
            );
        }
    }

    fn environment_name(&mut self, environment: &str) {
        let valid = (1..=20).contains(&environment.len())
            && environment.starts_with(|c: char| c.is_ascii_lowercase())
            && !environment.ends_with('-')
            && environment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.error(
                Some(environment),
                &[],
                invalid(Rule::EnvironmentName, environment, None),
            );
        }
    }

    fn stack(&mut self, stack: &Stack) {
        self.names(stack);
        for check in crate::family::checks() {
            check(self, stack);
        }
    }

    fn names(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let bucket = stack.bucket_name();
        if let Err(problem) = check_bucket_name(&bucket) {
            self.error(
                env,
                &["project", "name"],
                Problem::LogBucketName {
                    bucket,
                    environment: stack.environment.clone(),
                    reason: problem,
                },
            );
        }
        let longest = stack.project.len() + 1 + stack.environment.len() + LONGEST_NAME_SUFFIX;
        if longest > aws::IAM_NAME_LIMIT {
            let prefix = format!("{}-{}", stack.project, stack.environment);
            self.error(
                env,
                &["project", "name"],
                Problem::NamesTooLong {
                    longest_name: format!("{prefix}-apigw-cloudwatch"),
                    prefix,
                    length: longest,
                    limit: aws::IAM_NAME_LIMIT,
                    suffix: LONGEST_NAME_SUFFIX,
                },
            );
        }
    }

    /// Checks that `arn` is an ARN of what `of` names in a known region of the environment's
    /// partition (in the environment's own region, where `of` must be); whether it is.
    pub(crate) fn arn(&mut self, stack: &Stack, key: &[&str], arn: &str, of: ArnOf) -> bool {
        let env = Some(stack.environment.as_str());
        let Some(partition) = arn_partition(arn, of) else {
            let problem = Problem::NotAnArn {
                value: arn.to_owned(),
                of,
            };
            self.error(env, key, problem);
            return false;
        };
        if let Some(expected) = regions::partition_of(stack.region())
            && expected.id != partition
        {
            let problem = Problem::WrongPartition {
                value: arn.to_owned(),
                of,
                partition: partition.to_owned(),
                environment: stack.environment.clone(),
                expected: expected.id.to_owned(),
                region: stack.region().to_owned(),
            };
            self.error(env, key, problem);
            return false;
        }
        let region = arn_field(arn, ArnField::Region).unwrap_or_default();
        if of.same_region() && region != stack.region() {
            let problem = Problem::WrongRegion {
                value: arn.to_owned(),
                of,
                region: region.to_owned(),
                environment: stack.environment.clone(),
                expected: stack.region().to_owned(),
            };
            self.error(env, key, problem);
            return false;
        }
        true
    }
}

/// A value that breaks `rule`.
pub(crate) fn invalid(rule: Rule, value: &str, reason: Option<String>) -> Problem {
    Problem::Invalid {
        rule,
        value: value.to_owned(),
        reason,
    }
}

pub(crate) fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// Letters, digits and hyphens, starting with a letter; lowercase only when `mixed_case` is false.
fn is_name(name: &str, mixed_case: bool) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| {
            c == '-'
                || c.is_ascii_digit()
                || if mixed_case {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_lowercase()
                }
        })
}

/// A namespace or name in a module registry address, in Terraform's grammar: 1 to 64 ASCII
/// letters, digits, `-` and `_`, starting and ending with a letter or digit.
fn is_registry_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (1..=64).contains(&name.len())
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Terraform's (and OpenTofu's) grammar of module registry addresses,
/// `[HOST/]NAMESPACE/NAME/SYSTEM`, as the reason an address breaks it.
fn check_registry_address(address: &str) -> Result<(), String> {
    if address.contains("//") {
        return Err(
            "tapgen's module is the whole package, so a `//subdirectory` has no place here"
                .to_owned(),
        );
    }
    if address.contains('?') {
        return Err("registry addresses can't have a query string".to_owned());
    }
    if address.starts_with("./") || address.starts_with("../") || address.starts_with('/') {
        return Err(
            "it is a path; `local` is the way to use the module tapgen renders beside the roots"
                .to_owned(),
        );
    }
    let mut parts: Vec<&str> = address.split('/').collect();
    if parts.first().is_some_and(|first| is_vcs_host(first)) {
        return Err(format!(
            "`{}` is a version-control host, not a module registry; publish the module to a registry",
            shown(parts[0])
        ));
    }
    if parts.len() != 3 && parts.len() != 4 {
        return Err(format!(
            "it has {} parts separated by `/`, and a registry address has 3 or 4",
            parts.len()
        ));
    }
    if parts.len() == 4 {
        check_registry_host(parts[0])?;
        parts.remove(0);
    }
    if !is_registry_name(parts[0]) {
        if parts[0].contains('.') {
            return Err(format!(
                "`{}` looks like a host name, but a host is followed by three more parts: namespace, name and target system",
                shown(parts[0])
            ));
        }
        return Err(format!(
            "namespace `{}` must be 1 to 64 letters, digits, `-` and `_`, starting and ending with a letter or digit",
            shown(parts[0])
        ));
    }
    if !is_registry_name(parts[1]) {
        return Err(format!(
            "module name `{}` must be 1 to 64 letters, digits, `-` and `_`, starting and ending with a letter or digit",
            shown(parts[1])
        ));
    }
    let system = parts[2];
    if !((1..=64).contains(&system.len())
        && system
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(format!(
            "target system `{}` must be 1 to 64 lowercase letters and digits, such as `aws`",
            shown(system)
        ));
    }
    Ok(())
}

/// A version-control host, which serves git repositories and no module registry.
fn is_vcs_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "github.com" || host == "bitbucket.org"
}

/// `publish.registry`: `HOST/NAMESPACE`, as the reason it is not.
fn check_registry_namespace_address(address: &str) -> Result<(), String> {
    if address.contains("://") {
        return Err(
            "it has a scheme; write the host alone, such as `registry.example.com`".to_owned(),
        );
    }
    let parts: Vec<&str> = address.split('/').collect();
    let [host, namespace] = parts[..] else {
        return Err(if parts.len() == 1 {
            "it has no namespace after the host".to_owned()
        } else {
            format!(
                "it has {} parts separated by `/`, and it takes 2",
                parts.len()
            )
        });
    };
    if is_vcs_host(host) {
        return Err(format!(
            "`{}` is a version-control host, not a module registry; for git, set `git`",
            shown(host)
        ));
    }
    check_registry_host(host)?;
    if !is_registry_name(namespace) {
        return Err(format!(
            "namespace `{}` must be 1 to 64 letters, digits, `-` and `_`, starting and ending with a letter or digit",
            shown(namespace)
        ));
    }
    Ok(())
}

/// `publish.git`: a work tree's path, or a URL git can clone that a module source can name,
/// as the reason it is neither.
fn check_git_repository(repository: &str) -> Result<(), String> {
    if repository.trim().is_empty() {
        return Err("it is empty".to_owned());
    }
    if repository.starts_with("git::") {
        return Err("tapgen adds `git::` itself: write the URL alone".to_owned());
    }
    if !crate::publish::git::is_url(repository) {
        return Ok(());
    }
    if repository.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"' || c == '\\') {
        return Err("a URL can't hold spaces, quotes or backslashes".to_owned());
    }
    if repository.contains(['?', '#']) {
        return Err("tapgen adds `?ref=<tag>` itself: leave out the query".to_owned());
    }
    let rest = match repository.split_once("://") {
        Some((scheme, rest)) => {
            const SCHEMES: &[&str] = &["https", "http", "ssh", "git", "file"];
            if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "git can't clone over `{}`; use {}",
                    shown(scheme),
                    ticked(
                        &SCHEMES
                            .iter()
                            .map(|s| format!("{s}://"))
                            .collect::<Vec<_>>()
                    )
                ));
            }
            if scheme != "file" && rest.split('/').next().is_none_or(str::is_empty) {
                return Err("it has no host".to_owned());
            }
            rest
        }
        None => repository,
    };
    if rest.trim_start_matches('/').contains("//") {
        return Err("a `//FOLDER` inside the repository goes in `git_path`".to_owned());
    }
    Ok(())
}

/// `publish.git_path`: a folder inside the repository that a module source's `//FOLDER`
/// can name, as the reason it is not.
fn check_git_path(path: &str) -> Result<(), String> {
    match crate::publish::git::tree_path(std::path::Path::new(path)) {
        None => Err(
            "it is not a folder inside the repository (an absolute path, or one with `..`)"
                .to_owned(),
        ),
        Some(folder) if folder.is_empty() => Err("it names the repository's root".to_owned()),
        Some(folder) => match folder
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~+@/".contains(*c)))
        {
            Some(c) => Err(format!(
                "a module source's `//FOLDER` can't hold {}; use letters, digits and `-._~+@`",
                if c.is_whitespace() {
                    "spaces".to_owned()
                } else {
                    format!("`{c}`")
                }
            )),
            None => Ok(()),
        },
    }
}

/// The longest name, host included, that OCI registries take (Docker's limit).
const OCI_NAME_LIMIT: usize = 255;

/// `publish.oci`: `HOST[:PORT]/REPOSITORY` in the OCI distribution grammar, as the reason it
/// is not.
pub fn check_oci_repository(reference: &str) -> Result<(), String> {
    static COMPONENT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$")
            .unwrap_or_else(|_| unreachable!())
    });
    if reference.starts_with("oci://") {
        return Err("tapgen adds `oci://` itself: leave it out".to_owned());
    }
    if reference.contains("://") {
        return Err("it has a scheme; write the host alone".to_owned());
    }
    let (host, repository) = reference.split_once('/').unwrap_or((reference, ""));
    if repository.is_empty() {
        return Err(format!(
            "it has no repository after the host `{}`",
            shown(host)
        ));
    }
    if repository.contains('@') {
        return Err(
            "a digest (`@sha256:...`) has no place here: each release is tagged with its version"
                .to_owned(),
        );
    }
    if repository.contains(':') {
        return Err(
            "a tag (`:TAG`) has no place here: each release is tagged with its version".to_owned(),
        );
    }
    check_oci_host(host)?;
    for part in repository.split('/') {
        if part.is_empty() {
            return Err("the repository has an empty part (`//`, or a `/` at the end)".to_owned());
        }
        if part.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "repository `{}` has uppercase letters, and OCI repository names are lowercase",
                shown(repository)
            ));
        }
        if !COMPONENT.is_match(part) {
            return Err(format!(
                "`{}` must be lowercase letters and digits, separated by `.`, `_`, `__` or `-`",
                shown(part)
            ));
        }
    }
    if reference.len() > OCI_NAME_LIMIT {
        return Err(format!(
            "it has {} characters, and OCI registries take at most {OCI_NAME_LIMIT}",
            reference.len()
        ));
    }
    Ok(())
}

/// An OCI registry host: `localhost`, or DNS labels with a dot or a port, as OCI clients tell
/// a host from the first part of a repository.
fn check_oci_host(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    if port.is_some_and(|p| !p.parse::<u16>().is_ok_and(|p| p > 0)) {
        return Err(format!(
            "`{}` is not a valid port",
            shown(port.unwrap_or_default())
        ));
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !name.split('.').all(label_ok) {
        return Err(format!(
            "`{}` is not a valid host name: use letters, digits and hyphens between dots",
            shown(name)
        ));
    }
    if !(name.contains('.') || port.is_some() || name == "localhost") {
        return Err(format!(
            "`{}` is not a registry host (it has no dot or port): write the host first, such as `registry.example.com/{}`",
            shown(name),
            shown(host)
        ));
    }
    Ok(())
}

/// A registry host: DNS labels with at least one dot, and an optional port. Terraform also
/// takes internationalized names written in Unicode; tapgen asks for their ASCII form.
fn check_registry_host(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if !name.contains('.') {
        return Err(format!(
            "registry host `{}` must contain a dot, such as `registry.example.com`",
            shown(host)
        ));
    }
    if name.len() > 253 || !name.split('.').all(label_ok) || !port_ok {
        return Err(format!(
            "`{}` is not a valid host name: use letters, digits and hyphens between dots, and an optional `:PORT`",
            shown(host)
        ));
    }
    Ok(())
}

/// `git::URL` or `oci://HOST/REPOSITORY`, without a query: tapgen appends the version pin.
fn is_git_or_oci_source(source: &str) -> bool {
    let rest = source
        .strip_prefix("git::")
        .or_else(|| source.strip_prefix("oci://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.contains(['?', '"', '\\'])
            && !rest.chars().any(char::is_whitespace)
            && (source.starts_with("git::") || rest.contains('/'))
    })
}

pub(crate) fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// The partition of `arn` when it is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` of what
/// `of` names: its service, one of its resource types, and a region of that partition (none
/// for a global service).
fn arn_partition(arn: &str, of: ArnOf) -> Option<&'static str> {
    let (service, resources, regional) = of.shape();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let partition = regions::partition(parts.get(1)?)?;
    let region_ok = if regional {
        partition.regions.contains(parts.get(3)?)
    } else {
        parts.get(3)?.is_empty()
    };
    let resource_ok = resources.is_empty()
        || resources.iter().any(|prefix| {
            parts
                .get(5)
                .and_then(|resource| resource.strip_prefix(prefix))
                .is_some_and(|name| !name.is_empty())
        });
    let valid = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == service
        && region_ok
        && resource_ok
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty()
        && !parts[5].contains(char::is_whitespace);
    valid.then_some(partition.id)
}

/// A field of an ARN, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArnField {
    /// Empty for a global service's (IAM).
    Region = 3,
    Account = 4,
}

/// The `field` of `arn`, if it has that many fields; [`Checker::arn`] says whether it is one.
pub(crate) fn arn_field(arn: &str, field: ArnField) -> Option<&str> {
    arn.split(':').nth(field as usize)
}

/// S3's bucket naming rules, as a reason when broken.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "it has {} characters, and S3 allows 3 to 63",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(format!(
            "`{c}` is not allowed; use lowercase letters, digits, hyphens and dots"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err("it must start and end with a letter or digit".to_owned());
    }
    if name.contains("..") {
        return Err("it has two dots in a row".to_owned());
    }
    if name.split('.').count() == 4 && name.split('.').all(|part| part.parse::<u8>().is_ok()) {
        return Err("it looks like an IP address".to_owned());
    }
    if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        return Err("it uses a prefix or suffix that S3 reserves".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("tap-logs-dev").is_ok());
        assert!(check_bucket_name("ab").is_err());
        assert!(check_bucket_name("a_b-logs").is_err());
        assert!(check_bucket_name("192.168.1.1").is_err());
        assert!(check_bucket_name(&"a".repeat(64)).is_err());
        assert!(check_bucket_name("xn--abc").is_err());
        assert!(check_bucket_name("-abc").is_err());
    }

    #[test]
    fn small_grammars() {
        assert_eq!(
            arn_partition("arn:aws:sns:us-east-1:123456789012:alerts", ArnOf::SnsTopic),
            Some("aws")
        );
        assert_eq!(
            arn_partition(
                "arn:aws-cn:sns:cn-north-1:123456789012:alerts",
                ArnOf::SnsTopic
            ),
            Some("aws-cn")
        );
        assert_eq!(
            arn_partition("arn:aws:sns:us-east-1:1234:alerts", ArnOf::SnsTopic),
            None
        );
        // A region of another partition, an unknown region, an unknown partition.
        assert_eq!(
            arn_partition("arn:aws:sns:cn-north-1:123456789012:a", ArnOf::SnsTopic),
            None
        );
        assert_eq!(
            arn_partition("arn:aws:sns:us-east-9:123456789012:a", ArnOf::SnsTopic),
            None
        );
        assert_eq!(
            arn_partition("arn:awsx:sns:us-east-1:123456789012:a", ArnOf::SnsTopic),
            None
        );
    }

    /// A KMS ARN names a key or an alias, an IAM role ARN has no region.
    #[test]
    fn an_arn_names_a_resource_of_its_kind() {
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let alias = "arn:aws:kms:us-east-1:123456789012:alias/tofu-state";
        let grant = "arn:aws:kms:us-east-1:123456789012:grant/abc";
        assert_eq!(arn_partition(key, ArnOf::KmsKey), Some("aws"));
        assert_eq!(arn_partition(alias, ArnOf::KmsKey), None);
        assert_eq!(arn_partition(alias, ArnOf::KmsKeyOrAlias), Some("aws"));
        assert_eq!(arn_partition(key, ArnOf::KmsKeyOrAlias), Some("aws"));
        assert_eq!(arn_partition(grant, ArnOf::KmsKeyOrAlias), None);
        assert_eq!(
            arn_partition(
                "arn:aws:kms:us-east-1:123456789012:alias/",
                ArnOf::KmsKeyOrAlias
            ),
            None
        );
        let role = "arn:aws-us-gov:iam::123456789012:role/deployer";
        assert_eq!(arn_partition(role, ArnOf::IamRole), Some("aws-us-gov"));
        assert_eq!(
            arn_partition("arn:aws:iam:us-east-1:123456789012:role/x", ArnOf::IamRole),
            None
        );
        assert_eq!(
            arn_partition("arn:aws:iam::123456789012:user/x", ArnOf::IamRole),
            None
        );
    }

    /// Terraform's registry address grammar: what it accepts passes, what it refuses fails.
    #[test]
    fn registry_addresses_follow_terraform_grammar() {
        for good in [
            "registry.example.com/acme/serverless-api/aws",
            "acme/serverless-api/aws",
            "app.terraform.io/Acme_Corp/api_v2/aws",
            "registry.example.com:8443/acme/x/aws",
            "a/b/c",
        ] {
            assert_eq!(check_registry_address(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("github.com/acme/x", "version-control host"),
            ("bitbucket.org/acme/x/aws", "version-control host"),
            ("acme/server.less/aws", "module name `server.less`"),
            ("example.com/acme/x", "looks like a host name"),
            ("localhost/acme/x/aws", "must contain a dot"),
            ("reg_istry.example.com/acme/x/aws", "not a valid host name"),
            ("registry.example.com:0/acme/x/aws", "not a valid host name"),
            ("acme-/x/aws", "namespace `acme-`"),
            ("acme/-x/aws", "module name `-x`"),
            ("acme/x/AWS", "target system `AWS`"),
            ("acme/x/aws-provider", "target system"),
            ("acme/x/aws//modules/y", "subdirectory"),
            ("acme/x/aws?ref=v1", "query string"),
            ("../modules/x", "it is a path"),
            ("acme/x/y/z/aws", "5 parts"),
            ("acme/x", "2 parts"),
        ] {
            let problem = check_registry_address(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
        assert!(!is_registry_name(&"a".repeat(65)));
        assert!(is_registry_name(&"a".repeat(64)));
    }

    /// The OCI distribution grammar: what registries accept passes, the rest says why not.
    #[test]
    fn oci_repositories_follow_the_distribution_grammar() {
        for good in [
            "registry.example.com/acme/serverless-api",
            "localhost:5000/api",
            "localhost/api",
            "127.0.0.1:5000/a/b",
            "Registry.Example.com/a.b/c_d/e__f/g--h",
        ] {
            assert_eq!(check_oci_repository(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("registry.example.com", "no repository"),
            ("registry.example.com/a//b", "empty part"),
            ("registry.example.com/a/", "empty part"),
            ("registry.example.com/a___b", "must be lowercase"),
            ("registry.example.com/a.", "must be lowercase"),
            ("registry.example.com/A", "uppercase"),
            ("api/x", "not a registry host"),
            ("-x.example.com/a", "not a valid host name"),
            ("registry.example.com:0/a", "not a valid port"),
            ("oci://registry.example.com/a", "`oci://`"),
            ("https://registry.example.com/a", "scheme"),
            ("registry.example.com/a:1", "a tag"),
            ("registry.example.com/a@sha256:ab", "a digest"),
        ] {
            let problem = check_oci_repository(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
        let long = format!("registry.example.com/{}", "a".repeat(250));
        assert!(check_oci_repository(&long).is_err_and(|p| p.contains("at most 255")));
    }

    #[test]
    fn registry_namespace_addresses_are_host_and_namespace() {
        for good in [
            "registry.example.com/acme",
            "registry.example.com:8443/Acme_Corp",
            "127.0.0.1:8443/tap",
        ] {
            assert_eq!(check_registry_namespace_address(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("registry.example.com", "no namespace"),
            ("registry.example.com/acme/x/aws", "4 parts"),
            ("github.com/acme", "version-control host"),
            ("localhost/acme", "must contain a dot"),
            ("registry.example.com/ac.me", "namespace `ac.me`"),
            ("https://registry.example.com/acme", "scheme"),
        ] {
            let problem = check_registry_namespace_address(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
    }

    #[test]
    fn git_repositories_are_work_trees_or_urls_a_module_source_can_name() {
        for good in [
            "../terraform-aws-api",
            "/srv/git/clone with spaces",
            "https://git.example.com/acme/api.git",
            "ssh://git@git.example.com:2222/acme/api.git",
            "git@git.example.com:acme/api.git",
            "file:///srv/git/api.git",
        ] {
            assert_eq!(check_git_repository(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("", "empty"),
            ("git::https://git.example.com/a.git", "`git::`"),
            ("https://git.example.com/a b.git", "spaces"),
            ("https://git.example.com/a.git?ref=x", "query"),
            ("https://git.example.com/a.git#main", "query"),
            ("https://", "no host"),
            ("https://git.example.com/a.git//sub", "`git_path`"),
            ("git@git.example.com:a.git//sub", "`git_path`"),
            ("s3://bucket/a", "can't clone over `s3`"),
        ] {
            let problem = check_git_repository(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
        assert_eq!(check_git_path("modules/api"), Ok(()));
        assert_eq!(check_git_path("./modules//api/"), Ok(()));
        for (bad, reason) in [
            ("", "root"),
            ("./", "root"),
            ("../api", "not a folder inside"),
            ("/api", "not a folder inside"),
            ("modules/a?b", "`?`"),
        ] {
            let problem = check_git_path(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad}: {problem}");
        }
    }

    #[test]
    fn the_checks_read_no_files_a_missing_source_folder_or_handler_file_is_not_theirs() {
        // An empty folder, with neither source folder nor the handler's `app.py`: the checks find
        // nothing; what is on disk is the package step's (`package::source`) to judge.
        let empty = tempfile::tempdir().unwrap();
        let config = "[project]\nname = \"tap\"\n\n[lambda]\nhandler = \"app.main\"\n\n[env.dev]\n\n[env.prod]\nlambda.source_dir = \"src/fn\"\n";
        let loaded = parse("tapgen.toml", config.to_owned(), empty.path().to_path_buf()).unwrap();
        let found = check(&loaded, &stack::resolve(&loaded));
        assert!(found.is_empty(), "{found:#?}");
        assert!(validate(&loaded, &["prod".to_owned()]).is_ok());
    }
}
