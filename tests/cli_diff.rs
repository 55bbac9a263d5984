//! `segflow diff` on a real git repository with two commits (and a working tree on top): the
//! members, entries and exits it reports for each segment equal two independent evaluations,
//! `segment export` at each revision checked out; a workflow on a changed segment is named
//! with the journeys it would start; new check problems are listed.

mod cli_shop;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use cli_shop::segflow;
use serde_json::Value;

const NOW: &str = "2026-11-01";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=segflow test",
            "-c",
            "user.email=test@segflow.test",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs (install git)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The members of `segment` as `segment export` lists them, in the working tree as it is.
fn members(dir: &Path, segment: &str) -> BTreeSet<String> {
    let (code, out, err) = segflow(
        dir,
        &[
            "--now", NOW, "segment", "export", segment, "--format", "jsonl",
        ],
    );
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["customer_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn diff_counts_equal_independent_evaluations_of_both_revisions() {
    let shop = cli_shop::shop();
    let dir = shop.path();
    git(dir, &["init", "-q", "-b", "main", "."]);
    write(
        dir,
        "rules/big.yaml",
        "segment: big\nwhere: total_spent > 100\n",
    );
    write(
        dir,
        "rules/vip.yaml",
        "segment: vip\nwhere: total_spent > 600\n",
    );
    git(dir, &["add", "rules"]);
    git(dir, &["commit", "-q", "-m", "first"]);
    // The second commit only adds a segment nobody is in.
    write(dir, "rules/none.yaml", "segment: none\nwhere: false\n");
    git(dir, &["add", "rules"]);
    git(dir, &["commit", "-q", "-m", "second"]);
    let base_big = members(dir, "big");
    let base_vip = members(dir, "vip");

    // The change under review: big tightened, vip removed, fr added with a workflow on it.
    write(
        dir,
        "rules/big.yaml",
        "segment: big\nwhere: total_spent > 300\n",
    );
    std::fs::remove_file(dir.join("rules/vip.yaml")).unwrap();
    write(
        dir,
        "rules/fr.yaml",
        "segment: fr\nwhere: country in [\"FR\", \"DE\"]\n",
    );
    std::fs::create_dir_all(dir.join("workflows")).unwrap();
    write(
        dir,
        "workflows/tag_fr.yaml",
        "workflow: tag_fr\ntrigger: { segment_entered: fr }\nsteps:\n  - { id: mark, tag: fr }\n",
    );
    let head_big = members(dir, "big");
    let head_fr = members(dir, "fr");
    assert!(
        !head_fr.is_empty() && head_big != base_big,
        "the fixture moves customers"
    );

    let (code, out, err) = segflow(dir, &["--now", NOW, "diff", "HEAD", "--json"]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let segment = |name: &str| {
        d["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["segment"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {d}"))
    };
    let big = segment("big");
    assert_eq!(big["status"], "changed");
    assert_eq!(big["before"], base_big.len());
    assert_eq!(big["after"], head_big.len());
    assert_eq!(big["entered"], head_big.difference(&base_big).count());
    assert_eq!(big["exited"], base_big.difference(&head_big).count());
    for id in big["leaving"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        assert!(base_big.contains(id) && !head_big.contains(id), "{id}");
    }
    assert_eq!(big["condition_before"], "total_spent > 100");
    assert_eq!(big["condition_after"], "total_spent > 300");
    let vip = segment("vip");
    assert_eq!(
        (vip["status"].clone(), vip["exited"].clone()),
        (Value::from("removed"), Value::from(base_vip.len()))
    );
    let fr = segment("fr");
    assert_eq!(
        (fr["status"].clone(), fr["entered"].clone()),
        (Value::from("added"), Value::from(head_fr.len()))
    );
    // `none` is unchanged since HEAD and not reported.
    assert!(d["segments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["segment"] != "none"));
    assert_eq!(
        d["workflows"],
        serde_json::json!([{ "workflow": "tag_fr", "trigger": "segment_entered fr", "journeys": head_fr.len() }])
    );

    // The default base is where HEAD left main: HEAD itself here, so the same answer.
    let (_, out, _) = segflow(dir, &["--now", NOW, "diff", "--json"]);
    let again: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(again["segments"], d["segments"]);

    // Between the two commits only `none` was added, with no member.
    let (_, out, _) = segflow(dir, &["--now", NOW, "diff", "HEAD~1", "HEAD"]);
    assert!(
        out.contains("added    none: — → 0 members (+0 entered, -0 left)\n"),
        "{out}"
    );

    // A typo in the working tree is a new problem, and the segments are not compared.
    write(
        dir,
        "rules/fr.yaml",
        "segment: fr\nwhere: contry == \"FR\"\n",
    );
    let (code, out, _) = segflow(dir, &["--now", NOW, "diff", "HEAD", "--markdown"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("**Note:** the rules do not load at working tree"),
        "{out}"
    );
    assert!(out.contains("- new: "), "{out}");
    assert!(out.contains("E002 unknown field `contry`"), "{out}");
}
