//! Unsubscribe tokens: they round-trip, and any change to payload, MAC or secret is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use segflow::mail::{TokenError, TokenKind, UnsubscribeClaims, UnsubscribeSigner};

fn signer() -> UnsubscribeSigner {
    UnsubscribeSigner::new(b"0123456789abcdef-secret").unwrap()
}

fn claims(customer: i64) -> UnsubscribeClaims {
    UnsubscribeClaims {
        customer,
        email: "ada@example.test".to_string(),
        purpose: "marketing".to_string(),
        issued_at: 1_780_000_000_000,
    }
}

#[test]
fn round_trips_and_is_url_safe() {
    let token = signer().sign(&claims(42));
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
        "{token}"
    );
    assert_eq!(signer().verify(&token).unwrap(), claims(42));
    let url = signer().url("https://acme.test/", &claims(42));
    assert_eq!(url, format!("https://acme.test/u/{token}"));
}

#[test]
fn a_changed_payload_is_refused() {
    let token = signer().sign(&claims(42));
    let (_, mac) = token.split_once('.').unwrap();
    let forged_payload =
        URL_SAFE_NO_PAD.encode(br#"[43,"ada@example.test","marketing",1780000000000]"#);
    assert_eq!(
        signer().verify(&format!("{forged_payload}.{mac}")),
        Err(TokenError::BadSignature(TokenKind::Unsubscribe))
    );
    // Another customer's valid MAC does not fit this payload either.
    let other = signer().sign(&claims(43));
    let (payload, _) = token.split_once('.').unwrap();
    let (_, other_mac) = other.split_once('.').unwrap();
    assert_eq!(
        signer().verify(&format!("{payload}.{other_mac}")),
        Err(TokenError::BadSignature(TokenKind::Unsubscribe))
    );
}

#[test]
fn a_changed_mac_or_secret_is_refused() {
    let token = signer().sign(&claims(42));
    let (payload, mac) = token.split_once('.').unwrap();
    let mut mac_bytes = URL_SAFE_NO_PAD.decode(mac).unwrap();
    mac_bytes[31] ^= 1;
    let flipped = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&mac_bytes));
    assert_eq!(
        signer().verify(&flipped),
        Err(TokenError::BadSignature(TokenKind::Unsubscribe))
    );
    let truncated = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&mac_bytes[..16]));
    assert_eq!(
        signer().verify(&truncated),
        Err(TokenError::BadSignature(TokenKind::Unsubscribe))
    );
    let other = UnsubscribeSigner::new(b"another-secret-of-some-length").unwrap();
    assert_eq!(
        other.verify(&token),
        Err(TokenError::BadSignature(TokenKind::Unsubscribe))
    );
}

#[test]
fn garbage_and_weak_secrets_are_refused() {
    for token in ["", "no-dot", "!!!.???", "a.b.c"] {
        assert!(signer().verify(token).is_err(), "{token:?}");
    }
    assert_eq!(
        signer().verify("no-dot"),
        Err(TokenError::Malformed(TokenKind::Unsubscribe))
    );
    assert_eq!(
        UnsubscribeSigner::new(b"short").unwrap_err(),
        TokenError::SecretTooShort { len: 5 }
    );
    let missing = UnsubscribeSigner::from_env("SEGFLOW_TEST_SECRET_THAT_IS_NEVER_SET").unwrap_err();
    assert!(missing
        .to_string()
        .contains("SEGFLOW_TEST_SECRET_THAT_IS_NEVER_SET"));
}
