//! Why a message in a bounce mailbox could not be read as a report. The parser's errors name
//! the part or field that is wrong; `ImportError` adds the file and the message's number in it,
//! which is what a merchant needs to find the message.

use std::path::PathBuf;

/// What is wrong with one message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("not a readable MIME message: {0}")]
    Mime(String),
    #[error("a multipart/report with report-type={report_type} has no {part} part")]
    MissingPart {
        report_type: &'static str,
        part: &'static str,
    },
    #[error("recipient {block} of the delivery status has no {field} field")]
    MissingField { block: usize, field: &'static str },
    #[error("recipient {block} of the delivery status: {field}: {value:?} {reason}")]
    BadField {
        block: usize,
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("the delivery status names more than {limit} recipients")]
    TooManyRecipients { limit: usize },
    #[error("the feedback report has no Feedback-Type field")]
    NoFeedbackType,
}

/// A message of an imported file that is not a readable report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: message {message}: {source}", file.display())]
pub struct ImportError {
    pub file: PathBuf,
    /// The message's position in the file, from 1 (an .eml file holds message 1 only).
    pub message: usize,
    pub source: ReportError,
}
