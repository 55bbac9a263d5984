//! The transport seam between the outbox sender and the world: one trait, and the error that
//! tells the sender whether to retry, give up, or suppress the address.

use super::message::OutgoingEmail;

/// Why a send failed, classified for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: a 4xx reply, a timeout, a refused or dropped connection.
    #[error("transient failure: {message}")]
    Transient { message: String },
    /// Final: a 5xx reply or a message that cannot be sent. `hard_bounce` marks a reply that
    /// says the mailbox does not exist or cannot take mail, so the address must be suppressed.
    #[error("permanent failure{}: {message}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Permanent {
        code: Option<u16>,
        message: String,
        hard_bounce: bool,
    },
}

impl SendError {
    /// A permanent failure that is not about the mailbox (e.g. the message cannot be built).
    pub fn permanent(message: impl Into<String>) -> Self {
        SendError::Permanent {
            code: None,
            message: message.into(),
            hard_bounce: false,
        }
    }

    /// A transient failure with this description.
    pub fn transient(message: impl Into<String>) -> Self {
        SendError::Transient {
            message: message.into(),
        }
    }
}

/// Something that delivers a finished email.
pub trait Transport {
    /// Delivers `msg`, or says why not.
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        (**self).send(msg)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        (**self).send(msg)
    }
}
