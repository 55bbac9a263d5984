//! Signed unsubscribe tokens for one-click unsubscribe links (RFC 8058).
//!
//! A token is `base64url(payload).base64url(mac)`, where the payload is the JSON array
//! `[customer, email, purpose, issued_at]` and the MAC is HMAC-SHA256 over a version label and
//! the payload, keyed by a secret read from an environment variable. The link works without a
//! database lookup, cannot be forged for another customer or purpose, and is compared in
//! constant time so the MAC cannot be guessed byte by byte.

/// Binds the MAC to this token format, so a MAC made for another use of the secret never fits.
const DOMAIN: &[u8] = b"segflow-unsubscribe-v1\n";

/// The shortest secret accepted; shorter keys make the MAC guessable.
const MIN_SECRET_LEN: usize = 16;

/// What an unsubscribe token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeClaims {
    /// The internal customer key.
    pub customer: i64,
    /// The address the email went to.
    pub email: String,
    /// What the customer unsubscribes from, e.g. `marketing` or a workflow name.
    pub purpose: String,
    /// When the token was issued, unix milliseconds.
    pub issued_at: i64,
}

/// Which kind of link token was refused, so that a log line names the link that failed: the
/// three endpoints `/u/`, `/o/` and `/c/` share one error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `/u/TOKEN`.
    Unsubscribe,
    /// `/o/TOKEN`, the open pixel.
    Open,
    /// `/c/TOKEN`, a tracked link.
    Click,
    /// An open or click token verified without saying which it should be.
    Tracking,
}

impl TokenKind {
    /// The kind with its indefinite article, for "this is a click token, not ...".
    pub fn with_article(self) -> &'static str {
        match self {
            TokenKind::Unsubscribe => "an unsubscribe token",
            TokenKind::Open => "an open-tracking token",
            TokenKind::Click => "a click token",
            TokenKind::Tracking => "a tracking token",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let article = self.with_article();
        f.write_str(article.split_once(' ').map_or(article, |(_, noun)| noun))
    }
}

/// Why a token was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the environment variable {var} that should hold the unsubscribe secret is not set; set it to a random string of at least 16 characters")]
    MissingSecret { var: String },
    #[error("the unsubscribe secret is too short ({len} bytes); use at least 16 random bytes")]
    SecretTooShort { len: usize },
    #[error("the {0} is malformed")]
    Malformed(TokenKind),
    #[error("the {0}'s signature does not match")]
    BadSignature(TokenKind),
    /// A genuine token of one kind used on the endpoint of another (an open token on `/c/`).
    #[error("this is {}, not {}", .found.with_article(), .expected.with_article())]
    WrongKind {
        expected: TokenKind,
        found: TokenKind,
    },
}

/// Signs and verifies unsubscribe tokens with one secret.
#[derive(Clone)]
pub struct UnsubscribeSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for UnsubscribeSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.write_str("UnsubscribeSigner { .. }")
    }
}

impl UnsubscribeSigner {
    /// A signer keyed by `secret`.
    pub fn new(secret: &[u8]) -> Result<Self, TokenError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(TokenError::SecretTooShort { len: secret.len() });
        }
        Ok(UnsubscribeSigner {
            secret: secret.to_vec(),
        })
    }

    /// A signer keyed by the value of environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self, TokenError> {
        let secret = std::env::var(var).map_err(|_| TokenError::MissingSecret {
            var: var.to_string(),
        })?;
        Self::new(secret.as_bytes())
    }

    /// The secret, for the tracking signer that shares it under its own domain label.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &UnsubscribeClaims) -> String {
        let payload = serde_json::json!([
            claims.customer,
            claims.email,
            claims.purpose,
            claims.issued_at
        ])
        .to_string();
        super::signed::seal(&self.secret, DOMAIN, payload.as_bytes())
    }

    /// The one-click unsubscribe URL `base_url/u/TOKEN` for `claims`.
    pub fn url(&self, base_url: &str, claims: &UnsubscribeClaims) -> String {
        format!("{}/u/{}", base_url.trim_end_matches('/'), self.sign(claims))
    }

    /// Checks `token`'s signature and returns what it asserts.
    pub fn verify(&self, token: &str) -> Result<UnsubscribeClaims, TokenError> {
        let kind = TokenKind::Unsubscribe;
        let payload = super::signed::open(&self.secret, DOMAIN, token, kind)?;
        let (customer, email, purpose, issued_at): (i64, String, String, i64) =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed(kind))?;
        Ok(UnsubscribeClaims {
            customer,
            email,
            purpose,
            issued_at,
        })
    }
}
