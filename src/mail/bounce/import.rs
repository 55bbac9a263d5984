//! `segflow bounces import`: every message of one mbox or `.eml` file read as a report and
//! applied, with the figures the command prints. A message that is not readable is listed
//! with its number and the others are still recorded; anything that is no report (an
//! auto-reply to the bounce address) is counted and left alone.

use std::path::Path;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::apply::{apply, Outcome, Source};
use super::config::BounceConfig;
use super::error::ImportError;
use super::feedback::FeedbackKind;
use super::{mbox, read, Message, ReportType};
use crate::mail::verp::Verp;

/// What importing one file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    pub messages: usize,
    pub delivery_reports: usize,
    pub complaint_reports: usize,
    pub not_reports: usize,
    /// Per recipient, as read (recorded now or before).
    pub hard: usize,
    pub soft: usize,
    pub complaints: usize,
    /// Recorded now and tied to their outbox message (by its Message-ID or VERP address).
    pub matched: usize,
    /// Recorded now by the address of a customer, without an outbox message.
    pub by_address: usize,
    /// Recorded by an earlier import.
    pub duplicates: usize,
    /// Reports about an address no customer has (or no address at all): not recorded.
    pub unknown: Vec<Option<String>>,
    /// Addresses this import suppressed, with the reason.
    pub suppressed: Vec<(String, String)>,
    pub journeys_exited: usize,
    /// Messages that could not be read.
    pub errors: Vec<ImportError>,
}

/// Reads the messages in `data` (the contents of `file`) and applies every report, at `now`;
/// with `verp`, a report delivered to a VERP address is tied to the message it names.
pub fn import(
    conn: &Connection,
    file: &Path,
    data: &[u8],
    config: &BounceConfig,
    verp: Option<&Verp>,
    now: i64,
) -> rusqlite::Result<FileSummary> {
    let mut summary = FileSummary::default();
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for (index, raw) in mbox::split(data).iter().enumerate() {
        let number = index + 1;
        summary.messages += 1;
        let (report_type, date, message_id, feedback, addressed_to) = match read(raw) {
            Ok(Message::NotAReport) => {
                summary.not_reports += 1;
                continue;
            }
            Ok(Message::Report {
                report_type,
                date,
                message_id,
                feedback,
                addressed_to,
            }) => (report_type, date, message_id, feedback, addressed_to),
            Err(source) => {
                summary.errors.push(ImportError {
                    file: file.to_path_buf(),
                    message: number,
                    source,
                });
                continue;
            }
        };
        match report_type {
            ReportType::Delivery => summary.delivery_reports += 1,
            ReportType::Complaint => summary.complaint_reports += 1,
        }
        let report_key = message_id.unwrap_or_else(|| {
            let digest = Sha256::digest(raw);
            digest.iter().map(|b| format!("{b:02x}")).collect()
        });
        let label = format!("{name} message {number}");
        let source = Source {
            label: &label,
            received_at: date.unwrap_or(now),
            report_key: &report_key,
            addressed_to: &addressed_to,
            verp,
        };
        for item in &feedback {
            match item.kind {
                FeedbackKind::Hard => summary.hard += 1,
                FeedbackKind::Soft => summary.soft += 1,
                FeedbackKind::Complaint => summary.complaints += 1,
            }
            match apply(conn, item, &source, config, now)? {
                Outcome::Duplicate => summary.duplicates += 1,
                Outcome::Unknown { recipient } => summary.unknown.push(recipient),
                Outcome::Recorded(applied) => {
                    if applied.matched {
                        summary.matched += 1;
                    } else {
                        summary.by_address += 1;
                    }
                    if let Some(reason) = applied.suppressed {
                        summary.suppressed.push((applied.email, reason));
                    }
                    summary.journeys_exited += applied.journeys_exited;
                }
            }
        }
    }
    Ok(summary)
}
