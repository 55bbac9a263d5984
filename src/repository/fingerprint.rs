//! A cheap fingerprint of the merchant's files, so hot reload notices an edit without reading
//! and parsing every file on every poll.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Paths;

/// A hash of the names, sizes and modification times of every file under the three folders:
/// cheap enough to poll every few seconds, and any save in an editor changes it.
pub fn fingerprint(paths: &Paths) -> u64 {
    let mut entries = Vec::new();
    for dir in [&paths.rules, &paths.workflows, &paths.templates] {
        collect(dir, 0, &mut entries);
    }
    entries.sort();
    let mut text = String::new();
    for (path, len, modified) in entries {
        text.push_str(&format!("{}\0{len}\0{modified}\n", path.display()));
    }
    crate::store::import::events::content_hash(&[&text]) as u64
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, u64, u128)>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            if depth < 3 {
                collect(&path, depth + 1, out);
            }
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        out.push((path, meta.len(), modified));
    }
}
