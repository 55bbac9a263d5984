//! A delivery status notification (RFC 3464): the `message/delivery-status` part of a
//! `multipart/report; report-type=delivery-status`. Its body is groups of header-like fields
//! separated by empty lines, the first about the message, each further one about one recipient
//! (`Final-Recipient`, `Action`, `Status`, optionally `Diagnostic-Code`).

use mailparse::MailHeaderMap;

use super::error::ReportError;
use super::feedback::{address_field, Feedback, FeedbackKind};

/// A bound on the recipients of one notification, so a hostile file cannot make one message
/// cost without limit.
pub const MAX_RECIPIENTS: usize = 1_000;

/// The bounces of one delivery-status body; recipients that were delivered, relayed or
/// expanded are no bounce and are left out.
pub fn recipients(
    body: &[u8],
    original_message_id: Option<&str>,
) -> Result<Vec<Feedback>, ReportError> {
    let text = String::from_utf8_lossy(body);
    let mut found = Vec::new();
    let mut block_number = 0;
    for block in blocks(&text) {
        let (fields, _) = mailparse::parse_headers(block.as_bytes())
            .map_err(|e| ReportError::Mime(format!("the delivery status: {e}")))?;
        let final_recipient = fields.get_first_value("Final-Recipient");
        let action = fields.get_first_value("Action");
        if final_recipient.is_none() && action.is_none() {
            // The per-message fields (Reporting-MTA, Arrival-Date, ...).
            continue;
        }
        block_number += 1;
        if block_number > MAX_RECIPIENTS {
            return Err(ReportError::TooManyRecipients {
                limit: MAX_RECIPIENTS,
            });
        }
        let block = block_number;
        let final_recipient = final_recipient.ok_or(ReportError::MissingField {
            block,
            field: "Final-Recipient",
        })?;
        let recipient = address_field(&final_recipient).ok_or_else(|| ReportError::BadField {
            block,
            field: "Final-Recipient",
            value: final_recipient.clone(),
            reason: "is not an rfc822 address",
        })?;
        let action = action.ok_or(ReportError::MissingField {
            block,
            field: "Action",
        })?;
        let action_word = action
            .split('(')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match action_word.as_str() {
            "failed" | "delayed" => {}
            "delivered" | "relayed" | "expanded" => continue,
            _ => {
                return Err(ReportError::BadField {
                    block,
                    field: "Action",
                    value: action,
                    reason: "is not failed, delayed, delivered, relayed or expanded",
                })
            }
        }
        let status = fields
            .get_first_value("Status")
            .ok_or(ReportError::MissingField {
                block,
                field: "Status",
            })?;
        // A status may carry a comment after it: `5.1.1 (bad destination mailbox)`.
        let code = status.split_whitespace().next().unwrap_or("").to_string();
        let kind = FeedbackKind::of_status(&code).ok_or_else(|| ReportError::BadField {
            block,
            field: "Status",
            value: status.clone(),
            reason: "is not a 4.x.x or 5.x.x failure status",
        })?;
        // `Action: delayed` means the server still tries: never more than a soft bounce.
        let kind = if action_word == "delayed" {
            FeedbackKind::Soft
        } else {
            kind
        };
        let diagnostic = fields.get_first_value("Diagnostic-Code").map(|d| {
            let words = d.split_once(';').map_or(d.as_str(), |(_, rest)| rest);
            words.split_whitespace().collect::<Vec<_>>().join(" ")
        });
        found.push(Feedback {
            kind,
            recipient: Some(recipient),
            status: Some(code),
            diagnostic,
            original_message_id: original_message_id.map(str::to_string),
            message_id_local: None,
        });
    }
    Ok(found)
}

/// The groups of fields of a delivery-status body, separated by empty lines (a line of only
/// spaces counts as empty, as some servers write it); the first is about the message.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}
