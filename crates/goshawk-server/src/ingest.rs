//! Turns a request body into typed events, or into precise reasons why not. It exists so that
//! every way a client can get a batch wrong — malformed JSON, too many events, an unknown kind,
//! a missing or mistyped field, a value out of range — is answered with the event's index and
//! the field's name, and never reaches the engine.

use goshawk_core::{Event, EventKind, HttpRequest, IotReading, NetSession, ZeekConn};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// Why one event of a batch was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EventError {
    /// Position of the event in the batch (from 0).
    pub index: usize,
    /// The offending field (`kind` when the kind is unknown or cannot be inferred; empty when
    /// the event is not a JSON object).
    pub field: String,
    pub reason: String,
}

/// Why a batch was rejected as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Not JSON, or not the expected shape (400).
    Malformed(String),
    /// More events than allowed (413).
    TooMany { count: usize, max: usize },
    /// Some events are invalid (422).
    Invalid(Vec<EventError>),
}

/// Events are kept as their JSON text until [`parse_message`] reads each (most straight into
/// a typed request, with no `Value` tree).
#[derive(Deserialize)]
struct BatchBody<'a> {
    #[serde(default, borrow)]
    events: Option<Vec<&'a RawValue>>,
    /// The FastAPI service's name for the same list.
    #[serde(default, borrow)]
    logs: Option<Vec<&'a RawValue>>,
}

/// Parses `{"events": [...]}` (or `{"logs": [...]}`) into at most `max_batch` validated events.
pub fn parse_batch(body: &[u8], max_batch: usize) -> Result<Vec<Event>, BatchError> {
    let parsed: BatchBody = serde_json::from_slice(body)
        .map_err(|e| BatchError::Malformed(format!("request body is not valid JSON: {e}")))?;
    let values = match (parsed.events, parsed.logs) {
        (Some(events), None) => events,
        (None, Some(logs)) => logs,
        (Some(_), Some(_)) => {
            return Err(BatchError::Malformed(
                "give either `events` or `logs`, not both".into(),
            ))
        }
        (None, None) => {
            return Err(BatchError::Malformed(
                "expected a JSON object with an `events` array".into(),
            ))
        }
    };
    if values.len() > max_batch {
        return Err(BatchError::TooMany {
            count: values.len(),
            max: max_batch,
        });
    }
    if values.is_empty() {
        return Err(BatchError::Invalid(vec![EventError {
            index: 0,
            field: "events".into(),
            reason: "the batch is empty".into(),
        }]));
    }
    let mut events = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    for (index, value) in values.into_iter().enumerate() {
        match parse_message(value.get()) {
            Ok(message) => events.push(message.event),
            Err((field, reason)) => errors.push(EventError {
                index,
                field,
                reason,
            }),
        }
    }
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(BatchError::Invalid(errors))
    }
}

/// The kind an event without `"kind"` most likely is, from the fields it has.
pub fn infer_kind(object: &serde_json::Map<String, Value>) -> Option<EventKind> {
    let has = |k: &str| object.contains_key(k);
    if has("url") || has("method") {
        Some(EventKind::Http)
    } else if has("session_id") || has("network_packet_size") {
        Some(EventKind::Sessions)
    } else if has("device_id") || has("cpu_usage") {
        Some(EventKind::Iot)
    } else if has("uid") || has("id.orig_h") {
        Some(EventKind::Zeek)
    } else {
        None
    }
}

/// Parses one event object as `POST /analyze` does (its kind from `"kind"` or inferred from its
/// fields) into a validated event; on failure, the offending field and why. Shared with the
/// Kafka consumer, whose messages are single events.
pub fn parse_event(value: Value) -> Result<Event, (String, String)> {
    let Value::Object(mut object) = value else {
        return Err((String::new(), "an event must be a JSON object".into()));
    };
    let kind = match object.remove("kind") {
        Some(Value::String(name)) => name
            .parse::<EventKind>()
            .map_err(|reason| ("kind".to_string(), reason))?,
        Some(other) => {
            return Err((
                "kind".into(),
                format!("expected a string (http, sessions, iot or zeek), got {other}"),
            ))
        }
        None => infer_kind(&object).ok_or_else(|| {
            (
                "kind".to_string(),
                "missing, and the fields match no kind (http: url/method, sessions: \
                 session_id/network_packet_size, iot: device_id/cpu_usage, zeek: uid/id.orig_h)"
                    .to_string(),
            )
        })?,
    };
    typed_event(kind, object)
}

/// One event message: the event and its `"id"` (a string, or a number as text; anything else
/// is no id), which `POST /analyze` ignores and the Kafka consumer reports verdicts under.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Option<String>,
    pub event: Event,
}

/// Parses one event from its JSON text, as [`parse_event`] does. HTTP events, nearly every
/// message, are read straight into the typed request; whatever that read refuses goes the
/// general way through a `Value` tree, which also words the error, so both ways accept the
/// same messages and give the same events (a test holds them to it). Measured on `consume`
/// (200,000 simulated events): building the `Value` tree and reading the request back out of
/// it was 17 % of the consumer's CPU.
pub fn parse_message(text: &str) -> Result<Message, (String, String)> {
    if let Ok(message) = serde_json::from_str::<HttpMessage>(text) {
        if let Some(message) = message.into_message() {
            message
                .event
                .validate()
                .map_err(|invalid| (invalid.field.to_string(), invalid.reason))?;
            return Ok(message);
        }
    }
    parse_message_value(text)
}

/// [`parse_message`] the general way, through a `Value` tree.
fn parse_message_value(text: &str) -> Result<Message, (String, String)> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| (String::new(), format!("invalid JSON: {e}")))?;
    let id = match value.as_object_mut().and_then(|o| o.remove("id")) {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(Message {
        id,
        event: parse_event(value)?,
    })
}

/// An HTTP event message as its fields come. Every field that [`HttpRequest`] reads is here
/// with the same type, except that a present `null` where the request wants text is refused
/// (so that the general way words the error) and presence is kept for inferring the kind.
#[derive(Deserialize)]
struct HttpMessage {
    #[serde(default)]
    id: MessageId,
    #[serde(default, deserialize_with = "present_text")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "present_text")]
    method: Option<String>,
    #[serde(default, deserialize_with = "present_text")]
    url: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    headers: Headers,
    #[serde(default, deserialize_with = "present_text")]
    body: Option<String>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    timestamp: Option<String>,
}

impl HttpMessage {
    /// The message, when it is an HTTP event: `"kind"` says so, or is absent and the fields
    /// are a request's ([`infer_kind`]); `None` sends it the general way.
    fn into_message(self) -> Option<Message> {
        let is_http = match &self.kind {
            Some(kind) => kind.parse::<EventKind>() == Ok(EventKind::Http),
            None => self.url.is_some() || self.method.is_some(),
        };
        is_http.then(|| Message {
            id: self.id.0,
            event: Event::Http(HttpRequest {
                method: self.method.unwrap_or_default(),
                url: self.url.unwrap_or_default(),
                version: self.version,
                headers: self.headers.0,
                body: self.body.unwrap_or_default(),
                client_ip: self.client_ip,
                user: self.user,
                status: self.status,
                bytes: self.bytes,
                timestamp: self.timestamp,
            }),
        })
    }
}

/// Text that is there: `null` is refused rather than read as absent.
fn present_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// `"id"`: a string, or a number as `serde_json` writes it; anything else is no id.
#[derive(Default)]
struct MessageId(Option<String>);

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(MessageId(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }))
    }
}

/// Header pairs, from `[["name", "value"], ...]` or `{"name": "value", ...}`.
#[derive(Default)]
struct Headers(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Headers;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("header pairs or an object of header values")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Headers, A::Error> {
                let mut pairs = Vec::with_capacity(seq.size_hint().unwrap_or(8));
                while let Some(pair) = seq.next_element::<(String, String)>()? {
                    pairs.push(pair);
                }
                Ok(Headers(pairs))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Headers, A::Error> {
                // Through the same map and conversion as the general way: same order, same
                // handling of repeated names and of values that are not text.
                let object = <serde_json::Map<String, Value>>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(Headers(object_header_pairs(&object).collect()))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Parses one training record of `kind`: the event's fields plus an optional label — `label` as
/// a string, number or boolean (`0`/`1`, `Normal`/`Anomaly_DoS`, `Benign`/`Malicious`), or the
/// sessions dataset's own `attack_detected` column.
pub fn parse_training_record(
    kind: EventKind,
    value: Value,
) -> Result<TrainingRecord, (String, String)> {
    let Value::Object(mut object) = value else {
        return Err((String::new(), "a record must be a JSON object".into()));
    };
    object.remove("kind");
    let label = match object
        .remove("label")
        .or_else(|| object.remove("attack_detected"))
    {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Some(value.to_string()),
        Some(other) => {
            return Err((
                "label".into(),
                format!("expected a string, number or boolean, got {other}"),
            ))
        }
    };
    let attack_type = match object.remove("attack_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            return Err((
                "attack_type".into(),
                format!("expected a string, got {other}"),
            ))
        }
    };
    // Tabular records keep their label in the record (training reads it from there).
    if let (Some(label), true) = (&label, kind != EventKind::Http) {
        object.insert("label".into(), Value::String(label.clone()));
    }
    Ok(TrainingRecord {
        event: typed_event(kind, object)?,
        label,
        attack_type,
    })
}

/// One record of a training request.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRecord {
    pub event: Event,
    /// The label as given (`None` = unlabelled).
    pub label: Option<String>,
    /// The attack family, for web requests labelled as attacks.
    pub attack_type: Option<String>,
}

/// The typed, validated event of `kind` from its JSON fields.
fn typed_event(
    kind: EventKind,
    mut object: serde_json::Map<String, Value>,
) -> Result<Event, (String, String)> {
    if kind == EventKind::Http {
        headers_object_to_pairs(&mut object);
    }
    // The FastAPI service and the datasets write these flags as 0/1.
    let flag = match kind {
        EventKind::Iot => Some("is_encrypted"),
        EventKind::Sessions => Some("unusual_time_access"),
        _ => None,
    };
    if let Some(value) = flag.and_then(|name| object.get_mut(name)) {
        if let Some(n) = value.as_u64().filter(|n| *n <= 1) {
            *value = Value::Bool(n == 1);
        }
    }
    let value = Value::Object(object);
    let event = match kind {
        EventKind::Http => Event::Http(typed::<HttpRequest>(value)?),
        EventKind::Sessions => Event::Sessions(typed::<NetSession>(value)?),
        EventKind::Iot => Event::Iot(typed::<IotReading>(value)?),
        EventKind::Zeek => Event::Zeek(typed::<ZeekConn>(value)?),
    };
    event
        .validate()
        .map_err(|invalid| (invalid.field.to_string(), invalid.reason))?;
    Ok(event)
}

/// Accepts `"headers": {"User-Agent": "x"}` as well as the typed `[["User-Agent", "x"]]`.
fn headers_object_to_pairs(object: &mut serde_json::Map<String, Value>) {
    if let Some(Value::Object(headers)) = object.get("headers") {
        let pairs = object_header_pairs(headers)
            .map(|(name, value)| Value::Array(vec![Value::String(name), Value::String(value)]))
            .collect();
        object.insert("headers".into(), Value::Array(pairs));
    }
}

/// The (name, value) pairs of headers given as an object; a value that is not text is kept as
/// its JSON text.
fn object_header_pairs(
    headers: &serde_json::Map<String, Value>,
) -> impl Iterator<Item = (String, String)> + '_ {
    headers.iter().map(|(name, value)| {
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (name.clone(), value)
    })
}

/// Deserialises one kind's record, naming the field that failed.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        // A missing field is reported at the parent (`.`); its name is in the message.
        let field = if path == "." {
            message
                .split('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_default()
        } else {
            path
        };
        (field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Vec<Event> {
        parse_batch(body.as_bytes(), 100).expect("valid batch")
    }

    fn invalid(body: &str) -> Vec<EventError> {
        match parse_batch(body.as_bytes(), 100) {
            Err(BatchError::Invalid(errors)) => errors,
            other => panic!("expected invalid events, got {other:?}"),
        }
    }

    #[test]
    fn http_messages_read_the_typed_way_agree_with_the_general_way() {
        let read_typed = |text: &str| {
            serde_json::from_str::<HttpMessage>(text)
                .ok()
                .and_then(HttpMessage::into_message)
                .is_some()
        };
        // (message, whether the typed read takes it)
        let cases = [
            (
                r#"{"id":"1-0","kind":"http","method":"GET","url":"/a?b=1","version":"HTTP/1.1","headers":[["Host","h"],["User-Agent","curl"]],"client_ip":"10.0.0.1","status":200,"timestamp":"2026-12-07T05:34:27.310Z"}"#,
                true,
            ),
            (
                r#"{"id":7,"url":"/b","body":"x=1","user":"bob","bytes":12}"#,
                true,
            ),
            (
                r#"{"id":1.5e3,"method":"POST","url":"/c","unknown":{"deep":[1,2]}}"#,
                true,
            ),
            (r#"{"id":true,"kind":"WEB","url":"/d"}"#, true),
            (
                r#"{"id":null,"url":"/e","headers":{"User-Agent":"x","X-N":5,"A":"1"}}"#,
                true,
            ),
            (r#"{"url":"/f","headers":{"B":"1","B":"2"}}"#, true),
            (r#"{"url":"/g","version":null,"client_ip":null}"#, true),
            // Refused by the typed read: the general way decides, and words the error.
            (r#"{"url":null}"#, false),
            (r#"{"method":"GET","url":"/h","body":null}"#, false),
            (r#"{"url":"/i","headers":null}"#, false),
            (r#"{"url":"/j","headers":[["A"]]}"#, false),
            (r#"{"url":"/k","status":"200"}"#, false),
            (r#"{"url":"/l","status":200.0}"#, false),
            (r#"{"url":"/m","url":"/n"}"#, false),
            (r#"{"kind":5,"url":"/o"}"#, false),
            (r#"{"kind":"pop","url":"/p"}"#, false),
            (r#"{"kind":"sessions","url":"/q"}"#, false),
            (
                r#"{"uid":"C1","ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp"}"#,
                false,
            ),
            (r#"{"headers":[["A","b"]]}"#, false),
            (r#"["url"]"#, false),
            (r#"{"url":"/r""#, false),
            // Read typed, then refused by validation, as the general way does.
            (r#"{"url":""}"#, true),
        ];
        for (text, typed) in cases {
            assert_eq!(read_typed(text), typed, "{text}");
            assert_eq!(parse_message(text), parse_message_value(text), "{text}");
        }
        let message = parse_message(cases[4].0).expect("valid");
        let Event::Http(request) = &message.event else {
            panic!("http")
        };
        assert_eq!(request.header("x-n"), Some("5"));
        assert_eq!(
            parse_message(cases[1].0).expect("valid").id.as_deref(),
            Some("7")
        );
        assert_eq!(
            parse_message(cases[2].0).expect("valid").id.as_deref(),
            Some("1500.0")
        );
    }

    #[test]
    fn kinds_are_taken_or_inferred_from_fields() {
        let events = ok(r#"{"events":[
            {"kind":"http","method":"GET","url":"/a","headers":{"User-Agent":"curl"}},
            {"url":"/b?q=1"},
            {"session_id":"S1","network_packet_size":500,"protocol_type":"TCP","login_attempts":1,
             "session_duration":2.5,"encryption_used":"AES","ip_reputation_score":0.5,
             "failed_logins":0,"browser_type":"Chrome","unusual_time_access":false},
            {"uid":"C1","ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2",
             "id.resp_p":80,"proto":"tcp"}
        ]}"#);
        let kinds: Vec<EventKind> = events.iter().map(Event::kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Http,
                EventKind::Http,
                EventKind::Sessions,
                EventKind::Zeek
            ]
        );
        let Event::Http(first) = &events[0] else {
            panic!("http")
        };
        assert_eq!(first.header("user-agent"), Some("curl"));
    }

    #[test]
    fn the_fastapi_logs_body_with_iot_readings_is_accepted() {
        let events = ok(
            r#"{"logs":[{"timestamp":"2025-01-20 12:00:00","device_id":"thermostat_001",
            "device_type":"thermostat","cpu_usage":75.5,"memory_usage":60.2,"network_in_kb":150,
            "network_out_kb":300,"packet_rate":450,"avg_response_time_ms":250.0,
            "service_access_count":5,"failed_auth_attempts":2,"is_encrypted":1,
            "geo_location_variation":5.5}]}"#,
        );
        let Event::Iot(reading) = &events[0] else {
            panic!("iot")
        };
        assert!(reading.is_encrypted);
        assert_eq!(reading.device_id, "thermostat_001");
    }

    #[test]
    fn each_bad_event_is_reported_with_index_and_field() {
        let errors = invalid(
            r#"{"events":[
            {"url":"/fine"},
            {"kind":"iot","device_id":"d","cpu_usage":"high"},
            {"kind":"sessions","session_id":"S","network_packet_size":1,"protocol_type":"TCP",
             "login_attempts":1,"session_duration":-4,"encryption_used":"AES",
             "ip_reputation_score":0.5,"failed_logins":0,"browser_type":"x","unusual_time_access":false},
            {"kind":"carrier-pigeon"},
            {"hello":"world"},
            42
        ]}"#,
        );
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "cpu_usage"),
                (2, "session_duration"),
                (3, "kind"),
                (4, "kind"),
                (5, "")
            ]
        );
        assert!(errors[1].reason.contains("negative"), "{:?}", errors[1]);
    }

    #[test]
    fn a_missing_field_is_named() {
        let errors = invalid(r#"{"events":[{"kind":"zeek","uid":"C1"}]}"#);
        assert_eq!(errors[0].field, "ts");
    }

    #[test]
    fn malformed_oversized_and_empty_batches_are_told_apart() {
        assert!(matches!(
            parse_batch(b"{not json", 10),
            Err(BatchError::Malformed(_))
        ));
        assert!(matches!(
            parse_batch(b"[1,2]", 10),
            Err(BatchError::Malformed(_))
        ));
        assert_eq!(
            parse_batch(br#"{"events":[{"url":"/"},{"url":"/"},{"url":"/"}]}"#, 2),
            Err(BatchError::TooMany { count: 3, max: 2 })
        );
        assert_eq!(invalid(r#"{"events":[]}"#)[0].field, "events");
    }
}
