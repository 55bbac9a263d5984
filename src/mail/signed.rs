//! The envelope of every signed link token: `base64url(payload).base64url(mac)`, where the MAC
//! is HMAC-SHA256 over a domain label and the payload. The label binds a MAC to one kind of
//! token, so an unsubscribe token never verifies as a tracking token or the reverse; the MAC is
//! compared in constant time and the payload is trusted only after it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::token::{TokenError, TokenKind};

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], domain: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(domain);
    mac.update(payload);
    mac
}

/// The token carrying `payload`.
pub(crate) fn seal(secret: &[u8], domain: &[u8], payload: &[u8]) -> String {
    let tag = mac(secret, domain, payload).finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// The payload of `token` once its MAC checks; errors name the `kind` of token.
pub(crate) fn open(
    secret: &[u8],
    domain: &[u8],
    token: &str,
    kind: TokenKind,
) -> Result<Vec<u8>, TokenError> {
    let malformed = |_| TokenError::Malformed(kind);
    let (payload_b64, mac_b64) = token.split_once('.').ok_or(TokenError::Malformed(kind))?;
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(malformed)?;
    let tag = URL_SAFE_NO_PAD.decode(mac_b64).map_err(malformed)?;
    mac(secret, domain, &payload)
        .verify_slice(&tag)
        .map_err(|_| TokenError::BadSignature(kind))?;
    Ok(payload)
}
