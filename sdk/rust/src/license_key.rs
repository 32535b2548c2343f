//! License keys: `LIC-XXXXX-XXXXX-XXXXX`.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SYMBOLS: usize = 15;

/// Reads a license key as a customer might type it — any case, with or without the `LIC` prefix and dashes or
/// spaces, with O for 0 or I/L for 1 — and returns its canonical form `LIC-XXXXX-XXXXX-XXXXX`; `None` when it is not a
/// well-formed key (fourteen symbols of Crockford's base32 alphabet and a Luhn mod 32 check symbol).
pub fn normalize_license_key(input: &str) -> Option<String> {
    if input.encode_utf16().count() > 64 {
        return None;
    }
    let mut typed: Vec<char> = Vec::with_capacity(3 + SYMBOLS);
    for c in input.trim().chars() {
        if c == '-' || c == ' ' {
            continue;
        }
        if typed.len() == 3 + SYMBOLS {
            return None;
        }
        // One character for one, as .NET's ToUpperInvariant: 'ß' stays itself (and is refused below).
        let mut upper = c.to_uppercase();
        typed.push(match (upper.next(), upper.next()) {
            (Some(single), None) => single,
            _ => c,
        });
    }
    if typed.len() == 3 + SYMBOLS && typed[..3] == ['L', 'I', 'C'] {
        typed.drain(..3);
    }
    if typed.len() != SYMBOLS {
        return None;
    }
    let mut body = String::with_capacity(SYMBOLS);
    for c in typed {
        let symbol = match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !symbol.is_ascii() || !ALPHABET.contains(&(symbol as u8)) {
            return None;
        }
        body.push(symbol);
    }
    if check_symbol(&body.as_bytes()[..SYMBOLS - 1]) != body.as_bytes()[SYMBOLS - 1] {
        return None;
    }
    Some(format!(
        "LIC-{}-{}-{}",
        &body[..5],
        &body[5..10],
        &body[10..]
    ))
}

/// Luhn mod 32: catches every single-symbol error and most transpositions of neighbours.
fn check_symbol(payload: &[u8]) -> u8 {
    const N: usize = 32;
    let mut factor = 2;
    let mut sum = 0;
    for symbol in payload.iter().rev() {
        let index = ALPHABET.iter().position(|a| a == symbol).unwrap_or(0);
        let addend = factor * index;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / N + addend % N;
    }
    ALPHABET[(N - sum % N) % N]
}

#[cfg(test)]
mod tests {
    use super::normalize_license_key;

    #[test]
    fn normalizes_typed_keys() {
        assert_eq!(
            normalize_license_key("LIC-TESTV-ECT0R-0001H").as_deref(),
            Some("LIC-TESTV-ECT0R-0001H")
        );
        assert_eq!(
            normalize_license_key(" lic testv ector 0001h ").as_deref(),
            Some("LIC-TESTV-ECT0R-0001H")
        );
        assert_eq!(
            normalize_license_key("TESTVECT0R0001H").as_deref(),
            Some("LIC-TESTV-ECT0R-0001H")
        );
        assert_eq!(normalize_license_key("LIC-TESTV-ECT0R-0001J"), None);
        assert_eq!(normalize_license_key(""), None);
    }
}
