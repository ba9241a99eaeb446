//! goshawk events seen through Sigma field names. A [`SigmaView`] borrows the event and
//! answers the engine's field look-ups by name with no copying (built once per event on the
//! hot path: a few slice splits, no allocation for HTTP events that come with their log line).
//!
//! HTTP: values are as logged (never decoded), and the URI fields follow SigmaHQ's web rules,
//! which put path fragments in `cs-uri-query`: `cs-uri-query`, `c-uri`, `cs-uri` are the whole
//! request target, path and query. Keyword (fieldless) rules match the original log line.

use std::borrow::Cow;
use std::cell::OnceCell;

use goshawk_core::{Event, HttpRequest, IotReading, NetSession, ZeekConn};

use crate::source::SourceClass;
use rsigma_eval::event::{Event as SigmaEvent, EventValue};
use serde_json::{Map, Value};

/// One goshawk event as a Sigma event.
pub(crate) struct SigmaView<'a> {
    fields: Fields<'a>,
    /// The original log line, when known: what keyword rules search.
    raw_line: Option<&'a str>,
    /// An HTTP event's combined-log line when it came without one, built on first use: most
    /// rule sets (correlation base rules) never search keywords, and building it for every
    /// event cost 15 % of `consume`'s sequential time.
    built_line: OnceCell<String>,
}

enum Fields<'a> {
    Web(WebFields<'a>),
    Zeek(ZeekFields<'a>),
    Session(&'a NetSession),
    Iot(&'a IotReading),
}

struct WebFields<'a> {
    request: &'a HttpRequest,
    path: &'a str,
    query: Option<&'a str>,
    extension: Option<&'a str>,
    user_agent: Option<&'a str>,
    referer: Option<&'a str>,
    host: Option<&'a str>,
    cookie: Option<&'a str>,
    content_type: Option<&'a str>,
}

struct ZeekFields<'a> {
    conn: &'a ZeekConn,
    orig_h: String,
    resp_h: String,
}

impl<'a> SigmaView<'a> {
    pub(crate) fn new(event: &'a Event, raw_line: Option<&'a str>) -> Self {
        let fields = match event {
            Event::Http(request) => Fields::Web(web_fields(request)),
            Event::Zeek(conn) => Fields::Zeek(ZeekFields {
                conn,
                orig_h: conn.orig_h.to_string(),
                resp_h: conn.resp_h.to_string(),
            }),
            Event::Sessions(session) => Fields::Session(session),
            Event::Iot(reading) => Fields::Iot(reading),
        };
        SigmaView {
            fields,
            raw_line,
            built_line: OnceCell::new(),
        }
    }

    /// What keyword rules search: the original log line; for an HTTP event without one, a
    /// combined-log line built from the request; `None` for other events without one.
    fn keyword_text(&self) -> Option<&str> {
        match (&self.fields, self.raw_line) {
            (_, Some(line)) => Some(line),
            (Fields::Web(web), None) => {
                Some(self.built_line.get_or_init(|| combined_line(web.request)))
            }
            _ => None,
        }
    }

    /// Calls `visit` with text that holds every field value (numbers in decimal), each with
    /// its slot ([`field_slot`]): everything a field literal of a rule could be found in (see
    /// `prefilter`). For web events each underlying value once: the URI covers the path,
    /// query and extension fields, and the aliases (`c-uri`, `cs-uri`, `c-useragent`...) are
    /// not scanned again.
    pub(crate) fn visit_field_text(&self, visit: &mut dyn FnMut(u8, &str)) {
        let Fields::Web(web) = &self.fields else {
            // A field's slot is its place in the class's list (`class_field_slot`).
            for (slot, name) in (0u8..).zip(self.field_names()) {
                if let Some(value) = self.get_field(name) {
                    visit_value_text(&value, &mut |text| visit(slot, text));
                }
            }
            return;
        };
        let r = web.request;
        let texts = [
            (web_slot::URI, Some(r.url.as_str())),
            (web_slot::METHOD, Some(r.method.as_str())),
            (web_slot::VERSION, r.version.as_deref()),
            (web_slot::CLIENT_IP, r.client_ip.as_deref()),
            (web_slot::USER, r.user.as_deref()),
            (web_slot::USER_AGENT, web.user_agent),
            (web_slot::REFERER, web.referer),
            (web_slot::HOST, web.host),
            (web_slot::COOKIE, web.cookie),
            (web_slot::CONTENT_TYPE, web.content_type),
        ];
        for (slot, text) in texts {
            if let Some(text) = text {
                visit(slot, text);
            }
        }
        let mut digits = itoa_buffer();
        if let Some(status) = r.status {
            visit(web_slot::STATUS, format_u64(&mut digits, u64::from(status)));
        }
        match r.bytes {
            // The field's own text: beyond i64 it is a float (see `uint`).
            Some(bytes) if i64::try_from(bytes).is_err() => {
                visit_value_text(&uint(bytes), &mut |text| visit(web_slot::BYTES, text))
            }
            Some(bytes) => visit(web_slot::BYTES, format_u64(&mut digits, bytes)),
            None => {}
        }
    }

    fn field_names(&self) -> &'static [&'static str] {
        match &self.fields {
            Fields::Web(_) => crate::source::WEB_FIELDS,
            Fields::Zeek(_) => crate::source::ZEEK_CONN_FIELDS,
            Fields::Session(_) => crate::source::SESSION_FIELDS,
            Fields::Iot(_) => crate::source::IOT_FIELDS,
        }
    }

    /// Calls `visit` with every (field, value) the event has, in the class's field order.
    fn for_each_field(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) {
        for name in self.field_names() {
            if let Some(value) = self.get_field(name) {
                visit(name, value);
            }
        }
    }
}

/// Where [`SigmaView::visit_field_text`] shows the value of the Sigma field `field` of events
/// of `class`: a literal a rule looks for in that field can only be in the text visited with
/// this slot, so the pre-filter need not look for it elsewhere. `None` when the field is not
/// one the class has (the pre-filter then looks everywhere).
pub(crate) fn field_slot(class: SourceClass, field: &str) -> Option<u8> {
    if class != SourceClass::Webserver {
        return class_field_slot(class.fields(), field);
    }
    use web_slot::*;
    Some(match field {
        // Path, query and extension are parts of the URI as logged.
        "cs-uri-query" | "c-uri" | "cs-uri" | "cs-uri-stem" | "c-uri-path" | "c-uri-stem"
        | "c-uri-query" | "c-uri-extension" => URI,
        "sc-status" => STATUS,
        "cs-bytes" | "sc-bytes" => BYTES,
        "cs-referer" | "cs-referrer" => REFERER,
        "c-useragent" | "cs-user-agent" | "cs(User-Agent)" => USER_AGENT,
        "cs-method" => METHOD,
        "cs-version" => VERSION,
        "c-ip" => CLIENT_IP,
        "cs-username" => USER,
        "cs-host" => HOST,
        "cs-cookie" => COOKIE,
        "cs-content-type" => CONTENT_TYPE,
        _ => return None,
    })
}

/// How many slots [`field_slot`] uses for `class`.
pub(crate) fn field_slot_count(class: SourceClass) -> usize {
    match class {
        SourceClass::Webserver => WEB_SLOT_COUNT,
        other => other.fields().len(),
    }
}

pub(crate) const WEB_SLOT_COUNT: usize = web_slot::BYTES as usize + 1;

/// Slots of the other classes: a field's place in the class's field list.
fn class_field_slot(names: &[&str], field: &str) -> Option<u8> {
    names
        .iter()
        .position(|name| *name == field)
        .and_then(|i| u8::try_from(i).ok())
}

/// The text slots of web events: one per underlying value.
mod web_slot {
    pub const URI: u8 = 0;
    pub const METHOD: u8 = 1;
    pub const VERSION: u8 = 2;
    pub const CLIENT_IP: u8 = 3;
    pub const USER: u8 = 4;
    pub const USER_AGENT: u8 = 5;
    pub const REFERER: u8 = 6;
    pub const HOST: u8 = 7;
    pub const COOKIE: u8 = 8;
    pub const CONTENT_TYPE: u8 = 9;
    pub const STATUS: u8 = 10;
    pub const BYTES: u8 = 11;
}

/// Room for the decimal digits of any `u64`.
fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// `n` in decimal, written into `buffer` without allocating.
fn format_u64(buffer: &mut [u8; 20], mut n: u64) -> &str {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buffer[start..]).unwrap_or("")
}

fn visit_value_text(value: &EventValue<'_>, visit: &mut dyn FnMut(&str)) {
    match value {
        EventValue::Str(s) => visit(s),
        EventValue::Array(items) => {
            for item in items {
                visit_value_text(item, visit);
            }
        }
        other => {
            if let Some(text) = other.as_str() {
                visit(&text);
            }
        }
    }
}

fn web_fields(request: &HttpRequest) -> WebFields<'_> {
    let url = request.url.as_str();
    let (path, query) = match url.find('?') {
        Some(i) => (&url[..i], Some(&url[i + 1..])),
        None => (url, None),
    };
    let last_segment = path.rsplit('/').next().unwrap_or(path);
    let extension = last_segment
        .rfind('.')
        .map(|i| &last_segment[i + 1..])
        .filter(|e| !e.is_empty());
    let mut fields = WebFields {
        request,
        path,
        query,
        extension,
        user_agent: None,
        referer: None,
        host: None,
        cookie: None,
        content_type: None,
    };
    for (name, value) in &request.headers {
        let slot = if name.eq_ignore_ascii_case("user-agent") {
            &mut fields.user_agent
        } else if name.eq_ignore_ascii_case("referer") {
            &mut fields.referer
        } else if name.eq_ignore_ascii_case("host") {
            &mut fields.host
        } else if name.eq_ignore_ascii_case("cookie") {
            &mut fields.cookie
        } else if name.eq_ignore_ascii_case("content-type") {
            &mut fields.content_type
        } else {
            continue;
        };
        if slot.is_none() {
            *slot = Some(value.as_str());
        }
    }
    fields
}

/// A combined-log line for a request that came without one, so keyword rules see the same
/// text they would in an access log.
pub(crate) fn combined_line(request: &HttpRequest) -> String {
    let dash = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("-").to_string();
    let method = if request.method.is_empty() {
        "-"
    } else {
        &request.method
    };
    let request_line = match &request.version {
        Some(version) => format!("{method} {} {version}", request.url),
        None => format!("{method} {}", request.url),
    };
    format!(
        "{} - {} [{}] \"{}\" {} {} \"{}\" \"{}\"",
        dash(request.client_ip.as_deref()),
        dash(request.user.as_deref()),
        dash(request.timestamp.as_deref()),
        request_line,
        request.status.map_or("-".to_string(), |s| s.to_string()),
        request.bytes.map_or("-".to_string(), |b| b.to_string()),
        dash(request.header("referer")),
        dash(request.header("user-agent")),
    )
}

fn text(s: &str) -> EventValue<'_> {
    EventValue::Str(Cow::Borrowed(s))
}

fn opt_text(s: Option<&str>) -> Option<EventValue<'_>> {
    s.map(text)
}

fn uint(n: u64) -> EventValue<'static> {
    i64::try_from(n).map_or(EventValue::Float(n as f64), EventValue::Int)
}

impl WebFields<'_> {
    fn get(&self, name: &str) -> Option<EventValue<'_>> {
        let r = self.request;
        match name {
            "cs-uri-query" | "c-uri" | "cs-uri" => Some(text(&r.url)),
            "cs-uri-stem" | "c-uri-path" | "c-uri-stem" => Some(text(self.path)),
            "c-uri-query" => opt_text(self.query),
            "c-uri-extension" => opt_text(self.extension),
            "sc-status" => r.status.map(|s| EventValue::Int(i64::from(s))),
            "cs-bytes" | "sc-bytes" => r.bytes.map(uint),
            "cs-referer" | "cs-referrer" => opt_text(self.referer),
            "c-useragent" | "cs-user-agent" | "cs(User-Agent)" => opt_text(self.user_agent),
            "cs-method" => (!r.method.is_empty()).then(|| text(&r.method)),
            "cs-version" => opt_text(r.version.as_deref()),
            "c-ip" => opt_text(r.client_ip.as_deref()),
            "cs-username" => opt_text(r.user.as_deref()),
            "cs-host" => opt_text(self.host),
            "cs-cookie" => opt_text(self.cookie),
            "cs-content-type" => opt_text(self.content_type),
            _ => None,
        }
    }
}

impl ZeekFields<'_> {
    fn get(&self, name: &str) -> Option<EventValue<'_>> {
        let c = self.conn;
        let opt_uint = |v: Option<u64>| v.map(uint);
        match name {
            "ts" => Some(EventValue::Float(c.ts)),
            "uid" => Some(text(&c.uid)),
            "id.orig_h" => Some(text(&self.orig_h)),
            "id.orig_p" => Some(EventValue::Int(i64::from(c.orig_p))),
            "id.resp_h" => Some(text(&self.resp_h)),
            "id.resp_p" => Some(EventValue::Int(i64::from(c.resp_p))),
            "proto" => Some(text(&c.proto)),
            "service" => opt_text(c.service.as_deref()),
            "duration" => c.duration.map(EventValue::Float),
            "orig_bytes" => opt_uint(c.orig_bytes),
            "resp_bytes" => opt_uint(c.resp_bytes),
            "conn_state" => opt_text(c.conn_state.as_deref()),
            "local_orig" => c.local_orig.map(EventValue::Bool),
            "local_resp" => c.local_resp.map(EventValue::Bool),
            "missed_bytes" => opt_uint(c.missed_bytes),
            "history" => opt_text(c.history.as_deref()),
            "orig_pkts" => opt_uint(c.orig_pkts),
            "orig_ip_bytes" => opt_uint(c.orig_ip_bytes),
            "resp_pkts" => opt_uint(c.resp_pkts),
            "resp_ip_bytes" => opt_uint(c.resp_ip_bytes),
            "tunnel_parents" => (!c.tunnel_parents.is_empty())
                .then(|| EventValue::Array(c.tunnel_parents.iter().map(|s| text(s)).collect())),
            "ip_proto" => opt_uint(c.ip_proto),
            "orig_l2_addr" => opt_text(c.orig_l2_addr.as_deref()),
            "resp_l2_addr" => opt_text(c.resp_l2_addr.as_deref()),
            "vlan" => opt_uint(c.vlan),
            "inner_vlan" => opt_uint(c.inner_vlan),
            "community_id" => opt_text(c.community_id.as_deref()),
            _ => None,
        }
    }
}

fn session_field<'a>(s: &'a NetSession, name: &str) -> Option<EventValue<'a>> {
    match name {
        "session_id" => (!s.session_id.is_empty()).then(|| text(&s.session_id)),
        "network_packet_size" => Some(EventValue::Int(i64::from(s.network_packet_size))),
        "protocol_type" => Some(text(&s.protocol_type)),
        "login_attempts" => Some(EventValue::Int(i64::from(s.login_attempts))),
        "session_duration" => Some(EventValue::Float(s.session_duration)),
        "encryption_used" => Some(text(&s.encryption_used)),
        "ip_reputation_score" => Some(EventValue::Float(s.ip_reputation_score)),
        "failed_logins" => Some(EventValue::Int(i64::from(s.failed_logins))),
        "browser_type" => Some(text(&s.browser_type)),
        // The dataset writes 0/1 and the IoC pack compares with 1: a number, not a boolean
        // (a rule's `1` never equals rsigma's `true`).
        "unusual_time_access" => Some(EventValue::Int(i64::from(s.unusual_time_access))),
        _ => None,
    }
}

fn iot_field<'a>(r: &'a IotReading, name: &str) -> Option<EventValue<'a>> {
    match name {
        "timestamp" => Some(text(&r.timestamp)),
        "device_id" => Some(text(&r.device_id)),
        "device_type" => Some(text(&r.device_type)),
        "cpu_usage" => Some(EventValue::Float(r.cpu_usage)),
        "memory_usage" => Some(EventValue::Float(r.memory_usage)),
        "network_in_kb" => Some(EventValue::Float(r.network_in_kb)),
        "network_out_kb" => Some(EventValue::Float(r.network_out_kb)),
        "packet_rate" => Some(EventValue::Float(r.packet_rate)),
        "avg_response_time_ms" => Some(EventValue::Float(r.avg_response_time_ms)),
        "service_access_count" => Some(EventValue::Int(i64::from(r.service_access_count))),
        "failed_auth_attempts" => Some(EventValue::Int(i64::from(r.failed_auth_attempts))),
        "is_encrypted" => Some(EventValue::Bool(r.is_encrypted)),
        "geo_location_variation" => Some(EventValue::Float(r.geo_location_variation)),
        _ => None,
    }
}

impl SigmaEvent for SigmaView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        match &self.fields {
            Fields::Web(w) => w.get(path),
            Fields::Zeek(z) => z.get(path),
            Fields::Session(s) => session_field(s, path),
            Fields::Iot(r) => iot_field(r, path),
        }
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit_string_values(&mut |s| found = found || pred(s));
        found
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        self.visit_string_values(&mut |s| out.push(Cow::Owned(s.to_string())));
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        if let Some(line) = self.keyword_text() {
            visit(line);
            return;
        }
        self.for_each_field(&mut |_, value| {
            if let EventValue::Str(s) = value {
                visit(&s);
            }
        });
    }

    fn to_json(&self) -> Value {
        let mut map = Map::new();
        self.for_each_field(&mut |name, value| {
            map.insert(name.to_string(), value.to_json());
        });
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            url: "/shop/item.php?id=1%27&x=../etc".into(),
            version: Some("HTTP/1.1".into()),
            headers: vec![
                ("Host".into(), "shop.example".into()),
                ("User-Agent".into(), "sqlmap/1.7".into()),
            ],
            client_ip: Some("10.0.0.9".into()),
            status: Some(404),
            bytes: Some(512),
            ..Default::default()
        }
    }

    fn field(view: &SigmaView<'_>, name: &str) -> Option<Value> {
        view.get_field(name).map(|v| v.to_json())
    }

    #[test]
    fn http_fields_are_the_logged_values_under_sigma_names() {
        let event = Event::Http(request());
        let view = SigmaView::new(&event, None);
        let uri = Value::from("/shop/item.php?id=1%27&x=../etc");
        for name in ["cs-uri-query", "c-uri", "cs-uri"] {
            assert_eq!(field(&view, name), Some(uri.clone()), "{name}");
        }
        for name in ["cs-uri-stem", "c-uri-path"] {
            assert_eq!(field(&view, name), Some("/shop/item.php".into()), "{name}");
        }
        assert_eq!(field(&view, "c-uri-query"), Some("id=1%27&x=../etc".into()));
        assert_eq!(field(&view, "c-uri-extension"), Some("php".into()));
        assert_eq!(field(&view, "sc-status"), Some(404.into()));
        assert_eq!(field(&view, "cs-bytes"), Some(512.into()));
        for name in ["c-useragent", "cs-user-agent", "cs(User-Agent)"] {
            assert_eq!(field(&view, name), Some("sqlmap/1.7".into()), "{name}");
        }
        assert_eq!(field(&view, "cs-method"), Some("GET".into()));
        assert_eq!(field(&view, "cs-version"), Some("HTTP/1.1".into()));
        assert_eq!(field(&view, "c-ip"), Some("10.0.0.9".into()));
        assert_eq!(field(&view, "cs-host"), Some("shop.example".into()));
        assert_eq!(
            field(&view, "cs-referer"),
            None,
            "absent header = absent field"
        );
        assert_eq!(field(&view, "cs-username"), None);
        assert_eq!(field(&view, "CommandLine"), None);
        // Without a log line, keywords see a combined-log line built from the request.
        let mut seen = Vec::new();
        view.visit_string_values(&mut |s| seen.push(s.to_string()));
        assert_eq!(
            seen,
            vec![
                "10.0.0.9 - - [-] \"GET /shop/item.php?id=1%27&x=../etc HTTP/1.1\" 404 512 \"-\" \"sqlmap/1.7\""
            ]
        );
    }

    /// The (slot, text) pairs a view shows the pre-filter, after checking that every field's
    /// value is in a text of the field's own slot (what makes slot-scoped needles sound).
    fn slot_texts(view: &SigmaView<'_>, class: SourceClass) -> Vec<(u8, String)> {
        let mut texts = Vec::new();
        view.visit_field_text(&mut |slot, t| texts.push((slot, t.to_string())));
        let mut missing = Vec::new();
        view.for_each_field(&mut |name, value| {
            let slot = field_slot(class, name).expect("every field of the class has a slot");
            let mut values = Vec::new();
            visit_value_text(&value, &mut |t| values.push(t.to_string()));
            for value in values {
                if !texts.iter().any(|(s, t)| *s == slot && t.contains(&value)) {
                    missing.push(format!("{name}={value}"));
                }
            }
        });
        assert!(missing.is_empty(), "{missing:?} not in {texts:?}");
        texts
    }

    #[test]
    fn field_text_of_a_web_event_holds_every_field_value_in_its_slot() {
        let mut r = request();
        r.headers.push(("Referer".into(), "http://ref/".into()));
        r.headers.push(("Cookie".into(), "sid=1".into()));
        r.headers.push(("Content-Type".into(), "text/xml".into()));
        r.user = Some("bob".into());
        r.status = Some(200);
        r.bytes = Some(18_446_744_073_709_551_615);
        let event = Event::Http(r);
        let view = SigmaView::new(&event, None);
        let texts: Vec<String> = slot_texts(&view, SourceClass::Webserver)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert!(
            texts.contains(&"18446744073709552000".to_string()),
            "{texts:?}"
        );
        assert!(texts.contains(&"200".to_string()));
        // Each underlying value once.
        assert_eq!(texts.iter().filter(|t| t.contains("sqlmap")).count(), 1);
        // Aliases share a slot; fields no web event has have none.
        assert_eq!(
            field_slot(SourceClass::Webserver, "c-uri-extension"),
            field_slot(SourceClass::Webserver, "cs-uri-query")
        );
        assert_ne!(
            field_slot(SourceClass::Webserver, "cs-referer"),
            field_slot(SourceClass::Webserver, "c-useragent")
        );
        assert_eq!(field_slot(SourceClass::Webserver, "CommandLine"), None);
    }

    #[test]
    fn field_text_of_other_events_holds_every_field_value_in_its_slot() {
        let mut conn = ZeekConn::new(
            10.5,
            "C1",
            ("10.0.0.1".parse().expect("ip"), 5555),
            ("10.0.0.2".parse().expect("ip"), 445),
        );
        conn.orig_bytes = Some(100);
        conn.service = Some("smb".into());
        conn.tunnel_parents = vec!["Cx".into(), "Cy".into()];
        let events = [
            (Event::Zeek(conn), SourceClass::ZeekConn),
            (
                Event::Sessions(NetSession {
                    browser_type: "Unknown".into(),
                    ..Default::default()
                }),
                SourceClass::NetworkSession,
            ),
            (
                Event::Iot(IotReading {
                    device_type: "camera".into(),
                    ..Default::default()
                }),
                SourceClass::IotTelemetry,
            ),
        ];
        for (event, class) in &events {
            let view = SigmaView::new(event, None);
            assert!(slot_texts(&view, *class).len() > 3);
        }
    }

    #[test]
    fn keywords_search_the_raw_line_when_given() {
        let event = Event::Http(request());
        let view = SigmaView::new(&event, Some("the original line"));
        assert!(view.any_string_value(&|s| s == "the original line"));
        assert!(!view.any_string_value(&|s| s.contains("sqlmap")));
    }

    #[test]
    fn extension_needs_a_dot_in_the_last_segment() {
        let r = HttpRequest::from_target("/a.b/c?x=y.z");
        let f = web_fields(&r);
        assert_eq!(f.extension, None);
        assert_eq!(f.path, "/a.b/c");
        assert_eq!(f.query, Some("x=y.z"));
        let r = HttpRequest::from_target("/x/.env");
        assert_eq!(web_fields(&r).extension, Some("env"));
    }

    #[test]
    fn zeek_sessions_and_iot_use_their_own_column_names() {
        let mut conn = ZeekConn::new(
            10.5,
            "C1",
            ("10.0.0.1".parse().expect("ip"), 5555),
            ("10.0.0.2".parse().expect("ip"), 445),
        );
        conn.orig_bytes = Some(100);
        let event = Event::Zeek(conn);
        let view = SigmaView::new(&event, None);
        assert_eq!(field(&view, "id.resp_p"), Some(445.into()));
        assert_eq!(field(&view, "id.orig_h"), Some("10.0.0.1".into()));
        assert_eq!(field(&view, "orig_bytes"), Some(100.into()));
        assert_eq!(field(&view, "duration"), None);

        let event = Event::Sessions(NetSession {
            failed_logins: 5,
            browser_type: "Unknown".into(),
            unusual_time_access: true,
            ..Default::default()
        });
        let view = SigmaView::new(&event, None);
        assert_eq!(field(&view, "failed_logins"), Some(5.into()));
        assert_eq!(field(&view, "browser_type"), Some("Unknown".into()));
        assert_eq!(field(&view, "unusual_time_access"), Some(1.into()));

        let event = Event::Iot(IotReading {
            device_type: "camera".into(),
            failed_auth_attempts: 7,
            ..Default::default()
        });
        let view = SigmaView::new(&event, None);
        assert_eq!(field(&view, "failed_auth_attempts"), Some(7.into()));
        assert_eq!(field(&view, "device_type"), Some("camera".into()));
    }
}
