//! The parts of RFC 8941 (Structured Field Values) that HTTP Message Signatures and `Content-Digest` use: dictionaries
//! whose members are items or inner lists, with parameters. Parsing follows the RFC's algorithms and fails (`None`) on
//! anything else.

use crate::b64;

/// A bare item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bare {
    String(String),
    Token(String),
    Integer(i64),
    Boolean(bool),
    Bytes(Vec<u8>),
}

/// A member value: an item or an inner list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Item(Bare),
    InnerList(Vec<Item>),
}

/// Parameters, in their order (a repeated key keeps its first place and takes the last value).
pub(crate) type Parameters = Vec<(String, Bare)>;

/// A value with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub value: Value,
    pub parameters: Parameters,
}

impl Item {
    pub(crate) fn parameter(&self, key: &str) -> Option<&Bare> {
        self.parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

fn set<T>(list: &mut Vec<(String, T)>, key: String, value: T) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => list.push((key, value)),
    }
}

/// Parses a dictionary (RFC 8941 §4.2.2).
pub(crate) fn parse_dictionary(input: &str) -> Option<Vec<(String, Item)>> {
    Parser {
        input: input.as_bytes(),
        at: 0,
    }
    .dictionary()
}

/// Finds a dictionary member.
pub(crate) fn member<'a>(dictionary: &'a [(String, Item)], key: &str) -> Option<&'a Item> {
    dictionary.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Serializes an inner list with its parameters (RFC 8941 §4.1.1.1), as RFC 9421 needs for `@signature-params`.
pub(crate) fn serialize_inner_list(list: &Item) -> Option<String> {
    let Value::InnerList(items) = &list.value else {
        return None;
    };
    let mut text = String::from("(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let Value::Item(bare) = &item.value else {
            return None;
        };
        text.push_str(&serialize_bare(bare)?);
        text.push_str(&serialize_parameters(&item.parameters)?);
    }
    text.push(')');
    text.push_str(&serialize_parameters(&list.parameters)?);
    Some(text)
}

fn serialize_parameters(parameters: &Parameters) -> Option<String> {
    let mut text = String::new();
    for (key, value) in parameters {
        text.push(';');
        text.push_str(key);
        if *value != Bare::Boolean(true) {
            text.push('=');
            text.push_str(&serialize_bare(value)?);
        }
    }
    Some(text)
}

fn serialize_bare(value: &Bare) -> Option<String> {
    Some(match value {
        Bare::String(s) => {
            let mut text = String::from('"');
            for c in s.chars() {
                if !(' '..='~').contains(&c) {
                    return None;
                }
                if c == '"' || c == '\\' {
                    text.push('\\');
                }
                text.push(c);
            }
            text.push('"');
            text
        }
        Bare::Token(t) => t.clone(),
        Bare::Integer(n) => n.to_string(),
        Bare::Boolean(b) => (if *b { "?1" } else { "?0" }).to_owned(),
        Bare::Bytes(bytes) => format!(":{}:", b64::encode_std(bytes)),
    })
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn at_end(&self) -> bool {
        self.at >= self.input.len()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn dictionary(mut self) -> Option<Vec<(String, Item)>> {
        let mut members = Vec::new();
        self.skip_spaces();
        if self.at_end() {
            return Some(members);
        }
        loop {
            let key = self.key()?;
            let member = if self.peek() == Some(b'=') {
                self.at += 1;
                if self.peek() == Some(b'(') {
                    self.inner_list()?
                } else {
                    self.item()?
                }
            } else {
                Item {
                    value: Value::Item(Bare::Boolean(true)),
                    parameters: self.parameters()?,
                }
            };
            set(&mut members, key, member);
            self.skip_ows();
            if self.at_end() {
                return Some(members);
            }
            if self.peek() != Some(b',') {
                return None;
            }
            self.at += 1;
            self.skip_ows();
            if self.at_end() {
                return None;
            }
        }
    }

    fn inner_list(&mut self) -> Option<Item> {
        self.at += 1;
        let mut items = Vec::new();
        while !self.at_end() {
            self.skip_spaces();
            if self.peek()? == b')' {
                self.at += 1;
                return Some(Item {
                    value: Value::InnerList(items),
                    parameters: self.parameters()?,
                });
            }
            items.push(self.item()?);
            if !self.at_end() && !matches!(self.peek(), Some(b' ' | b')')) {
                return None;
            }
        }
        None
    }

    fn item(&mut self) -> Option<Item> {
        let value = self.bare_item()?;
        Some(Item {
            value: Value::Item(value),
            parameters: self.parameters()?,
        })
    }

    fn parameters(&mut self) -> Option<Parameters> {
        let mut parameters = Vec::new();
        while self.peek() == Some(b';') {
            self.at += 1;
            self.skip_spaces();
            let key = self.key()?;
            let mut value = Bare::Boolean(true);
            if self.peek() == Some(b'=') {
                self.at += 1;
                value = self.bare_item()?;
            }
            set(&mut parameters, key, value);
        }
        Some(parameters)
    }

    fn bare_item(&mut self) -> Option<Bare> {
        let c = self.peek()?;
        if c == b'-' || c.is_ascii_digit() {
            return self.integer();
        }
        match c {
            b'"' => self.string(),
            b':' => self.byte_sequence(),
            b'?' => {
                self.at += 1;
                let value = match self.peek()? {
                    b'0' => false,
                    b'1' => true,
                    _ => return None,
                };
                self.at += 1;
                Some(Bare::Boolean(value))
            }
            c if c.is_ascii_alphabetic() || c == b'*' => {
                let start = self.at;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c))
                {
                    self.at += 1;
                }
                Some(Bare::Token(
                    String::from_utf8_lossy(&self.input[start..self.at]).into_owned(),
                ))
            }
            _ => None,
        }
    }

    fn integer(&mut self) -> Option<Bare> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == digits || self.at - digits > 15 || self.peek() == Some(b'.') {
            return None;
        }
        std::str::from_utf8(&self.input[start..self.at])
            .ok()?
            .parse()
            .ok()
            .map(Bare::Integer)
    }

    fn string(&mut self) -> Option<Bare> {
        self.at += 1;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            self.at += 1;
            match c {
                b'\\' => {
                    let escaped = self.peek().filter(|c| *c == b'"' || *c == b'\\')?;
                    text.push(escaped as char);
                    self.at += 1;
                }
                b'"' => return Some(Bare::String(text)),
                b' '..=b'~' => text.push(c as char),
                _ => return None,
            }
        }
        None
    }

    fn byte_sequence(&mut self) -> Option<Bare> {
        self.at += 1;
        let length = self.input[self.at..].iter().position(|&c| c == b':')?;
        let encoded = std::str::from_utf8(&self.input[self.at..self.at + length]).ok()?;
        self.at += length + 1;
        b64::decode_std(encoded).map(Bare::Bytes)
    }

    fn key(&mut self) -> Option<String> {
        let first = self.peek()?;
        if !(first.is_ascii_lowercase() || first == b'*') {
            return None;
        }
        let start = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(&c))
        {
            self.at += 1;
        }
        Some(String::from_utf8_lossy(&self.input[start..self.at]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_serializes_signature_input() {
        let input = r#"licenz=("@status" "content-digest" "date");created=1768473000;keyid="k";alg="ed25519";nonce="abc""#;
        let dictionary = parse_dictionary(input).expect("parses");
        let member = member(&dictionary, "licenz").expect("member");
        assert_eq!(
            serialize_inner_list(member).as_deref(),
            Some(&input["licenz=".len()..])
        );
        assert!(parse_dictionary("licenz=(").is_none());
        assert!(parse_dictionary("licenz=( ").is_none());
        assert!(parse_dictionary("a=1,").is_none());
    }
}
