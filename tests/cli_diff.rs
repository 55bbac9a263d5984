//! `segflow diff` on a real git repository with two commits (and a working tree on top): the
//! members, entries and exits it reports for each segment equal two independent evaluations,
//! `segment export` at each revision checked out; a workflow on a changed segment is named
//! with the journeys it would start and the emails they would queue in a day, equal to the real
//! engine run a day forward; new check problems are listed.

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
        // `tag_fr` is new in the change: like the real engine, it starts where the store is when
        // it goes live, so `fr`'s first members are no trigger for it (see the next test for a
        // workflow that is already live).
        serde_json::json!([{ "workflow": "tag_fr", "trigger": "segment_entered fr", "journeys": 0, "emails": 0 }])
    );

    // The pull-request comment names the sample customers each way, as the JSON does.
    let (_, md, _) = segflow(dir, &["--now", NOW, "diff", "HEAD", "--markdown"]);
    let leaving: Vec<String> = big["leaving"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| format!("`{}`", id.as_str().unwrap()))
        .collect();
    assert!(!leaving.is_empty(), "{big}");
    assert!(
        md.contains(&format!("`big` leaving: {}\n", leaving.join(", "))),
        "{md}"
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

/// The journeys and emails of rows in the store's outbox and journeys for `workflow`.
fn queued(dir: &Path, workflow: &str, due_by: &str) -> (i64, i64) {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let due_by = chrono::DateTime::parse_from_rfc3339(due_by)
        .unwrap()
        .timestamp_millis();
    let journeys = conn
        .query_row(
            "SELECT COUNT(*) FROM journeys WHERE workflow = ?1",
            [workflow],
            |r| r.get(0),
        )
        .unwrap();
    let emails = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE workflow = ?1 AND next_attempt_at <= ?2",
            rusqlite::params![workflow, due_by],
            |r| r.get(0),
        )
        .unwrap();
    (journeys, emails)
}

#[test]
fn diff_counts_the_emails_a_day_of_the_new_journeys_would_queue_as_the_engine_does() {
    let shop = cli_shop::shop();
    let dir = shop.path();
    git(dir, &["init", "-q", "-b", "main", "."]);
    write(
        dir,
        "rules/fr.yaml",
        "segment: fr\nwhere: country == \"FR\"\n",
    );
    std::fs::create_dir_all(dir.join("workflows/templates/hello")).unwrap();
    std::fs::create_dir_all(dir.join("workflows/templates/later")).unwrap();
    for t in ["hello", "later"] {
        write(
            dir,
            &format!("workflows/templates/{t}/subject.txt"),
            "Hello {{ customer.first_name }}",
        );
        write(
            dir,
            &format!("workflows/templates/{t}/body.html"),
            "<p>Hello {{ customer.first_name }}</p>",
        );
    }
    // One email an hour after entering (inside the day), one two days later (outside it).
    write(
        dir,
        "workflows/greet_fr.yaml",
        "workflow: greet_fr\ntrigger: { segment_entered: fr }\nsteps:\n  - { id: wait_1h, wait: 1h }\n  - { id: hello, send: hello }\n  - { id: wait_2d, wait: 2d }\n  - { id: later, send: later }\n",
    );
    git(dir, &["add", "rules", "workflows"]);
    git(dir, &["commit", "-q", "-m", "first"]);
    // The shop as it runs: France refreshed and the workflow live an hour before `now`.
    let before = "2026-10-31T23:00:00Z";
    for args in [
        &["--now", before, "refresh"][..],
        &["--now", before, "workflows", "run", "--once"][..],
    ] {
        let (code, _, err) = cli_shop::segflow_mail(dir, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    // The change: Germany and Britain join; Carol (GB) has not consented to marketing.
    write(
        dir,
        "rules/fr.yaml",
        "segment: fr\nwhere: country in [\"FR\", \"DE\", \"GB\"]\n",
    );
    let day_end = "2026-11-02T00:00:00Z";
    let (code, out, err) = cli_shop::segflow_mail(dir, &["--now", NOW, "diff", "HEAD", "--json"]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let impact = &d["workflows"][0];
    // The diff wrote nothing: no journey and no email in the store.
    assert_eq!(queued(dir, "greet_fr", day_end), (0, 0));

    // The independent answer: the real refresh and engine on the store, a day forward.
    let (code, _, err) = cli_shop::segflow_mail(dir, &["--now", NOW, "refresh"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli_shop::segflow_mail(
        dir,
        &[
            "--now",
            NOW,
            "workflows",
            "run",
            "--until",
            "2026-11-01T23:59:59Z",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (journeys, emails) = queued(dir, "greet_fr", day_end);
    assert_eq!(
        (journeys, emails),
        (2, 1),
        "Carol is not mailed, `later` is two days on"
    );
    assert_eq!(
        *impact,
        serde_json::json!({
            "workflow": "greet_fr", "trigger": "segment_entered fr",
            "journeys": journeys, "emails": emails
        })
    );
    let (_, text, _) = cli_shop::segflow_mail(dir, &["--now", NOW, "diff", "HEAD"]);
    assert!(
        text.contains("workflow greet_fr (segment_entered fr): 0 journeys would start, 0 emails queued in the next 24 hours"),
        "{text}"
    );
}

#[test]
fn diff_without_a_store_says_so_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main", "."]);
    std::fs::create_dir_all(root.join("rules")).unwrap();
    write(
        root,
        "rules/vip.yaml",
        "segment: vip\nwhere: total_spent > 1\n",
    );
    git(root, &["add", "rules"]);
    git(root, &["commit", "-q", "-m", "first"]);
    let (code, _, err) = segflow(root, &["diff", "HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: there is no store at {}; import a shop first (`segflow import`) or pass --db FILE\n",
            "segflow.db"
        )
    );
    assert!(!root.join("segflow.db").exists());
}
