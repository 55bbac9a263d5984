//! The signature of a webhook call, so an endpoint can tell segflow's calls from anyone's and
//! refuse a replayed one: `Segflow-Signature: t=UNIX_SECONDS,v1=HEX`, where HEX is the
//! HMAC-SHA256, under the webhook's secret, of `UNIX_SECONDS.BODY`. The endpoint recomputes it
//! over the raw body, compares in constant time, and refuses a `t` too far from its clock.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "Segflow-Signature";

fn mac(secret: &[u8], seconds: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `seconds`.
pub fn signature(secret: &[u8], seconds: i64, body: &[u8]) -> String {
    let tag = mac(secret, seconds, body).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={seconds},v1={hex}")
}

/// Whether `header` signs `body` under `secret` within `tolerance` seconds of `now_seconds`:
/// what an endpoint does, here for tests and the README's recipe.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now_seconds: i64, tolerance: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if (now_seconds - t).abs() > tolerance || v1.len() != 64 {
        return false;
    }
    let Some(tag) = (0..32)
        .map(|i| u8::from_str_radix(v1.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    mac(secret, t, body).verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let secret = b"a webhook secret of enough bytes";
        let header = signature(secret, 1_800_000_000, b"{\"a\":1}");
        assert!(header.starts_with("t=1800000000,v1="));
        assert!(verify(secret, &header, b"{\"a\":1}", 1_800_000_100, 300));
        assert!(!verify(secret, &header, b"{\"a\":2}", 1_800_000_100, 300));
        assert!(!verify(
            b"another secret of enough bytes!",
            &header,
            b"{\"a\":1}",
            1_800_000_100,
            300
        ));
        assert!(
            !verify(secret, &header, b"{\"a\":1}", 1_800_001_000, 300),
            "too old"
        );
        assert!(!verify(secret, "t=x,v1=zz", b"", 0, 300));
    }
}
