//! Bounces and complaints that come back by mail, after segflow handed a message on: delivery
//! status notifications (RFC 3464) and feedback-loop complaints (ARF, RFC 5965), read from mbox
//! or `.eml` files with `mailparse`. Without them an address that bounces later, or a recipient
//! who marks the mail as spam, keeps getting mail and costs the merchant's sending reputation.
//!
//! This module only reads reports into `Feedback`; `apply` records them in
//! `store::mail_feedback` and suppresses addresses and exits journeys as `[mail.bounces]`
//! says.

pub mod apply;
mod arf;
pub mod config;
mod dsn;
mod error;
mod feedback;
pub mod import;
pub mod mbox;
pub mod webhook;

use mailparse::{MailHeaderMap, ParsedMail};

pub use apply::{apply, Applied, Outcome, Source};
pub use config::BounceConfig;
pub use error::{ImportError, ReportError};
pub use feedback::{address_field, normalize_message_id, Feedback, FeedbackKind};
pub use import::{import, FileSummary};

/// Which kind of report a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportType {
    /// A delivery status notification.
    Delivery,
    /// A feedback-loop report.
    Complaint,
}

/// One message of a bounce mailbox, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A report, with what it says per recipient (empty when every recipient was delivered,
    /// or a feedback report is no complaint).
    Report {
        report_type: ReportType,
        /// The report's own `Date`, in unix ms, when it has a valid one.
        date: Option<i64>,
        /// The report's own Message-ID, which tells two reports apart when they do not
        /// include the original's.
        message_id: Option<String>,
        feedback: Vec<Feedback>,
        /// The addresses the report was delivered to as its headers say (`Delivered-To`,
        /// `X-Original-To`, `Envelope-To`, `To`) and the returned message's `Return-Path`: a
        /// VERP address among them names the message (`apply`).
        addressed_to: Vec<String>,
    },
    /// Anything else a bounce address receives (an auto-reply, a vendor's own bounce format).
    NotAReport,
}

/// Reads one message.
pub fn read(raw: &[u8]) -> Result<Message, ReportError> {
    let mail = mailparse::parse_mail(raw).map_err(|e| ReportError::Mime(e.to_string()))?;
    let Some(report) = mail
        .parts()
        .find(|p| p.ctype.mimetype.eq_ignore_ascii_case("multipart/report"))
    else {
        return Ok(Message::NotAReport);
    };
    let report_type = report
        .ctype
        .params
        .get("report-type")
        .map(|t| t.trim().to_ascii_lowercase());
    let (report_type, part_type, part_name) = match report_type.as_deref() {
        Some("delivery-status") => (
            ReportType::Delivery,
            "message/delivery-status",
            "delivery-status",
        ),
        Some("feedback-report") => (
            ReportType::Complaint,
            "message/feedback-report",
            "feedback-report",
        ),
        _ => return Ok(Message::NotAReport),
    };
    let body = report
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype.eq_ignore_ascii_case(part_type))
        .ok_or(ReportError::MissingPart {
            report_type: part_name,
            part: part_type,
        })?
        .get_body_raw()
        .map_err(|e| ReportError::Mime(format!("the {part_type} part: {e}")))?;
    let original = original_headers(report)?;
    let original_id = original.as_ref().and_then(|o| o.message_id.clone());
    let mut addressed_to = addresses(&mail.headers, &DELIVERED_TO);
    if let Some(return_path) = original.as_ref().and_then(|o| o.return_path.clone()) {
        addressed_to.push(return_path);
    }
    let feedback = match report_type {
        ReportType::Delivery => dsn::recipients(&body, original_id.as_deref())?,
        ReportType::Complaint => arf::complaint(
            &body,
            original_id.as_deref(),
            original.as_ref().and_then(|o| o.to.as_deref()),
        )?
        .into_iter()
        .collect(),
    };
    Ok(Message::Report {
        report_type,
        date: mail
            .headers
            .get_first_value("Date")
            .and_then(|d| mailparse::dateparse(&d).ok())
            .and_then(|s| s.checked_mul(1000)),
        message_id: mail
            .headers
            .get_first_value("Message-ID")
            .and_then(|id| normalize_message_id(&id)),
        feedback,
        addressed_to,
    })
}

/// The headers that say where a message was delivered, most specific first.
const DELIVERED_TO: [&str; 4] = ["Delivered-To", "X-Original-To", "Envelope-To", "To"];

/// Every address in the `names` headers, lower-cased, each once, at most 16 (a hostile
/// message cannot make the VERP look-up cost without limit).
fn addresses(headers: &[mailparse::MailHeader], names: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for name in names {
        for value in headers.get_all_values(name) {
            let Ok(list) = mailparse::addrparse(&value) else {
                continue;
            };
            for single in list.iter().flat_map(|a| match a {
                mailparse::MailAddr::Single(info) => vec![info.clone()],
                mailparse::MailAddr::Group(group) => group.addrs.clone(),
            }) {
                let address = single.addr.trim().to_lowercase();
                if found.len() < 16 && !address.is_empty() && !found.contains(&address) {
                    found.push(address);
                }
            }
        }
    }
    found
}

/// What a report says of the message it is about.
struct Original {
    message_id: Option<String>,
    to: Option<String>,
    /// The envelope sender it was delivered with, when the returned headers record it.
    return_path: Option<String>,
}

/// The headers of the returned message: its `message/rfc822` part (the whole message) or its
/// `text/rfc822-headers` part (RFC 6522, only the headers); `None` without either.
fn original_headers(report: &ParsedMail) -> Result<Option<Original>, ReportError> {
    let Some(part) = report.subparts.iter().find(|p| {
        let t = p.ctype.mimetype.to_ascii_lowercase();
        t == "message/rfc822" || t == "text/rfc822-headers" || t == "message/rfc822-headers"
    }) else {
        return Ok(None);
    };
    let body = part
        .get_body_raw()
        .map_err(|e| ReportError::Mime(format!("the returned message: {e}")))?;
    // Some servers indent or precede the returned headers with an empty line.
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let Ok((headers, _)) = mailparse::parse_headers(&body[start..]) else {
        // Headers too mangled to read do not make the report unreadable: it just cannot name
        // the message, and the recipient's address has to do.
        return Ok(None);
    };
    let to = headers
        .get_first_value("To")
        .and_then(|to| mailparse::addrparse(&to).ok())
        .and_then(|list| list.extract_single_info())
        .map(|info| info.addr);
    Ok(Some(Original {
        return_path: addresses(&headers, &["Return-Path"]).into_iter().next(),
        message_id: headers
            .get_first_value("Message-ID")
            .and_then(|id| normalize_message_id(&id)),
        to,
    }))
}
