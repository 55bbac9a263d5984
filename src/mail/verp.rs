//! VERP (variable envelope return path): with `[mail.bounces] verp = true`, every message
//! leaves with its own envelope sender, `bounces+<token>@shop.example` for the return path
//! `bounces@shop.example`. A bounce goes back to the envelope sender, so the address it is
//! delivered to names the message even when the report quotes nothing of the original (many
//! servers send a bare delivery status without the returned headers).
//!
//! The token is `<outbox id>-<mac>`: the MAC is the first 80 bits of an HMAC-SHA256 over a
//! label, the outbox row's id and its Message-ID, under the unsubscribe secret, written in
//! lower-case hex because mail systems may fold the case of a local part. A stranger who
//! writes to `bounces+...` cannot name another message without the secret: a token that does
//! not verify ties nothing, and the report falls back to its recipient's address as it would
//! without VERP. Binding the Message-ID too means a token of another store (a restored backup,
//! a rebuilt one whose row ids start again) never verifies against the row that now has its id.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Binds the MAC to this use of the secret, so no other token of segflow's verifies as one.
const DOMAIN: &[u8] = b"segflow-verp-v1\n";
/// The hex digits of the MAC kept in the address: 80 bits, far beyond guessing by mail.
const MAC_HEX: usize = 20;

/// Builds and reads the VERP addresses of one return path.
#[derive(Clone)]
pub struct Verp {
    secret: Vec<u8>,
    local: String,
    domain: String,
}

impl std::fmt::Debug for Verp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        write!(f, "Verp {{ return_path: {}@{} }}", self.local, self.domain)
    }
}

/// Why a return path cannot carry VERP addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerpError {
    #[error("it is not an address like \"bounces@shop.example\"")]
    NotAnAddress(String),
    #[error("its local part has a `+`, which VERP uses to add the token; use a plain address such as \"bounces@shop.example\"")]
    Plus(String),
}

/// The local part and domain of `address`, checked as a plain `local@domain`.
pub fn split_address(address: &str) -> Option<(&str, &str)> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:\"@".contains(&b))
    };
    (plain(local) && plain(domain) && (domain.contains('.') || domain == "localhost"))
        .then_some((local, domain))
}

impl Verp {
    /// VERP addresses of `return_path` (such as `bounces@shop.example`), signed with `secret`.
    pub fn new(secret: &[u8], return_path: &str) -> Result<Self, VerpError> {
        let (local, domain) = split_address(return_path)
            .ok_or_else(|| VerpError::NotAnAddress(return_path.to_string()))?;
        if local.contains('+') {
            return Err(VerpError::Plus(return_path.to_string()));
        }
        Ok(Verp {
            secret: secret.to_vec(),
            local: local.to_string(),
            domain: domain.to_string(),
        })
    }

    /// The envelope sender of outbox row `outbox` with Message-ID `message_id`.
    pub fn address(&self, outbox: i64, message_id: &str) -> String {
        format!(
            "{}+{outbox}-{}@{}",
            self.local,
            self.mac(outbox, message_id),
            self.domain
        )
    }

    /// The return path itself, `local@domain`.
    pub fn return_path(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }

    /// Whether `address` is the return path itself or one of its VERP addresses (any token),
    /// compared without case: what the bounce listener accepts mail for.
    pub fn is_ours(&self, address: &str) -> bool {
        let Some((local, domain)) = split_address(address) else {
            return false;
        };
        let base = local.split_once('+').map_or(local, |(base, _)| base);
        base.eq_ignore_ascii_case(&self.local) && domain.eq_ignore_ascii_case(&self.domain)
    }

    /// The outbox id and MAC a VERP address of this return path carries, before the MAC is
    /// checked against that row (`verifies`); `None` for any other address.
    pub fn token(&self, address: &str) -> Option<(i64, String)> {
        let address = address.trim().trim_start_matches('<').trim_end_matches('>');
        let (local, domain) = split_address(address)?;
        let (base, token) = local.split_once('+')?;
        if !base.eq_ignore_ascii_case(&self.local) || !domain.eq_ignore_ascii_case(&self.domain) {
            return None;
        }
        let (id, mac) = token.split_once('-')?;
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        (mac.len() == MAC_HEX && mac.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| (id, mac.to_ascii_lowercase()))
    }

    /// Whether `mac` (from `token`) is the MAC of row `outbox` with `message_id`, compared in
    /// constant time.
    pub fn verifies(&self, outbox: i64, message_id: &str, mac: &str) -> bool {
        let expected = self.mac(outbox, message_id);
        expected.len() == mac.len()
            && expected
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    fn mac(&self, outbox: i64, message_id: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(DOMAIN);
        mac.update(outbox.to_string().as_bytes());
        mac.update(b"\n");
        mac.update(message_id.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut text = crate::hex::encode(&tag);
        text.truncate(MAC_HEX);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_and_only_their_own_mac_verifies() {
        let verp = Verp::new(b"a secret of enough length", "Bounces@Shop.example").unwrap();
        let address = verp.address(42, "<abc@shop.example>");
        assert!(address.starts_with("Bounces+42-"), "{address}");
        assert!(address.ends_with("@Shop.example"), "{address}");
        let (id, mac) = verp.token(&address.to_uppercase()).unwrap();
        assert_eq!(id, 42);
        assert!(verp.verifies(id, "<abc@shop.example>", &mac));
        assert!(!verp.verifies(43, "<abc@shop.example>", &mac));
        assert!(!verp.verifies(42, "<other@shop.example>", &mac));
        let other = Verp::new(b"another secret of enough length", "bounces@shop.example").unwrap();
        assert!(!other.verifies(42, "<abc@shop.example>", &mac));
        assert!(verp.is_ours("bounces@shop.example") && verp.is_ours(&address));
        assert!(!verp.is_ours("news@shop.example"));
        assert_eq!(verp.token("bounces+42-zz@shop.example"), None);
        assert_eq!(verp.token("bounces@shop.example"), None);
        assert_eq!(
            Verp::new(b"k", "bounces+x@shop.example").unwrap_err(),
            VerpError::Plus("bounces+x@shop.example".into())
        );
        assert!(Verp::new(b"k", "shop.example").is_err());
    }
}
