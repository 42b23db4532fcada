//! The root configuration of one environment, `envs/<env>/`: provider, module call with the
//! environment's values, outputs, optional backend, and a reference to its Lambda package
//! (`packages/`, beside `envs/`). `tofu init && tofu apply` works on it with no other step.

use super::variables::variables;
use super::{PackageRefs, Packages, extend};
use super::{
    REQUIRED_OPENTOFU_WITH_ENCRYPTION, REQUIRED_VERSION, REQUIRED_VERSION_WITH_S3_LOCKFILE,
    module_source, terraform_block,
};
use crate::error::Error;
use crate::family::{account, backend, encryption};
use crate::hcl::reference::ModuleCall;
use crate::hcl::{Block, Body, Expr};
use crate::layout::{ENVS_DIR, MANAGED_BY};
use crate::output::{Document, File};
use crate::stack::{ModuleSpec, Stack};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The module block in every root.
pub const MODULE: ModuleCall = ModuleCall::new("api");

fn versions(stack: &Stack) -> Body {
    let lockfile = stack.backend().is_some_and(|backend| backend.use_lockfile);
    let required_version = if lockfile {
        REQUIRED_VERSION_WITH_S3_LOCKFILE
    } else {
        REQUIRED_VERSION
    };
    let Some(encryption) = encryption::block(&stack.values) else {
        return Body::new().block(terraform_block(required_version));
    };
    let mut terraform = terraform_block(if lockfile {
        REQUIRED_VERSION_WITH_S3_LOCKFILE
    } else {
        REQUIRED_OPENTOFU_WITH_ENCRYPTION
    });
    terraform.body.push_blank();
    terraform.body.push_block(encryption);
    Body::new()
        .comment(
            "OpenTofu only: this root encrypts its state and plans with the `encryption` block",
        )
        .comment("below ([encryption] in tapgen.toml), which Terraform rejects. The module itself")
        .comment("stays Terraform-compatible.")
        .block(terraform)
}

fn default_tags(stack: &Stack) -> Expr {
    let mut tags = vec![
        ("Project".to_owned(), Expr::string(&stack.project)),
        ("Environment".to_owned(), Expr::string(&stack.environment)),
        (MANAGED_BY.0.to_owned(), Expr::string(MANAGED_BY.1)),
    ];
    tags.extend(stack.tags().into_iter().map(|(k, v)| (k, Expr::string(v))));
    Expr::object(tags)
}

fn main_document(
    stack: &Stack,
    module: &ModuleSpec,
    packages: &PackageRefs,
    unused: &BTreeSet<&str>,
) -> Body {
    let settings = extend(
        Body::new().attr("region", stack.region()),
        account::provider_settings(&stack.values),
    );
    let provider = Block::new(
        "provider",
        &["aws"],
        settings.block(Block::new(
            "default_tags",
            &[],
            Body::new().attr("tags", default_tags(stack)),
        )),
    );
    let (source, version) = module_source(module);
    let mut module = Body::new()
        .attr("source", source)
        .opt_attr("version", version);
    module.push_blank();
    for variable in variables() {
        if !unused.contains(variable.name) {
            module.push_attr(variable.name, variable.value(stack, packages));
        }
    }
    Body::new().block(provider).block(MODULE.declare(module))
}

/// The module's outputs, but for those of a family the environment does not use.
fn outputs_document(unused: &BTreeSet<&str>) -> Body {
    super::module::passed_outputs(&MODULE, |name| !unused.contains(name))
}

/// The files of `envs/<env>/`, paths relative to the output folder.
pub fn files(stack: &Stack, module: &ModuleSpec, packages: &Packages) -> Result<Vec<File>, Error> {
    let dir = PathBuf::from(ENVS_DIR).join(&stack.environment);
    // The package files are written once, beside `envs/`, for every root that shares them.
    let refs = PackageRefs::of(packages.of(stack)?, &dir);
    let command = format!("tapgen terraform --env {}", stack.environment);
    let hcl = |name: &str, body: Body| File::new(dir.join(name), Document::Hcl(body), &command);
    // The inputs and outputs of the families this environment does not use.
    let unused = crate::family::unused(&stack.values);
    let mut files = vec![
        hcl("versions.tf", versions(stack)),
        hcl("main.tf", main_document(stack, module, &refs, &unused)),
        // A root has no inputs (every value is in main.tf), but the standard module
        // structure that tflint checks expects the file.
        hcl("variables.tf", Body::new()),
        hcl("outputs.tf", outputs_document(&unused)),
    ];
    if let Some(body) = backend::document(stack) {
        files.push(hcl("backend.tf", body));
    }
    super::checked(files)
}
