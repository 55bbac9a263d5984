//! DKIM signing of built messages, checked independently of lettre: the body hash is recomputed
//! with our own relaxed canonicalization, and the signature is verified with the public key
//! over our own relaxed canonicalization of the signed headers.

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use segflow::mail::{
    DkimAlgorithm, DkimConfig, EmailParts, MailConfig, MessageDefaults, OutgoingEmail,
};
use sha2::{Digest, Sha256};

const RSA_KEY: &str = include_str!("fixtures/dkim/test-rsa-key.pem");

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// A mail config whose DKIM key lives in `var`, which each test names uniquely because tests
/// run in parallel threads sharing one environment.
fn config(var: &str, algorithm: DkimAlgorithm) -> MailConfig {
    MailConfig {
        from: "Acme Shop <news@acme.test>".to_string(),
        unsubscribe_mailto: Some("unsubscribe@acme.test".to_string()),
        dkim: Some(DkimConfig {
            domain: Some("mail.acme.test".to_string()),
            selector: "s2026".to_string(),
            private_key_env: var.to_string(),
            algorithm,
        }),
        ..MailConfig::default()
    }
}

fn build(defaults: &MessageDefaults) -> String {
    build_at(defaults, 1_700_000_000_000)
}

fn build_at(defaults: &MessageDefaults, date_ms: i64) -> String {
    let parts = EmailParts {
        to: "Ann <ann@example.com>",
        subject: "Spring sale",
        html: "<p>Hello   Ann,</p>\n<p>50% off  \t</p>\n\n\n",
        text: "Hello   Ann,\n50% off  \t\n\n\n",
        message_id: "<abc@acme.test>",
        unsubscribe_url: Some("https://acme.test/u/TOKEN"),
        date_ms,
        outbox_id: None,
    };
    let email = OutgoingEmail::build(defaults, &parts).unwrap();
    String::from_utf8(email.formatted()).unwrap()
}

/// The header fields of a message, unfolded, as (name, raw value) in order.
fn headers(message: &str) -> Vec<(String, String)> {
    let head = &message[..message.find("\r\n\r\n").unwrap()];
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            fields.last_mut().unwrap().1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').unwrap();
            fields.push((name.to_string(), value.to_string()));
        }
    }
    fields
}

fn dkim_tags(message: &str) -> Vec<(String, String)> {
    let (_, value) = headers(message)
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("DKIM-Signature"))
        .expect("a DKIM-Signature header");
    value
        .split(';')
        .filter(|tag| !tag.trim().is_empty())
        .map(|tag| {
            let (k, v) = tag.split_once('=').unwrap();
            let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            (k.trim().to_string(), v)
        })
        .collect()
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> &'a str {
    &tags.iter().find(|(k, _)| k == key).unwrap().1
}

fn collapse_wsp(s: &str) -> String {
    let mut out = String::new();
    let mut in_wsp = false;
    for c in s.chars() {
        if c == ' ' || c == '\t' {
            in_wsp = true;
        } else {
            if in_wsp {
                out.push(' ');
            }
            in_wsp = false;
            out.push(c);
        }
    }
    if in_wsp {
        out.push(' ');
    }
    out
}

/// RFC 6376 §3.4.4 relaxed body canonicalization.
fn relaxed_body(body: &str) -> String {
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|line| collapse_wsp(line).trim_end().to_string())
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

/// RFC 6376 §3.4.2 relaxed canonicalization of one header field, without the final CRLF.
fn relaxed_header(name: &str, value: &str) -> String {
    let value = collapse_wsp(&value.replace("\r\n", ""));
    format!("{}:{}", name.to_ascii_lowercase(), value.trim())
}

/// The data the signature covers: the `h=` headers, then the DKIM-Signature with `b=` empty.
fn signed_data(message: &str) -> Vec<u8> {
    let fields = headers(message);
    let tags = dkim_tags(message);
    let mut data = String::new();
    for name in tag(&tags, "h").split(':') {
        if let Some((n, v)) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            data.push_str(&relaxed_header(n, v));
            data.push_str("\r\n");
        }
    }
    let (n, v) = fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature"))
        .unwrap();
    let b_start = v.find("b=").unwrap() + 2;
    let b_end = v[b_start..].find(';').map_or(v.len(), |i| b_start + i);
    let emptied = format!("{}{}", &v[..b_start], &v[b_end..]);
    data.push_str(&relaxed_header(n, &emptied));
    data.into_bytes()
}

fn body(message: &str) -> &str {
    &message[message.find("\r\n\r\n").unwrap() + 4..]
}

#[test]
fn rsa_signature_carries_config_and_verifies() {
    let var = "SEGFLOW_TEST_DKIM_RSA_OK";
    std::env::set_var(var, RSA_KEY);
    let defaults = MessageDefaults::from_config(&config(var, DkimAlgorithm::Rsa)).unwrap();
    let message = build(&defaults);
    let tags = dkim_tags(&message);
    assert_eq!(tag(&tags, "d"), "mail.acme.test");
    assert_eq!(tag(&tags, "s"), "s2026");
    assert_eq!(tag(&tags, "a"), "rsa-sha256");
    assert_eq!(tag(&tags, "c"), "relaxed/relaxed");
    let signed: Vec<String> = tag(&tags, "h").split(':').map(str::to_string).collect();
    for required in [
        "from",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "message-id",
    ] {
        assert!(signed.iter().any(|h| h.eq_ignore_ascii_case(required)));
    }

    let expected_bh = b64().encode(Sha256::digest(relaxed_body(body(&message))));
    assert_eq!(tag(&tags, "bh"), expected_bh);

    let public = rsa::RsaPrivateKey::from_pkcs1_pem(RSA_KEY)
        .unwrap()
        .to_public_key();
    let signature = b64().decode(tag(&tags, "b")).unwrap();
    let hash = Sha256::digest(signed_data(&message));
    let scheme = rsa::Pkcs1v15Sign::new::<sha2_010::Sha256>();
    public.verify(scheme, &hash, &signature).unwrap();

    // A header changed in transit must break the signature.
    let tampered = message.replacen("Subject: Spring sale", "Subject: Spring sale!", 1);
    assert_ne!(tampered, message);
    let tampered_hash = Sha256::digest(signed_data(&tampered));
    let scheme = rsa::Pkcs1v15Sign::new::<sha2_010::Sha256>();
    assert!(public.verify(scheme, &tampered_hash, &signature).is_err());
}

#[test]
fn ed25519_signature_verifies_and_domain_defaults_to_from() {
    let var = "SEGFLOW_TEST_DKIM_ED25519_OK";
    let secret: [u8; 32] = rand::random();
    std::env::set_var(var, b64().encode(secret));
    let mut mail = config(var, DkimAlgorithm::Ed25519);
    if let Some(dkim) = mail.dkim.as_mut() {
        dkim.domain = None;
    }
    let defaults = MessageDefaults::from_config(&mail).unwrap();
    let message = build(&defaults);
    let tags = dkim_tags(&message);
    assert_eq!(tag(&tags, "d"), "acme.test");
    assert_eq!(tag(&tags, "a"), "ed25519-sha256");
    let expected_bh = b64().encode(Sha256::digest(relaxed_body(body(&message))));
    assert_eq!(tag(&tags, "bh"), expected_bh);

    let verifying = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key();
    let signature: [u8; 64] = b64().decode(tag(&tags, "b")).unwrap().try_into().unwrap();
    let hash = Sha256::digest(signed_data(&message));
    verifying
        .verify_strict(&hash, &ed25519_dalek::Signature::from_bytes(&signature))
        .unwrap();
}

#[test]
fn a_retry_signs_the_same_body_and_headers_apart_from_the_date() {
    let var = "SEGFLOW_TEST_DKIM_RETRY";
    std::env::set_var(var, RSA_KEY);
    let defaults = MessageDefaults::from_config(&config(var, DkimAlgorithm::Rsa)).unwrap();
    let first = build_at(&defaults, 1_700_000_000_000);
    let retry = build_at(&defaults, 1_700_000_600_000);
    let (first_tags, retry_tags) = (dkim_tags(&first), dkim_tags(&retry));
    assert_eq!(tag(&first_tags, "bh"), tag(&retry_tags, "bh"));
    assert_eq!(tag(&first_tags, "h"), tag(&retry_tags, "h"));
    let signed_headers = |message: &str| -> Vec<(String, String)> {
        let names: Vec<String> = tag(&dkim_tags(message), "h")
            .split(':')
            .map(str::to_ascii_lowercase)
            .collect();
        headers(message)
            .into_iter()
            .filter(|(n, _)| names.contains(&n.to_ascii_lowercase()) && n != "Date")
            .collect()
    };
    let first_signed = signed_headers(&first);
    assert!(first_signed.len() >= 6, "{first_signed:?}");
    assert_eq!(first_signed, signed_headers(&retry));
    assert_ne!(first, retry, "the Date differs between attempts");
}

#[test]
fn without_dkim_config_there_is_no_signature() {
    let mail = MailConfig {
        from: "Acme Shop <news@acme.test>".to_string(),
        ..MailConfig::default()
    };
    let defaults = MessageDefaults::from_config(&mail).unwrap();
    assert!(defaults.dkim.is_none());
    let message = build(&defaults);
    assert!(!message.to_ascii_lowercase().contains("dkim-signature"));
}

#[test]
fn missing_key_variable_is_a_config_error_naming_it() {
    let var = "SEGFLOW_TEST_DKIM_NEVER_SET";
    std::env::remove_var(var);
    let error = MessageDefaults::from_config(&config(var, DkimAlgorithm::Rsa)).unwrap_err();
    assert_eq!(error.field, "dkim.private_key_env");
    assert!(error.to_string().contains(var), "{error}");
    assert!(error.to_string().contains("not set"), "{error}");
}

#[test]
fn unparsable_keys_are_config_errors_naming_the_variable() {
    let var = "SEGFLOW_TEST_DKIM_GARBAGE";
    std::env::set_var(var, "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n");
    let error = MessageDefaults::from_config(&config(var, DkimAlgorithm::Rsa)).unwrap_err();
    assert!(error.to_string().contains(var), "{error}");
    assert!(error.to_string().contains("PKCS#1"), "{error}");

    // An RSA PEM is not an Ed25519 key either.
    let var = "SEGFLOW_TEST_DKIM_WRONG_ALGORITHM";
    std::env::set_var(var, RSA_KEY);
    let error = MessageDefaults::from_config(&config(var, DkimAlgorithm::Ed25519)).unwrap_err();
    assert!(error.to_string().contains(var), "{error}");
    assert!(error.to_string().contains("Ed25519"), "{error}");

    // A valid RSA key below RFC 8301's 1024 bits is refused at startup.
    let var = "SEGFLOW_TEST_DKIM_TINY";
    let mut rng = rsa::rand_core::OsRng;
    let tiny = rsa::RsaPrivateKey::new(&mut rng, 512).unwrap();
    let pem =
        rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&tiny, rsa::pkcs1::LineEnding::LF).unwrap();
    std::env::set_var(var, pem.as_str());
    let error = MessageDefaults::from_config(&config(var, DkimAlgorithm::Rsa)).unwrap_err();
    assert!(error.to_string().contains(var), "{error}");
    assert!(error.to_string().contains("512 bits"), "{error}");
}
