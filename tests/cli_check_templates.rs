//! `segflow check` checks the templates as it checks rules and workflows, through the real
//! binary: a syntax error, an include of a file that does not exist, a variable the email's
//! context does not have, and a template folder without its files are each reported with file,
//! line and column, all at once, with exit status 1. Before, all of them passed `check` and
//! `segflow run` refused to start.

mod cli_shop;

use cli_shop::segflow;

fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/vip.yaml"),
        "segment: vip\nwhere: total_spent > 1000\n",
    )
    .unwrap();
    let t = dir.path().join("workflows/templates");
    for folder in ["typo", "include", "syntax", "empty", "_shared"] {
        std::fs::create_dir_all(t.join(folder)).unwrap();
    }
    std::fs::write(t.join("_shared/footer.html"), "<p>{{ shop.name }}</p>").unwrap();
    std::fs::write(t.join("typo/subject.txt"), "Hi {{ custmer.first_name }}").unwrap();
    std::fs::write(
        t.join("typo/body.html"),
        "<p>Hi</p>\n{% include \"_shared/footer.html\" %}",
    )
    .unwrap();
    std::fs::write(t.join("include/subject.txt"), "Hello").unwrap();
    std::fs::write(
        t.join("include/body.html"),
        "<p>Hello</p>\n{% include \"_shared/fotter.html\" %}",
    )
    .unwrap();
    std::fs::write(t.join("syntax/subject.txt"), "Hello").unwrap();
    std::fs::write(t.join("syntax/body.html"), "{% for x in %}").unwrap();
    dir
}

#[test]
fn every_template_problem_is_reported_with_its_place() {
    let dir = repository();
    let (code, out, err) = segflow(dir.path(), &["check"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        err,
        "workflows/templates/empty/body.html: missing; every template needs subject.txt and body.html (add body.html or remove the folder)
workflows/templates/empty/subject.txt: missing; every template needs subject.txt and body.html (add subject.txt or remove the folder)
workflows/templates/include/body.html:2:12: includes \"_shared/fotter.html\", which is not a template file; name one as FOLDER/FILE, such as \"_shared/footer.html\"
workflows/templates/syntax/body.html:1:13: syntax error: unexpected end of block
workflows/templates/typo/subject.txt:1:7: `custmer` is not in the email's context; did you mean `customer`?
error: 5 problems in the templates in workflows/templates
"
    );
}

#[test]
fn the_example_templates_check() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = segflow(dir.path(), &["init", "shop", "--examples"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = segflow(&dir.path().join("shop"), &["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("workflows checked"), "{out}");
}
