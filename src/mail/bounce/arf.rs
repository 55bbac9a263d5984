//! A feedback-loop complaint in the Abuse Reporting Format (RFC 5965): the
//! `message/feedback-report` part of a `multipart/report; report-type=feedback-report`, which a
//! mailbox provider sends when a recipient marks a message as spam.

use mailparse::MailHeaderMap;

use super::error::ReportError;
use super::feedback::{address_field, Feedback, FeedbackKind};

/// The complaint of one feedback-report body, or `None` for a feedback type that is no
/// complaint by the recipient (`not-spam`, `auth-failure`, `virus`, `other`).
///
/// The recipient is `Original-Rcpt-To`, else the original's `To`; providers that redact both
/// leave it to the Message-ID to find the address.
pub fn complaint(
    body: &[u8],
    original_message_id: Option<&str>,
    original_to: Option<&str>,
) -> Result<Option<Feedback>, ReportError> {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let (fields, _) = mailparse::parse_headers(text.trim_start().as_bytes())
        .map_err(|e| ReportError::Mime(format!("the feedback report: {e}")))?;
    let feedback_type = fields
        .get_first_value("Feedback-Type")
        .ok_or(ReportError::NoFeedbackType)?
        .trim()
        .to_ascii_lowercase();
    if !matches!(feedback_type.as_str(), "abuse" | "fraud") {
        return Ok(None);
    }
    let recipient = fields
        .get_first_value("Original-Rcpt-To")
        .and_then(|r| address_field(&r))
        .or_else(|| original_to.and_then(address_field));
    Ok(Some(Feedback {
        kind: FeedbackKind::Complaint,
        recipient,
        status: None,
        diagnostic: Some(format!("feedback type {feedback_type}")),
        original_message_id: original_message_id.map(str::to_string),
        message_id_local: None,
    }))
}
