//! The email layer: merchant templates, MIME messages, unsubscribe and tracking tokens, transports, and the
//! outbox that makes every send idempotent.
//!
//! The mail layer does not decide who gets mail (that is `policy` and the workflows); it renders,
//! records and delivers. Every email goes through the outbox table first (ARCHITECTURE.md, invariant 8): a row with
//! a unique idempotency key is inserted, and the `Sender` drains due rows in bounded batches,
//! marking each `sending` before the network call and `sent` after it, so a crash duplicates at
//! most the one message in flight, and that one keeps its Message-ID.

pub mod bounce;
mod concurrent;
pub mod config;
pub mod dkim;
pub mod engagement;
pub mod file_transport;
mod html_links;
mod html_text;
pub mod message;
pub mod money;
pub mod outbox;
pub mod sender;
pub mod sender_lock;
pub mod setup;
mod signed;
pub mod smtp_transport;
pub use crate::store::suppressions;
pub mod template_check;
pub mod templates;
pub mod token;
pub mod tracking;
pub mod transport;
pub mod verp;

pub use config::{DeliveryConfig, DkimAlgorithm, DkimConfig, MailConfig};
pub use dkim::DkimSigner;
pub use file_transport::FileTransport;
pub use html_text::html_to_text;
pub use message::{message_id_for, EmailParts, MessageDefaults, OutgoingEmail};
pub use outbox::{enqueue, Enqueued, NewMessage};
pub use sender::{Clock, DrainReport, PinnedClock, Sender, SystemClock};
pub use setup::{configured_sender, AnyTransport};
pub use smtp_transport::SmtpTransport;
pub use templates::{RenderedEmail, TemplateError, Templates};
pub use token::{TokenError, TokenKind, UnsubscribeClaims, UnsubscribeSigner};
pub use tracking::{event_for, instrument, TrackClaims, TrackKind, TrackingSigner};
pub use transport::{SendError, Transport};
