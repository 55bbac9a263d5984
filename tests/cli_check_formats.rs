//! `segflow check --format json|github|sarif` through the real binary: the same problems as the
//! text rendering, with file, line and column, in the forms CI reads (GitHub workflow commands
//! put them on a pull request's lines; SARIF 2.1.0 feeds code scanning).

mod cli_shop;

use cli_shop::segflow;
use serde_json::Value;

/// A repository with a typo in a field, an unknown segment and a template variable typo.
fn broken() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::create_dir_all(root.join("workflows/templates/welcome")).unwrap();
    std::fs::write(
        root.join("rules/vip.yaml"),
        "segment: vip\nwhere: total_spnt > 1000\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/loyal.yaml"),
        "segment: loyal\nwhere: in_segment(\"vipp\")\n",
    )
    .unwrap();
    let t = root.join("workflows/templates/welcome");
    std::fs::write(t.join("subject.txt"), "Hi {{ custmer.first_name }}").unwrap();
    std::fs::write(t.join("body.html"), "<p>Welcome</p>").unwrap();
    dir
}

#[test]
fn github_annotations_name_each_problem_on_its_line() {
    let dir = broken();
    let (code, out, err) = segflow(dir.path(), &["check", "--format", "github"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "::error file=rules/loyal.yaml,line=2,col=19,endLine=2,endColumn=24,title=E006 in_segment names an undefined segment::unknown segment `vipp`%0Ahelp: did you mean `vip`?
::error file=rules/vip.yaml,line=2,col=8,endLine=2,endColumn=17,title=E002 a field%2C function or collection that does not exist::unknown field `total_spnt`%0Ahelp: did you mean `total_spent`?
::error file=workflows/templates/welcome/subject.txt,line=1,col=7,title=T001 a template problem::`custmer` is not in the email's context; did you mean `customer`?
"
    );
    assert_eq!(err, "error: 3 problems found\n");
}

#[test]
fn json_lists_every_problem_with_its_span() {
    let dir = broken();
    let (code, out, _) = segflow(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    let problems = v["problems"].as_array().unwrap();
    let codes: Vec<&str> = problems
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E006", "E002", "T001"]);
    let typo = &problems[1];
    assert_eq!(typo["file"], "rules/vip.yaml");
    assert_eq!(
        (
            &typo["line"],
            &typo["column"],
            &typo["end_line"],
            &typo["end_column"]
        ),
        (
            &Value::from(2),
            &Value::from(8),
            &Value::from(2),
            &Value::from(18)
        )
    );
    assert_eq!(typo["help"], "did you mean `total_spent`?");
}

#[test]
fn sarif_is_a_2_1_0_log_with_rules_and_regions() {
    let dir = broken();
    let (code, out, _) = segflow(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "segflow");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        // Every result names a rule the driver declares, as code scanning requires.
        assert!(rules.contains(&r["ruleId"].as_str().unwrap()), "{r}");
        assert_eq!(r["level"], "error");
    }
    let region = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "rules/vip.yaml");
    assert_eq!(region["region"]["startLine"], 2);
    assert_eq!(region["region"]["startColumn"], 8);
    assert_eq!(region["region"]["endColumn"], 18);
}

#[test]
fn a_clean_repository_is_ok_in_every_format() {
    let dir = broken();
    let root = dir.path();
    std::fs::write(
        root.join("rules/vip.yaml"),
        "segment: vip\nwhere: total_spent > 1000\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/loyal.yaml"),
        "segment: loyal\nwhere: in_segment(\"vip\")\n",
    )
    .unwrap();
    std::fs::write(
        root.join("workflows/templates/welcome/subject.txt"),
        "Hi {{ customer.first_name }}",
    )
    .unwrap();
    let (code, out, err) = segflow(root, &["check", "--format", "github"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = segflow(root, &["check", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["ok"].clone(), v["segments"].clone()),
        (Value::from(true), Value::from(2))
    );
    let (code, out, _) = segflow(root, &["check", "--format", "sarif"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn an_unloadable_repository_is_a_located_sarif_result_with_a_declared_rule() {
    // No rules directory: the repository cannot be loaded at all, and the result still needs a
    // rule and a location for code scanning to accept the log.
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = segflow(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let run = &v["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "L001");
    let declared = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "L001");
    assert!(declared, "{run}");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "segflow.toml"
    );
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("rules directory"),
        "{result}"
    );
}
