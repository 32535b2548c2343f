//! Base64 (RFC 4648) with the `base64` crate, accepting only the canonical spelling: base64url without padding for
//! JOSE, and standard base64 with padding for HTTP structured fields. A non-canonical final character decodes to the
//! same bytes, so without this check a changed character in a signature or tag could go unnoticed; `base64` refuses
//! it (its configurations do not allow trailing bits), and the padding rule is checked here, as `base64` 0.13 reads
//! padding as optional.

use base64::{STANDARD, URL_SAFE_NO_PAD};

/// Whether `c` is a character of a compact JWS or JWE: base64url or the dot between parts.
pub(crate) fn is_token_char(c: char) -> bool {
    c == '.' || c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Encodes bytes as base64url without padding.
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    base64::encode_config(bytes, URL_SAFE_NO_PAD)
}

/// Decodes canonical base64url without padding; `None` for anything else (padding, other characters, spare bits set).
pub(crate) fn decode_url(text: &[u8]) -> Option<Vec<u8>> {
    if text.contains(&b'=') {
        return None;
    }
    base64::decode_config(text, URL_SAFE_NO_PAD).ok()
}

/// Encodes bytes as standard base64 with padding.
pub(crate) fn encode_std(bytes: &[u8]) -> String {
    base64::encode_config(bytes, STANDARD)
}

/// Decodes canonical, padded standard base64; `None` for anything else.
pub(crate) fn decode_std(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    base64::decode_config(text, STANDARD).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_non_canonical() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(
                decode_url(encode_url(&bytes).as_bytes()),
                Some(bytes.clone())
            );
            assert_eq!(decode_std(&encode_std(&bytes)), Some(bytes));
        }
        assert_eq!(decode_url(b"AQ"), Some(vec![1]));
        assert_eq!(decode_url(b"AR"), None);
        assert_eq!(decode_url(b"AQ=="), None);
        assert_eq!(decode_url(b"AQ="), None);
        assert_eq!(decode_url(b"A"), None);
        assert_eq!(decode_url(b"AQ+/"), None);
        assert_eq!(decode_url(b"AQ.A"), None);
        assert_eq!(decode_std("AQ=="), Some(vec![1]));
        assert_eq!(decode_std("AQ"), None);
        assert_eq!(decode_std("AR=="), None);
        assert_eq!(decode_std("AQE="), Some(vec![1, 1]));
        assert_eq!(decode_std("AQF="), None);
        assert_eq!(decode_std("AQ=A"), None);
        assert_eq!(decode_std("A==="), None);
        assert_eq!(decode_std("===="), None);
        assert_eq!(decode_std("AQ==AQ=="), None);
        assert_eq!(decode_std("-_A="), None);
    }

    /// A spelling is read exactly when it is the one the encoder writes for its bytes, over every string of up to five
    /// characters from an alphabet with both base64 alphabets' special characters, padding and a stranger.
    #[test]
    fn reads_exactly_the_canonical_spellings() {
        fn each(prefix: &mut Vec<u8>, left: usize, visit: &mut dyn FnMut(&[u8])) {
            visit(prefix);
            if left > 0 {
                for &c in b"AQRgw9-_+/=*" {
                    prefix.push(c);
                    each(prefix, left - 1, visit);
                    prefix.pop();
                }
            }
        }
        let (mut url, mut standard) = (0, 0);
        each(&mut Vec::new(), 5, &mut |text| {
            if let Some(bytes) = decode_url(text) {
                assert_eq!(encode_url(&bytes).as_bytes(), text);
                url += 1;
            }
            let text = std::str::from_utf8(text).expect("ASCII");
            if let Some(bytes) = decode_std(text) {
                assert_eq!(encode_std(&bytes), text);
                standard += 1;
            }
        });
        assert!(url > 1000 && standard > 1000, "{url} {standard}");
    }
}
