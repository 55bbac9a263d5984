//! DKIM signing of outgoing messages (RFC 6376), so receivers can tie each email to the
//! merchant's domain and RFC 8058 one-click unsubscribe is honoured (it requires the
//! `List-Unsubscribe` headers to be covered by a valid signature).
//!
//! The key is read and parsed once at startup from the environment variable named in
//! `[mail.dkim]`; a missing variable or a bad key is a `ConfigError` then, never a failure later.
//! The signature itself is computed by lettre when each message is built.

use std::fmt;
use std::sync::Arc;

use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig as LettreDkimConfig,
    DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::HeaderName;
use lettre::Message;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;

use super::config::{DkimAlgorithm, DkimConfig};
use super::message::ConfigError;

/// The headers covered by the signature. Those a message lacks (`Reply-To`, the unsubscribe
/// headers of a transactional email) are skipped when signing, and listing them still prevents
/// anyone from adding them later without breaking the signature.
const SIGNED_HEADERS: [&str; 9] = [
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// The smallest RSA key RFC 8301 lets a signer use.
const MIN_RSA_BITS: usize = 1024;

/// A parsed DKIM key with its domain and selector; cheap to clone.
#[derive(Clone)]
pub struct DkimSigner {
    domain: String,
    selector: String,
    inner: Arc<LettreDkimConfig>,
}

impl fmt::Debug for DkimSigner {
    // Written by hand so that no key material can ever reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// Reads the key named by `config.private_key_env` from the environment and parses it.
    /// `default_domain` (the domain of `from`) is used when `config.domain` is absent.
    pub fn from_config(config: &DkimConfig, default_domain: &str) -> Result<Self, ConfigError> {
        let var = &config.private_key_env;
        let pem = std::env::var(var).map_err(|_| ConfigError {
            field: "dkim.private_key_env",
            value: var.clone(),
            reason: format!(
                "the environment variable {var} is not set (or not UTF-8); export the DKIM \
                 private key in it, or remove [mail.dkim] to send unsigned"
            ),
        })?;
        Self::from_key(config, default_domain, &pem)
    }

    /// Like `from_config`, with the key text given directly.
    pub fn from_key(
        config: &DkimConfig,
        default_domain: &str,
        key: &str,
    ) -> Result<Self, ConfigError> {
        let (algorithm, expected) = match config.algorithm {
            DkimAlgorithm::Rsa => (
                DkimSigningAlgorithm::Rsa,
                "a PKCS#1 PEM RSA key (-----BEGIN RSA PRIVATE KEY-----)",
            ),
            DkimAlgorithm::Ed25519 => (
                DkimSigningAlgorithm::Ed25519,
                "the base64 of a 32-byte Ed25519 secret key",
            ),
        };
        let key_error = |detail: String| ConfigError {
            field: "dkim.private_key_env",
            value: config.private_key_env.clone(),
            reason: format!(
                "the environment variable {} does not hold {expected}: {detail}",
                config.private_key_env
            ),
        };
        if config.algorithm == DkimAlgorithm::Rsa {
            // RFC 8301 forbids keys below 1024 bits, and lettre would even panic mid-send on
            // one too small for a SHA-256 signature (under 496 bits), so refuse them here.
            if let Ok(rsa_key) = rsa::RsaPrivateKey::from_pkcs1_pem(key.trim()) {
                let bits = rsa_key.size() * 8;
                if bits < MIN_RSA_BITS {
                    return Err(key_error(format!(
                        "the key has {bits} bits, and DKIM needs at least {MIN_RSA_BITS}"
                    )));
                }
            }
        }
        let key =
            DkimSigningKey::new(key.trim(), algorithm).map_err(|e| key_error(e.to_string()))?;
        let domain = config
            .domain
            .clone()
            .unwrap_or_else(|| default_domain.to_string());
        let headers = SIGNED_HEADERS
            .into_iter()
            .map(HeaderName::new_from_ascii_str)
            .collect();
        // Relaxed canonicalization of both parts survives the header refolding and whitespace
        // changes that relays commonly make.
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        let inner = LettreDkimConfig::new(
            config.selector.clone(),
            domain.clone(),
            key,
            headers,
            canonicalization,
        );
        Ok(DkimSigner {
            domain,
            selector: config.selector.clone(),
            inner: Arc::new(inner),
        })
    }

    /// The signing domain (`d=`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The selector (`s=`).
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// Adds the `DKIM-Signature` header to a finished message.
    pub fn sign(&self, message: &mut Message) {
        message.sign(&self.inner);
    }
}
