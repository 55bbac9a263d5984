//! Robustness of everything that reads merchant text: the expression parser, the checker and the
//! rule-file loader must never panic or overflow the stack, whatever they are given, and every
//! diagnostic they return must point inside the text on character boundaries (miette slices the
//! file with it, so a bad span would panic later, while rendering).

use proptest::prelude::*;
use segflow::dsl::diagnostic::{render, Code, Diagnostic, FileDiagnostic, SourceFile};
use segflow::dsl::{check, parser, span::OffsetMap};
use segflow::segment::rule_file::RuleFile;
use segflow::segment::SegmentSet;

/// Parses and checks `src` as a whole expression and returns every diagnostic, after asserting
/// that each one's span is valid for `src`.
fn diagnose(src: &str) -> Vec<Diagnostic> {
    let ctx = check::Context::rules(vec!["vip".into(), "lapsed".into()]);
    let diagnostics = match parser::parse(src, &OffsetMap::identity(src.len())) {
        Err(d) => vec![d],
        Ok(node) => match check::check(&node, &ctx) {
            Ok(_) => Vec::new(),
            Err(ds) => ds,
        },
    };
    for d in &diagnostics {
        assert_span_in(src, d);
    }
    // Rendering slices the text with each span, as `segflow check` does.
    let file = SourceFile::new("condition", src);
    let wrapped: Vec<FileDiagnostic> = diagnostics
        .iter()
        .map(|d| FileDiagnostic {
            diagnostic: d.clone(),
            file: file.clone(),
        })
        .collect();
    assert!(!render(&wrapped, false).is_empty() || wrapped.is_empty());
    diagnostics
}

fn assert_span_in(text: &str, d: &Diagnostic) {
    if let Some(span) = d.span {
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "span {span:?} outside {} bytes: {d:?}",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "span {span:?} not on char boundaries: {d:?}"
        );
    }
}

/// Loads one rule file both ways (alone and as a set) and checks every span against its text.
fn load(text: &str) {
    let file = SourceFile::new("rules/vip.yaml", text);
    if let Err(ds) = RuleFile::parse(file.clone(), "vip") {
        assert!(!ds.is_empty(), "an error without a diagnostic");
        ds.iter().for_each(|d| assert_span_in(text, d));
    }
    if let Err(ds) = SegmentSet::from_files(vec![(file, "vip".to_string())]) {
        assert!(!ds.is_empty(), "an error without a diagnostic");
        for d in &ds {
            assert_eq!(d.file.text, text);
            assert_span_in(text, &d.diagnostic);
        }
        assert!(!render(&ds, false).is_empty());
    }
}

/// Every kind of token the grammar knows, plus near misses from other languages.
const TOKENS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "contains",
    "between",
    "is",
    "null",
    "within",
    "true",
    "false",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "=",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "\"",
    "'",
    "\\",
    "#",
    "\n",
    "0",
    "42",
    "49.99",
    "1.",
    "90d",
    "15m",
    "250ms",
    "5y",
    "99999999999999999999d",
    "2026-01-31",
    "2026-02-30",
    "2026-01-31T10:00:00Z",
    "2026-01-31 10:00",
    "2026-01-31T10:00+02:00",
    "\"US\"",
    "'x'",
    "\"a\\\"b\"",
    "\"é\"",
    "é",
    "orders",
    "items",
    "events",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "exists",
    "first",
    "last",
    "distinct",
    "total",
    "placed_at",
    "type",
    "category",
    "prop",
    "attr",
    "values",
    "country",
    "tags",
    "age",
    "birthday",
    "created_at",
    "total_spent",
    "aov",
    "last_order_at",
    "now",
    "days_since",
    "month",
    "lower",
    "len",
    "coalesce",
    "in_segment",
    "\"vip\"",
    "\"nope\"",
    "orders(",
    ".count()",
    ".sum(total)",
    "within 90d",
    "x_1",
    "_",
    "ünïcödé",
    "\u{0}",
    "\t",
];

fn token_soup() -> impl Strategy<Value = String> {
    let piece = (
        prop::sample::select(TOKENS),
        prop::sample::select(&["", " ", " ", "\n"][..]),
    );
    prop::collection::vec(piece, 0..40).prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(t, sep)| format!("{t}{sep}"))
            .collect()
    })
}

/// Any characters at all, including control characters and lone combining marks.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Prefixes that each open one level of nesting, and what closes them.
const OPENERS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("not ", ""),
    ("-", ""),
    ("- ", ""),
    ("len(", ")"),
    ("orders(", ").count() > 0"),
    ("'a' in [", "]"),
    ("\"\\\"\" == (", ")"),
    ("# it's\n(", ")"),
    ("1 + ", ""),
    ("true or ", ""),
    ("true and ", ""),
    ("2 * ", ""),
];

proptest! {
    #[test]
    fn arbitrary_text_never_panics(src in any_text(80)) {
        diagnose(&src);
    }

    #[test]
    fn token_soup_never_panics(src in token_soup()) {
        diagnose(&src);
    }

    #[test]
    fn deep_nesting_is_too_complex_or_a_syntax_error(
        which in 0..OPENERS.len(),
        depth in 200usize..4000,
        close in any::<bool>(),
    ) {
        let (open, end) = OPENERS[which];
        let closing = if close { end.repeat(depth) } else { String::new() };
        let src = format!("{}x{}", open.repeat(depth), closing);
        let ds = diagnose(&src);
        prop_assert!(!ds.is_empty(), "{} levels of {open:?} were accepted", depth);
        prop_assert!(
            ds.iter().any(|d| matches!(d.code, Code::TooComplex | Code::Syntax)),
            "{:?}", ds
        );
    }

    #[test]
    fn yaml_ish_rule_files_never_panic(text in rule_file_text()) {
        load(&text);
    }

    #[test]
    fn arbitrary_rule_files_never_panic(text in any_text(120)) {
        load(&text);
    }
}

/// Text shaped like a rule file: the right keys (or near misses), every scalar style, and an
/// expression from the token soup, so the loader's offset map is exercised on odd scalars.
fn rule_file_text() -> impl Strategy<Value = String> {
    let key = prop::sample::select(&["segment", "where", "description", "tags", "wehre", ""][..]);
    let style = prop::sample::select(&["", "'", "\"", "|\n  ", ">\n  ", "|-\n    ", "[", "- "][..]);
    let line = (key, style, token_soup(), any::<bool>()).prop_map(|(k, s, v, close)| {
        let closing = match (s, close) {
            ("'", true) => "'",
            ("\"", true) => "\"",
            ("[", true) => "]",
            _ => "",
        };
        format!("{k}: {s}{v}{closing}\n")
    });
    (
        prop::sample::select(&["segment: vip\n", "segment: VIP\n", "segment: 'vip'\n", ""][..]),
        prop::collection::vec(line, 0..4),
    )
        .prop_map(|(head, lines)| format!("{head}{}", lines.concat()))
}

#[test]
fn nesting_up_to_the_limit_still_parses() {
    let depth = parser::MAX_DEPTH;
    for src in [
        format!(
            "len({}'abc'{}) == 3",
            "(".repeat(depth - 1),
            ")".repeat(depth - 1)
        ),
        format!("{}'abc'{} == 3", "len(".repeat(depth), ")".repeat(depth)),
        format!("{}1{} > 0", "[".repeat(depth), "]".repeat(depth)),
    ] {
        let ds = diagnose(&src);
        assert!(
            ds.iter().all(|d| d.code != Code::TooComplex),
            "{src}: {ds:?}"
        );
    }
    let ds = diagnose(&format!("{}true", "not ".repeat(40)));
    assert!(ds.is_empty(), "{ds:?}");
}

#[test]
fn long_chains_are_too_complex_not_a_crash() {
    for src in [
        format!("true{}", " or true".repeat(2000)),
        format!("true{}", " and true".repeat(2000)),
        format!("1{} > 0", " + 1".repeat(3000)),
        format!("1{} > 0", "*1".repeat(5000)),
        format!("{}true", "not ".repeat(3000)),
        format!("{}1 > 0", "-".repeat(10_000)),
    ] {
        let ds = diagnose(&src);
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].code, Code::TooComplex, "{ds:?}");
    }
}

#[test]
fn a_chain_of_fifty_conditions_is_still_accepted() {
    let src = vec!["country == \"US\""; 50].join(" or ");
    assert!(diagnose(&src).is_empty());
}

#[test]
fn escaped_quotes_do_not_hide_parentheses_from_the_depth_limit() {
    let src = format!("\"\\\"\" == {}1{}", "(".repeat(3000), ")".repeat(3000));
    let ds = diagnose(&src);
    assert_eq!(ds[0].code, Code::TooComplex, "{ds:?}");
}

#[test]
fn quotes_in_comments_do_not_hide_parentheses_from_the_depth_limit() {
    let src = format!("# it's deep\n{}1{} > 0", "(".repeat(3000), ")".repeat(3000));
    let ds = diagnose(&src);
    assert_eq!(ds[0].code, Code::TooComplex, "{ds:?}");
}

#[test]
fn strings_and_comments_may_contain_brackets() {
    let parens = "(".repeat(200);
    assert!(diagnose(&format!("country == \"{parens}\"")).is_empty());
    assert!(diagnose(&format!("country == 'it\\'s {parens}'")).is_empty());
    assert!(diagnose(&format!("# {parens}\ncountry == \"US\"")).is_empty());
}

#[test]
fn a_syntax_error_quotes_a_short_excerpt() {
    let src = format!("country == {}", "x".repeat(5000));
    let src = format!("{src} ==");
    let ds = diagnose(&src);
    assert_eq!(ds[0].code, Code::Syntax);
    assert!(ds[0].message.len() < 200, "{}", ds[0].message);
}

#[test]
fn multibyte_characters_at_the_end_of_a_condition_keep_spans_on_boundaries() {
    for text in [
        "segment: vip\nwhere: country == \"é\" é\n",
        "segment: vip\nwhere: country == 'ü' and 日本\n",
        "segment: vip\nwhere: |\n  country ==\n  \"日本\" é",
        "segment: vip\nwhere: \"country == \\\"é\\\" \\u00e9\"\n",
        "segment: vip\nwhere: >\n  nope\u{3000}é\n",
        "segment: vip\nwhere: 'é'\u{85}é",
    ] {
        load(text);
    }
}

/// Conditions whose trees are exactly as deep as the parser allows, in each shape that grows a
/// tree without brackets; `true` marks those that hold for a US customer.
fn conditions_at_the_depth_limit() -> Vec<(String, bool)> {
    let n = parser::MAX_TREE_DEPTH;
    // A comparison of two plain values is two levels deep, and each operator adds one more.
    vec![
        (
            vec!["country == \"CA\""; n - 2].join(" or ") + " or country == \"US\"",
            true,
        ),
        (vec!["country == \"US\""; n - 1].join(" and "), true),
        (
            format!("{}country == \"US\"", "not ".repeat(n - 2)),
            n.is_multiple_of(2),
        ),
        (format!("{}1 > 0", "-".repeat(n - 2)), n.is_multiple_of(2)),
        (format!("1{} > 0", " + 1".repeat(n - 2)), true),
        (
            format!(
                "orders.count() > 0 or {}",
                vec!["true"; n - 1].join(" and ")
            ),
            true,
        ),
    ]
}

#[test]
fn trees_at_the_depth_limit_pass_every_later_stage() {
    use segflow::compile::columnar::Program;
    use segflow::compile::sql::SqlQuery;
    let dir = tempfile::tempdir().unwrap();
    let conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
    conn.execute(
        "INSERT INTO customers (id, external_id, country) VALUES (1, 'c1', 'US')",
        [],
    )
    .unwrap();
    let snapshot = segflow::store::snapshot::Snapshot::load(&conn).unwrap();
    for (src, holds) in conditions_at_the_depth_limit() {
        let node = parser::parse(&src, &OffsetMap::identity(src.len()))
            .unwrap_or_else(|d| panic!("{d:?}"));
        let checked = check::check(&node, &check::Context::default()).unwrap();
        let expected: Vec<i64> = if holds { vec![1] } else { vec![] };
        let sql = SqlQuery::compile(&checked.expr).unwrap();
        assert_eq!(sql.members(&conn, 0).unwrap(), expected, "{src}");
        let program = Program::compile(&checked.expr).unwrap();
        assert_eq!(program.members(&snapshot, 0), expected, "{src}");
        // One more level is refused.
        let deeper = format!("not ({src})");
        let ds = diagnose(&deeper);
        assert_eq!(ds[0].code, Code::TooComplex, "{ds:?}");
    }
}
