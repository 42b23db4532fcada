//! The root configuration of one environment, `envs/<env>/`: provider, module call with the
//! environment's values, outputs, optional backend, and a reference to its Lambda package
//! (`packages/`, beside `envs/`). `tofu init && tofu apply` works on it with no other step.

use super::module::outputs;
use super::variables::variables;
use super::{PackageRefs, Packages};
use super::{REQUIRED_VERSION, REQUIRED_VERSION_WITH_S3_LOCKFILE, module_source, terraform_block};
use crate::error::Error;
use crate::hcl::reference::ModuleCall;
use crate::hcl::{Block, Body, Expr};
use crate::layout::{ENVS_DIR, MANAGED_BY};
use crate::output::{Document, File};
use crate::stack::{ModuleSpec, Stack};
use std::path::PathBuf;

/// The module block in every root.
pub const MODULE: ModuleCall = ModuleCall::new("api");

fn versions(stack: &Stack) -> Body {
    let required_version = if stack.backend.as_ref().is_some_and(|b| b.use_lockfile) {
        REQUIRED_VERSION_WITH_S3_LOCKFILE
    } else {
        REQUIRED_VERSION
    };
    Body::new().block(terraform_block(required_version))
}

fn default_tags(stack: &Stack) -> Expr {
    let mut tags = vec![
        ("Project".to_owned(), Expr::string(&stack.project)),
        ("Environment".to_owned(), Expr::string(&stack.environment)),
        (MANAGED_BY.0.to_owned(), Expr::string(MANAGED_BY.1)),
    ];
    tags.extend(stack.tags.iter().map(|(k, v)| (k.clone(), Expr::string(v))));
    Expr::object(tags)
}

fn main_document(stack: &Stack, module: &ModuleSpec, packages: &PackageRefs) -> Body {
    let provider = Block::new(
        "provider",
        &["aws"],
        Body::new()
            .attr("region", stack.region.as_str())
            .block(Block::new(
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
        module.push_attr(variable.name, variable.value(stack, packages));
    }
    Body::new().block(provider).block(MODULE.declare(module))
}

fn outputs_document() -> Body {
    let mut body = Body::new();
    for (name, description, _) in outputs() {
        body.push_block(Block::new(
            "output",
            &[name],
            Body::new()
                .attr("description", description)
                .attr("value", MODULE.output(name)),
        ));
    }
    body
}

fn backend(stack: &Stack) -> Option<Body> {
    let backend = stack.backend.as_ref()?;
    Some(
        Body::new().block(Block::new(
            "terraform",
            &[],
            Body::new().block(Block::new(
                "backend",
                &["s3"],
                Body::new()
                    .attr("bucket", backend.bucket.as_str())
                    .attr("key", backend.key.as_str())
                    .attr("region", backend.region.as_str())
                    .attr("encrypt", true)
                    .attr("use_lockfile", backend.use_lockfile),
            )),
        )),
    )
}

/// The files of `envs/<env>/`, paths relative to the output folder.
pub fn files(stack: &Stack, module: &ModuleSpec, packages: &Packages) -> Result<Vec<File>, Error> {
    let dir = PathBuf::from(ENVS_DIR).join(&stack.environment);
    // The package files are written once, beside `envs/`, for every root that shares them.
    let refs = PackageRefs::of(packages.of(stack)?, &dir);
    let command = format!("tapgen terraform --env {}", stack.environment);
    let hcl = |name: &str, body: Body| File::new(dir.join(name), Document::Hcl(body), &command);
    let mut files = vec![
        hcl("versions.tf", versions(stack)),
        hcl("main.tf", main_document(stack, module, &refs)),
        // A root has no inputs (every value is in main.tf), but the standard module
        // structure that tflint checks expects the file.
        hcl("variables.tf", Body::new()),
        hcl("outputs.tf", outputs_document()),
    ];
    if let Some(body) = backend(stack) {
        files.push(hcl("backend.tf", body));
    }
    super::checked(files)
}
