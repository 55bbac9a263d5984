//! Hostile templates are bounded in memory as well as in work: each of these once grew without
//! limit (gigabytes within a few instructions, then an abort) and must now fail its rendering
//! with a located error while ordinary concatenation keeps working. The fuel is the shipped
//! default of `[mail] template_fuel`.

use std::path::Path;

use segflow::mail::{MailConfig, Templates};
use serde_json::json;

/// Templates that double or repeat a value until it no longer fits in memory.
const HOSTILE: &[(&str, &str)] = &[
    (
        "list_doubling",
        "{% set ns = namespace(x=[1]) %}{% for i in range(33) %}{% set ns.x = ns.x + ns.x %}{% endfor %}done",
    ),
    (
        "empty_list_doubling",
        "{% set ns = namespace(x=[]) %}{% for i in range(40) %}{% set ns.x = ns.x + ns.x %}{% endfor %}done",
    ),
    (
        "chain_doubling",
        "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = ns.x|chain(ns.x) %}{% endfor %}done",
    ),
    (
        "string_doubling",
        "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}done",
    ),
    (
        "repeated_list_materialised",
        "{% set ns = namespace(y=[1] * 100000000) %}{% for i in range(40) %}{% set ns.y = ns.y + [] %}{% endfor %}done",
    ),
    (
        "macro_recursion_doubling",
        "{% macro d(x, n) %}{% if n > 0 %}{{ d(x + x, n - 1) }}{% else %}{{ x|length }}{% endif %}{% endmacro %}{{ d([1], 40) }}",
    ),
    (
        "straight_line_doubling",
        "{% set a = [0] %}{% for _ in range(1) %}{% endfor %}{% set b = a + a %}{% set c = b + b %}{% set d = c + c %}{% set e = d + d %}{% set f = e + e %}{% set g = f + f %}{% set h = g + g %}{% set i = h + h %}{% set j = i + i %}{% set k = j + j %}{% set l = k + k %}{% set m = l + l %}{% set n = m + m %}{% set o = n + n %}{% set p = o + o %}{% set q = p + p %}{% set r = q + q %}{% set s = r + r %}{% set t = s + s %}{% set u = t + t %}{{ u|join(',') }}",
    ),
    ("output_flood", "{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}"),
];

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
    std::fs::write(path, text).expect("write template");
}

#[test]
fn every_hostile_template_fails_its_rendering_with_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, body) in HOSTILE {
        write(dir.path(), &format!("{name}/subject.txt"), "Hello");
        write(dir.path(), &format!("{name}/body.html"), body);
    }
    let fuel = MailConfig::default().template_fuel;
    let templates = Templates::load_dir(dir.path(), fuel).expect("the templates parse");
    for (name, _) in HOSTILE {
        let error = templates
            .render(name, &json!({}))
            .expect_err(&format!("{name} must not render"));
        assert_eq!(
            error.file,
            dir.path().join(name).join("body.html"),
            "{name}"
        );
        assert!(error.line.is_some(), "{name}: {error}");
        assert!(
            error.message.contains("ran out of fuel") || error.message.contains("too large"),
            "{name}: {error}"
        );
    }
}

#[test]
fn ordinary_concatenation_still_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "ok/subject.txt", "Hello");
    write(
        dir.path(),
        "ok/body.html",
        "{% set ns = namespace(x=[]) %}{% for p in products %}{% set ns.x = ns.x + [p] %}{% endfor %}\
         {{ (ns.x + ['socks'])|join(', ') }}; {{ products|chain(['hat'])|length }}; {{ 'ab' ~ 'cd' }}",
    );
    let templates = Templates::load_dir(dir.path(), MailConfig::default().template_fuel)
        .expect("the template parses");
    let context = json!({ "products": ["shoes", "shirt", "belt"] });
    let email = templates.render("ok", &context).expect("renders");
    assert_eq!(email.html, "shoes, shirt, belt, socks; 4; abcd");
}
