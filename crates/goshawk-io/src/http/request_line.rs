//! Recognising and splitting an HTTP request line (`METHOD target HTTP/x.y`), shared by the
//! CSIC, combined-log, lines and JSON readers so they agree on what a request line is.

use goshawk_core::HttpRequest;

/// The methods that may start a raw request (the CSIC record boundary).
const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT",
];

/// True for `^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT) \S+ HTTP/\d`.
pub fn is_request_start(line: &[u8]) -> bool {
    // Cheap reject first: every method starts with an uppercase letter from this set.
    if !matches!(
        line.first(),
        Some(b'G' | b'P' | b'D' | b'H' | b'O' | b'T' | b'C')
    ) {
        return false;
    }
    let Some(space) = memchr::memchr(b' ', line) else {
        return false;
    };
    if !METHODS.iter().any(|m| m.as_bytes() == &line[..space]) {
        return false;
    }
    let rest = &line[space + 1..];
    let target_len = rest
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    if target_len == 0 {
        return false;
    }
    let after = &rest[target_len..];
    after.len() >= 7 && after[0] == b' ' && after[1..6] == *b"HTTP/" && after[6].is_ascii_digit()
}

/// A token that looks like a method: 1–20 uppercase ASCII letters (also `PROPFIND` etc.).
fn is_method_token(token: &str) -> bool {
    (1..=20).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_uppercase())
}

/// The parts of a request line, leniently: `METHOD target HTTP/x` gives all three (the
/// target is everything between the first and the last space, so a target with unescaped
/// spaces survives); `METHOD target` gives no version; anything else is all target.
pub fn split_request_line(line: &str) -> (&str, &str, Option<&str>) {
    let line = line.trim_matches(|c: char| c == ' ' || c == '\t');
    if let Some(first_space) = line.find(' ') {
        let method = &line[..first_space];
        if is_method_token(method) {
            let rest = line[first_space + 1..].trim_start_matches(' ');
            if let Some(last_space) = rest.rfind(' ') {
                let version = &rest[last_space + 1..];
                if version.starts_with("HTTP/") {
                    return (
                        method,
                        rest[..last_space].trim_end_matches(' '),
                        Some(version),
                    );
                }
            }
            return (method, rest, None);
        }
    }
    ("", line, None)
}

/// The parts of `text` when it is a whole request line — an uppercase method token, a
/// non-empty target and a version `HTTP/<digit>...` — else `None`.
pub fn as_request_line(text: &str) -> Option<(&str, &str, &str)> {
    match split_request_line(text) {
        (method, target, Some(version))
            if !target.is_empty() && version.as_bytes().get(5).is_some_and(u8::is_ascii_digit) =>
        {
            Some((method, target, version))
        }
        _ => None,
    }
}

/// A request built from one request line or bare URL/payload: the request line's parts when
/// it is one (see [`as_request_line`]), else [`HttpRequest::from_target`] of the whole text,
/// untouched.
pub fn request_from_line(text: &str) -> HttpRequest {
    match as_request_line(text) {
        Some((method, target, version)) => HttpRequest {
            method: method.to_string(),
            url: target.to_string(),
            version: Some(version.to_string()),
            ..Default::default()
        },
        None => HttpRequest::from_target(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_start_follows_the_csic_rule() {
        assert!(is_request_start(
            b"GET http://localhost:8080/a.jsp?x=1 HTTP/1.1"
        ));
        assert!(is_request_start(b"OPTIONS * HTTP/1.0"));
        assert!(is_request_start(b"POST /x HTTP/2 trailing"));
        assert!(!is_request_start(b"GET /x"));
        assert!(!is_request_start(b"GET  /x HTTP/1.1"), "empty target");
        assert!(!is_request_start(b"GETX /x HTTP/1.1"));
        assert!(!is_request_start(b"get /x HTTP/1.1"));
        assert!(!is_request_start(b"GET /x y HTTP/1.1"), "\\S+ target");
        assert!(!is_request_start(b"GET /x HTTP/x"));
        assert!(!is_request_start(b"Host: localhost"));
    }

    #[test]
    fn split_is_lenient() {
        assert_eq!(
            split_request_line("GET /a?b=1 HTTP/1.1"),
            ("GET", "/a?b=1", Some("HTTP/1.1"))
        );
        assert_eq!(
            split_request_line("PROPFIND /a b HTTP/1.0"),
            ("PROPFIND", "/a b", Some("HTTP/1.0"))
        );
        assert_eq!(split_request_line("GET /old"), ("GET", "/old", None));
        assert_eq!(split_request_line("-"), ("", "-", None));
        assert_eq!(
            split_request_line("\\x16\\x03\\x01\\x00"),
            ("", "\\x16\\x03\\x01\\x00", None)
        );
        assert_eq!(split_request_line("get /x HTTP/1.1").0, "");
    }

    #[test]
    fn request_from_line_fills_method_only_for_request_lines() {
        let r = request_from_line("POST /login HTTP/1.1");
        assert_eq!(
            (r.method.as_str(), r.url.as_str(), r.version.as_deref()),
            ("POST", "/login", Some("HTTP/1.1"))
        );
        let r = request_from_line("' OR 1=1 --");
        assert_eq!((r.method.as_str(), r.url.as_str()), ("", "' OR 1=1 --"));
        assert_eq!(r.version, None);
        let r = request_from_line("MKCOL /a b HTTP/1.0");
        assert_eq!((r.method.as_str(), r.url.as_str()), ("MKCOL", "/a b"));
        assert_eq!(request_from_line("GET /x HTTP/").method, "");
        assert_eq!(request_from_line("GET /x").url, "GET /x");
    }
}
