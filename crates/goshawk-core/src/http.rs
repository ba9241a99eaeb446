//! One HTTP request as goshawk sees it, whatever it was read from (a raw CSIC request, an access
//! log line, a bare URL or payload, a JSON object). Values are kept as they were logged; decoding
//! is the detector's job, so rules can still match the original text.

use serde::{Deserialize, Serialize};

/// An HTTP request. Fields a source does not provide are empty / `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Request method as logged (`GET`, `POST`, ...). Empty when the source had only a payload.
    #[serde(default)]
    pub method: String,
    /// Request target as logged: origin-form (`/a?b=c`), absolute-form (`http://h/a?b=c`) or a
    /// bare payload when the source had no URL.
    #[serde(default)]
    pub url: String,
    /// Protocol version (`HTTP/1.1`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Header fields in the order they came, names as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Request body (text; Latin-1 bytes are mapped one-to-one to chars).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Client address, from an access log or the API caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// Authenticated user, from an access log or the API caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Response status, from an access log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response size in bytes, from an access log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Time as logged, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl HttpRequest {
    /// A request for a bare URL or payload (the `lines` format, `goshawk check`).
    pub fn from_target(target: impl Into<String>) -> Self {
        HttpRequest {
            method: String::new(),
            url: target.into(),
            ..Default::default()
        }
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request target without scheme and authority: `http://h:80/a?b` → `/a?b`.
    /// Absolute-form targets name the test harness's host (CSIC's `localhost:8080` vs `:9090`),
    /// which must not reach a model.
    pub fn target(&self) -> &str {
        strip_authority(&self.url)
    }

    /// The path part of the target (before `?`).
    pub fn path(&self) -> &str {
        let t = self.target();
        match t.find('?') {
            Some(i) => &t[..i],
            None => t,
        }
    }

    /// The query part of the target (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        let t = self.target();
        t.find('?').map(|i| &t[i + 1..])
    }
}

fn strip_authority(url: &str) -> &str {
    let lower_starts = |p: &str| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    let rest = if lower_starts("http://") {
        &url[7..]
    } else if lower_starts("https://") {
        &url[8..]
    } else {
        return url;
    };
    match rest.find(['/', '?']) {
        Some(i) => &rest[i..],
        None => "/",
    }
}

/// An HTTP event's time: RFC 3339 / ISO 8601 (JSON events) or the access log's
/// `10/Oct/2000:13:55:36 -0700`.
pub(crate) fn http_time(text: &str) -> Option<f64> {
    crate::iot::parse_timestamp(text)
        .or_else(|| crate::iot::parse_timestamp(&clf_as_iso(text.trim_matches(['[', ']']))?))
}

/// `10/Oct/2000:13:55:36 -0700` as `2000-10-10T13:55:36-0700`.
fn clf_as_iso(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (date, rest) = text.split_once(':')?;
    let mut parts = date.split('/');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? + 1;
    let (time, zone) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(format!("{year}-{month:02}-{day:0>2}T{time}{}", zone.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_log_times_are_read() {
        let at = |text: &str| http_time(text).map(|s| s as i64);
        assert_eq!(at("2026-01-01T00:00:01.5Z"), Some(1_767_225_601));
        assert_eq!(at("01/Jan/2026:00:00:01 +0000"), Some(1_767_225_601));
        assert_eq!(at("[01/Jan/2026:01:00:01 +0100]"), Some(1_767_225_601));
        assert_eq!(at("1/jan/2026:00:00:01 +0000"), Some(1_767_225_601));
        assert_eq!(at("01/Foo/2026:00:00:01 +0000"), None);
        assert_eq!(at("yesterday"), None);
    }

    #[test]
    fn target_strips_scheme_and_host() {
        let r = HttpRequest::from_target("http://localhost:8080/tienda1/a.jsp?x=1");
        assert_eq!(r.target(), "/tienda1/a.jsp?x=1");
        assert_eq!(r.path(), "/tienda1/a.jsp");
        assert_eq!(r.query(), Some("x=1"));
        let r = HttpRequest::from_target("HTTPS://Example.com");
        assert_eq!(r.target(), "/");
        let r = HttpRequest::from_target("/plain?q=1");
        assert_eq!(r.target(), "/plain?q=1");
        assert_eq!(HttpRequest::from_target("' or 1=1").query(), None);
        // Multi-byte characters where the scheme would be must not split a char.
        let r = HttpRequest::from_target("/â€œ><img src= onerror=confirm(1)>");
        assert_eq!(r.target(), "/â€œ><img src= onerror=confirm(1)>");
        assert_eq!(HttpRequest::from_target("httœ").target(), "httœ");
    }

    #[test]
    fn header_lookup_ignores_case() {
        let r = HttpRequest {
            headers: vec![("User-Agent".into(), "x".into())],
            ..Default::default()
        };
        assert_eq!(r.header("user-agent"), Some("x"));
        assert_eq!(r.header("host"), None);
    }
}
