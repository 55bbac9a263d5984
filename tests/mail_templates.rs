//! Templates loaded from a real folder: rendering, escaping, the generated text part, and
//! errors that name the file, line and column, collected across templates.

use std::path::Path;

use segflow::mail::Templates;
use serde_json::json;

const FUEL: u64 = 10_000;

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn context() -> serde_json::Value {
    json!({
        "customer": { "first_name": "Ada <Lovelace>", "email": "ada@example.test" },
        "recommendations": [
            { "title": "Trail shoes", "url": "https://acme.test/p/1" },
            { "title": "Socks", "url": "https://acme.test/p/2" }
        ],
        "unsubscribe_url": "https://acme.test/u/TOKEN",
        "shop": { "name": "Acme" }
    })
}

#[test]
fn renders_subject_html_and_generated_text() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "winback/subject.txt",
        "  We miss you,\n {{ customer.first_name }}!\n",
    );
    write(
        dir.path(),
        "winback/body.html",
        "<h1>Hi {{ customer.first_name }}</h1>\n<ul>{% for r in recommendations %}<li><a href=\"{{ r.url }}\">{{ r.title }}</a></li>{% endfor %}</ul>\n<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>",
    );
    let templates = Templates::load_dir(dir.path(), FUEL).unwrap();
    assert_eq!(templates.names().collect::<Vec<_>>(), ["winback"]);
    let email = templates.render("winback", &context()).unwrap();
    assert_eq!(email.subject, "We miss you, Ada <Lovelace>!");
    // HTML output is escaped; the subject (plain text) is not.
    assert!(
        email.html.contains("<h1>Hi Ada &lt;Lovelace&gt;</h1>"),
        "{}",
        email.html
    );
    assert_eq!(
        email.text,
        "Hi Ada <Lovelace>\n\n- Trail shoes (https://acme.test/p/1)\n- Socks (https://acme.test/p/2)\n\nUnsubscribe (https://acme.test/u/TOKEN)"
    );
}

#[test]
fn uses_body_txt_when_present_and_shared_partials() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "_shared/footer.html", "<p>{{ shop.name }}</p>");
    write(
        dir.path(),
        "welcome/subject.txt",
        "Welcome to {{ shop.name }}",
    );
    write(
        dir.path(),
        "welcome/body.html",
        "<p>Hello</p>{% include \"_shared/footer.html\" %}",
    );
    write(
        dir.path(),
        "welcome/body.txt",
        "Hello {{ customer.first_name }} from {{ shop.name }}",
    );
    let templates = Templates::load_dir(dir.path(), FUEL).unwrap();
    assert_eq!(templates.names().collect::<Vec<_>>(), ["welcome"]);
    let email = templates.render("welcome", &context()).unwrap();
    assert_eq!(email.html, "<p>Hello</p><p>Acme</p>");
    assert_eq!(email.text, "Hello Ada <Lovelace> from Acme");
}

#[test]
fn an_undefined_variable_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "cart/subject.txt", "Your cart");
    write(
        dir.path(),
        "cart/body.html",
        "<p>Hi</p>\n<p>Total: {{ cart.total }}</p>",
    );
    let templates = Templates::load_dir(dir.path(), FUEL).unwrap();
    let error = templates.render("cart", &context()).unwrap_err();
    assert_eq!(error.file, dir.path().join("cart/body.html"));
    assert_eq!(error.line, Some(2));
    assert_eq!(error.column, Some(14));
    assert!(error.message.contains("undefined"), "{}", error.message);
    let shown = error.to_string();
    assert!(shown.contains("cart/body.html:2:14"), "{shown}");
}

#[test]
fn load_collects_every_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/subject.txt", "Hello {{ name");
    write(dir.path(), "a/body.html", "<p>ok</p>");
    write(dir.path(), "b/subject.txt", "Fine");
    write(
        dir.path(),
        "b/body.html",
        "<p>\n  {% for x in xs %}never closed</p>",
    );
    write(dir.path(), "c/subject.txt", "No body here");
    let errors = Templates::load_dir(dir.path(), FUEL).unwrap_err();
    let files: Vec<_> = errors
        .iter()
        .map(|e| e.file.strip_prefix(dir.path()).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        files,
        [
            Path::new("a/subject.txt"),
            Path::new("b/body.html"),
            Path::new("c/body.html")
        ]
    );
    assert_eq!(
        (errors[0].line, errors[0].column.is_some()),
        (Some(1), true)
    );
    assert!(
        errors[0].message.contains("syntax"),
        "{}",
        errors[0].message
    );
    assert!(errors[1].line.is_some());
    assert!(
        errors[2].message.contains("missing"),
        "{}",
        errors[2].message
    );
}

#[test]
fn runaway_templates_run_out_of_fuel() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "loop/subject.txt", "Hi");
    write(
        dir.path(),
        "loop/body.html",
        "{% for a in range(1000) %}{% for b in range(1000) %}{{ a * b }}{% endfor %}{% endfor %}",
    );
    let templates = Templates::load_dir(dir.path(), FUEL).unwrap();
    let error = templates.render("loop", &json!({})).unwrap_err();
    assert_eq!(error.file, dir.path().join("loop/body.html"));
    assert!(error.message.contains("fuel"), "{}", error.message);
}

#[test]
fn unknown_template_and_empty_subject_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "blank/subject.txt", "{{ '' }}  \n");
    write(dir.path(), "blank/body.html", "<p>x</p>");
    let templates = Templates::load_dir(dir.path(), FUEL).unwrap();
    let unknown = templates.render("nope", &json!({})).unwrap_err();
    assert!(
        unknown.message.contains("known templates: blank"),
        "{}",
        unknown.message
    );
    let blank = templates.render("blank", &json!({})).unwrap_err();
    assert_eq!(blank.file, dir.path().join("blank/subject.txt"));
}
