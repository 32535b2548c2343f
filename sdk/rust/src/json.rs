//! JSON reading with the limits of .NET's `JsonDocument`, so that both SDKs refuse the same documents.

use serde_json::Value;

/// The deepest nesting `System.Text.Json` reads by default.
const MAX_DEPTH: usize = 64;

/// Parses JSON, or `None` when it is not JSON or nests deeper than 64 levels.
pub(crate) fn parse(bytes: &[u8]) -> Option<Value> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    serde_json::from_slice(bytes).ok()
}

/// A string member, or `None` when it is absent or not a string.
pub(crate) fn string<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}
