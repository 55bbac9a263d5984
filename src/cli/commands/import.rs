//! `segflow import KIND FILE`: CSV into the store, with a summary and a reject file.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::args::ImportKindArg;
use crate::cli::{CliError, CliResult, Context};
use crate::store::import::{import_csv, ColumnMap, ImportKind, ImportOptions};

pub fn import(
    ctx: &Context,
    kind: ImportKindArg,
    file: &Path,
    strict: bool,
    map: Option<&Path>,
) -> CliResult {
    let map = match map {
        Some(path) => {
            Some(ColumnMap::load(path, kind.into()).map_err(|e| CliError::Message(e.to_string()))?)
        }
        None => None,
    };
    let mut conn = ctx.open_store()?;
    let opts = ImportOptions {
        strict,
        progress: std::io::stderr().is_terminal(),
        reject_dir: None,
        map,
    };
    let summary = import_csv(&mut conn, kind.into(), file, &opts)?;
    println!("{summary}");
    Ok(())
}

impl From<ImportKindArg> for ImportKind {
    fn from(k: ImportKindArg) -> Self {
        match k {
            ImportKindArg::Customers => ImportKind::Customers,
            ImportKindArg::Orders => ImportKind::Orders,
            ImportKindArg::Items => ImportKind::Items,
            ImportKindArg::Products => ImportKind::Products,
            ImportKindArg::Events => ImportKind::Events,
        }
    }
}
