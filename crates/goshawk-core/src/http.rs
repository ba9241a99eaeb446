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

#[cfg(test)]
mod tests {
    use super::*;

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
