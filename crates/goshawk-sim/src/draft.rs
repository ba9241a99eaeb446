//! A request under construction. Normal traffic is built as a [`Draft`] whose variable parts are
//! typed *slots* (an account id, a search text, a redirect target...); an attack takes a normal
//! draft and overwrites one slot. Attacks therefore live on the same endpoints, with the same
//! headers and the same escaping as normal traffic, and differ only where the payload sits.

use goshawk_core::HttpRequest;

use crate::encode::{encode_component, encode_path, UrlStyle};

/// What a variable part of a request holds. Attack families use it to choose where a payload
/// makes sense (a traversal in a file name, a redirect in a `next=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SlotKind {
    /// Numeric or opaque identifier: account number, UUID, product id.
    Id,
    /// Free text: search query, comment, memo, message.
    Text,
    /// A person's or user's name, a username.
    Name,
    /// A password or token.
    Secret,
    /// An e-mail address.
    Email,
    /// An absolute URL the application fetches or shows (website, webhook, image).
    Url,
    /// A same-site target to go to next (`next=/account`).
    Redirect,
    /// A file or document name, a template, a path.
    File,
    /// A value from a small set: sort order, language, category, currency.
    Choice,
    /// A date or time.
    Date,
    /// A money amount or quantity.
    Amount,
    /// A request header value (User-Agent, Referer, ...).
    Header,
}

/// A value as the client holds it (`Plain`, escaped by the request's [`UrlStyle`]) or already in
/// its on-the-wire form (`Wire`, written verbatim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Plain(String),
    Wire(String),
}

impl Value {
    pub(crate) fn text(&self) -> &str {
        match self {
            Value::Plain(s) | Value::Wire(s) => s,
        }
    }
}

/// One `name=value` pair of a query string or form body.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) value: Value,
    /// `None`: a fixed, non-injectable parameter (`csrf`, `v=3`).
    pub(crate) kind: Option<SlotKind>,
}

/// One JSON member. `Raw` holds a number, boolean, array or object already rendered.
#[derive(Debug, Clone)]
pub(crate) enum JsonValue {
    Str(String),
    Raw(String),
}

#[derive(Debug, Clone)]
pub(crate) struct JsonField {
    pub(crate) name: String,
    pub(crate) value: JsonValue,
    pub(crate) kind: Option<SlotKind>,
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Form(Vec<Field>),
    Json(Vec<JsonField>),
    /// An XML document; the root element and leaf fields are kept so XXE can rebuild it.
    Xml(XmlDoc),
}

/// A flat XML document: `<root><a>1</a><b>x</b></root>`.
#[derive(Debug, Clone)]
pub(crate) struct XmlDoc {
    pub(crate) root: String,
    pub(crate) fields: Vec<(String, String)>,
    /// Text written before the root element (prolog, DOCTYPE), verbatim.
    pub(crate) prolog: String,
    /// Index of the field whose content is replaced by an entity reference, if any.
    pub(crate) entity_field: Option<(usize, String)>,
}

impl XmlDoc {
    pub(crate) fn render(&self) -> String {
        let mut out = self.prolog.clone();
        out.push('<');
        out.push_str(&self.root);
        out.push('>');
        for (i, (tag, text)) in self.fields.iter().enumerate() {
            let content = match &self.entity_field {
                Some((at, reference)) if *at == i => reference.clone(),
                _ => xml_escape(text),
            };
            out.push_str(&format!("<{tag}>{content}</{tag}>"));
        }
        out.push_str(&format!("</{}>", self.root));
        out
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One path segment; `kind: None` for fixed parts (`api`, `v2`).
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) value: Value,
    pub(crate) kind: Option<SlotKind>,
}

/// Where a slot is, so it can be read and overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotRef {
    Path(usize),
    Query(usize),
    Form(usize),
    Json(usize),
    Header(usize),
}

impl SlotRef {
    /// Whether wire-level escaping applies here (not inside JSON or a header).
    pub(crate) fn is_url_encoded(self) -> bool {
        matches!(
            self,
            SlotRef::Path(_) | SlotRef::Query(_) | SlotRef::Form(_)
        )
    }
}

/// A request being built. See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) method: &'static str,
    pub(crate) host: &'static str,
    pub(crate) path: Vec<Segment>,
    /// A trailing `/` after the last segment.
    pub(crate) trailing_slash: bool,
    pub(crate) query: Vec<Field>,
    pub(crate) body: Body,
    /// Headers in sending order; the bool marks the injectable ones (User-Agent, Referer, ...).
    pub(crate) headers: Vec<(String, String, bool)>,
    pub(crate) style: UrlStyle,
    pub(crate) json_compact: bool,
    pub(crate) client_ip: String,
}

impl Draft {
    pub(crate) fn new(method: &'static str, host: &'static str, fixed_path: &str) -> Draft {
        let path = fixed_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| Segment {
                value: Value::Plain(s.to_string()),
                kind: None,
            })
            .collect();
        Draft {
            method,
            host,
            path,
            trailing_slash: fixed_path.len() > 1 && fixed_path.ends_with('/'),
            query: Vec::new(),
            body: Body::Empty,
            headers: Vec::new(),
            style: UrlStyle::Form,
            json_compact: true,
            client_ip: String::new(),
        }
    }

    /// Appends a fixed path part (may contain `/`).
    pub(crate) fn fixed(mut self, part: &str) -> Draft {
        for s in part.split('/').filter(|s| !s.is_empty()) {
            self.path.push(Segment {
                value: Value::Plain(s.to_string()),
                kind: None,
            });
        }
        self
    }

    /// Appends a variable path segment.
    pub(crate) fn seg(mut self, value: impl Into<String>, kind: SlotKind) -> Draft {
        self.path.push(Segment {
            value: Value::Plain(value.into()),
            kind: Some(kind),
        });
        self
    }

    pub(crate) fn query(mut self, name: &str, value: impl Into<String>, kind: SlotKind) -> Draft {
        self.query.push(Field {
            name: name.to_string(),
            value: Value::Plain(value.into()),
            kind: Some(kind),
        });
        self
    }

    /// A query parameter that is part of the page, not user input (`v=3`, `utm_source`).
    pub(crate) fn query_fixed(mut self, name: &str, value: impl Into<String>) -> Draft {
        self.query.push(Field {
            name: name.to_string(),
            value: Value::Plain(value.into()),
            kind: None,
        });
        self
    }

    pub(crate) fn form(mut self, name: &str, value: impl Into<String>, kind: SlotKind) -> Draft {
        let field = Field {
            name: name.to_string(),
            value: Value::Plain(value.into()),
            kind: Some(kind),
        };
        match &mut self.body {
            Body::Form(fields) => fields.push(field),
            _ => self.body = Body::Form(vec![field]),
        }
        self
    }

    pub(crate) fn form_fixed(mut self, name: &str, value: impl Into<String>) -> Draft {
        let field = Field {
            name: name.to_string(),
            value: Value::Plain(value.into()),
            kind: None,
        };
        match &mut self.body {
            Body::Form(fields) => fields.push(field),
            _ => self.body = Body::Form(vec![field]),
        }
        self
    }

    /// A JSON string member.
    pub(crate) fn json(mut self, name: &str, value: impl Into<String>, kind: SlotKind) -> Draft {
        self.push_json(name, JsonValue::Str(value.into()), Some(kind));
        self
    }

    /// A JSON member holding an already rendered number, boolean, array or object. With a kind,
    /// an attack may replace it.
    pub(crate) fn json_raw(
        mut self,
        name: &str,
        raw: impl Into<String>,
        kind: Option<SlotKind>,
    ) -> Draft {
        self.push_json(name, JsonValue::Raw(raw.into()), kind);
        self
    }

    fn push_json(&mut self, name: &str, value: JsonValue, kind: Option<SlotKind>) {
        let field = JsonField {
            name: name.to_string(),
            value,
            kind,
        };
        match &mut self.body {
            Body::Json(fields) => fields.push(field),
            _ => self.body = Body::Json(vec![field]),
        }
    }

    pub(crate) fn xml(mut self, doc: XmlDoc) -> Draft {
        self.body = Body::Xml(doc);
        self
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Draft {
        self.headers.push((name.to_string(), value.into(), false));
        self
    }

    pub(crate) fn header_injectable(mut self, name: &str, value: impl Into<String>) -> Draft {
        self.headers.push((name.to_string(), value.into(), true));
        self
    }

    /// Every injectable slot with its kind.
    pub(crate) fn slots(&self) -> Vec<(SlotRef, SlotKind)> {
        let mut out = Vec::new();
        for (i, s) in self.path.iter().enumerate() {
            if let Some(kind) = s.kind {
                out.push((SlotRef::Path(i), kind));
            }
        }
        for (i, f) in self.query.iter().enumerate() {
            if let Some(kind) = f.kind {
                out.push((SlotRef::Query(i), kind));
            }
        }
        match &self.body {
            Body::Form(fields) => {
                for (i, f) in fields.iter().enumerate() {
                    if let Some(kind) = f.kind {
                        out.push((SlotRef::Form(i), kind));
                    }
                }
            }
            Body::Json(fields) => {
                for (i, f) in fields.iter().enumerate() {
                    if let Some(kind) = f.kind {
                        out.push((SlotRef::Json(i), kind));
                    }
                }
            }
            Body::Empty | Body::Xml(_) => {}
        }
        for (i, (_, _, injectable)) in self.headers.iter().enumerate() {
            if *injectable {
                out.push((SlotRef::Header(i), SlotKind::Header));
            }
        }
        out
    }

    /// The current text of a slot (empty if the reference is stale).
    pub(crate) fn slot_text(&self, at: SlotRef) -> &str {
        match at {
            SlotRef::Path(i) => self.path.get(i).map_or("", |s| s.value.text()),
            SlotRef::Query(i) => self.query.get(i).map_or("", |f| f.value.text()),
            SlotRef::Form(i) => match &self.body {
                Body::Form(fields) => fields.get(i).map_or("", |f| f.value.text()),
                _ => "",
            },
            SlotRef::Json(i) => match &self.body {
                Body::Json(fields) => fields.get(i).map_or("", |f| match &f.value {
                    JsonValue::Str(s) | JsonValue::Raw(s) => s.as_str(),
                }),
                _ => "",
            },
            SlotRef::Header(i) => self.headers.get(i).map_or("", |h| h.1.as_str()),
        }
    }

    /// The parameter or header name of a slot (empty for path segments).
    pub(crate) fn slot_name(&self, at: SlotRef) -> &str {
        match at {
            SlotRef::Path(_) => "",
            SlotRef::Query(i) => self.query.get(i).map_or("", |f| f.name.as_str()),
            SlotRef::Form(i) => match &self.body {
                Body::Form(fields) => fields.get(i).map_or("", |f| f.name.as_str()),
                _ => "",
            },
            SlotRef::Json(i) => match &self.body {
                Body::Json(fields) => fields.get(i).map_or("", |f| f.name.as_str()),
                _ => "",
            },
            SlotRef::Header(i) => self.headers.get(i).map_or("", |h| h.0.as_str()),
        }
    }

    /// Overwrites a slot. JSON members become strings; headers take the text as it is.
    pub(crate) fn set_slot(&mut self, at: SlotRef, value: Value) {
        match at {
            SlotRef::Path(i) => {
                if let Some(s) = self.path.get_mut(i) {
                    s.value = value;
                }
            }
            SlotRef::Query(i) => {
                if let Some(f) = self.query.get_mut(i) {
                    f.value = value;
                }
            }
            SlotRef::Form(i) => {
                if let Body::Form(fields) = &mut self.body {
                    if let Some(f) = fields.get_mut(i) {
                        f.value = value;
                    }
                }
            }
            SlotRef::Json(i) => {
                if let Body::Json(fields) = &mut self.body {
                    if let Some(f) = fields.get_mut(i) {
                        f.value = JsonValue::Str(value.text().to_string());
                    }
                }
            }
            SlotRef::Header(i) => {
                if let Some(h) = self.headers.get_mut(i) {
                    h.1 = value.text().to_string();
                }
            }
        }
    }

    /// Replaces a JSON member's value with raw JSON (NoSQL operator objects).
    pub(crate) fn set_json_raw(&mut self, at: SlotRef, raw: String) {
        if let (SlotRef::Json(i), Body::Json(fields)) = (at, &mut self.body) {
            if let Some(f) = fields.get_mut(i) {
                f.value = JsonValue::Raw(raw);
            }
        }
    }

    /// Renames a query or form parameter (NoSQL `user[$ne]`).
    pub(crate) fn rename_slot(&mut self, at: SlotRef, name: String) {
        match (at, &mut self.body) {
            (SlotRef::Query(i), _) => {
                if let Some(f) = self.query.get_mut(i) {
                    f.name = name;
                }
            }
            (SlotRef::Form(i), Body::Form(fields)) => {
                if let Some(f) = fields.get_mut(i) {
                    f.name = name;
                }
            }
            _ => {}
        }
    }

    /// The request as it goes on the wire.
    pub(crate) fn render(&self) -> HttpRequest {
        let mut url = String::with_capacity(96);
        for seg in &self.path {
            url.push('/');
            match &seg.value {
                Value::Plain(s) => url.push_str(&encode_path(s)),
                Value::Wire(s) => url.push_str(s),
            }
        }
        if url.is_empty() || self.trailing_slash {
            url.push('/');
        }
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.encode_fields(&self.query));
        }
        let (body, content_type) = match &self.body {
            Body::Empty => (String::new(), None),
            Body::Form(fields) => (
                self.encode_fields(fields),
                Some("application/x-www-form-urlencoded"),
            ),
            Body::Json(fields) => (self.render_json(fields), Some("application/json")),
            Body::Xml(doc) => (doc.render(), Some("application/xml")),
        };
        let mut headers: Vec<(String, String)> = Vec::with_capacity(self.headers.len() + 3);
        headers.push(("Host".to_string(), self.host.to_string()));
        headers.extend(self.headers.iter().map(|(k, v, _)| (k.clone(), v.clone())));
        if let Some(ct) = content_type {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".to_string(), ct.to_string()));
            }
            headers.push(("Content-Length".to_string(), body.len().to_string()));
        }
        HttpRequest {
            method: self.method.to_string(),
            url,
            version: Some("HTTP/1.1".to_string()),
            headers,
            body,
            client_ip: Some(self.client_ip.clone()),
            ..Default::default()
        }
    }

    fn encode_fields(&self, fields: &[Field]) -> String {
        let mut out = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&encode_component(&f.name, self.style));
            out.push('=');
            match &f.value {
                Value::Plain(s) => out.push_str(&encode_component(s, self.style)),
                Value::Wire(s) => out.push_str(s),
            }
        }
        out
    }

    fn render_json(&self, fields: &[JsonField]) -> String {
        let (sep, colon) = if self.json_compact {
            (",", ":")
        } else {
            (", ", ": ")
        };
        let mut out = String::from("{");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(&json_string(&f.name));
            out.push_str(colon);
            match &f.value {
                JsonValue::Str(s) => out.push_str(&json_string(s)),
                JsonValue::Raw(s) => out.push_str(s),
            }
        }
        out.push('}');
        out
    }
}

/// A JSON string literal (quotes and escapes included).
pub(crate) fn json_string(s: &str) -> String {
    // Serialising a &str cannot fail; the fallback keeps this total anyway.
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_path_query_form_and_headers() {
        let mut d = Draft::new("POST", "bank.example.com", "/transfer/internal")
            .query("lang", "es", SlotKind::Choice)
            .form("memo", "Rent – May & June", SlotKind::Text)
            .form_fixed("csrf", "ab12")
            .header_injectable("User-Agent", "curl/8.5.0");
        d.style = UrlStyle::Form;
        d.client_ip = "10.0.0.1".into();
        let r = d.render();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "/transfer/internal?lang=es");
        assert_eq!(r.body, "memo=Rent+%E2%80%93+May+%26+June&csrf=ab12");
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(r.header("host"), Some("bank.example.com"));
        assert_eq!(d.slots().len(), 3);
    }

    #[test]
    fn set_slot_overwrites_and_wire_values_are_verbatim() {
        let mut d = Draft::new("GET", "shop.example.com", "/search")
            .query("q", "shoes", SlotKind::Text)
            .seg("x", SlotKind::File);
        let slots = d.slots();
        assert_eq!(slots[0], (SlotRef::Path(1), SlotKind::File));
        d.set_slot(SlotRef::Query(0), Value::Wire("%2527".into()));
        d.set_slot(SlotRef::Path(1), Value::Plain("../a b".into()));
        assert_eq!(d.render().url, "/search/../a%20b?q=%2527");
        assert_eq!(d.slot_text(SlotRef::Query(0)), "%2527");
        assert_eq!(d.slot_name(SlotRef::Query(0)), "q");
    }

    #[test]
    fn json_and_xml_bodies_render_valid_documents() {
        let d = Draft::new("POST", "api.example.io", "/api/v1/items")
            .json("name", "say \"hi\"", SlotKind::Text)
            .json_raw("qty", "3", Some(SlotKind::Amount));
        let body = d.render().body;
        let parsed: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        assert_eq!(parsed["name"], "say \"hi\"");
        let doc = XmlDoc {
            root: "order".into(),
            fields: vec![("note".into(), "a < b & c".into())],
            prolog: "<?xml version=\"1.0\"?>".into(),
            entity_field: None,
        };
        assert_eq!(
            doc.render(),
            "<?xml version=\"1.0\"?><order><note>a &lt; b &amp; c</note></order>"
        );
    }
}
