//! What one bounce or complaint says, whatever carried it (a delivery status notification, a
//! feedback-loop report, later a provider's webhook): the kind, the recipient, the status and
//! diagnostic the receiving side gave, and the Message-ID of the message it is about, so the
//! store can tie it back to its outbox row.

/// How a report about one recipient counts against the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackKind {
    /// The mailbox does not exist or can never take mail: suppressed at once.
    Hard,
    /// A transient failure (full mailbox, greylisting, a policy block): counted, and suppressed
    /// only after `[mail.bounces] soft_limit` of them within `soft_window`.
    Soft,
    /// The recipient marked the message as spam: suppressed at once and the journey exited.
    Complaint,
}

impl FeedbackKind {
    /// The word stored in `mail_feedback.kind` and printed in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Hard => "hard",
            FeedbackKind::Soft => "soft",
            FeedbackKind::Complaint => "complaint",
        }
    }

    /// The kind of an RFC 3463 status code such as `5.1.1`: class 5 is permanent, class 4
    /// transient. A 5.7.x status is a security or policy refusal of the sender rather than a
    /// verdict on the mailbox, so it counts as soft, as the sender treats a 5.7.x reply at
    /// send time. `None` for a status that is neither (class 2 is a success).
    pub fn of_status(status: &str) -> Option<FeedbackKind> {
        let mut parts = status.trim().split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        let numeric =
            |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
        if parts.next().is_some() || !numeric(subject) || !numeric(detail) {
            return None;
        }
        match class {
            "5" if subject == "7" => Some(FeedbackKind::Soft),
            "5" => Some(FeedbackKind::Hard),
            "4" => Some(FeedbackKind::Soft),
            _ => None,
        }
    }
}

/// One recipient's bounce or one complaint, as read from a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub kind: FeedbackKind,
    /// The address the report is about, trimmed and lower-cased, without an `rfc822;` prefix;
    /// `None` when a complaint's provider redacted it (the Message-ID then finds it).
    pub recipient: Option<String>,
    /// The RFC 3463 status (`5.1.1`) of a bounce; `None` for a complaint.
    pub status: Option<String>,
    /// The remote server's words (`Diagnostic-Code`), or a complaint's feedback type.
    pub diagnostic: Option<String>,
    /// The Message-ID of the message the report is about, with its angle brackets, when the
    /// report includes the original's headers.
    pub original_message_id: Option<String>,
    /// The local part of the original's Message-ID (between `<` and `@`), when a relay reports
    /// only that: Postmark returns it from the `X-PM-Metadata-segflow-message` header.
    pub message_id_local: Option<String>,
}

/// Normalises a Message-ID as segflow writes them: `<local@domain>`, angle brackets included.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    let inner = id.trim_start_matches('<').trim_end_matches('>').trim();
    if inner.is_empty() || inner.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("<{inner}>"))
}

/// An address field of a report: `rfc822; Ann@Example.com` or a bare address, trimmed and
/// lower-cased; `None` when it is not an address.
pub fn address_field(raw: &str) -> Option<String> {
    let value = match raw.split_once(';') {
        Some((kind, rest)) if kind.trim().eq_ignore_ascii_case("rfc822") => rest,
        Some(_) => return None,
        None => raw,
    };
    let address = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase();
    let (local, domain) = address.split_once('@')?;
    if local.is_empty() || domain.is_empty() || address.contains(char::is_whitespace) {
        return None;
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        assert_eq!(FeedbackKind::of_status("5.1.1"), Some(FeedbackKind::Hard));
        assert_eq!(FeedbackKind::of_status(" 4.2.2 "), Some(FeedbackKind::Soft));
        assert_eq!(FeedbackKind::of_status("5.7.1"), Some(FeedbackKind::Soft));
        assert_eq!(FeedbackKind::of_status("2.0.0"), None);
        assert_eq!(FeedbackKind::of_status("5.1"), None);
        assert_eq!(FeedbackKind::of_status("5.x.1"), None);
    }

    #[test]
    fn addresses_and_ids() {
        assert_eq!(
            address_field("rfc822; Ann@Example.COM").as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(address_field("x400; whatever"), None);
        assert_eq!(address_field("rfc822; nobody"), None);
        assert_eq!(normalize_message_id(" abc@d ").as_deref(), Some("<abc@d>"));
        assert_eq!(normalize_message_id("<>"), None);
    }
}
