//! Embeds the starter files of this repository (`rules/` and `workflows/` with its templates)
//! into the binary, so `segflow init --examples` can write them anywhere without the source tree.
//!
//! The list is made at build time from the folders themselves, so a rule, workflow or template
//! added to the repository is part of the examples without anyone keeping a list by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The folders copied by `segflow init --examples`, relative to the package root.
const FOLDERS: [&str; 2] = ["rules", "workflows"];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    for folder in FOLDERS {
        // Cargo scans a directory named here for any change beneath it.
        println!("cargo:rerun-if-changed={folder}");
        collect(&root, &root.join(folder), &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// The starter files `segflow init --examples` writes: (path relative to the repository, text).\n\
         pub const EXAMPLE_FILES: &[(&str, &str)] = &[\n",
    );
    for relative in &files {
        let absolute = root.join(relative);
        writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            relative,
            absolute.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("examples.rs");
    std::fs::write(&target, out).expect("cannot write the embedded example list");
}

/// Every file under `dir` (recursively), as a '/'-separated path relative to `root`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // Hidden files (an editor's swap file, .gitkeep) are not examples.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
}
