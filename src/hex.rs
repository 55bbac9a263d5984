//! Lower-case hexadecimal, the one way segflow writes and reads the bytes of signatures, MACs
//! and nonces as text (the dashboard's session, VERP addresses, Mailgun's signature).

use std::fmt::Write;

/// The bytes as lower-case hex, two digits each.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The bytes of a hex text (either case); `None` for an odd length or a non-hex character.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_undoes_encoding_and_refuses_what_is_not_hex() {
        assert_eq!(encode(&[0, 15, 171, 255]), "000fabff");
        assert_eq!(decode("000fABff"), Some(vec![0, 15, 171, 255]));
        assert_eq!(decode("abc"), None);
        assert_eq!(decode("zz"), None);
        assert_eq!(decode("é0"), None);
    }
}
