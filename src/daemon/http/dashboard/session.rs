//! The dashboard's sign-in: the token from the environment (`[daemon] dashboard_token_env`)
//! is exchanged for a session cookie signed with HMAC-SHA256, which expires; each form carries
//! a CSRF token derived from the cookie it goes with.
//!
//! Cookie values are `PURPOSE.EXPIRES_MS.NONCE.MAC`, MAC the hex HMAC of the rest under a key
//! derived from the token, so a changed token signs everyone out and a restart does not.
//! `PURPOSE` is `s` for a session and `l` for the short-lived cookie of the sign-in form (its
//! CSRF token is bound to that cookie: double submit). A form's CSRF token is the HMAC of
//! `csrf.PURPOSE.NONCE`: without the HttpOnly cookie a page on another site cannot know it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a session lasts: 12 hours.
pub const SESSION_MS: i64 = 12 * 3_600_000;
/// How long the sign-in form may be left open: 1 hour.
pub const LOGIN_MS: i64 = 3_600_000;

/// The cookie names.
pub const SESSION_COOKIE: &str = "segflow_session";
pub const LOGIN_COOKIE: &str = "segflow_login";

/// What signs and checks the dashboard's cookies and forms.
#[derive(Clone)]
pub struct Sessions {
    token: Vec<u8>,
    key: Vec<u8>,
}

/// A cookie that checked out: its nonce (for the CSRF token) and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub nonce: String,
    pub expires: i64,
}

fn hmac(key: &[u8], parts: &[&str]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(b".");
        }
        mac.update(p.as_bytes());
    }
    mac
}

impl Sessions {
    pub fn new(token: &str) -> Sessions {
        let key = hmac(token.as_bytes(), &["segflow dashboard session key"])
            .finalize()
            .into_bytes()
            .to_vec();
        Sessions {
            token: token.as_bytes().to_vec(),
            key,
        }
    }

    /// Whether `given` is the dashboard token, compared in constant time.
    pub fn is_token(&self, given: &str) -> bool {
        super::super::same_secret(given.as_bytes(), &self.token)
    }

    /// A cookie value for `purpose` (`s` or `l`) with a fresh `nonce`, expiring at `expires`.
    pub fn issue(&self, purpose: &str, nonce: &str, expires: i64) -> String {
        let expires = expires.to_string();
        let mac = hmac(&self.key, &[purpose, &expires, nonce])
            .finalize()
            .into_bytes();
        format!("{purpose}.{expires}.{nonce}.{}", crate::hex::encode(&mac))
    }

    /// The cookie `value` if it is one of ours for `purpose`, untampered and not expired at
    /// `now`.
    pub fn verify(&self, purpose: &str, value: &str, now: i64) -> Option<Verified> {
        let mut parts = value.split('.');
        let (p, expires, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || p != purpose || nonce.is_empty() {
            return None;
        }
        let tag = crate::hex::decode(mac)?;
        hmac(&self.key, &[p, expires, nonce])
            .verify_slice(&tag)
            .ok()?;
        let expires: i64 = expires.parse().ok()?;
        (now < expires).then(|| Verified {
            nonce: nonce.to_string(),
            expires,
        })
    }

    /// The CSRF token of forms that go with the `purpose` cookie holding `nonce`.
    pub fn csrf(&self, purpose: &str, nonce: &str) -> String {
        crate::hex::encode(
            &hmac(&self.key, &["csrf", purpose, nonce])
                .finalize()
                .into_bytes(),
        )
    }

    /// Whether `given` is the CSRF token for that cookie, compared in constant time.
    pub fn is_csrf(&self, purpose: &str, nonce: &str, given: &str) -> bool {
        super::super::same_secret(self.csrf(purpose, nonce).as_bytes(), given.as_bytes())
    }
}

/// The `Set-Cookie` value of a dashboard cookie: HttpOnly, SameSite=Strict, only sent to
/// `/dashboard`, gone after `max_age_ms` (or at once with 0).
pub fn set_cookie(name: &str, value: &str, max_age_ms: i64) -> String {
    format!(
        "{name}={value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age={}",
        max_age_ms.max(0) / 1000
    )
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_unexpired_cookies_of_the_right_purpose_pass() {
        let s = Sessions::new("t0ken");
        let value = s.issue("s", "abc", 1_000);
        assert_eq!(
            s.verify("s", &value, 999),
            Some(Verified {
                nonce: "abc".into(),
                expires: 1_000
            })
        );
        assert_eq!(s.verify("s", &value, 1_000), None, "expired");
        assert_eq!(
            s.verify("l", &value, 0),
            None,
            "a session is no sign-in form cookie"
        );
        let longer = value.replacen("1000", "9000", 1);
        assert_eq!(
            s.verify("s", &longer, 2_000),
            None,
            "a later expiry breaks the MAC"
        );
        assert_eq!(
            Sessions::new("other").verify("s", &value, 0),
            None,
            "another token's key"
        );
        for forged in [
            "",
            "s",
            "s.1000.abc",
            "s.1000.abc.zz",
            "s.1000.abc.00.x",
            &value[..value.len() - 2],
        ] {
            assert_eq!(s.verify("s", forged, 0), None, "{forged}");
        }
        assert!(s.is_csrf("s", "abc", &s.csrf("s", "abc")));
        assert!(!s.is_csrf("s", "abd", &s.csrf("s", "abc")));
        assert!(s.is_token("t0ken") && !s.is_token("t0ke") && !s.is_token(""));
    }

    #[test]
    fn cookies_are_read_from_the_header() {
        assert_eq!(
            cookie("a=1; segflow_session=s.1.x.y ; b=2", SESSION_COOKIE),
            Some("s.1.x.y")
        );
        assert_eq!(cookie("a=1", SESSION_COOKIE), None);
        assert_eq!(
            set_cookie(SESSION_COOKIE, "v", SESSION_MS),
            "segflow_session=v; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200"
        );
    }
}
