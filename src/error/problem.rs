//! What can be wrong with a config (or with a module under `tapgen module lint`), as data:
//! one kind per problem, with the fields its message needs. [`Problem::message`] and
//! [`Problem::help`] are the only place that words them, in one style: lowercase, keys and
//! values in backticks, and a help that says what to do.
//!
//! Code that finds a problem builds a kind; where it is (file, line, key) is added by the
//! [`super::Diagnostic`] around it, and the layout by [`super::render`]. The generic kinds
//! (unknown key, wrong type, out of range, not one of, missing) carry only what a rule table
//! knows, so that a table of rules can produce them as the schema walk does.

use super::redact::Redacted;
use super::{shown, ticked};
use crate::config::secrets::Secret;
use crate::package::Target;

/// What a value in the config was found to be, for a wrong-type message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Empty,
    Table,
    ArrayOfTables,
    List,
    String(String),
    Integer(i64),
    /// A float, as written.
    Float(String),
    Boolean(bool),
    Datetime(String),
}

impl Found {
    fn describe(&self) -> String {
        match self {
            Found::Empty => "empty".to_owned(),
            Found::Table => "a table".to_owned(),
            Found::ArrayOfTables => "an array of tables (`[[...]]`)".to_owned(),
            Found::List => "a list".to_owned(),
            Found::String(text) => format!("the string `\"{}\"`", shown(text)),
            Found::Integer(number) => format!("the number `{number}`"),
            Found::Float(number) => format!("the number `{}`", shown(number)),
            Found::Boolean(flag) => format!("`{flag}`"),
            Found::Datetime(text) => format!("a date-time, `{}`", shown(text)),
        }
    }
}

/// What a key takes, from the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    String,
    /// A whole number; `range` when both bounds are the key's own (not just the type's).
    Integer {
        range: Option<(i64, i64)>,
    },
    Boolean,
    OneOf(Vec<String>),
    /// A list of strings.
    List,
    /// A table of fixed keys, such as `[lambda]`.
    Table,
    /// A table of any keys with string values, such as `[tags]`.
    Map,
    Any,
}

impl Shape {
    fn describe(&self) -> String {
        match self {
            Shape::String => "a string".to_owned(),
            Shape::Integer {
                range: Some((min, max)),
            } => format!("a whole number from {min} to {max}"),
            Shape::Integer { range: None } => "a whole number".to_owned(),
            Shape::Boolean => "`true` or `false`".to_owned(),
            Shape::OneOf(values) => format!("one of {}", ticked(values)),
            Shape::List => "a list of strings".to_owned(),
            Shape::Table => "a table".to_owned(),
            Shape::Map => "a table of strings".to_owned(),
            Shape::Any => "a value".to_owned(),
        }
    }

    /// What to write instead, for the key `name` (or an item of it, `in_list`).
    fn write(&self, name: &str, in_list: bool) -> String {
        let item = |value: &str| {
            if in_list {
                format!("such as `{value}`")
            } else {
                format!("such as `{name} = {value}`")
            }
        };
        match self {
            Shape::String => format!("write it in quotes, {}", item("\"...\"")),
            Shape::Integer { range } => {
                let example = range.map_or(1, |(min, max)| min.max(1).min(max));
                format!(
                    "write a whole number without quotes, {}",
                    item(&example.to_string())
                )
            }
            Shape::Boolean => format!("write `true` or `false` without quotes, {}", item("true")),
            Shape::OneOf(values) => format!(
                "write one of {} in quotes, {}",
                ticked(values),
                item(&format!(
                    "\"{}\"",
                    values.first().map_or("", String::as_str)
                ))
            ),
            Shape::List => format!("write a list of strings, {}", item("[\"a\", \"b\"]")),
            Shape::Table => format!("write it as a table, `[{name}]`, with its keys below it"),
            Shape::Map => format!("write a table of strings, {}", item("{ Key = \"value\" }")),
            Shape::Any => format!("`tapgen schema` shows what `{name}` takes: write that"),
        }
    }
}

/// How to fix a value of the wrong type, beyond writing the right shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFix {
    /// Write a value of the expected shape.
    Shape,
    /// A table (`[path]`) was written as something else.
    Table { path: String },
    /// A number, boolean or date-time where a string goes: the same text in quotes.
    Quote { raw: String },
}

/// Where an unknown key may have been meant to go, for its help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHint {
    /// A key allowed here with a name close to it.
    Closest(String),
    /// The key is a top-level table; `per_environment` when it can also be set per environment.
    TopLevel { per_environment: bool },
    /// Tables where a key of this name belongs, such as `lambda` or `env.prod.lambda`.
    BelongsIn(Vec<String>),
    /// The keys allowed in `table` (empty for the top level).
    Allowed { table: String, keys: Vec<String> },
    /// Nothing closer to say: the schema lists every key.
    Schema,
}

/// A value that must match a rule, with the words for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    ProjectName,
    ModuleName,
    ModuleNamespace,
    /// The namespace derived from the project name, where `module.namespace` is unset.
    DerivedNamespace,
    ModuleVersion,
    ModuleSource,
    EnvironmentName,
    Handler,
    VariableName,
    TagKey,
    /// The value of a tag; the value checked is the tag's key, which the message names.
    TagValue,
    BackendBucket,
    BackendKey,
    GitRepository,
    TagPrefix,
    GitPath,
    OciRepository,
    RegistryAddress,
}

impl Rule {
    /// What the value is, as the message names it.
    fn noun(self) -> &'static str {
        match self {
            Rule::ProjectName => "project name",
            Rule::ModuleName => "module name",
            Rule::ModuleNamespace => "module namespace",
            Rule::DerivedNamespace => {
                "the module namespace (by default the project name, lowercased)"
            }
            Rule::ModuleVersion => "module version",
            Rule::ModuleSource => "module source",
            Rule::EnvironmentName => "environment name",
            Rule::Handler => "handler",
            Rule::VariableName => "environment variable name",
            Rule::TagKey => "tag key",
            Rule::TagValue => "the value of tag",
            Rule::BackendBucket => "backend bucket",
            Rule::BackendKey => "backend key",
            Rule::GitRepository => "git repository",
            Rule::TagPrefix => "tag prefix",
            Rule::GitPath => "git path",
            Rule::OciRepository => "OCI repository",
            Rule::RegistryAddress => "registry",
        }
    }

    /// What is wrong with a value that breaks the rule.
    fn problem(self) -> &'static str {
        match self {
            Rule::ProjectName | Rule::EnvironmentName => "can't be used in resource names",
            Rule::ModuleName => "is not a valid registry module name",
            Rule::ModuleNamespace | Rule::DerivedNamespace => "is not a valid registry namespace",
            Rule::ModuleVersion => "is not a semantic version",
            Rule::ModuleSource => "is not a module registry address",
            Rule::Handler => "is not of the form `module.function`",
            Rule::BackendBucket => "is not a valid S3 bucket name",
            Rule::BackendKey => "is not a relative object key",
            Rule::GitRepository | Rule::GitPath | Rule::OciRepository => "is invalid",
            Rule::TagPrefix => "can't start a git tag name",
            Rule::RegistryAddress => "is not `HOST/NAMESPACE`",
            Rule::VariableName | Rule::TagKey | Rule::TagValue => "is not valid",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Rule::ProjectName => {
                "use letters, digits and hyphens, starting with a letter, such as `orders-api`"
            }
            Rule::ModuleName => {
                "use 1 to 64 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, such as `serverless-api`"
            }
            Rule::ModuleNamespace => {
                "use 1 to 64 letters, digits, hyphens and underscores, starting and ending with a letter or digit, such as `acme`"
            }
            Rule::DerivedNamespace => {
                "set `module.namespace` to 1 to 64 letters, digits, hyphens and underscores, starting and ending with a letter or digit, such as `acme`"
            }
            Rule::ModuleVersion => {
                "write `MAJOR.MINOR.PATCH` with an optional `-PRERELEASE` and `+BUILD` of letters, digits, hyphens and dots, such as `1.2.0` or `1.3.0-rc.1`"
            }
            Rule::ModuleSource => {
                "use `local`, `[HOST/]NAMESPACE/NAME/SYSTEM` such as `registry.example.com/acme/serverless-api/aws`, `git::URL` or `oci://HOST/REPOSITORY`; tapgen adds the version (`?ref=v<version>`, `?tag=<version>`) itself"
            }
            Rule::EnvironmentName => {
                "use 1 to 20 lowercase letters, digits and hyphens, starting with a letter, such as `staging`"
            }
            Rule::Handler => "name the Python module and function, such as `handler.handler`",
            Rule::VariableName => {
                "use letters, digits and underscores, starting with a letter, such as `LOG_LEVEL`"
            }
            Rule::TagKey => "use 1 to 128 letters, digits, spaces and `_ . : / = + - @`",
            Rule::TagValue => "use at most 256 letters, digits, spaces and `_ . : / = + - @`",
            Rule::BackendBucket => {
                "name the existing S3 bucket that holds Terraform state: 3 to 63 lowercase letters, digits, hyphens and dots"
            }
            Rule::BackendKey => "use a relative key such as `orders/{env}/terraform.tfstate`",
            Rule::GitRepository => {
                "use the path of a clone's work tree, such as `../terraform-aws-api`, or a URL such as `https://git.example.com/acme/terraform-aws-api.git`"
            }
            Rule::TagPrefix => {
                "use a path such as `modules/api`; the tag is then `modules/api/v<version>`"
            }
            Rule::GitPath => {
                "use a relative folder such as `modules/api`, or leave `git_path` out for the repository's root"
            }
            Rule::OciRepository => {
                "write `HOST/REPOSITORY` or `HOST:PORT/REPOSITORY`, such as `registry.example.com/acme/serverless-api`"
            }
            Rule::RegistryAddress => {
                "write the host and the namespace, such as `registry.example.com/acme`; tapgen adds `/<name>/aws`"
            }
        }
    }
}

/// What a value that looks like a credential is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    EnvironmentVariable(String),
    Tag(String),
}

/// The kind of resource an ARN must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArnOf {
    KmsKey,
    /// A KMS key or an alias of one (`alias/NAME`), where KMS resolves either.
    KmsKeyOrAlias,
    SnsTopic,
    IamRole,
    /// An ACM certificate, which API Gateway takes only from the API's own region.
    Certificate,
}

impl ArnOf {
    fn noun(self) -> &'static str {
        match self {
            ArnOf::KmsKey => "a KMS key",
            ArnOf::KmsKeyOrAlias => "a KMS key or alias",
            ArnOf::SnsTopic => "an SNS topic",
            ArnOf::IamRole => "an IAM role",
            ArnOf::Certificate => "an ACM certificate",
        }
    }

    fn example(self) -> &'static str {
        match self {
            ArnOf::KmsKey | ArnOf::KmsKeyOrAlias => {
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            }
            ArnOf::SnsTopic => "arn:aws:sns:us-east-1:123456789012:alerts",
            ArnOf::IamRole => "arn:aws:iam::123456789012:role/deployer",
            ArnOf::Certificate => {
                "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
            }
        }
    }

    /// The service the ARN names, its resource types (`key/...`; none for any resource), and
    /// whether it names a region (IAM is global: its ARNs have none).
    pub(crate) fn shape(self) -> (&'static str, &'static [&'static str], bool) {
        match self {
            ArnOf::KmsKey => ("kms", &["key/"], true),
            ArnOf::KmsKeyOrAlias => ("kms", &["key/", "alias/"], true),
            ArnOf::SnsTopic => ("sns", &[], true),
            ArnOf::IamRole => ("iam", &["role/"], false),
            ArnOf::Certificate => ("acm", &["certificate/"], true),
        }
    }

    /// Whether the resource must be in the environment's own region, not only its partition.
    pub fn same_region(self) -> bool {
        matches!(self, ArnOf::Certificate)
    }
}

/// The one value of a key that another key needs, and the value it has instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredValue {
    /// As TOML writes it, such as `"aws:kms"`.
    pub wanted: String,
    pub found: String,
}

/// Another key of a map that is the same key once normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Twin {
    /// Written on this line.
    Line(usize),
    /// Written where no line is known.
    Unplaced,
}

/// One problem found in a config, or in a module folder under lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    // ---- The file itself ------------------------------------------------------------
    NotUtf8,
    /// TOML the parser refuses; `detail` is its own description.
    Syntax {
        detail: String,
    },
    DuplicateKey {
        key: String,
    },
    TooDeep,

    // ---- The schema: keys, types and ranges ------------------------------------------
    UnknownKey {
        name: String,
        hint: KeyHint,
    },
    WrongType {
        name: String,
        expected: Shape,
        found: Found,
        /// An item of the list `name`, not `name` itself.
        in_list: bool,
        fix: TypeFix,
    },
    /// A whole number outside `min..=max` (the type's own limits where the key has none).
    OutOfRange {
        name: String,
        value: i64,
        min: i64,
        max: i64,
    },
    NotOneOf {
        name: String,
        value: String,
        allowed: Vec<String>,
        closest: Option<String>,
    },
    /// A required key or table is not written; `table` is the key path it belongs in,
    /// empty at the top level.
    Missing {
        table: String,
        name: String,
        is_table: bool,
    },
    /// A string value that Terraform would change into another (Unicode NFC).
    NotNfc {
        name: String,
        /// Both as TOML strings with every non-ASCII character escaped.
        value: String,
        nfc: String,
        /// The normalized form as it looks.
        nfc_shown: String,
    },
    /// A map key that Terraform would change into another.
    NotNfcKey {
        key: String,
        nfc: String,
        nfc_shown: String,
        twin: Option<Twin>,
    },

    // ---- AWS's and tapgen's rules -------------------------------------------------
    /// An address written into the README or every root holds what looks like a credential.
    CredentialInAddress {
        key: String,
        secret: Secret,
        /// The address, masked wherever the report would show it.
        value: Redacted,
    },
    /// `publish.registry`'s namespace is not the module's.
    RegistryNamespaceMismatch {
        registry: String,
        registry_namespace: String,
        namespace: String,
    },
    EmptyRegistrySite,
    /// A version with build metadata, where it must be an OCI tag.
    OciTagVersion {
        version: String,
    },
    /// A value that breaks `rule`, with why where there is more to say.
    Invalid {
        rule: Rule,
        value: String,
        reason: Option<String>,
    },
    /// A setting's value that does not match its pattern: `noun` names the value, `words`
    /// say the pattern, `example` matches it (all from the setting).
    NoMatch {
        noun: &'static str,
        value: String,
        words: &'static str,
        example: &'static str,
    },
    LogBucketName {
        bucket: String,
        environment: String,
        reason: String,
    },
    /// `<project>-<environment>` makes resource names longer than IAM allows.
    NamesTooLong {
        prefix: String,
        longest_name: String,
        length: usize,
        limit: usize,
        suffix: usize,
    },
    Runtime {
        runtime: String,
        deprecated: bool,
        supported: Vec<String>,
    },
    MissingSourceDir {
        dir: String,
    },
    MissingHandlerFile {
        handler: String,
        path: String,
        file: String,
        dir: String,
    },
    ReservedVariable {
        name: String,
        managed: Vec<String>,
    },
    /// A value that looks like a credential, where it would be written out in plain text.
    Secret {
        holder: Holder,
        secret: Secret,
        /// The value, masked wherever the report would show it.
        value: Redacted,
    },
    EnvironmentTooLarge {
        environment: String,
        bytes: usize,
        limit: usize,
    },
    AboveAccountLimit {
        name: String,
        value: u64,
        limit: u64,
        unit: &'static str,
    },
    UnknownRegion {
        region: String,
        closest: Option<String>,
        /// Regions of the main partition, listed where nothing is close.
        examples: Vec<String>,
    },
    RegionTooNew {
        region: String,
    },
    NotAnArn {
        value: String,
        of: ArnOf,
    },
    WrongPartition {
        value: String,
        of: ArnOf,
        partition: String,
        environment: String,
        expected: String,
        region: String,
    },
    /// An ARN in the right partition but another region, for a resource used only in its own.
    WrongRegion {
        value: String,
        of: ArnOf,
        region: String,
        environment: String,
        expected: String,
    },
    /// `key` (a full key path) is set, and means something only beside `requires`: beside
    /// any value of it, or (`value`) beside one value. Every "this key needs that one" is
    /// this kind, worded once.
    RequiresKey {
        key: String,
        requires: String,
        value: Option<RequiredValue>,
    },
    /// The role the provider assumes is in `account`, which `allowed_account_ids` leaves out,
    /// so every plan would fail.
    RoleOutsideAllowedAccounts {
        role: String,
        account: String,
        allowed: Vec<String>,
    },
    /// A KMS key is used through one region's endpoint, and lives in another.
    KeyRegionMismatch {
        region: String,
        key_region: String,
    },
    /// One state bucket serves several environments, and no layer says its region: each
    /// would look for it in its own region.
    BackendRegionUnsaid {
        bucket: String,
        environment: String,
        region: String,
    },
    /// `tapgen validate` found Terraform for a root that only OpenTofu reads.
    NeedsOpenTofu {
        environment: String,
        tool: String,
    },
    AlarmPeriod {
        seconds: u32,
    },
    AlarmWindowTooLong {
        seconds: u64,
    },
    AlarmNeverFires {
        value: u32,
        timeout_ms: u64,
    },
    TooManyTags {
        environment: String,
        count: usize,
        limit: usize,
        managed: Vec<String>,
    },
    ManagedTag {
        key: String,
        managed: Vec<String>,
    },
    TagCaseClash {
        key: String,
        other: String,
    },
    ReservedTagPrefix {
        key: String,
    },
    ModuleSourceMismatch {
        source: String,
        published: String,
    },

    // ---- A module folder, as a registry judges it -----------------------------------
    MissingModuleFile {
        file: String,
        holds: String,
        dir: String,
    },
    NoExample {
        dir: String,
    },
    NotHcl {
        file: String,
        detail: String,
    },
    Undescribed {
        /// `variable` or `output`.
        block: String,
        name: String,
    },
    NoRequiredVersion,
    NoRequiredProviders,
    ProviderWithoutSource {
        name: String,
    },
    ProviderWithoutVersion {
        name: String,
    },
    NotInGitRepository {
        dir: String,
    },
    NotRepositoryRoot {
        top: String,
    },
    RepositoryName {
        name: String,
        suggestion: String,
    },

    // ---- A Lambda handler's pinned dependencies (`requirements.txt`, `uv.lock`) -----
    /// A requirement not pinned to one version with `==`: `requirement` as written, `spec`
    /// its version specifier, empty where it names no version.
    UnpinnedRequirement {
        requirement: String,
        name: String,
        spec: String,
    },
    /// A path, URL or archive where a requirement goes.
    RequirementPath {
        requirement: String,
    },
    /// `name @ URL`: a direct reference, not a version from the package index.
    RequirementUrl {
        requirement: String,
        name: String,
    },
    /// `name[extra` with no `]`.
    UnclosedExtras {
        requirement: String,
    },
    /// `name==1.0 ;` with nothing after the `;`.
    EmptyMarker {
        requirement: String,
    },
    /// A pip option tapgen does not take, such as `-r`, `-e` or `--index-url`.
    RequirementOption {
        option: String,
    },
    /// A `--hash` that is not `sha256:`, `sha384:` or `sha512:` with a hex digest.
    UnsupportedHash {
        value: String,
    },
    /// A pinned version with no wheel the function's runtime and architecture can load.
    NoWheel {
        name: String,
        version: String,
        target: Target,
    },
    /// A pinned package the package index does not have.
    UnknownPackage {
        name: String,
    },
    /// A pinned version of a package that the package index does not have.
    UnknownVersion {
        name: String,
        version: String,
    },
    /// Packages the pins pull in without pinning them: `pins` as `name==version`, `file`
    /// the lock's file name.
    UnpinnedDependencies {
        pins: Vec<String>,
        file: String,
    },
}

/// Why `holder` (already worded, such as "tag `db`") looks like it holds a credential.
fn secret_in(holder: &str, secret: Secret) -> String {
    match secret {
        Secret::Shape(kind) => format!("{holder} looks like it holds {kind}"),
        Secret::Name(word) => {
            format!("{holder} is named like a {word}, and its value is written out in plain text")
        }
    }
}

impl Problem {
    /// What is wrong (one sentence without a final period) and what to do about it, worded
    /// together: each kind's two lines live in one arm.
    pub fn words(&self) -> (String, String) {
        match self {
            Problem::NotUtf8 => (
                "config file is not valid UTF-8".to_owned(),
                "save the file as UTF-8: TOML files must be UTF-8".to_owned(),
            ),
            Problem::Syntax { detail } => (
                format!("invalid TOML: {detail}"),
                "fix the syntax at the marked place; `tapgen schema` prints every key with its type and meaning".to_owned(),
            ),
            Problem::DuplicateKey { key } => (
                format!("key `{}` is set twice", shown(key)),
                "keep one of the two: a key is set once per table".to_owned(),
            ),
            Problem::TooDeep => (
                "values are nested too deeply".to_owned(),
                "nest tables and lists at most four levels deep: shorten the marked key or value, or close a `[` or `{` left open".to_owned(),
            ),
            Problem::UnknownKey { name, hint } => (
                format!("unknown key `{}`", shown(name)),
                match hint {
                    KeyHint::Closest(best) => format!("rename it to `{best}`, the closest allowed key"),
                    KeyHint::TopLevel {
                        per_environment: true,
                    } => format!(
                        "write it as the top-level table `[{name}]`, or as `[env.NAME.{name}]` for one environment"
                    ),
                    KeyHint::TopLevel {
                        per_environment: false,
                    } => format!(
                        "write it as the top-level table `[{name}]`, the same for every environment"
                    ),
                    KeyHint::BelongsIn(places) => format!(
                        "move it into {}, where `{name}` belongs",
                        places
                            .iter()
                            .map(|p| format!("`[{p}]`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    KeyHint::Allowed { table, keys } => format!(
                        "remove it, or use a key allowed {}: {}",
                        if table.is_empty() {
                            "at the top level".to_owned()
                        } else {
                            format!("in `[{table}]`")
                        },
                        ticked(keys)
                    ),
                    KeyHint::Schema => {
                        "remove it; `tapgen schema` prints every key with its type and meaning"
                            .to_owned()
                    }
                },
            ),
            Problem::WrongType { name, expected, found, in_list, fix, .. } => (
                if *in_list {
                    format!(
                        "items of `{name}` must be {}, but one is {}",
                        expected.describe(),
                        found.describe()
                    )
                } else {
                    format!(
                        "`{name}` must be {}, but is {}",
                        expected.describe(),
                        found.describe()
                    )
                },
                match fix {
                    TypeFix::Shape => expected.write(name, *in_list),
                    TypeFix::Table { path } => {
                        format!("write it as a table, `[{path}]`, with its keys on the lines below")
                    }
                    TypeFix::Quote { raw } if *in_list => {
                        format!("write each item in quotes, such as `\"{}\"`", shown(raw))
                    }
                    TypeFix::Quote { raw } => {
                        format!("write it in quotes: `{name} = \"{}\"`", shown(raw))
                    }
                },
            ),
            Problem::OutOfRange { name, value, min, max } => (
                if value < min && *min == 0 {
                    format!("`{name}` is `{value}`, but can't be negative")
                } else if value < min {
                    format!("`{name}` is `{value}`, below the minimum of {min}")
                } else {
                    format!("`{name}` is `{value}`, above the maximum of {max}")
                },
                {
                    // The type's own limits say nothing the user chose: only the key's own show.
                    let min_shown = *min != i64::MIN;
                    let max_shown = *max != i64::MAX && *max != i64::from(u32::MAX);
                    match (min_shown, max_shown) {
                        (true, true) => format!("use a value from {min} to {max}"),
                        (true, false) => format!("use a value of at least {min}"),
                        (false, true) => format!("use a value of at most {max}"),
                        (false, false) => "use a smaller value".to_owned(),
                    }
                },
            ),
            Problem::NotOneOf { name, value, allowed, closest, .. } => (
                if allowed.len() <= MAX_LISTED {
                    format!(
                        "`{name}` must be one of {}, not `{}`",
                        ticked(allowed),
                        shown(value)
                    )
                } else {
                    format!(
                        "`{name}` is `{}`, which is not one of the {} allowed values",
                        shown(value),
                        allowed.len()
                    )
                },
                {
                    let listed = if allowed.len() > MAX_LISTED {
                        format!("; allowed: {}", ticked(allowed))
                    } else {
                        String::new()
                    };
                    match closest {
                        Some(best) => format!("use `{best}`, the closest allowed value{listed}"),
                        None if allowed.len() > MAX_LISTED => {
                            format!("use one of the allowed values: {}", ticked(allowed))
                        }
                        None => "use one of the allowed values".to_owned(),
                    }
                },
            ),
            Problem::Missing {
                table,
                name,
                is_table,
            } => {
                if table.is_empty() {
                    (
                        format!("the `[{name}]` table is missing"),
                        format!("start the file with `[{name}]` and `name = \"...\"`"),
                    )
                } else if *is_table {
                    (
                        format!("`[{table}.{name}]` is missing"),
                        format!("add a `[{table}.{name}]` table"),
                    )
                } else {
                    (
                        format!("`{name}` is missing from `[{table}]`"),
                        format!("add `{name} = ...` under `[{table}]`"),
                    )
                }
            }
            Problem::NotNfc { name, value, nfc, nfc_shown, .. } => (
                format!(
                    "the value of `{name}` is not in Unicode normalization form C, so Terraform would change it from `{value}` to `{nfc}`"
                ),
                format!("write `{nfc}` (`{nfc_shown}`) instead, the form AWS will store"),
            ),
            Problem::NotNfcKey { key, nfc, twin, nfc_shown, .. } => (
                {
                    let clash = match twin {
                        None => String::new(),
                        Some(Twin::Line(line)) => format!(
                            ", the same key as the one on line {line}; Terraform would keep only one of the two"
                        ),
                        Some(Twin::Unplaced) => ", the same key as another one here; Terraform would keep only one of the two".to_owned(),
                    };
                    format!(
                        "key `{key}` is not in Unicode normalization form C, so Terraform would change it to `{nfc}`{clash}"
                    )
                },
                match twin {
                    Some(_) => format!("write `{nfc}` once, and merge the two values"),
                    None => format!("write `{nfc}` (`{nfc_shown}`) instead, the form AWS will store"),
                },
            ),
            Problem::Invalid { rule, value, reason } => (
                {
                    let subject = if value.is_empty() {
                        format!("{} `\"\"`", rule.noun())
                    } else {
                        format!("{} `{}`", rule.noun(), shown(value))
                    };
                    match reason {
                        Some(reason) => format!("{subject} {}: {reason}", rule.problem()),
                        None => format!("{subject} {}", rule.problem()),
                    }
                },
                rule.help().to_owned(),
            ),
            Problem::NoMatch { noun, value, words, example, .. } => (
                format!("{noun} `{}` is not valid", shown(value)),
                format!("use {words}, such as `{example}`"),
            ),
            Problem::LogBucketName { bucket, environment, reason } => (
                format!(
                    "log bucket name `{}` for environment `{environment}` is not a valid S3 bucket name: {reason}",
                    shown(bucket)
                ),
                "shorten the project or environment name: S3 bucket names are 3 to 63 lowercase letters, digits, hyphens and dots".to_owned(),
            ),
            Problem::NamesTooLong { prefix, longest_name, length, limit, suffix, .. } => (
                format!(
                    "`{}` is too long for resource names: IAM role names such as `{}` would be {length} characters, and AWS allows {limit}",
                    shown(prefix),
                    shown(longest_name)
                ),
                format!(
                    "keep the project and environment names together under {} characters",
                    limit - suffix
                ),
            ),
            Problem::Runtime {
                runtime,
                deprecated,
                supported,
            } => (
                if *deprecated {
                    format!(
                        "runtime `{}` is deprecated: AWS no longer accepts it for new functions",
                        shown(runtime)
                    )
                } else {
                    format!(
                        "runtime `{}` is not a supported Python runtime",
                        shown(runtime)
                    )
                },
                format!("use one of the supported runtimes: {}", ticked(supported)),
            ),
            Problem::MissingSourceDir { dir } => (
                format!("the Lambda source folder `{dir}` does not exist"),
                "create it (`tapgen init` writes a handler), or point `lambda.source_dir` at the folder holding your handler".to_owned(),
            ),
            Problem::MissingHandlerFile { handler, path, file, dir, .. } => (
                format!(
                    "handler `{}` needs `{path}`, which does not exist",
                    shown(handler)
                ),
                format!("add `{file}` to `{dir}`, or change `lambda.handler`"),
            ),
            Problem::ReservedVariable { name, managed, .. } => (
                format!("environment variable `{}` is reserved", shown(name)),
                format!(
                    "pick another name: tapgen sets {}, and Lambda reserves names starting with `AWS_` and `LAMBDA_`",
                    ticked(managed)
                ),
            ),
            Problem::Secret { holder, secret, .. } => (
                {
                    let holder = match holder {
                        Holder::EnvironmentVariable(name) => {
                            format!("environment variable `{}`", shown(name))
                        }
                        Holder::Tag(key) => format!("tag `{}`", shown(key)),
                    };
                    secret_in(&holder, *secret)
                },
                match secret {
                    Secret::Shape(_) => {
                        "store it in SSM Parameter Store or Secrets Manager and pass its ARN instead: generated files and Terraform state keep it in plain text".to_owned()
                    }
                    Secret::Name(_) => {
                        "store it in SSM Parameter Store or Secrets Manager and pass its ARN (or the parameter's path, such as `/app/db-password`) instead: generated files and Terraform state keep it in plain text".to_owned()
                    }
                },
            ),
            Problem::EnvironmentTooLarge { environment, bytes, limit } => (
                format!(
                    "the environment variables of environment `{environment}` take {bytes} bytes as Lambda measures them, and Lambda allows {limit}"
                ),
                format!(
                    "move large values to SSM Parameter Store and pass their names: Lambda counts the JSON object of every name and value, with the `LOG_BUCKET_NAME` and `ENVIRONMENT` tapgen adds, and allows {limit} bytes"
                ),
            ),
            Problem::AboveAccountLimit { name, value, limit, unit } => (
                format!(
                    "`{name}` is `{value}`, above API Gateway's account limit of {limit}{}",
                    if unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {unit}")
                    }
                ),
                "lower the limit, or ask AWS for a quota increase first".to_owned(),
            ),
            Problem::UnknownRegion { region, closest, examples, .. } => (
                format!("`{}` is not an AWS region", shown(region)),
                match closest {
                    Some(best) => format!("use `{best}`, the closest known region"),
                    None => format!(
                        "write a region such as `us-east-1`; the `aws` partition has {}",
                        ticked(examples)
                    ),
                },
            ),
            Problem::RegionTooNew { region } => (
                format!(
                    "region `{}` is newer than the aws provider 5.100 that the generated code allows",
                    shown(region)
                ),
                "pick another region: the generated roots accept aws provider 5.100 and later, and 5.100 refuses this one".to_owned(),
            ),
            Problem::NotAnArn { value, of } => (
                format!("`{}` is not {} ARN", shown(value), of.noun()),
                format!("use an ARN such as `{}`", of.example()),
            ),
            Problem::WrongPartition {
                value,
                partition,
                environment,
                expected,
                region,
                of,
                ..
            } => (
                format!(
                    "`{}` is in the `{partition}` partition, but environment `{environment}` runs in `{expected}` (region `{region}`)",
                    shown(value)
                ),
                format!(
                    "use {} of the `{expected}` partition: `arn:{expected}:...`",
                    of.noun()
                ),
            ),
            Problem::WrongRegion { value, region, environment, expected, of, .. } => (
                format!(
                    "`{}` is in region `{region}`, but environment `{environment}` runs in `{expected}`",
                    shown(value)
                ),
                format!(
                    "use {} of region `{expected}`: `arn:...:{expected}:...`; with an `[env.NAME]` region, overlay the ARN there too",
                    of.noun()
                ),
            ),
            Problem::RequiresKey { key, requires, value } => match value {
                None => (
                    format!("`{key}` is set, but `{requires}`, which it needs, is not"),
                    format!("set `{requires}` as well, or remove `{key}`"),
                ),
                Some(RequiredValue { wanted, found }) => (
                    format!(
                        "`{key}` is set, but it needs `{requires} = {wanted}`, and `{requires}` is `{}`",
                        shown(found)
                    ),
                    format!("set `{requires} = {wanted}`, or remove `{key}`"),
                ),
            },
            Problem::RoleOutsideAllowedAccounts { role, account, allowed, .. } => (
                format!(
                    "`{}` is in account `{account}`, which `allowed_account_ids` does not list, so every plan would fail",
                    shown(role)
                ),
                format!(
                    "add `{account}` to `allowed_account_ids` ({} now), or assume a role in one of them",
                    ticked(allowed)
                ),
            ),
            Problem::KeyRegionMismatch { region, key_region } => (
                format!(
                    "`region` is `{}`, but the key lives in `{key_region}`, and KMS answers for a key only in its own region",
                    shown(region)
                ),
                format!("set `region = \"{key_region}\"`, or leave `region` out: it defaults to the key's"),
            ),
            Problem::BackendRegionUnsaid { bucket, environment, region } => (
                format!(
                    "the state bucket `{}` is shared by the environments, but no `region` says where it is, so environment `{environment}` would look for it in its own region `{region}`",
                    shown(bucket)
                ),
                format!(
                    "set `region` in `[backend]` to the region bucket `{}` is in",
                    shown(bucket)
                ),
            ),
            Problem::NeedsOpenTofu { environment, tool } => (
                format!(
                    "environment `{environment}` encrypts its state with OpenTofu's `encryption` block, which Terraform rejects, and `tapgen validate` found Terraform (`{}`)",
                    shown(tool)
                ),
                "run it with OpenTofu (put `tofu` on `PATH` or point `TAPGEN_TOFU` at it), or remove `[encryption]` to keep the root Terraform-compatible".to_owned(),
            ),
            Problem::AlarmPeriod { seconds } => (
                format!("`period_s` is `{seconds}`, which CloudWatch does not accept as an alarm period"),
                "use 10, 30 or a multiple of 60 seconds, such as `300`".to_owned(),
            ),
            Problem::AlarmWindowTooLong { seconds } => (
                format!(
                    "`period_s` times `evaluation_periods` is {seconds} seconds, more than the one day CloudWatch allows"
                ),
                "lower `evaluation_periods` or `period_s`".to_owned(),
            ),
            Problem::AlarmNeverFires { value, timeout_ms } => (
                format!(
                    "`lambda_duration_p99_ms` is `{value}`, longer than the {timeout_ms} ms timeout, so the alarm could never fire"
                ),
                format!(
                    "set it below the timeout, for example to 80% of it (`{}`)",
                    timeout_ms * 4 / 5
                ),
            ),
            Problem::TooManyTags { environment, count, limit, managed, .. } => (
                format!(
                    "environment `{environment}` puts {count} tags on every resource, and AWS allows {limit}"
                ),
                format!(
                    "keep at most {} in `tags` (the project's and the environment's together): tapgen sets {} itself",
                    limit - managed.len(),
                    ticked(managed)
                ),
            ),
            Problem::ManagedTag { key, managed, .. } => (
                format!("tag `{}` is set by tapgen on every resource", shown(key)),
                format!(
                    "choose another key: tapgen manages {} (IAM ignores the case of tag keys)",
                    ticked(managed)
                ),
            ),
            Problem::TagCaseClash { key, other } => (
                format!(
                    "tag keys `{}` and `{}` differ only in case, which IAM takes for the same key",
                    shown(other),
                    shown(key)
                ),
                "keep one of the two keys: IAM refuses a role with both".to_owned(),
            ),
            Problem::ReservedTagPrefix { key } => (
                format!("tag key `{}` uses the reserved `aws:` prefix", shown(key)),
                "drop the prefix: AWS reserves `aws:` tags for itself".to_owned(),
            ),
            Problem::CredentialInAddress { key, secret, .. } => (
                format!(
                    "{}: the files tapgen writes would show it in plain text",
                    secret_in(&format!("`{key}`"), *secret)
                ),
                "leave credentials out of the address: git and OCI clients take them from a credential helper, an SSH key or their login".to_owned(),
            ),
            Problem::RegistryNamespaceMismatch { registry, registry_namespace, namespace } => (
                format!(
                    "registry `{}` has the namespace `{}`, but the module is published under `module.namespace` `{}`",
                    shown(registry),
                    shown(registry_namespace),
                    shown(namespace)
                ),
                format!(
                    "make the two the same, or leave `module.namespace` out: it defaults to the registry's (`{}`)",
                    shown(registry_namespace)
                ),
            ),
            Problem::EmptyRegistrySite => (
                "`registry_site` is empty".to_owned(),
                "name the registry folder, such as `site`, relative to this file".to_owned(),
            ),
            Problem::OciTagVersion { version } => (
                format!(
                    "module version `{}` can't be an OCI tag, which has no `+`",
                    shown(version)
                ),
                "leave out the `+BUILD` part: OCI repositories are tagged with the version"
                    .to_owned(),
            ),
            Problem::ModuleSourceMismatch { source, published } => (
                format!(
                    "module source `{}` is not where this module is published: `tapgen module package` publishes it as `{published}`",
                    shown(source)
                ),
                format!(
                    "end the source with `/{published}` (from `module.namespace` and `module.name`), or change those to match it"
                ),
            ),
            Problem::MissingModuleFile { file, holds, dir } => (
                format!("`{file}` is missing: registries expect the standard module structure"),
                format!("add `{dir}/{file}` with {holds} (`tapgen module` writes it)"),
            ),
            Problem::NoExample { dir } => (
                "no example: registries list `examples/<name>/` folders, each a root that calls the module".to_owned(),
                format!(
                    "add `{dir}/examples/<name>/main.tf` calling the module with `source = \"../../\"`"
                ),
            ),
            Problem::NotHcl { file, detail } => (
                format!("`{file}` is not valid HCL: {detail}"),
                "fix the syntax at the marked place (`tofu fmt` shows where it stops)".to_owned(),
            ),
            Problem::Undescribed { block, name } => (
                format!("{block} `{name}` has no description"),
                format!(
                    "add `description = \"...\"` to it: registries show it as the {}'s documentation",
                    if block == "variable" { "input" } else { "output" }
                ),
            ),
            Problem::NoRequiredVersion => (
                "no `required_version` constraint: the module does not say which OpenTofu/Terraform releases it supports".to_owned(),
                "add `terraform { required_version = \">= 1.6.0\" }` (the oldest release you test with) to `versions.tf`".to_owned(),
            ),
            Problem::NoRequiredProviders => (
                "no `required_providers`: callers cannot tell which provider versions the module works with".to_owned(),
                "add `required_providers { aws = { source = \"hashicorp/aws\", version = \">= 5.0\" } }` to the `terraform` block".to_owned(),
            ),
            Problem::ProviderWithoutSource { name } => (
                format!("required provider `{name}` has no `source`"),
                "add `source = \"NAMESPACE/TYPE\"`, such as `hashicorp/aws`".to_owned(),
            ),
            Problem::ProviderWithoutVersion { name } => (
                format!("required provider `{name}` has no `version` constraint"),
                "add `version = \">= X.Y\"` with the oldest provider version the module works with".to_owned(),
            ),
            Problem::NotInGitRepository { dir } => (
                format!(
                    "`{dir}` is not in a git repository: public registries publish modules from git repositories"
                ),
                "publish it with `git init` and a tag `v<version>` in a repository of its own"
                    .to_owned(),
            ),
            Problem::NotRepositoryRoot { top } => (
                format!(
                    "the module is in a subfolder of the git repository `{top}`: public registries read a module from the repository's root"
                ),
                "publish it from a repository of its own, with the module's files at its root"
                    .to_owned(),
            ),
            Problem::RepositoryName { name, suggestion, .. } => (
                format!(
                    "git repository `{name}` is not named `terraform-<provider>-<name>`: public registries accept only that form"
                ),
                format!(
                    "rename the repository, such as to `{suggestion}`, where the provider is one the module requires"
                ),
            ),
            Problem::UnpinnedRequirement { requirement, spec, name, .. } => (
                if spec.is_empty() {
                    format!("`{}` is not pinned: it names no version", shown(requirement))
                } else {
                    format!("`{}` is not pinned to one version", shown(requirement))
                },
                format!(
                    "pin one version with `==`, such as `{}==VERSION`, as `uv pip compile` or `pip freeze` write them: an unpinned build cannot be reproduced",
                    shown(name)
                ),
            ),
            Problem::RequirementPath { requirement } => (
                format!(
                    "`{}` is a path or URL, not a pinned requirement",
                    shown(requirement)
                ),
                "put the code in the handler folder, or publish it to the package index and pin its version".to_owned(),
            ),
            Problem::RequirementUrl { requirement, name } => (
                format!(
                    "`{}` installs `{}` from a URL, not a pinned version",
                    shown(requirement),
                    shown(name)
                ),
                format!(
                    "pin a version from the package index, as `{}==VERSION`",
                    shown(name)
                ),
            ),
            Problem::UnclosedExtras { requirement } => (
                format!(
                    "`{}` opens a list of extras with `[` but does not close it",
                    shown(requirement)
                ),
                "write the extras as `name[extra1,extra2]==version`".to_owned(),
            ),
            Problem::EmptyMarker { requirement } => (
                format!("`{}` has an empty marker after `;`", shown(requirement)),
                "remove the `;`, or write a marker such as `python_version >= \"3.12\"`".to_owned(),
            ),
            Problem::RequirementOption { option } => (
                format!("the option `{}` is not supported here", shown(option)),
                match option.as_str() {
                    "-r" | "--requirement" | "-c" | "--constraint" => {
                        "list every pin in this file: tapgen reads no other file".to_owned()
                    }
                    "-e" | "--editable" => {
                        "put the code in the handler folder, or publish it and pin its version"
                            .to_owned()
                    }
                    _ => "remove it: tapgen chooses the install options itself (wheels only, for the Lambda runtime and architecture); set the package index in uv's own configuration (`UV_INDEX_URL`, `uv.toml`)".to_owned(),
                },
            ),
            Problem::UnsupportedHash { value } => (
                format!(
                    "`--hash={}` is not a hash tapgen can check",
                    shown(value)
                ),
                "write hashes as `--hash=sha256:<hex digest>`, as `uv pip compile --generate-hashes` does".to_owned(),
            ),
            Problem::NoWheel { name, version, target } => (
                format!(
                    "`{}=={}` has no wheel for {}: CPython {} on {} (`{}`), and tapgen installs wheels only",
                    shown(name),
                    shown(version),
                    target.shown(),
                    target.runtime.python_version(),
                    target.architecture.machine(),
                    target.platform_tag()
                ),
                format!(
                    "pin a version of `{}` that publishes a manylinux wheel for CPython {} on {} (or a pure-Python one): tapgen never builds from source, which would build for this machine",
                    shown(name),
                    target.runtime.python_version(),
                    target.architecture.machine()
                ),
            ),
            Problem::UnknownPackage { name } => (
                format!("the package index has no package `{}`", shown(name)),
                format!(
                    "check the spelling of `{}`, or the package index uv reads (`UV_INDEX_URL`, `uv.toml`)",
                    shown(name)
                ),
            ),
            Problem::UnknownVersion { name, version } => (
                format!(
                    "the package index has no version `{}` of `{}`",
                    shown(version),
                    shown(name)
                ),
                format!(
                    "pin a version of `{}` that the package index has (`uv pip compile` picks one)",
                    shown(name)
                ),
            ),
            Problem::UnpinnedDependencies { pins, file } => (
                format!(
                    "`{file}` does not pin every package the function needs: {} installed as {}, unpinned, so the build cannot be reproduced",
                    ticked(pins),
                    if pins.len() == 1 {
                        "a dependency"
                    } else {
                        "dependencies"
                    }
                ),
                format!(
                    "add {} to `{file}` (`uv pip compile` writes every pin)",
                    ticked(pins)
                ),
            ),
        }
    }

    /// `[table].key` is set without `[table].requires`, which it needs.
    pub fn requires_key(table: &str, key: &str, requires: &str) -> Self {
        Problem::RequiresKey {
            key: format!("{table}.{key}"),
            requires: format!("{table}.{requires}"),
            value: None,
        }
    }

    /// The value this problem refuses because it looks like a secret, which no report shows.
    pub(crate) fn secret(&self) -> Option<&Redacted> {
        match self {
            Problem::Secret { value, .. } | Problem::CredentialInAddress { value, .. } => {
                Some(value)
            }
            _ => None,
        }
    }

    /// What is wrong, in one sentence without a final period.
    pub fn message(&self) -> String {
        self.words().0
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        self.words().1
    }
}

/// The most allowed values a message lists; longer lists go to the help line.
const MAX_LISTED: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    /// Identifiers and values in the samples below: each must show in backticks.
    const KEY: &str = "zz_key";
    const VALUE: &str = "zz-value";

    fn s(text: &str) -> String {
        text.to_owned()
    }

    /// One of every kind. The `match` in the test has no catch-all, so a new kind does not
    /// compile until it has a sample here and passes the style checks.
    fn samples() -> Vec<Problem> {
        let rules = [
            Rule::ProjectName,
            Rule::ModuleName,
            Rule::ModuleNamespace,
            Rule::DerivedNamespace,
            Rule::ModuleVersion,
            Rule::ModuleSource,
            Rule::EnvironmentName,
            Rule::Handler,
            Rule::VariableName,
            Rule::TagKey,
            Rule::TagValue,
            Rule::BackendBucket,
            Rule::BackendKey,
            Rule::GitRepository,
            Rule::TagPrefix,
            Rule::GitPath,
            Rule::OciRepository,
            Rule::RegistryAddress,
        ];
        let hints = [
            KeyHint::Closest(s("zz_other")),
            KeyHint::TopLevel {
                per_environment: true,
            },
            KeyHint::TopLevel {
                per_environment: false,
            },
            KeyHint::BelongsIn(vec![s("lambda"), s("env.prod.lambda")]),
            KeyHint::Allowed {
                table: s("lambda"),
                keys: vec![s("a"), s("b")],
            },
            KeyHint::Schema,
        ];
        let shapes = [
            Shape::String,
            Shape::Integer {
                range: Some((1, 9)),
            },
            Shape::Integer { range: None },
            Shape::Boolean,
            Shape::OneOf(vec![s("a"), s("b")]),
            Shape::List,
            Shape::Table,
            Shape::Map,
            Shape::Any,
        ];
        let mut all = vec![
            Problem::NotUtf8,
            Problem::Syntax {
                detail: s("expected `]`"),
            },
            Problem::DuplicateKey { key: s(KEY) },
            Problem::TooDeep,
            Problem::OutOfRange {
                name: s(KEY),
                value: -1,
                min: 0,
                max: i64::from(u32::MAX),
            },
            Problem::OutOfRange {
                name: s(KEY),
                value: 0,
                min: 1,
                max: 9,
            },
            Problem::OutOfRange {
                name: s(KEY),
                value: 10,
                min: i64::MIN,
                max: 9,
            },
            Problem::NotOneOf {
                name: s(KEY),
                value: s(VALUE),
                allowed: vec![s("a"), s("b")],
                closest: Some(s("a")),
            },
            Problem::NotOneOf {
                name: s(KEY),
                value: s(VALUE),
                allowed: (1..20).map(|n| n.to_string()).collect(),
                closest: None,
            },
            Problem::Missing {
                table: s(""),
                name: s(KEY),
                is_table: true,
            },
            Problem::Missing {
                table: s("lambda"),
                name: s(KEY),
                is_table: true,
            },
            Problem::Missing {
                table: s("lambda"),
                name: s(KEY),
                is_table: false,
            },
            Problem::NotNfc {
                name: s(KEY),
                value: s("\"e\\u0301\""),
                nfc: s("\"\\u00E9\""),
                nfc_shown: s("é"),
            },
            Problem::NotNfcKey {
                key: s("\"e\\u0301\""),
                nfc: s("\"\\u00E9\""),
                nfc_shown: s("é"),
                twin: Some(Twin::Line(3)),
            },
            Problem::NotNfcKey {
                key: s("\"e\\u0301\""),
                nfc: s("\"\\u00E9\""),
                nfc_shown: s("é"),
                twin: None,
            },
            Problem::LogBucketName {
                bucket: s(VALUE),
                environment: s("dev"),
                reason: s("it has 70 characters, and S3 allows 3 to 63"),
            },
            Problem::NamesTooLong {
                prefix: s(VALUE),
                longest_name: s("zz-value-apigw-cloudwatch"),
                length: 70,
                limit: 64,
                suffix: 17,
            },
            Problem::Runtime {
                runtime: s(VALUE),
                deprecated: true,
                supported: vec![s("python3.13")],
            },
            Problem::Runtime {
                runtime: s(VALUE),
                deprecated: false,
                supported: vec![s("python3.13")],
            },
            Problem::MissingSourceDir { dir: s("./src") },
            Problem::MissingHandlerFile {
                handler: s(VALUE),
                path: s("./lambda/app.py"),
                file: s("app.py"),
                dir: s("./lambda"),
            },
            Problem::ReservedVariable {
                name: s(KEY),
                managed: vec![s("ENVIRONMENT")],
            },
            Problem::Secret {
                holder: Holder::EnvironmentVariable(s(KEY)),
                secret: Secret::Shape("a JSON Web Token"),
                value: Redacted::new(VALUE),
            },
            Problem::Secret {
                holder: Holder::Tag(s(KEY)),
                secret: Secret::Name("password"),
                value: Redacted::new(VALUE),
            },
            Problem::EnvironmentTooLarge {
                environment: s("dev"),
                bytes: 5000,
                limit: 4096,
            },
            Problem::AboveAccountLimit {
                name: s(KEY),
                value: 20_000,
                limit: 10_000,
                unit: "requests per second",
            },
            Problem::UnknownRegion {
                region: s(VALUE),
                closest: Some(s("us-east-1")),
                examples: vec![s("us-east-1")],
            },
            Problem::UnknownRegion {
                region: s(VALUE),
                closest: None,
                examples: vec![s("us-east-1")],
            },
            Problem::RegionTooNew { region: s(VALUE) },
            Problem::NotAnArn {
                value: s(VALUE),
                of: ArnOf::KmsKey,
            },
            Problem::WrongPartition {
                value: s(VALUE),
                of: ArnOf::SnsTopic,
                partition: s("aws"),
                environment: s("dev"),
                expected: s("aws-cn"),
                region: s("cn-north-1"),
            },
            Problem::WrongRegion {
                value: s(VALUE),
                of: ArnOf::Certificate,
                region: s("eu-west-2"),
                environment: s("dev"),
                expected: s("us-east-1"),
            },
            Problem::requires_key("account", "session_name", "assume_role_arn"),
            Problem::RequiresKey {
                key: s("bucket.kms_key_arn"),
                requires: s("bucket.encryption"),
                value: Some(RequiredValue {
                    wanted: s("\"aws:kms\""),
                    found: s(VALUE),
                }),
            },
            Problem::RoleOutsideAllowedAccounts {
                role: s(VALUE),
                account: s("210987654321"),
                allowed: vec![s("123456789012")],
            },
            Problem::KeyRegionMismatch {
                region: s(VALUE),
                key_region: s("eu-west-1"),
            },
            Problem::BackendRegionUnsaid {
                bucket: s(VALUE),
                environment: s("dev"),
                region: s("us-east-1"),
            },
            Problem::NeedsOpenTofu {
                environment: s("dev"),
                tool: s(VALUE),
            },
            Problem::AlarmPeriod { seconds: 45 },
            Problem::AlarmWindowTooLong { seconds: 90_000 },
            Problem::AlarmNeverFires {
                value: 20_000,
                timeout_ms: 10_000,
            },
            Problem::TooManyTags {
                environment: s("dev"),
                count: 51,
                limit: 50,
                managed: vec![s("Project")],
            },
            Problem::ManagedTag {
                key: s(KEY),
                managed: vec![s("Project")],
            },
            Problem::TagCaseClash {
                key: s(KEY),
                other: s("ZZ_KEY"),
            },
            Problem::ReservedTagPrefix { key: s(KEY) },
            Problem::CredentialInAddress {
                key: s(KEY),
                secret: Secret::Shape("a GitHub token"),
                value: Redacted::new(VALUE),
            },
            Problem::CredentialInAddress {
                key: s(KEY),
                secret: Secret::Name("password"),
                value: Redacted::new(VALUE),
            },
            Problem::RegistryNamespaceMismatch {
                registry: s("registry.example.com/acme"),
                registry_namespace: s("acme"),
                namespace: s("other"),
            },
            Problem::EmptyRegistrySite,
            Problem::OciTagVersion {
                version: s("1.0.0+build"),
            },
            Problem::ModuleSourceMismatch {
                source: s(VALUE),
                published: s("acme/api/aws"),
            },
            Problem::MissingModuleFile {
                file: s("main.tf"),
                holds: s("the module's entry point"),
                dir: s("modules/api"),
            },
            Problem::NoExample {
                dir: s("modules/api"),
            },
            Problem::NotHcl {
                file: s("main.tf"),
                detail: s("expected `}`"),
            },
            Problem::Undescribed {
                block: s("variable"),
                name: s(KEY),
            },
            Problem::NoRequiredVersion,
            Problem::NoRequiredProviders,
            Problem::ProviderWithoutSource { name: s(KEY) },
            Problem::ProviderWithoutVersion { name: s(KEY) },
            Problem::NotInGitRepository {
                dir: s("modules/api"),
            },
            Problem::NotRepositoryRoot { top: s("/repo") },
            Problem::RepositoryName {
                name: s(VALUE),
                suggestion: s("terraform-aws-api"),
            },
            Problem::UnpinnedRequirement {
                requirement: s(VALUE),
                name: s(KEY),
                spec: s(""),
            },
            Problem::UnpinnedRequirement {
                requirement: format!("{KEY}>={VALUE}"),
                name: s(KEY),
                spec: format!(">={VALUE}"),
            },
            Problem::RequirementPath {
                requirement: s(VALUE),
            },
            Problem::RequirementUrl {
                requirement: s(VALUE),
                name: s(KEY),
            },
            Problem::UnclosedExtras {
                requirement: s(VALUE),
            },
            Problem::EmptyMarker {
                requirement: s(VALUE),
            },
            Problem::UnsupportedHash { value: s(VALUE) },
            Problem::NoWheel {
                name: s(KEY),
                version: s(VALUE),
                target: Target::parse("python3.12", "arm64").unwrap(),
            },
            Problem::UnknownPackage { name: s(KEY) },
            Problem::UnknownVersion {
                name: s(KEY),
                version: s(VALUE),
            },
            Problem::UnpinnedDependencies {
                pins: vec![format!("{KEY}=={VALUE}")],
                file: s("requirements.txt"),
            },
            Problem::UnpinnedDependencies {
                pins: vec![format!("{KEY}=={VALUE}"), s("six==1.17.0")],
                file: s("requirements.txt"),
            },
        ];
        // Each option's help: includes, editables, and every other option.
        for option in ["-r", "-e", "--index-url", VALUE] {
            all.push(Problem::RequirementOption { option: s(option) });
        }
        for rule in rules {
            for reason in [None, Some(s("unexpected end of input"))] {
                all.push(Problem::Invalid {
                    rule,
                    value: s(VALUE),
                    reason,
                });
            }
        }
        all.push(Problem::NoMatch {
            noun: "stage name",
            value: s(VALUE),
            words: "1 to 128 letters, digits, hyphens and underscores",
            example: "v1",
        });
        for hint in hints {
            all.push(Problem::UnknownKey { name: s(KEY), hint });
        }
        for expected in shapes {
            for (found, fix) in [
                (Found::String(s(VALUE)), TypeFix::Shape),
                (Found::Integer(5), TypeFix::Quote { raw: s("5") }),
                (Found::Table, TypeFix::Table { path: s("lambda") }),
            ] {
                for in_list in [false, true] {
                    all.push(Problem::WrongType {
                        name: s(KEY),
                        expected: expected.clone(),
                        found: found.clone(),
                        in_list,
                        fix: fix.clone(),
                    });
                }
            }
        }
        for found in [
            Found::Empty,
            Found::ArrayOfTables,
            Found::List,
            Found::Float(s("1.5")),
            Found::Boolean(true),
            Found::Datetime(s("1979-05-27")),
        ] {
            all.push(Problem::WrongType {
                name: s(KEY),
                expected: Shape::String,
                found,
                in_list: false,
                fix: TypeFix::Shape,
            });
        }
        all
    }

    /// Whether every occurrence of `word` in `text` is inside a backtick span.
    fn ticked_everywhere(text: &str, word: &str) -> bool {
        text.match_indices(word)
            .all(|(at, _)| text[..at].matches('`').count() % 2 == 1)
    }

    #[test]
    fn every_kind_is_worded_in_one_style() {
        let mut failures = Vec::new();
        for problem in samples() {
            // No catch-all: a new kind must be added to the samples.
            match &problem {
                Problem::NotUtf8
                | Problem::Syntax { .. }
                | Problem::DuplicateKey { .. }
                | Problem::TooDeep
                | Problem::UnknownKey { .. }
                | Problem::WrongType { .. }
                | Problem::OutOfRange { .. }
                | Problem::NotOneOf { .. }
                | Problem::Missing { .. }
                | Problem::NotNfc { .. }
                | Problem::NotNfcKey { .. }
                | Problem::Invalid { .. }
                | Problem::NoMatch { .. }
                | Problem::LogBucketName { .. }
                | Problem::NamesTooLong { .. }
                | Problem::Runtime { .. }
                | Problem::MissingSourceDir { .. }
                | Problem::MissingHandlerFile { .. }
                | Problem::ReservedVariable { .. }
                | Problem::Secret { .. }
                | Problem::EnvironmentTooLarge { .. }
                | Problem::AboveAccountLimit { .. }
                | Problem::UnknownRegion { .. }
                | Problem::RegionTooNew { .. }
                | Problem::NotAnArn { .. }
                | Problem::WrongPartition { .. }
                | Problem::WrongRegion { .. }
                | Problem::RequiresKey { .. }
                | Problem::RoleOutsideAllowedAccounts { .. }
                | Problem::KeyRegionMismatch { .. }
                | Problem::BackendRegionUnsaid { .. }
                | Problem::NeedsOpenTofu { .. }
                | Problem::AlarmPeriod { .. }
                | Problem::AlarmWindowTooLong { .. }
                | Problem::AlarmNeverFires { .. }
                | Problem::TooManyTags { .. }
                | Problem::ManagedTag { .. }
                | Problem::TagCaseClash { .. }
                | Problem::ReservedTagPrefix { .. }
                | Problem::CredentialInAddress { .. }
                | Problem::RegistryNamespaceMismatch { .. }
                | Problem::EmptyRegistrySite
                | Problem::OciTagVersion { .. }
                | Problem::ModuleSourceMismatch { .. }
                | Problem::MissingModuleFile { .. }
                | Problem::NoExample { .. }
                | Problem::NotHcl { .. }
                | Problem::Undescribed { .. }
                | Problem::NoRequiredVersion
                | Problem::NoRequiredProviders
                | Problem::ProviderWithoutSource { .. }
                | Problem::ProviderWithoutVersion { .. }
                | Problem::NotInGitRepository { .. }
                | Problem::NotRepositoryRoot { .. }
                | Problem::RepositoryName { .. }
                | Problem::UnpinnedRequirement { .. }
                | Problem::RequirementPath { .. }
                | Problem::RequirementUrl { .. }
                | Problem::UnclosedExtras { .. }
                | Problem::EmptyMarker { .. }
                | Problem::RequirementOption { .. }
                | Problem::UnsupportedHash { .. }
                | Problem::NoWheel { .. }
                | Problem::UnknownPackage { .. }
                | Problem::UnknownVersion { .. }
                | Problem::UnpinnedDependencies { .. } => {}
            }
            let (message, help) = problem.words();
            for (what, text) in [("message", &message), ("help", &help)] {
                let first = text.chars().next().unwrap_or(' ');
                // An acronym (`OCI repository ...`) keeps its capitals.
                let acronym = text.split(' ').next().is_some_and(|word| {
                    word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase())
                });
                if !(first.is_lowercase() || first == '`' || acronym) {
                    failures.push(format!("{what} starts with `{first}`: {text}"));
                }
                if text.ends_with('.') || text.contains('\n') || text.contains("= help") {
                    failures.push(format!("{what} is not one plain line: {text}"));
                }
                for word in [KEY, VALUE] {
                    if !ticked_everywhere(text, word) {
                        failures.push(format!("{what} shows `{word}` bare: {text}"));
                    }
                }
            }
            if help.is_empty() {
                failures.push(format!("no help for: {message}"));
            }
            // A value refused as a secret is never worded back.
            if problem.secret().is_some() && format!("{message} {help}").contains(VALUE) {
                failures.push(format!("words show the secret: {message} / {help}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
