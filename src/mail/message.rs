//! Building the MIME message of one email: multipart/alternative text and HTML, the sender
//! identity from config, a Message-ID that is stable across retries, and the RFC 8058
//! one-click unsubscribe headers.

use std::time::{Duration, UNIX_EPOCH};

use lettre::address::{Address, Envelope};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};

use super::config::MailConfig;
use super::dkim::DkimSigner;
use super::verp::Verp;

/// The Message-ID for an idempotency key: `<sha256(key)@domain>`, so every retry of the same
/// intended send carries the same id and receivers (and our tests) can recognise duplicates.
pub fn message_id_for(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{domain}>")
}

/// The parts of every message that come from config, parsed once.
#[derive(Debug, Clone)]
pub struct MessageDefaults {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    /// The domain of generated Message-IDs.
    pub message_id_domain: String,
    /// The address for `mailto:` unsubscribe requests, if any.
    pub unsubscribe_mailto: Option<String>,
    /// Signs every built message when `[mail.dkim]` is configured.
    pub dkim: Option<DkimSigner>,
    /// The envelope sender, when `[mail.bounces] return_path` sets one; else lettre takes the
    /// `From` address.
    pub return_path: Option<ReturnPath>,
    /// Whether messages carry `X-PM-Metadata-segflow-message` for Postmark's webhooks.
    pub postmark_metadata: bool,
}

/// The envelope sender of every message.
#[derive(Debug, Clone)]
pub enum ReturnPath {
    /// The bounce address itself.
    Fixed(Address),
    /// Each outbox message's own VERP address of the bounce address.
    Verp(Verp),
}

/// The Postmark metadata header: Postmark returns `X-PM-Metadata-<key>: value` in its webhooks
/// as `"Metadata": {"<key>": "value"}`.
pub const POSTMARK_METADATA_HEADER: &str = "X-PM-Metadata-segflow-message";

/// A config value that does not parse, with the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mail.{field} = {value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

impl MessageDefaults {
    /// Parses the sender identity from `[mail]` and, when `[mail.dkim]` is present, reads and
    /// parses the DKIM key from its environment variable.
    pub fn from_config(config: &MailConfig) -> Result<Self, ConfigError> {
        let mailbox = |field: &'static str, value: &str| {
            value.parse::<Mailbox>().map_err(|e| ConfigError {
                field,
                value: value.to_string(),
                reason: format!("{e}; write it like \"Shop <news@shop.example>\""),
            })
        };
        let from = mailbox("from", &config.from)?;
        let reply_to = config
            .reply_to
            .as_deref()
            .map(|r| mailbox("reply_to", r))
            .transpose()?;
        let message_id_domain = config
            .message_id_domain
            .clone()
            .unwrap_or_else(|| from.email.domain().to_string());
        let dkim = config
            .dkim
            .as_ref()
            .map(|dkim| DkimSigner::from_config(dkim, from.email.domain()))
            .transpose()?;
        let return_path = return_path(config)?;
        let postmark_metadata = config.bounces.postmark_metadata.unwrap_or_else(|| {
            let host = config
                .smtp
                .host
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            config.transport == super::config::TransportKind::Smtp
                && (host == "postmarkapp.com" || host.ends_with(".postmarkapp.com"))
        });
        Ok(MessageDefaults {
            from,
            reply_to,
            message_id_domain,
            unsubscribe_mailto: config.unsubscribe_mailto.clone(),
            dkim,
            return_path,
            postmark_metadata,
        })
    }
}

/// The envelope sender `[mail.bounces]` asks for: `return_path`, or with `verp` its VERP
/// addresses signed with the unsubscribe secret (read from its variable here).
fn return_path(config: &MailConfig) -> Result<Option<ReturnPath>, ConfigError> {
    if config.bounces.verp {
        return Ok(verp_of(config)?.map(ReturnPath::Verp));
    }
    let Some(address) = &config.bounces.return_path else {
        return Ok(None);
    };
    crate::mail::verp::split_address(address)
        .and_then(|_| address.trim().parse::<Address>().ok())
        .map(|parsed| Some(ReturnPath::Fixed(parsed)))
        .ok_or_else(|| ConfigError {
            field: "bounces.return_path",
            value: address.clone(),
            reason: "it is not an address like \"bounces@shop.example\"".into(),
        })
}

/// The VERP addresses of `[mail.bounces]`, when `verp` is on: what the sender writes and what
/// `segflow bounces import` and the daemon read reports' addresses with.
pub fn verp_of(config: &MailConfig) -> Result<Option<Verp>, ConfigError> {
    let bounces = &config.bounces;
    if !bounces.verp {
        return Ok(None);
    }
    let Some(address) = &bounces.return_path else {
        return Err(ConfigError {
            field: "bounces.verp",
            value: "true".into(),
            reason: "VERP needs the bounce address; set [mail.bounces] return_path = \"bounces@your-domain\"".into(),
        });
    };
    let secret =
        crate::mail::UnsubscribeSigner::from_env(&config.unsubscribe_secret_env).map_err(|e| {
            ConfigError {
                field: "bounces.verp",
                value: "true".into(),
                reason: format!("VERP addresses are signed with the unsubscribe secret: {e}"),
            }
        })?;
    Verp::new(secret.secret(), address)
        .map(Some)
        .map_err(|e| ConfigError {
            field: "bounces.return_path",
            value: address.clone(),
            reason: e.to_string(),
        })
}

/// What goes into one email besides the defaults.
#[derive(Debug, Clone)]
pub struct EmailParts<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    pub message_id: &'a str,
    /// The one-click unsubscribe URL; no List-Unsubscribe headers when absent (transactional).
    pub unsubscribe_url: Option<&'a str>,
    /// The Date header, unix milliseconds.
    pub date_ms: i64,
    /// The outbox row, which names the message in its VERP address and Postmark metadata;
    /// `None` for a message outside the outbox (`segflow send-test`).
    pub outbox_id: Option<i64>,
}

/// Why an email cannot be built from its outbox row; retrying cannot help.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the recipient address {to:?} is not valid: {source}")]
    Recipient {
        to: String,
        source: lettre::address::AddressError,
    },
    #[error("the VERP address {address:?} is not valid: {source}")]
    ReturnPath {
        address: String,
        source: lettre::address::AddressError,
    },
    #[error("cannot build the message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// A finished email, ready for a transport.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    message_id: String,
    to: String,
    message: Message,
}

impl OutgoingEmail {
    /// Builds the MIME message; fails only on an address or header that cannot be encoded.
    pub fn build(defaults: &MessageDefaults, parts: &EmailParts<'_>) -> Result<Self, BuildError> {
        let to: Mailbox = parts.to.parse().map_err(|source| BuildError::Recipient {
            to: parts.to.to_string(),
            source,
        })?;
        let to_address = to.email.clone();
        let date = UNIX_EPOCH + Duration::from_millis(parts.date_ms.max(0) as u64);
        let mut builder = Message::builder()
            .from(defaults.from.clone())
            .to(to)
            .subject(parts.subject)
            .date(date)
            .message_id(Some(parts.message_id.to_string()));
        if let Some(reply_to) = &defaults.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        if let Some(url) = parts.unsubscribe_url {
            let mut value = format!("<{url}>");
            if let Some(mailto) = &defaults.unsubscribe_mailto {
                value.push_str(&format!(", <mailto:{mailto}?subject=unsubscribe>"));
            }
            builder = builder
                .raw_header(HeaderValue::new(header_name("List-Unsubscribe"), value))
                .raw_header(HeaderValue::new(
                    header_name("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        if defaults.postmark_metadata && parts.outbox_id.is_some() {
            let local = parts.message_id.trim_start_matches('<');
            let local = local.split('@').next().unwrap_or(local);
            builder = builder.raw_header(HeaderValue::new(
                header_name(POSTMARK_METADATA_HEADER),
                local.to_string(),
            ));
        }
        if let Some(return_path) = &defaults.return_path {
            let from = match (return_path, parts.outbox_id) {
                (ReturnPath::Fixed(address), _) => address.clone(),
                (ReturnPath::Verp(verp), id) => {
                    let address = match id {
                        Some(id) => verp.address(id, parts.message_id),
                        None => verp.return_path(),
                    };
                    address
                        .parse::<Address>()
                        .map_err(|source| BuildError::ReturnPath { address, source })?
                }
            };
            builder = builder.envelope(Envelope::new(Some(from), vec![to_address])?);
        }
        let mut message = builder.multipart(
            MultiPart::alternative()
                .boundary(boundary_for(parts.message_id))
                .singlepart(SinglePart::plain(parts.text.to_string()))
                .singlepart(SinglePart::html(parts.html.to_string())),
        )?;
        // Signing here, where the message is built from its outbox row, keeps transports
        // unaware of DKIM and signs exactly the bytes that go out.
        if let Some(signer) = &defaults.dkim {
            signer.sign(&mut message);
        }
        Ok(OutgoingEmail {
            message_id: parts.message_id.to_string(),
            to: parts.to.to_string(),
            message,
        })
    }

    /// The Message-ID, with its angle brackets.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The recipient address.
    pub fn to(&self) -> &str {
        &self.to
    }

    /// The lettre message, for transports built on lettre.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The full RFC 5322 text of the message.
    pub fn formatted(&self) -> Vec<u8> {
        self.message.formatted()
    }
}

/// A MIME boundary derived from the Message-ID rather than random, so every attempt of an outbox
/// row has the same body bytes and hence the same DKIM body hash.
fn boundary_for(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("segflow-{hex}")
}

fn header_name(name: &'static str) -> HeaderName {
    HeaderName::new_from_ascii_str(name)
}
