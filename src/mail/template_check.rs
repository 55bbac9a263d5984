//! What `segflow check` checks in the templates beyond their syntax (which loading checks):
//! every `include`, `import`, `from` and `extends` names a file that exists, and every variable
//! a template reads at the top level is one the email context provides (`CONTEXT`), so a typo
//! such as `{{ custmer.first_name }}` is found before `segflow run` renders it for a customer.
//! Each problem points at the file, line and column.

use super::templates::{TemplateError, Templates};

/// The top-level names of the context every email is rendered with (README, "Templates"), and
/// minijinja's own globals.
pub const CONTEXT: &[&str] = &[
    "customer",
    "last_order",
    "segments",
    "trigger",
    "cart",
    "recommendations",
    "viewed",
    "unsubscribe_url",
    "shop",
    "workflow",
    "step",
    "now",
    "range",
    "dict",
    "namespace",
    "loop",
    "self",
    "super",
    "caller",
    "varargs",
    "kwargs",
];

/// Every problem of the loaded templates, in file order.
pub fn check(templates: &Templates) -> Vec<TemplateError> {
    let mut out = Vec::new();
    for (key, source) in &templates.sources {
        let file = templates.dir().join(key);
        for (name, at) in references(source) {
            if !templates.has_file(&name) {
                let (line, column) = position(source, at);
                out.push(TemplateError {
                    file: file.clone(),
                    line: Some(line),
                    column: Some(column),
                    message: format!(
                        "includes \"{name}\", which is not a template file; name one as FOLDER/FILE, such as \"_shared/footer.html\""
                    ),
                });
            }
        }
        for name in templates.undeclared(key) {
            if CONTEXT.contains(&name.as_str()) {
                continue;
            }
            let at = find_word(source, &name).unwrap_or(0);
            let (line, column) = position(source, at);
            let known = &CONTEXT[..11];
            let hint = match crate::dsl::check::names::did_you_mean(&name, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the context has {}", known.join(", ")),
            };
            out.push(TemplateError {
                file: file.clone(),
                line: Some(line),
                column: Some(column),
                message: format!("`{name}` is not in the email's context; {hint}"),
            });
        }
    }
    out
}

/// The file names of `{% include "..." %}` (and import, from, extends) with their byte offset.
fn references(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = source[rest..].find("{%") {
        let start = rest + open + 2;
        let tag = source[start..].trim_start_matches(['-', '+', ' ', '\t', '\n', '\r']);
        let offset = source.len() - tag.len();
        let keyword: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        rest = start;
        if !["include", "import", "from", "extends"].contains(&keyword.as_str()) {
            continue;
        }
        let after = tag[keyword.len()..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = after[1..].find(quote) {
            let at = source.len() - after.len();
            out.push((after[1..1 + end].to_string(), at));
        }
        rest = offset;
    }
    out
}

/// The byte offset of the first whole-word occurrence of `word` inside a `{{ }}` or `{% %}`.
fn find_word(source: &str, word: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    source.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + word.len()).copied();
        !before.is_some_and(is_word)
            && !after.is_some_and(is_word)
            && source[..i].rfind("{{").max(source[..i].rfind("{%"))
                > source[..i].rfind("}}").max(source[..i].rfind("%}"))
    })
}

/// 1-based line and column (in characters) of byte offset `at`.
fn position(source: &str, at: usize) -> (usize, usize) {
    let before = &source[..at.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
