//! Putting a rendered email into the outbox. The table and its states are owned by
//! `store::outbox` (re-exported here); this module adds the message a send step builds: the
//! rendering, its Message-ID derived from the idempotency key, and the unsubscribe URL.

use rusqlite::Connection;

use super::message::message_id_for;
use super::templates::{RenderedEmail, TemplateError, Templates};
pub use crate::store::outbox::*;

/// A message to put into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub origin: Origin,
    pub template: String,
    pub to_email: String,
    pub email: RenderedEmail,
    /// The one-click unsubscribe URL for the List-Unsubscribe header; `None` for transactional mail.
    pub unsubscribe_url: Option<String>,
    /// The Message-ID every attempt of this send carries.
    pub message_id: String,
    /// The earliest send time (unix ms); `None` means as soon as possible.
    pub not_before: Option<i64>,
}

impl NewMessage {
    /// A message whose Message-ID derives from the origin's idempotency key and `domain`.
    pub fn new(
        origin: Origin,
        template: &str,
        to_email: &str,
        email: RenderedEmail,
        message_id_domain: &str,
    ) -> Self {
        let message_id = message_id_for(&origin.idempotency_key(), message_id_domain);
        NewMessage {
            origin,
            template: template.to_string(),
            to_email: to_email.to_string(),
            email,
            unsubscribe_url: None,
            message_id,
            not_before: None,
        }
    }

    /// Renders `template` with `context` into a message; a template error yields no message, so a
    /// broken template can never put a partial email into the outbox.
    pub fn render(
        templates: &Templates,
        template: &str,
        context: &serde_json::Value,
        origin: Origin,
        to_email: &str,
        message_id_domain: &str,
    ) -> Result<Self, TemplateError> {
        let email = templates.render(template, context)?;
        Ok(Self::new(
            origin,
            template,
            to_email,
            email,
            message_id_domain,
        ))
    }

    /// Adds the one-click unsubscribe URL.
    pub fn with_unsubscribe_url(mut self, url: String) -> Self {
        self.unsubscribe_url = Some(url);
        self
    }

    /// Delays the first attempt until `at` (unix ms), e.g. past quiet hours.
    pub fn not_before(mut self, at: i64) -> Self {
        self.not_before = Some(at);
        self
    }
}

/// Inserts `msg` unless a row with its idempotency key exists.
pub fn enqueue(conn: &Connection, msg: &NewMessage, now: i64) -> rusqlite::Result<Enqueued> {
    crate::store::outbox::enqueue(
        conn,
        &NewRow {
            origin: &msg.origin,
            template: &msg.template,
            to_email: &msg.to_email,
            subject: &msg.email.subject,
            body_html: &msg.email.html,
            body_text: &msg.email.text,
            unsubscribe_url: msg.unsubscribe_url.as_deref(),
            message_id: &msg.message_id,
            not_before: msg.not_before,
        },
        now,
    )
}
