//! The `refresh:` key of a rule file: how often the daemon re-evaluates a segment, checked into
//! a `Cadence` with a diagnostic at the offending value for every mistake.
//!
//! ```yaml
//! refresh:
//!   cron: "0 6 * * *"
//!   timezone: Europe/Berlin   # optional, default UTC
//! # or
//! refresh:
//!   every: 15m                # a DSL duration, at least 1m
//! ```
//!
//! The default zone is UTC, not the shop's, because a rule file is checked without the
//! configuration and must mean the same thing in every repository it is copied to.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::dsl::check::names::did_you_mean;
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::literal;
use crate::dsl::span::Span;
use crate::dsl::yaml_span::scalar_span;
use crate::schedule::Cadence;

/// The shortest `every:` accepted; a segment refresh re-evaluates the whole shop.
pub const MIN_EVERY_MS: i64 = 60_000;

/// The keys `refresh:` may have; anything else is an error, so typos do not pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRefresh {
    cron: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    every: Option<Spanned<String>>,
}

const CRON_HELP: &str = "five fields: minute hour day-of-month month day-of-week, for example \"0 6 * * *\" (06:00 every day) or \"*/30 8-20 * * 1-5\"";

/// Checks `refresh:`, reporting every mistake in it.
pub(super) fn cadence(text: &str, raw: &Spanned<RawRefresh>) -> Result<Cadence, Vec<Diagnostic>> {
    let r = &raw.value;
    let span = |v: &Spanned<String>| scalar_span(text, v);
    match (&r.cron, &r.every) {
        (Some(_), Some(every)) => Err(vec![Diagnostic::new(
            Code::BadFile,
            "`refresh` has both `cron` and `every`",
            span(every),
            "second cadence",
        )
        .with_help("keep one: `cron:` for times of day (with an optional `timezone:`), or `every:` for a fixed interval")]),
        (None, None) => Err(vec![Diagnostic::new(
            Code::BadFile,
            "`refresh` needs `cron` or `every`",
            map_span(text, raw),
            "no cadence",
        )
        .with_help("for example `every: 15m`, or `cron: \"0 6 * * *\"` with `timezone: Europe/Berlin`")]),
        (None, Some(every)) => {
            let mut diagnostics = Vec::new();
            if let Some(tz) = &r.timezone {
                diagnostics.push(
                    Diagnostic::new(
                        Code::BadFile,
                        "`timezone` applies to `cron` only",
                        span(tz),
                        "ignored by `every`",
                    )
                    .with_help("`every` slots are counted from 1970-01-01 UTC; for a local time of day use `cron:` with `timezone:`"),
                );
            }
            match every_millis(every, span(every)) {
                Ok(millis) if diagnostics.is_empty() => Ok(Cadence::Every { millis }),
                Ok(_) => Err(diagnostics),
                Err(d) => {
                    diagnostics.push(d);
                    Err(diagnostics)
                }
            }
        }
        (Some(cron), None) => {
            let tz = match &r.timezone {
                None => Ok(chrono_tz::UTC),
                Some(tz) => timezone(tz, span(tz)),
            };
            let cadence = cron_pattern(cron, span(cron));
            match (cadence, tz) {
                (Ok(expr), Ok(tz)) => Ok(Cadence::Cron { expr, tz }),
                (c, t) => Err(c.err().into_iter().chain(t.err()).collect()),
            }
        }
    }
}

/// A five-field pattern croner accepts and that fires at least once.
fn cron_pattern(cron: &Spanned<String>, span: Span) -> Result<String, Diagnostic> {
    let bad = |message: String, label: &str, help: &str| {
        Diagnostic::new(Code::BadFile, message, span, label).with_help(help)
    };
    let expr = cron.value.trim();
    let cadence = Cadence::cron(expr, chrono_tz::UTC).map_err(|e| {
        bad(
            format!("`{expr}` is not a cron pattern: {e}"),
            "bad cron",
            CRON_HELP,
        )
    })?;
    // croner reads a sixth field as seconds (first) and a seventh as the year; a refresh runs
    // at most once a minute and every year, so five fields (or a nickname such as @daily) it is.
    let fields = expr.split_whitespace().count();
    if fields > 5 {
        return Err(bad(
            format!("`{expr}` has {fields} fields; a refresh pattern has five"),
            "too many fields",
            "minute hour day-of-month month day-of-week: segflow refreshes a segment at most once a minute, so there is no seconds field",
        ));
    }
    // A five-field pattern repeats every 28 years, so one that has no slot after 1970 never fires.
    if cadence.next_after(0).is_none() {
        return Err(bad(
            format!("`{expr}` never fires"),
            "no such date",
            "check the day of month against the month (there is no 30 February)",
        ));
    }
    Ok(expr.to_string())
}

fn every_millis(every: &Spanned<String>, span: Span) -> Result<i64, Diagnostic> {
    let text = every.value.trim();
    let Some(millis) = literal::duration(text).filter(|ms| *ms > 0) else {
        return Err(Diagnostic::new(
            Code::BadFile,
            format!("`{}` is not a duration", every.value),
            span,
            "bad duration",
        )
        .with_help("a number and a unit, as in conditions: 15m, 1h, 1d (units s, m, h, d, w)"));
    };
    if millis < MIN_EVERY_MS {
        return Err(Diagnostic::new(
            Code::BadFile,
            format!(
                "`every: {}` is too short for a segment refresh",
                every.value
            ),
            span,
            "too short",
        )
        .with_help("a segment re-evaluates the whole shop; the shortest interval is 1m"));
    }
    Ok(millis)
}

fn timezone(tz: &Spanned<String>, span: Span) -> Result<chrono_tz::Tz, Diagnostic> {
    tz.value.parse::<chrono_tz::Tz>().map_err(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
        // Case is ignored when looking for a likely typo, so `europe/berlin` finds its zone.
        let lower = tz.value.to_lowercase();
        let suggestion = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|z| z.name())
            .find(|n| n.to_lowercase() == lower)
            .or_else(|| did_you_mean(&tz.value, names));
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "write an IANA zone such as Europe/Berlin or America/New_York".into(),
        };
        Diagnostic::new(
            Code::BadFile,
            format!("unknown time zone `{}`", tz.value),
            span,
            "not an IANA zone",
        )
        .with_help(help)
    })
}

/// From where the map starts to the end of that line.
fn map_span(text: &str, raw: &Spanned<RawRefresh>) -> Span {
    let start = raw
        .referenced
        .span()
        .byte_offset()
        .map_or(0, |o| (o as usize).min(text.len()));
    let mut start = start;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Span::new(start, end.max(start))
}
