//! Apache/nginx access-log lines, combined or common format:
//! `IP ident user [time] "METHOD target PROTO" status bytes "referer" "UA"`
//! (referer and user agent absent in common format; extra trailing fields ignored), and the
//! variant where the whole line is wrapped in one more pair of double quotes (the ocatak
//! scanner logs).
//!
//! Hand-written with byte scans instead of a regex: this runs once per logged request and
//! the scan pipeline needs well over a million lines per second (see `benches/http_read.rs`).
//! Values are kept exactly as logged, including the server's escapes (`\"`, `\xhh`), so rules
//! match the log text; unescaping is the detector's job.

use goshawk_core::HttpRequest;
use memchr::{memchr, memchr2};

use super::request_line::split_request_line;

/// Parses one non-blank access-log line. The error is a short reason for a `RecordError`.
///
/// A request field that is not `METHOD target PROTO` (`"-"`, TLS bytes logged as
/// `"\x16\x03..."`) still gives a record when the rest of the line parses: method empty, url
/// = the field as logged — such requests are scans worth seeing, not noise to drop.
pub fn parse_combined(line: &str) -> Result<HttpRequest, String> {
    let mut s = line.trim_end_matches([' ', '\t', '\r']);
    if let Some(inner) = s.strip_prefix('"') {
        // The wrapped variant: `"IP ... "UA""`. A normal line never starts with a quote.
        s = inner.strip_suffix('"').unwrap_or(inner);
    }
    let mut cursor = Cursor { s, pos: 0 };

    let client_ip = cursor.token().ok_or("no client address")?;
    let _ident = cursor.token().ok_or("no ident field")?;
    let user = cursor.until(b'[').ok_or("no `[time]` field")?.trim_end();
    let timestamp = cursor.bracketed().ok_or("unterminated `[time]` field")?;
    cursor.skip_spaces();
    let request = cursor
        .request_field()
        .ok_or("no quoted request field after `[time]`")?;
    let status = cursor.token().ok_or("no status field")?;
    let status = parse_dash_number::<u16>(status).map_err(|_| bad("status", status))?;
    let bytes = match cursor.token() {
        None => None,
        Some(field) => parse_dash_number::<u64>(field).map_err(|_| bad("bytes", field))?,
    };
    cursor.skip_spaces();
    let referer = cursor.quoted();
    cursor.skip_spaces();
    let user_agent = cursor.quoted();

    let (method, url, version) = split_request_line(request);
    let mut headers = Vec::with_capacity(2);
    for (name, value) in [("Referer", referer), ("User-Agent", user_agent)] {
        if let Some(value) = value.filter(|v| *v != "-") {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    Ok(HttpRequest {
        method: method.to_string(),
        url: url.to_string(),
        version: version.map(str::to_string),
        headers,
        body: String::new(),
        client_ip: Some(client_ip.to_string()),
        user: (!user.is_empty() && user != "-").then(|| user.to_string()),
        status,
        bytes,
        timestamp: Some(timestamp.to_string()),
    })
}

fn bad(field: &str, value: &str) -> String {
    format!(
        "{field} field is not a number or `-`: `{}`",
        super::text::snippet(value, 40)
    )
}

fn parse_dash_number<T: std::str::FromStr>(field: &str) -> Result<Option<T>, T::Err> {
    if field == "-" {
        Ok(None)
    } else {
        field.parse().map(Some)
    }
}

/// A position in the line; every step returns `None` when the line ends first.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_spaces(&mut self) {
        let bytes = self.s.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    /// The next space-delimited token.
    fn token(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let rest = &self.s.as_bytes()[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let len = memchr(b' ', rest).unwrap_or(rest.len());
        let token = &self.s[self.pos..self.pos + len];
        self.pos += len;
        Some(token)
    }

    /// Everything up to (not including) `stop`; the cursor is left on `stop`.
    fn until(&mut self, stop: u8) -> Option<&'a str> {
        let offset = memchr(stop, &self.s.as_bytes()[self.pos..])?;
        let text = &self.s[self.pos..self.pos + offset];
        self.pos += offset;
        Some(text.trim_start_matches(' '))
    }

    /// `[...]` at the cursor: its contents.
    fn bracketed(&mut self) -> Option<&'a str> {
        let rest = self.s.as_bytes().get(self.pos..)?;
        if rest.first() != Some(&b'[') {
            return None;
        }
        let close = memchr(b']', rest)?;
        let text = &self.s[self.pos + 1..self.pos + close];
        self.pos += close + 1;
        Some(text)
    }

    /// A double-quoted field at the cursor, with `\` escaping the next byte. A field whose
    /// closing quote is missing (a cut-off line) runs to the end of the line.
    fn quoted(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = closing_quote(bytes, start).unwrap_or(bytes.len());
        self.pos = (end + 1).min(bytes.len());
        Some(&self.s[start..end])
    }

    /// The quoted request field. Servers that do not escape `"` inside it (old Apache, some
    /// proxies) are handled by taking the first closing quote that is followed by a space
    /// and a status (digit or `-`), falling back to the first closing quote.
    fn request_field(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let first = closing_quote(bytes, start)?;
        let mut end = first;
        while !looks_like_status_follows(bytes, end) {
            match closing_quote(bytes, end + 1) {
                Some(next) => end = next,
                None => {
                    end = first;
                    break;
                }
            }
        }
        self.pos = end + 1;
        Some(&self.s[start..end])
    }
}

/// Index of the next unescaped `"` at or after `from`.
fn closing_quote(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from < bytes.len() {
        let offset = memchr2(b'"', b'\\', &bytes[from..])?;
        let at = from + offset;
        if bytes[at] == b'"' {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

fn looks_like_status_follows(bytes: &[u8], quote: usize) -> bool {
    matches!(
        (bytes.get(quote + 1), bytes.get(quote + 2)),
        (Some(b' '), Some(b'0'..=b'9' | b'-'))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ELASTIC: &str = r#"83.149.9.216 - - [17/May/2015:10:05:12 +0000] "GET /presentations/logstash-monitorama-2013/plugin/zoom-js/zoom.js HTTP/1.1" 200 7697 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)""#;

    #[test]
    fn combined_line_fills_every_field() {
        let r = parse_combined(ELASTIC).unwrap();
        assert_eq!(r.client_ip.as_deref(), Some("83.149.9.216"));
        assert_eq!(r.user, None);
        assert_eq!(r.timestamp.as_deref(), Some("17/May/2015:10:05:12 +0000"));
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            "/presentations/logstash-monitorama-2013/plugin/zoom-js/zoom.js"
        );
        assert_eq!(r.version.as_deref(), Some("HTTP/1.1"));
        assert_eq!(r.status, Some(200));
        assert_eq!(r.bytes, Some(7697));
        assert_eq!(
            r.header("referer"),
            Some("http://semicomplete.com/presentations/logstash-monitorama-2013/")
        );
        assert_eq!(
            r.header("user-agent"),
            Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)")
        );
    }

    #[test]
    fn wrapped_variant_and_escaped_quotes() {
        let line = r#""192.168.4.25 - - [22/Dec/2016:16:36:48 +0300] "POST /index.php/component/users/?task=1'\" HTTP/1.1" 200 2736 "-" "Mozilla/5.0 (Windows NT 6.1)"""#;
        let r = parse_combined(line).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, r#"/index.php/component/users/?task=1'\""#);
        assert_eq!(r.status, Some(200));
        assert_eq!(r.header("Referer"), None, "`-` is no header");
        assert_eq!(r.header("User-Agent"), Some("Mozilla/5.0 (Windows NT 6.1)"));
        // An escaped quote in the referer does not end it.
        let line = r#""192.168.4.164 - - [22/Dec/2016:15:19:14 +0300] "GET /DVWA/ HTTP/1.1" 200 1964 "() { :;}; echo \"NS:\"" "UA""#;
        let r = parse_combined(line).unwrap();
        assert_eq!(r.header("Referer"), Some(r#"() { :;}; echo \"NS:\""#));
        assert_eq!(r.header("User-Agent"), Some("UA"));
    }

    #[test]
    fn common_format_user_and_dashes() {
        let r = parse_combined(
            r#"::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -"#,
        )
        .unwrap();
        assert_eq!(r.client_ip.as_deref(), Some("::1"));
        assert_eq!(r.user.as_deref(), Some("frank"));
        assert_eq!(r.bytes, None);
        assert!(r.headers.is_empty());
        let r = parse_combined(r#"1.2.3.4 - - [t] "GET / HTTP/1.1" 200"#).unwrap();
        assert_eq!((r.status, r.bytes), (Some(200), None));
    }

    #[test]
    fn odd_request_fields_still_give_records() {
        let r = parse_combined(r#"1.2.3.4 - - [t] "-" 408 0 "-" "-""#).unwrap();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("", "-"));
        let r = parse_combined(r#"1.2.3.4 - - [t] "\x16\x03\x01\x02\x00\x01" 400 226 "-" "-""#)
            .unwrap();
        assert_eq!(r.method, "");
        assert_eq!(r.url, r"\x16\x03\x01\x02\x00\x01");
        // Unescaped quote inside the request (old servers).
        let r = parse_combined(r#"1.2.3.4 - - [t] "GET /a"b HTTP/1.1" 200 5 "-" "ua""#).unwrap();
        assert_eq!(r.url, r#"/a"b"#);
        assert_eq!(r.header("user-agent"), Some("ua"));
        // Cut-off user agent (no closing quote).
        let r =
            parse_combined(r#"1.2.3.4 - - [t] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (compat"#)
                .unwrap();
        assert_eq!(r.header("user-agent"), Some("Mozilla/5.0 (compat"));
    }

    #[test]
    fn malformed_lines_are_errors_with_reasons() {
        assert_eq!(
            parse_combined("hello world").unwrap_err(),
            "no `[time]` field"
        );
        assert_eq!(
            parse_combined("1.2.3.4 - - [t \"GET / HTTP/1.1\" 200 5").unwrap_err(),
            "unterminated `[time]` field"
        );
        assert!(parse_combined(r#"1.2.3.4 - - [t] GET / 200 5"#).is_err());
        assert!(parse_combined(r#"1.2.3.4 - - [t] "GET / HTTP/1.1" OK 5"#)
            .unwrap_err()
            .starts_with("status field"));
        assert!(parse_combined(r#"1.2.3.4 - - [t] "GET / HTTP/1.1""#).is_err());
    }
}
