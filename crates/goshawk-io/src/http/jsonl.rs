//! JSON Lines: one JSON object per line describing a request,
//! `{"method": "GET", "url": "/a?b=1", "headers": {...}, "body": "..."}`.
//!
//! - The target may be named `url`, `request`, `payload` or `uri` (first present wins, in
//!   that order). When no `method` is given and the target is a request line
//!   (`GET /x HTTP/1.1`, as in nginx JSON logs' `request`), it is split into its parts.
//! - `headers` is an object (order kept) or an array of `[name, value]` pairs or
//!   `{"name": .., "value": ..}` objects; an array value gives one header per element.
//! - The other `HttpRequest` fields (`version`, `client_ip`, `user`, `status`, `bytes`,
//!   `timestamp`) are read when present; `status`/`bytes` may be numbers or numeric strings.
//! - Any other field is ignored. JSON is UTF-8 by definition: a line that is not valid UTF-8
//!   is an error record (never guessed at).

use std::fmt;

use goshawk_core::HttpRequest;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::request_line::as_request_line;
use super::text::snippet;

/// One JSON object as read; also carries the label fields for labelled JSONL.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct JsonRequest {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    request: Option<String>,
    #[serde(default)]
    payload: Option<String>,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    headers: Option<HeaderList>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    bytes: Option<Value>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    pub(crate) label: Option<Value>,
    #[serde(default)]
    pub(crate) attack_type: Option<String>,
    #[serde(default)]
    pub(crate) category: Option<String>,
}

/// Parses one JSON line into the request fields (label fields left for the caller).
pub(crate) fn parse_json_line(bytes: &[u8]) -> Result<JsonRequest, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} (JSON must be UTF-8)",
            e.valid_up_to()
        )
    })?;
    if !text.trim_start().starts_with('{') {
        return Err(format!(
            "expected a JSON object, found `{}`",
            snippet(text.trim(), 40)
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
}

impl JsonRequest {
    /// The request described, or why it describes none.
    pub(crate) fn into_request(self) -> Result<HttpRequest, String> {
        let status = number_field("status", &self.status)?;
        let bytes = number_field("bytes", &self.bytes)?;
        let target = [self.url, self.request, self.payload, self.uri]
            .into_iter()
            .flatten()
            .next()
            .ok_or("no `url`, `request`, `payload` or `uri` field")?;
        let mut method = self.method.unwrap_or_default();
        let mut version = self.version;
        let mut url = None;
        if method.is_empty() {
            if let Some((m, t, v)) = as_request_line(&target) {
                method = m.to_string();
                url = Some(t.to_string());
                version = version.or_else(|| Some(v.to_string()));
            }
        }
        Ok(HttpRequest {
            method,
            url: url.unwrap_or(target),
            version,
            headers: self.headers.map(|h| h.0).unwrap_or_default(),
            body: self.body.unwrap_or_default(),
            client_ip: self.client_ip,
            user: self.user,
            status,
            bytes,
            timestamp: self.timestamp,
        })
    }
}

fn number_field<T: TryFrom<u64> + std::str::FromStr>(
    name: &str,
    value: &Option<Value>,
) -> Result<Option<T>, String> {
    let bad = || format!("`{name}` is not a number in range");
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let n = n.as_u64().ok_or_else(bad)?;
            T::try_from(n).map(Some).map_err(|_| bad())
        }
        Some(Value::String(s)) if s == "-" || s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// Header fields in the order written, from an object or an array.
#[derive(Debug, Default)]
struct HeaderList(Vec<(String, String)>);

impl<'de> Deserialize<'de> for HeaderList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeaderListVisitor)
    }
}

struct HeaderListVisitor;

impl<'de> Visitor<'de> for HeaderListVisitor {
    type Value = HeaderList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of headers or an array of [name, value] pairs")
    }

    fn visit_unit<E: de::Error>(self) -> Result<HeaderList, E> {
        Ok(HeaderList::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderList, A::Error> {
        let mut out = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, Value>()? {
            push_values(&mut out, name, value).map_err(de::Error::custom)?;
        }
        Ok(HeaderList(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderList, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            let (name, value) = match item {
                Value::Array(mut pair) if pair.len() == 2 => {
                    let value = pair.pop().unwrap_or(Value::Null);
                    (pair.pop().unwrap_or(Value::Null), value)
                }
                Value::Object(mut object) => (
                    object.remove("name").unwrap_or(Value::Null),
                    object.remove("value").unwrap_or(Value::Null),
                ),
                other => {
                    return Err(de::Error::custom(format!(
                        "header entry is not [name, value]: {other}"
                    )))
                }
            };
            let Value::String(name) = name else {
                return Err(de::Error::custom("header name is not a string"));
            };
            push_values(&mut out, name, value).map_err(de::Error::custom)?;
        }
        Ok(HeaderList(out))
    }
}

fn push_values(out: &mut Vec<(String, String)>, name: String, value: Value) -> Result<(), String> {
    match value {
        Value::Array(values) => {
            for v in values {
                out.push((name.clone(), scalar_text(&name, v)?));
            }
            Ok(())
        }
        Value::Null => Ok(()),
        v => {
            let text = scalar_text(&name, v)?;
            out.push((name, text));
            Ok(())
        }
    }
}

fn scalar_text(name: &str, value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("header `{name}` has a value that is not text")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(line: &str) -> Result<HttpRequest, String> {
        parse_json_line(line.as_bytes())?.into_request()
    }

    #[test]
    fn object_headers_keep_their_order() {
        let r = request(
            r#"{"method":"POST","url":"/login","headers":{"Host":"a","Accept":["x","y"],"X-N":3},"body":"u=1","extra":{"ignored":true}}"#,
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "/login");
        assert_eq!(r.body, "u=1");
        let names: Vec<_> = r.headers.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(names, ["Host=a", "Accept=x", "Accept=y", "X-N=3"]);
    }

    #[test]
    fn array_headers_and_aliases() {
        let r = request(r#"{"payload":"' or 1=1","headers":[["A","1"],{"name":"B","value":"2"}]}"#)
            .unwrap();
        assert_eq!((r.method.as_str(), r.url.as_str()), ("", "' or 1=1"));
        assert_eq!(r.header("b"), Some("2"));
        let r = request(r#"{"request":"GET /x?y=1 HTTP/1.0","status":"404","bytes":12}"#).unwrap();
        assert_eq!(
            (r.method.as_str(), r.url.as_str(), r.version.as_deref()),
            ("GET", "/x?y=1", Some("HTTP/1.0"))
        );
        assert_eq!((r.status, r.bytes), (Some(404), Some(12)));
        // `url` wins over `request` when both are there.
        let r = request(r#"{"url":"/u","request":"/r"}"#).unwrap();
        assert_eq!(r.url, "/u");
    }

    #[test]
    fn bad_objects_are_errors() {
        assert!(request(r#"{"method":"GET"}"#)
            .unwrap_err()
            .contains("no `url`"));
        assert!(request(r#"["GET","/"]"#)
            .unwrap_err()
            .starts_with("expected a JSON object"));
        assert!(request(r#"{"url":"/a""#)
            .unwrap_err()
            .starts_with("invalid JSON"));
        assert!(request(r#"{"url":"/a","status":70000}"#)
            .unwrap_err()
            .contains("status"));
        assert!(request(r#"{"url":"/a","headers":"x"}"#).is_err());
        let err = parse_json_line(b"{\"url\":\"\xff\"}").unwrap_err();
        assert!(err.starts_with("invalid UTF-8"), "{err}");
    }
}
