//! Turning bytes into text without ever failing: the inputs are logs of attacks, and a
//! request whose bytes are not valid UTF-8 is exactly the kind a detector must still see.

use std::borrow::Cow;

/// ISO-8859-1: every byte becomes the char with that code point (CSIC 2010's encoding).
pub fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// UTF-8 when the bytes are valid UTF-8 (borrowed, no copy), else Latin-1 — so no byte is
/// ever lost or replaced, and UTF-8 payloads (emoji, CJK) still read as written.
pub fn utf8_or_latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// True for a line that is empty or only ASCII whitespace.
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// At most `max` chars of `text`, with an ellipsis when cut: for error messages.
pub fn snippet(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_maps_bytes_to_code_points() {
        assert_eq!(latin1(b"Jam\xf3n"), "Jamón");
        assert_eq!(latin1(b"plain"), "plain");
        assert_eq!(
            latin1(b"\xc3\xb3"),
            "Ã³",
            "UTF-8 bytes are not decoded as UTF-8"
        );
    }

    #[test]
    fn utf8_first_then_latin1() {
        assert!(matches!(
            utf8_or_latin1("ñ 💩".as_bytes()),
            Cow::Borrowed("ñ 💩")
        ));
        assert_eq!(utf8_or_latin1(b"\xff\x00a"), "ÿ\u{0}a");
    }

    #[test]
    fn snippet_cuts_on_char_boundaries() {
        assert_eq!(snippet("ñññ", 2), "ññ...");
        assert_eq!(snippet("ab", 5), "ab");
    }
}
