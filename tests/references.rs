//! References between the rendered files: every one names something its folder declares,
//! and every module output a root reads is one the module has. A typo in a reference fails
//! here, offline, instead of at the user's `tofu validate`.

use crate::support::{render, repo, test_configs};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use tapgen::hcl::reference::unresolved;
use tapgen::hcl::{Body, Expr, Item, Traversal};
use tapgen::output::{Document, File};

/// The HCL trees of `files`, by the folder they are written to.
fn by_folder(files: &[File]) -> BTreeMap<PathBuf, Vec<&Body>> {
    let mut folders: BTreeMap<PathBuf, Vec<&Body>> = BTreeMap::new();
    for file in files {
        if let (Document::Hcl(body), Some(dir)) = (&file.document, file.path.parent()) {
            folders.entry(dir.to_path_buf()).or_default().push(body);
        }
    }
    folders
}

fn traversals<'a>(body: &'a Body, out: &mut Vec<&'a Traversal>) {
    for item in &body.items {
        match item {
            Item::Attribute(attr) => attr.value.for_each_traversal(&mut |path| out.push(path)),
            Item::Block(block) => traversals(&block.body, out),
            Item::Comment(_) | Item::Blank => {}
        }
    }
}

#[test]
fn every_reference_in_every_rendered_folder_names_something_declared_there() {
    for (config_name, text) in test_configs() {
        let files = render(&text, &repo());
        let folders = by_folder(&files);
        assert!(folders.len() >= 4, "{config_name}: {:?}", folders.keys());
        let mut checked = 0;
        for (dir, bodies) in &folders {
            // The module's tests refer to the module they test, file by file.
            let problems = if dir.ends_with(tapgen::render::tftest::DIR) {
                let module = &folders[dir.parent().expect("the module's folder")];
                assert!(bodies.len() >= 7, "{config_name}: {}", dir.display());
                bodies
                    .iter()
                    .flat_map(|body| tapgen::render::tftest::unresolved(module, body))
                    .collect()
            } else {
                unresolved(bodies)
            };
            assert!(
                problems.is_empty(),
                "{config_name}: {}:\n{}",
                dir.display(),
                problems.join("\n")
            );
            let mut found = Vec::new();
            for body in bodies {
                traversals(body, &mut found);
            }
            checked += found.len();
        }
        assert!(checked > 200, "{config_name}: only {checked} references");
    }
}

/// `a/b/../c` as `a/c`, without touching the disk.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn string_attr(body: &Body, key: &str) -> Option<String> {
    body.items.iter().find_map(|item| match item {
        Item::Attribute(attr) if attr.key == key => match &attr.value {
            Expr::String(text) => Some(text.clone()),
            _ => None,
        },
        _ => None,
    })
}

#[test]
fn every_module_output_a_caller_reads_is_an_output_of_that_module() {
    for (config_name, text) in test_configs() {
        let files = render(&text, &repo());
        let folders = by_folder(&files);
        let outputs: BTreeMap<&PathBuf, BTreeSet<String>> = folders
            .iter()
            .map(|(dir, bodies)| {
                let names = bodies
                    .iter()
                    .flat_map(|body| &body.items)
                    .filter_map(|item| match item {
                        Item::Block(block) if block.ident == "output" => {
                            block.labels.first().map(|l| l.to_string())
                        }
                        _ => None,
                    })
                    .collect();
                (dir, names)
            })
            .collect();
        let mut checked = 0;
        for (dir, bodies) in &folders {
            // Module calls with a local source, by block name: the folder they call.
            let mut calls = BTreeMap::new();
            for body in bodies {
                for item in &body.items {
                    if let Item::Block(block) = item
                        && block.ident == "module"
                        && let (Some(name), Some(source)) =
                            (block.labels.first(), string_attr(&block.body, "source"))
                        && source.starts_with('.')
                    {
                        calls.insert(name.to_string(), normalized(&dir.join(source)));
                    }
                }
            }
            let mut found = Vec::new();
            for body in bodies {
                traversals(body, &mut found);
            }
            for path in found.into_iter().filter(|path| path.root == "module") {
                let names: Vec<String> = path.attr_names().map(|n| n.to_string()).collect();
                let (Some(call), Some(output)) = (names.first(), names.get(1)) else {
                    panic!("{config_name}: {}: bare module reference", dir.display());
                };
                let Some(module_dir) = calls.get(call) else {
                    continue;
                };
                let declared = outputs.get(module_dir).unwrap_or_else(|| {
                    panic!("{config_name}: {} is not rendered", module_dir.display())
                });
                assert!(
                    declared.contains(output),
                    "{config_name}: {}: `module.{call}.{output}` is not an output of {}",
                    dir.display(),
                    module_dir.display()
                );
                checked += 1;
            }
        }
        // Each environment's outputs and each example's pass the module's through.
        assert!(
            checked >= 20,
            "{config_name}: only {checked} module outputs read"
        );
    }
}
