//! The library's layers (docs/architecture.md): a module may import only modules of a lower
//! layer, so that the CPU reference and the GPU path never import each other or the algorithms
//! built on them. Prints the import graph, layer by layer:
//!
//!     cargo test --test layers -- --nocapture

use std::collections::BTreeSet;
use std::path::Path;

/// Lowest first; modules of one layer may not import each other either.
const LAYERS: &[&[&str]] = &[
    &["rng", "limits", "threads", "wide"],
    &["world", "speech"],
    &["net"],
    &["data"],
    &["cpu", "gpu"],
    &["device"],
    &["traces"],
    &["evolve"],
    &["consolidate"],
    &["lifecycle"],
    &["inputs"],
    &["web"],
];

/// The source of a top-level module: `src/NAME.rs` or every file under `src/NAME/`.
fn source(src: &Path, module: &str) -> String {
    let file = src.join(format!("{module}.rs"));
    if file.exists() {
        return std::fs::read_to_string(file).unwrap();
    }
    let mut text = String::new();
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                text += &std::fs::read_to_string(path).unwrap();
            }
        }
    }
    text
}

/// The top-level modules a source names through `crate::`, in paths and in `use crate::{..}`
/// groups; comments are left out.
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap()).collect::<Vec<_>>().join("\n");
    let ident = |s: &str| s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top level at commas: `{a::B, c::{D, E}, f}` names a, c and f.
            let (mut depth, mut item) = (0, String::new());
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(ch);
            }
            found.insert(ident(&item));
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

fn layer(module: &str) -> usize {
    LAYERS.iter().position(|l| l.contains(&module)).unwrap_or_else(|| panic!("module {module} is in no layer"))
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or(l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let mut wrong = Vec::new();
    for (n, modules) in LAYERS.iter().enumerate() {
        for &module in *modules {
            assert!(declared.contains(module), "layer {n} names {module}, which lib.rs does not declare");
            let uses: Vec<String> = imports(&source(&src, module)).into_iter().filter(|m| m != module).collect();
            let marked: Vec<String> = uses
                .iter()
                .map(|m| if layer(m) >= n { format!("{m} (layer {}!)", layer(m)) } else { m.clone() })
                .collect();
            println!("{n:>2} {module:<12} -> {}", marked.join(" "));
            wrong.extend(
                uses.iter()
                    .filter(|m| layer(m) >= n)
                    .map(|m| format!("{module} (layer {n}) imports {m} (layer {})", layer(m))),
            );
        }
    }
    for module in &declared {
        layer(module);
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn the_import_reader_sees_paths_and_groups() {
    let text = "use crate::net::One;\nuse crate::{cpu, gpu::{self, Rollout}};\n// crate::web in a comment\nlet x = crate::rng::hash2(1, 2);";
    let want: BTreeSet<String> = ["net", "cpu", "gpu", "rng"].iter().map(|s| s.to_string()).collect();
    assert_eq!(imports(text), want);
}
