//! The merchant repository as the editor sees it: the files on disk with every open document's
//! unsaved text in place of its file, checked by the same loaders as `segflow check` so an
//! editor shows exactly the problems (codes, messages, spans) the command would report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::config::Config;
use crate::repository::Paths;

/// What is known about the repository at one moment.
pub struct Workspace {
    pub root: PathBuf,
    pub paths: Paths,
    /// Why `segflow.toml` could not be read, shown on that file; defaults stand in meanwhile.
    pub config_error: Option<String>,
    pub store: PathBuf,
    /// Open documents by absolute path: the editor's text wins over the file's.
    pub docs: BTreeMap<PathBuf, String>,
}

pub use crate::repository::overlay::Checked;

/// `path` with `.`, `..` and symbolic links resolved (its folder's, for a file not yet saved),
/// so that one file has one name however the editor or `segflow.toml` spells it.
pub fn real(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            std::fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => path.to_path_buf(),
    }
}

impl Workspace {
    /// The repository at `root` with the editor's open documents `docs`; an open
    /// `segflow.toml` is read from its unsaved text.
    pub fn new(root: PathBuf, docs: BTreeMap<PathBuf, String>) -> Workspace {
        let root = real(&root);
        let file = root.join("segflow.toml");
        let loaded = match docs.get(&file) {
            Some(text) => Config::parse(text, &file),
            None if file.is_file() => Config::load(&file),
            None => Ok(Config::default()),
        };
        let (config, config_error) = match loaded {
            Ok(config) => (config, None),
            Err(e) => (Config::default(), Some(e.to_string())),
        };
        let relative = Paths::resolve(&config, None);
        let paths = Paths {
            rules: real(&root.join(&relative.rules)),
            workflows: real(&root.join(&relative.workflows)),
            templates: real(&root.join(&relative.templates)),
            tests: real(&root.join(&relative.tests)),
        };
        let store = root.join(&config.store.path);
        Workspace {
            root,
            paths,
            config_error,
            store,
            docs,
        }
    }

    /// The current text of a file: the open document's, else the file's.
    pub fn text(&self, path: &Path) -> Option<String> {
        self.docs
            .get(path)
            .cloned()
            .or_else(|| std::fs::read_to_string(path).ok())
    }

    /// Checks the rules, then (when they load) the workflows, with the open documents' text.
    pub fn check(&self) -> Checked {
        crate::repository::overlay::check(&self.paths, &self.docs)
    }

    pub fn template_names(&self) -> Vec<String> {
        self.paths.template_names()
    }

    /// The store, read-only, when there is one: completions and hovers then name what the
    /// shop's data holds. Never created or migrated from here.
    pub fn store(&self) -> Option<Connection> {
        if !self.store.is_file() {
            return None;
        }
        Connection::open_with_flags(&self.store, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()
    }
}
