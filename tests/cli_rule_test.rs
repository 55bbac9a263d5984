//! `segflow test` through the real binary: the rule test `init` scaffolds passes; a rule edit
//! that selects the wrong customers fails with who is missing and who should not be there; a
//! test file that names an unknown segment or holds an invalid customer is an error naming the
//! file and the field; both evaluators answer every segment.

mod cli_shop;

use cli_shop::segflow;

fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = segflow(dir.path(), &["init", "shop"]);
    assert_eq!(code, 0, "{err}");
    dir
}

#[test]
fn the_scaffolded_test_passes() {
    let dir = repository();
    let (code, out, err) = segflow(&dir.path().join("shop"), &["test"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "test repeat_buyers repeat_buyers ... ok\n1 passed, 0 failed\n"
    );
}

#[test]
fn a_rule_that_selects_the_wrong_customers_fails_with_the_difference() {
    let dir = repository();
    let shop = dir.path().join("shop");
    // Loosened: any two orders ever, which makes Ben (one of them two years old) a member.
    std::fs::write(
        shop.join("rules/repeat_buyers.yaml"),
        "segment: repeat_buyers\nwhere: orders.count() >= 2\n",
    )
    .unwrap();
    let (code, out, err) = segflow(&shop, &["test"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "test repeat_buyers repeat_buyers ... FAILED\n  selected but not expected: ben\n0 passed, 1 failed\n"
    );
    assert_eq!(err, "error: 1 rule test failed\n");
    // Tightened too far: nobody.
    std::fs::write(
        shop.join("rules/repeat_buyers.yaml"),
        "segment: repeat_buyers\nwhere: orders(within 30d).count() >= 2\n",
    )
    .unwrap();
    let (code, out, _) = segflow(&shop, &["test"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "test repeat_buyers repeat_buyers ... FAILED\n  expected but not selected: ana\n0 passed, 1 failed\n"
    );
}

#[test]
fn a_broken_test_file_is_an_error_naming_what_to_fix() {
    let dir = repository();
    let shop = dir.path().join("shop");
    std::fs::write(
        shop.join("tests/a_typo.yaml"),
        "now: 2026-11-01\nexpect:\n  repet_buyers: []\n",
    )
    .unwrap();
    std::fs::write(
        shop.join("tests/b_email.yaml"),
        "now: 2026-11-01\ncustomers:\n  - { id: ana, email: \"ana@x.test, ben@x.test\" }\nexpect:\n  repeat_buyers: []\n",
    )
    .unwrap();
    std::fs::write(
        shop.join("tests/c_now.yaml"),
        "now: yesterday\nexpect:\n  repeat_buyers: []\n",
    )
    .unwrap();
    let (code, out, _) = segflow(&shop, &["test"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "test a_typo ... error
  tests/a_typo.yaml: expect: no segment named `repet_buyers`; did you mean `repeat_buyers`?
test b_email ... error
  tests/b_email.yaml: customers[0].email: `ana@x.test, ben@x.test` is not one email address: it looks like a list of addresses; write a single bare address such as ana@example.com
test c_now ... error
  tests/c_now.yaml: now: `yesterday` is not a date (expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339 such as 2024-03-05T14:22:10+01:00)
test repeat_buyers repeat_buyers ... ok
1 passed, 3 failed
"
    );
}

#[test]
fn a_repository_without_tests_says_how_to_write_one() {
    let dir = repository();
    let shop = dir.path().join("shop");
    std::fs::remove_dir_all(shop.join("tests")).unwrap();
    let (code, _, err) = segflow(&shop, &["test"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: no rule tests in tests; write one as tests/NAME.yaml (`segflow init` scaffolds one, README \"Testing rules\")\n"
    );
}

#[test]
fn predicted_fields_are_fitted_on_the_tests_own_shop() {
    let dir = repository();
    let shop = dir.path().join("shop");
    // Without a fit every prediction is missing, and nobody would be selected.
    std::fs::write(
        shop.join("rules/scored.yaml"),
        "segment: scored\nwhere: predicted.p_alive is not null and predicted.p_alive > 0\n",
    )
    .unwrap();
    let test = std::fs::read_to_string(shop.join("tests/repeat_buyers.yaml")).unwrap();
    std::fs::write(
        shop.join("tests/repeat_buyers.yaml"),
        test.replace(
            "  repeat_buyers: [ana]",
            "  repeat_buyers: [ana, ana]\n  scored: [cem, ana, ben]",
        ),
    )
    .unwrap();
    let (code, out, err) = segflow(&shop, &["test"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(
        out,
        "test repeat_buyers repeat_buyers ... ok\ntest repeat_buyers scored ... ok\n2 passed, 0 failed\n"
    );
}

#[test]
fn an_expected_id_that_is_not_a_customer_of_the_test_is_an_error() {
    let dir = repository();
    let shop = dir.path().join("shop");
    let test = std::fs::read_to_string(shop.join("tests/repeat_buyers.yaml")).unwrap();
    std::fs::write(
        shop.join("tests/repeat_buyers.yaml"),
        test.replace("  repeat_buyers: [ana]", "  repeat_buyers: [anna]"),
    )
    .unwrap();
    let (code, out, _) = segflow(&shop, &["test"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "test repeat_buyers ... error
  tests/repeat_buyers.yaml: expect.repeat_buyers: no customer `anna` in this test (its customers are ana, ben, cem); list the ids of the test's own customers
0 passed, 1 failed
"
    );
}
