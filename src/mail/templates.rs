//! Merchant email templates: loading a folder of Jinja templates and rendering one email.
//!
//! Layout: `workflows/templates/NAME/subject.txt` (one line; surrounding whitespace is trimmed
//! and inner newlines become spaces), `NAME/body.html`, and optionally `NAME/body.txt`; when
//! `body.txt` is absent the text part is generated from the rendered HTML. Any other `.html` or
//! `.txt` file in a template folder, or in a folder whose name starts with `_` (shared partials,
//! not a template), can be included as `{% include "NAME/file.html" %}`.
//!
//! Rendering is sandboxed by minijinja's fuel limit and strict undefined behaviour, so a template
//! that loops forever or names a missing variable fails instead of sending a wrong email. A
//! render either returns all three parts or an error; there is no partial email.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior};

use super::html_text::html_to_text;

/// The three rendered parts of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A template problem, located at the file (and line and column when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TemplateError {}

/// All templates of a folder, parsed and ready to render.
pub struct Templates {
    dir: PathBuf,
    env: Environment<'static>,
    names: BTreeSet<String>,
    /// Every loaded file as (`NAME/file`, source), for `template_check`.
    pub(super) sources: Vec<(String, String)>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("dir", &self.dir)
            .field("names", &self.names)
            .finish()
    }
}

impl Templates {
    /// Loads every template folder under `dir`, collecting all problems rather than the first.
    pub fn load_dir(dir: &Path, fuel: u64) -> Result<Templates, Vec<TemplateError>> {
        let (templates, errors) = Templates::load_all(dir, fuel);
        if errors.is_empty() {
            Ok(templates)
        } else {
            Err(errors)
        }
    }

    /// Loads what loads and returns it with every problem, so `segflow check` can look further
    /// into the files that did load.
    pub fn load_all(dir: &Path, fuel: u64) -> (Templates, Vec<TemplateError>) {
        let mut errors = Vec::new();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(fuel));
        env.set_debug(true);
        // The one way to print an amount (see `mail::money`).
        env.add_filter("money", super::money::filter);
        let mut names = BTreeSet::new();
        let mut sources = Vec::new();
        // A repository without a template folder has no templates yet: that is not an error,
        // so `segflow run` starts in a fresh repository. A workflow that sends a template is
        // still refused where it names it, by the workflow check.
        let empty = |env| Templates {
            dir: dir.to_path_buf(),
            env,
            names: BTreeSet::new(),
            sources: Vec::new(),
        };
        if matches!(std::fs::metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
            return (empty(env), Vec::new());
        }
        let folders = match list_dir(dir) {
            Ok(folders) => folders,
            Err(message) => {
                let error = TemplateError {
                    file: dir.to_path_buf(),
                    line: None,
                    column: None,
                    message,
                };
                return (empty(env), vec![error]);
            }
        };
        for folder in folders.into_iter().filter(|p| p.is_dir()) {
            let Some(name) = folder
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            let files = match list_dir(&folder) {
                Ok(files) => files,
                Err(message) => {
                    errors.push(plain_error(&folder, message));
                    continue;
                }
            };
            let mut has = BTreeSet::new();
            for file in files {
                let Some(file_name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !(file_name.ends_with(".html") || file_name.ends_with(".txt")) {
                    continue;
                }
                let source = match std::fs::read_to_string(&file) {
                    Ok(source) => source,
                    Err(e) => {
                        errors.push(plain_error(&file, format!("cannot read the file: {e}")));
                        continue;
                    }
                };
                let key = format!("{name}/{file_name}");
                if let Err(e) = env.add_template_owned(key.clone(), source.clone()) {
                    errors.push(locate(dir, &e, Some(&key), Some(&source)));
                }
                sources.push((key, source));
                has.insert(file_name.to_string());
            }
            if name.starts_with('_') {
                continue;
            }
            for required in ["subject.txt", "body.html"] {
                if !has.contains(required) {
                    errors.push(plain_error(
                        &folder.join(required),
                        format!("missing; every template needs subject.txt and body.html (add {required} or remove the folder)"),
                    ));
                }
            }
            names.insert(name);
        }
        let templates = Templates {
            dir: dir.to_path_buf(),
            env,
            names,
            sources,
        };
        (templates, errors)
    }

    /// The names of the loaded templates, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The folder the templates were loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `key` (`NAME/file.html`) is a loaded file, for include checks.
    pub(super) fn has_file(&self, key: &str) -> bool {
        self.env.get_template(key).is_ok()
    }

    /// The top-level names file `key` reads that it does not set itself.
    pub(super) fn undeclared(&self, key: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .env
            .get_template(key)
            .map(|t| t.undeclared_variables(false).into_iter().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Whether a template of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Renders template `name` with `context`; any error leaves nothing rendered.
    pub fn render(
        &self,
        name: &str,
        context: &serde_json::Value,
    ) -> Result<RenderedEmail, TemplateError> {
        if !self.names.contains(name) {
            let known: Vec<&str> = self.names().collect();
            let known = if known.is_empty() {
                format!(
                    "there are no templates in {} yet; create {name}/subject.txt and {name}/body.html there",
                    self.dir.display()
                )
            } else {
                format!("known templates: {}", known.join(", "))
            };
            return Err(plain_error(
                &self.dir.join(name),
                format!("no template named `{name}`; {known}"),
            ));
        }
        let ctx = minijinja::Value::from(minijinja::value::Serde(context));
        let render = |file: &str| -> Result<String, TemplateError> {
            let key = format!("{name}/{file}");
            let template = self
                .env
                .get_template(&key)
                .map_err(|e| locate(&self.dir, &e, Some(&key), None))?;
            template
                .render(ctx.clone())
                .map_err(|e| locate(&self.dir, &e, Some(&key), None))
        };
        let subject = render("subject.txt")?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        if subject.is_empty() {
            return Err(plain_error(
                &self.dir.join(name).join("subject.txt"),
                "the subject rendered empty; give every email a subject".to_string(),
            ));
        }
        let html = render("body.html")?;
        let text = if self.env.get_template(&format!("{name}/body.txt")).is_ok() {
            render("body.txt")?
        } else {
            html_to_text(&html)
        };
        Ok(RenderedEmail {
            subject,
            html,
            text,
        })
    }
}

/// Lists a folder's entries sorted, so errors come out in a stable order.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read the template folder: {e}"))?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(
            entry
                .map_err(|e| format!("cannot read the template folder: {e}"))?
                .path(),
        );
    }
    paths.sort();
    Ok(paths)
}

fn plain_error(file: &Path, message: String) -> TemplateError {
    TemplateError {
        file: file.to_path_buf(),
        line: None,
        column: None,
        message,
    }
}

/// Turns a minijinja error into a located `TemplateError`; `fallback` names the template (and
/// `source` its text) when the error itself does not carry them.
fn locate(
    dir: &Path,
    error: &minijinja::Error,
    fallback: Option<&str>,
    source: Option<&str>,
) -> TemplateError {
    let name = error.name().or(fallback).unwrap_or("");
    let column = match (error.range(), error.template_source().or(source)) {
        (Some(range), Some(source)) if range.start <= source.len() => {
            let before = &source[..range.start];
            let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
            Some(source[line_start..range.start].chars().count() + 1)
        }
        _ => None,
    };
    let mut message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    if error.kind() == minijinja::ErrorKind::OutOfFuel {
        message.push_str(" (the template does too much work; simplify its loops)");
    }
    TemplateError {
        file: dir.join(name),
        line: error.line(),
        column,
        message,
    }
}
