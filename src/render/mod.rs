//! From the resolved model to documents: one HCL tree per output file.
//!
//! The module does not depend on any environment; environments differ only in the values
//! their root passes in. The resources of each family are built in [`crate::family`]; here
//! are the module and root folders, and the pieces the families share.

mod diagram;
pub(crate) mod docs;
pub mod module;
pub mod root;
pub mod tftest;
pub mod variables;

use crate::error::Error;
use crate::hcl::reference::local;
use crate::hcl::{Block, Body, Expr, ObjectEntry};
use crate::output::{Document, File, SharedBytes};
use crate::stack::{ModuleSource, ModuleSpec, Stack};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The Lambda packages a render carries, built before rendering ([`crate::build_packages`])
/// so that rendering reads no file: one per distinct (source folder, runtime, architecture,
/// layer), each file held once in memory and written once, at a path named by its content
/// ([`PACKAGES_DIR`]`/lambda-<sha256>.zip`), however many environments and examples share it.
#[derive(Debug, Clone, Default)]
pub struct Packages {
    by_key: BTreeMap<PackageKey, Package>,
    /// Every distinct package file, by path.
    files: BTreeMap<PathBuf, SharedBytes>,
}

/// What a package is built from and for: one environment's `[lambda]` values that shape it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageKey {
    /// `lambda.source_dir` as the config writes it.
    pub source_dir: String,
    pub runtime: String,
    pub architecture: String,
    pub layer: bool,
}

impl PackageKey {
    pub fn of(stack: &Stack) -> Self {
        crate::family::lambda::package_key(stack)
    }
}

/// One environment's package files, paths relative to the output folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub function: PathBuf,
    /// The dependency layer's, where `lambda.layer` is on and the handler has dependencies.
    pub layer: Option<PathBuf>,
}

/// A package file's path as a root (or example) folder references it, relative to itself:
/// `${path.module}/../../packages/lambda-<sha256>.zip`.
pub struct PackageRefs {
    pub function: Expr,
    pub layer: Option<Expr>,
}

impl PackageRefs {
    /// `package` as the folder `from` (relative to the output folder) references it.
    pub fn of(package: &Package, from: &Path) -> Self {
        let up = "../".repeat(from.components().count());
        let reference = |file: &Path| {
            Expr::template(
                &format!("{{}}/{up}{}", file.display()),
                vec![crate::hcl::reference::path_module()],
            )
        };
        Self {
            function: reference(&package.function),
            layer: package.layer.as_deref().map(reference),
        }
    }

    /// What the README's usage snippet shows: a zip beside the root that calls the module.
    pub fn placeholder() -> Self {
        Self {
            function: Expr::template("{}/lambda.zip", vec![crate::hcl::reference::path_module()]),
            layer: None,
        }
    }
}

/// Where the package files go, below the output folder.
pub const PACKAGES_DIR: &str = crate::layout::PACKAGES_DIR;

impl Packages {
    /// Adds the files of a package: `function` and, with a layer, `layer` (zips ready to
    /// be marked). Bytes already held under their digest are not held again.
    pub fn add(&mut self, function: Vec<u8>, layer: Option<Vec<u8>>) -> Package {
        let function = self.file("lambda", function);
        let layer = layer.map(|layer| self.file("layer", layer));
        Package { function, layer }
    }

    /// Records that environments with `key` use `package` (from [`Packages::add`]).
    pub fn insert(&mut self, key: PackageKey, package: Package) {
        self.by_key.insert(key, package);
    }

    /// The content-addressed path of `bytes`, held once.
    fn file(&mut self, kind: &str, bytes: Vec<u8>) -> PathBuf {
        let shared = SharedBytes::new(bytes);
        let digest = crate::hex_sha256(shared.as_bytes());
        let path = PathBuf::from(PACKAGES_DIR).join(format!("{kind}-{}.zip", &digest[..16]));
        self.files.entry(path.clone()).or_insert(shared);
        path
    }

    /// The package of `stack`; one that was not built is a bug in tapgen.
    pub fn of(&self, stack: &Stack) -> Result<&Package, Error> {
        let key = PackageKey::of(stack);
        self.by_key.get(&key).ok_or_else(|| {
            Error::internal(format!(
                "the Lambda package of `{}` for {} ({}) was not built before rendering",
                key.source_dir, key.runtime, stack.environment
            ))
        })
    }

    /// Every distinct package file, once each.
    pub fn files(&self) -> Vec<File> {
        self.files
            .iter()
            .map(|(path, bytes)| {
                File::new(
                    path.clone(),
                    Document::Zip(bytes.clone()),
                    "tapgen terraform",
                )
            })
            .collect()
    }
}

/// Providers both roots and the module accept: 5.100 is what machine images carry, and 6.x
/// is the current major.
pub const AWS_PROVIDER_CONSTRAINT: &str = ">= 5.100, < 7.0";
/// OpenTofu and Terraform releases that read every construct we emit.
pub const REQUIRED_VERSION: &str = ">= 1.6.0";
/// S3 native state locking (`use_lockfile`) arrived in OpenTofu 1.10 and Terraform 1.10.
pub const REQUIRED_VERSION_WITH_S3_LOCKFILE: &str = ">= 1.10.0";
/// State encryption (the `encryption` block, Terraform has none) arrived in OpenTofu 1.7.
pub const REQUIRED_OPENTOFU_WITH_ENCRYPTION: &str = ">= 1.7.0";

/// `terraform { required_version = ...; required_providers { aws = ... } }`.
pub(crate) fn terraform_block(required_version: &str) -> Block {
    Block::new(
        "terraform",
        &[],
        Body::new()
            .attr("required_version", required_version)
            .block(Block::new(
                "required_providers",
                &[],
                Body::new().attr(
                    "aws",
                    Expr::object([
                        ("source", Expr::string("hashicorp/aws")),
                        ("version", Expr::string(AWS_PROVIDER_CONSTRAINT)),
                    ]),
                ),
            )),
    )
}

/// Where a root takes the module from, and the `version` argument a registry source needs:
/// the one address every root writes, and the usage snippet where `[publish]` names none.
pub fn module_source(spec: &ModuleSpec) -> (String, Option<String>) {
    match &spec.source {
        ModuleSource::Local => (format!("../../modules/{}", spec.name), None),
        ModuleSource::Registry(address) => (address.clone(), Some(spec.version.clone())),
        ModuleSource::Git(url) => (format!("{url}?ref=v{}", spec.version), None),
        ModuleSource::Oci(url) => (format!("{url}?tag={}", spec.version), None),
    }
}

/// Where the module README's usage snippet installs the module from: where `[publish]`
/// releases it for others to install (its `registry`, else its `oci` repository, else its
/// `git` URL; a work tree on the publisher's disk means nothing to a reader), else
/// [`module_source`].
pub fn usage_source(spec: &ModuleSpec) -> (String, Option<String>) {
    let publish = &spec.publish;
    if let Some(registry) = &publish.registry {
        return (
            format!(
                "{registry}/{}/{}",
                spec.name,
                crate::publish::package::SYSTEM
            ),
            Some(compatible_versions(&spec.version)),
        );
    }
    if let Some(repository) = &publish.oci {
        return (format!("oci://{repository}?tag={}", spec.version), None);
    }
    if let Some(crate::publish::git::Repository::Url(url)) = &publish.git {
        // The folder as the commit holds it (`./modules//api` is `modules/api`).
        let folder = publish
            .git_path
            .as_deref()
            .and_then(|path| crate::publish::git::tree_path(std::path::Path::new(path)))
            .filter(|path| !path.is_empty())
            .map(|path| format!("//{path}"))
            .unwrap_or_default();
        let tag = crate::publish::git::tag_name(publish.tag_prefix.as_deref(), &spec.version);
        return (format!("git::{url}{folder}?ref={tag}"), None);
    }
    module_source(spec)
}

/// `~> MAJOR.MINOR`: this release and every later one of the same major version. A
/// pre-release is pinned exactly, since a constraint range never selects one.
fn compatible_versions(version: &str) -> String {
    match semver::Version::parse(version) {
        Ok(parsed) if parsed.pre.is_empty() => format!("~> {}.{}", parsed.major, parsed.minor),
        _ => version.to_owned(),
    }
}

/// `tags = local.tags`, which every taggable resource carries.
pub(crate) fn tagged(body: Body) -> Body {
    body.attr("tags", local("tags"))
}

/// A `jsonencode`d IAM policy document.
/// `statements` is a tuple of statements, or an expression (`concat(...)`) that makes one.
pub(crate) fn policy_document(statements: Expr) -> Expr {
    Expr::call(
        "jsonencode",
        vec![Expr::object([
            ("Version", Expr::string(crate::aws::POLICY_VERSION)),
            ("Statement", statements),
        ])],
    )
}

/// An IAM statement; `comment` explains a choice a reviewer would question.
pub(crate) fn statement(
    sid: &str,
    effect: &str,
    actions: &[&str],
    resource: Expr,
    comment: Option<&str>,
) -> Expr {
    let mut entries = vec![
        entry("Sid", Expr::string(sid)),
        entry("Effect", Expr::string(effect)),
        entry("Action", Expr::strings(actions)),
        entry("Resource", resource),
    ];
    entries[3].comment = comment.map(str::to_owned);
    Expr::Object(entries)
}

pub(crate) fn entry(key: &str, value: Expr) -> ObjectEntry {
    ObjectEntry {
        key: key.to_owned(),
        value,
        comment: None,
    }
}

/// The trust policy that lets an AWS service assume a role.
pub(crate) fn assume_role_policy(service: &str) -> Expr {
    policy_document(Expr::Tuple(vec![Expr::object([
        ("Effect", Expr::string("Allow")),
        (
            "Principal",
            Expr::object([("Service", Expr::string(service))]),
        ),
        ("Action", Expr::string("sts:AssumeRole")),
    ])]))
}

/// `lifecycle { create_before_destroy = true }`.
pub(crate) fn create_before_destroy() -> Block {
    Block::new(
        "lifecycle",
        &[],
        Body::new().attr("create_before_destroy", true),
    )
}

/// `checkov:skip` comments, each with a reason written for a security reviewer.
pub(crate) fn checkov_skips(skips: &[(&str, &str)]) -> Body {
    let mut body = Body::new();
    for (id, reason) in skips {
        body = body.comment(format!("checkov:skip={id}:{reason}"));
    }
    body
}

/// Appends the items of `rest` to `body`.
pub(crate) fn extend(mut body: Body, rest: Body) -> Body {
    body.items.extend(rest.items);
    body
}

/// `files`, once every name in their HCL documents is checked ([`crate::hcl::check`]). A
/// name in tapgen's code that is not an identifier is a bug in tapgen: it is reported, and
/// nothing is written, rather than written as a file `tofu` cannot read.
pub(crate) fn checked(files: Vec<File>) -> Result<Vec<File>, Error> {
    for file in &files {
        if let Document::Hcl(body) = &file.document
            && let Err(invalid) = crate::hcl::check(body)
        {
            return Err(Error::internal(format!(
                "tapgen built `{}` with a name that is not valid HCL: {invalid}",
                file.path.display()
            )));
        }
    }
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hcl::reference::unresolved;
    use std::path::{Path, PathBuf};

    /// The embedded default config resolved, with an empty Lambda package.
    pub(crate) fn default_resolved() -> (crate::stack::Resolved, Packages) {
        let loaded = crate::check::parse(
            "tapgen.toml",
            crate::config::DEFAULT_CONFIG.to_owned(),
            PathBuf::from("."),
        )
        .unwrap();
        let resolved = crate::stack::resolve(&loaded);
        let mut packages = Packages::default();
        let package = packages.add(Vec::new(), None);
        for stack in std::iter::once(&resolved.project).chain(&resolved.stacks) {
            packages.insert(PackageKey::of(stack), package.clone());
        }
        (resolved, packages)
    }

    /// The default config rendered: the module, its examples and every environment root.
    fn default_render() -> Vec<File> {
        let (resolved, packages) = default_resolved();
        let mut files = module::files(&resolved.module, &resolved.project, &packages).unwrap();
        for stack in &resolved.stacks {
            files.extend(root::files(stack, &resolved.module, &packages).unwrap());
        }
        files
    }

    /// The HCL trees of `files`, by the folder they are written to.
    fn by_folder(files: &[File]) -> BTreeMap<&Path, Vec<&Body>> {
        let mut folders: BTreeMap<&Path, Vec<&Body>> = BTreeMap::new();
        for file in files {
            // The module's tests refer to the module's folder: `tftest`'s tests check them.
            if file
                .path
                .parent()
                .is_some_and(|dir| dir.ends_with(tftest::DIR))
            {
                continue;
            }
            if let (Document::Hcl(body), Some(dir)) = (&file.document, file.path.parent()) {
                folders.entry(dir).or_default().push(body);
            }
        }
        folders
    }

    #[test]
    fn every_reference_in_every_folder_names_something_declared_there() {
        let files = default_render();
        let folders = by_folder(&files);
        // The module, its two examples and three environments.
        assert_eq!(folders.len(), 6, "{:?}", folders.keys());
        let mut references = 0;
        for (dir, bodies) in &folders {
            assert_eq!(
                unresolved(bodies),
                Vec::<String>::new(),
                "{}",
                dir.display()
            );
            for body in bodies {
                count_references(body, &mut references);
            }
        }
        assert!(references > 200, "only {references} references checked");
    }

    fn count_references(body: &Body, count: &mut usize) {
        for item in &body.items {
            match item {
                crate::hcl::Item::Attribute(attr) => {
                    attr.value.for_each_traversal(&mut |_| *count += 1)
                }
                crate::hcl::Item::Block(block) => count_references(&block.body, count),
                _ => {}
            }
        }
    }

    #[test]
    fn a_name_that_is_not_an_identifier_is_an_error_and_nothing_is_written() {
        let files = vec![File::new(
            PathBuf::from("modules/m/main.tf"),
            Document::Hcl(Body::new().attr("not valid", true)),
            "tapgen module",
        )];
        let error = checked(files).map(|_| ()).unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::INTERNAL);
        let error = error.to_string();
        assert!(error.starts_with("error: internal: "), "{error}");
        assert!(error.contains("modules/m/main.tf"), "{error}");
        assert!(
            error.contains("`not valid` is not an HCL identifier"),
            "{error}"
        );
        // Every document tapgen renders passes the same check.
        assert!(checked(default_render()).is_ok());
    }
}
