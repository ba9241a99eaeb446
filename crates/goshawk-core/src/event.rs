//! The one enum over every kind of record goshawk understands. Each source decodes into it and
//! every detector reads from it, so a new entry point never needs a new detector.

use serde::{Deserialize, Serialize};

use crate::http::HttpRequest;
use crate::iot::IotReading;
use crate::sessions::NetSession;
use crate::zeek::ZeekConn;

/// The kinds of event, as named on the command line, in the API and in model files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Http,
    Sessions,
    Iot,
    Zeek,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Http,
        EventKind::Sessions,
        EventKind::Iot,
        EventKind::Zeek,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Http => "http",
            EventKind::Sessions => "sessions",
            EventKind::Iot => "iot",
            EventKind::Zeek => "zeek",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "http" | "web" => Ok(EventKind::Http),
            "sessions" | "session" => Ok(EventKind::Sessions),
            "iot" => Ok(EventKind::Iot),
            "zeek" => Ok(EventKind::Zeek),
            other => Err(format!(
                "unknown event kind '{other}' (expected http, sessions, iot or zeek)"
            )),
        }
    }
}

/// One record to analyse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
// A Zeek connection is about twice the size of an HTTP request (488 vs 216 bytes). Events are
// streamed one at a time or in small batches, so boxing it would cost an allocation per record
// to save memory nobody holds.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    Http(HttpRequest),
    Sessions(NetSession),
    Iot(IotReading),
    Zeek(ZeekConn),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Http(_) => EventKind::Http,
            Event::Sessions(_) => EventKind::Sessions,
            Event::Iot(_) => EventKind::Iot,
            Event::Zeek(_) => EventKind::Zeek,
        }
    }

    /// Who the event is about, for grouping and the dashboard's top sources: the client IP of
    /// a request, the session id, the device id, the Zeek originator.
    pub fn source(&self) -> Option<String> {
        match self {
            Event::Http(r) => r.client_ip.clone(),
            Event::Sessions(s) => (!s.session_id.is_empty()).then(|| s.session_id.clone()),
            Event::Iot(r) => (!r.device_id.is_empty()).then(|| r.device_id.clone()),
            Event::Zeek(c) => Some(c.orig_h.to_string()),
        }
    }

    /// When the event happened by its own record (the request's timestamp, the Zeek `ts`, the
    /// reading's time). Behaviour windows count in this time, so a replayed or late stream
    /// counts as it happened.
    pub fn logged_time(&self) -> LoggedTime {
        let seconds = match self {
            Event::Http(request) => match request.timestamp.as_deref() {
                Some(text) => crate::http::http_time(text),
                None => return LoggedTime::Missing,
            },
            Event::Zeek(conn) => Some(conn.ts),
            Event::Iot(reading) => reading.epoch_seconds(),
            Event::Sessions(_) => return LoggedTime::Missing,
        };
        seconds.map_or(LoggedTime::Unreadable, LoggedTime::At)
    }

    /// Checks the values the types cannot (see each kind's `validate`). HTTP requests are
    /// taken as logged: any text is a valid request.
    pub fn validate(&self) -> Result<(), InvalidField> {
        match self {
            Event::Http(_) => Ok(()),
            Event::Sessions(session) => session.validate(),
            Event::Iot(reading) => reading.validate(),
            Event::Zeek(conn) => conn.validate(),
        }
    }
}

/// An event's own time ([`Event::logged_time`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoggedTime {
    /// Seconds since the Unix epoch.
    At(f64),
    /// The record carries no time (a request posted live, a network session).
    Missing,
    /// It carries one that cannot be read.
    Unreadable,
}

/// `record.into()` an event, and `Record::try_from(event)` back (the event when it is of
/// another kind).
macro_rules! event_variant {
    ($record:ty, $variant:ident) => {
        impl From<$record> for Event {
            fn from(r: $record) -> Event {
                Event::$variant(r)
            }
        }

        impl TryFrom<Event> for $record {
            type Error = Event;
            fn try_from(event: Event) -> Result<$record, Event> {
                match event {
                    Event::$variant(r) => Ok(r),
                    other => Err(other),
                }
            }
        }
    };
}

event_variant!(HttpRequest, Http);
event_variant!(NetSession, Sessions);
event_variant!(IotReading, Iot);
event_variant!(ZeekConn, Zeek);

/// Why a record's value is unacceptable: the field (by its source column name) and the reason.
/// Displays as `field: reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidField {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidField {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        InvalidField {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_their_kind_tag_and_come_back() {
        let session = NetSession {
            session_id: "SID_1".into(),
            protocol_type: "UDP".into(),
            encryption_used: "None".into(),
            browser_type: "Edge".into(),
            ..Default::default()
        };
        let event = Event::Sessions(session);
        let json = serde_json::to_value(&event).expect("serialisable");
        assert_eq!(json["kind"], "sessions");
        assert_eq!(json["encryption_used"], "None");
        let back: Event = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, event);
        assert_eq!(back.kind(), EventKind::Sessions);

        let zeek = Event::Zeek(ZeekConn::new(
            1.5,
            "C1",
            ("10.0.0.1".parse().expect("ip"), 1234),
            ("10.0.0.2".parse().expect("ip"), 80),
        ));
        let json = serde_json::to_string(&zeek).expect("serialisable");
        assert!(json.starts_with(r#"{"kind":"zeek","#), "{json}");
        assert_eq!(
            serde_json::from_str::<Event>(&json).expect("round trip"),
            zeek
        );

        let iot = Event::Iot(IotReading::default());
        assert_eq!(iot.kind(), EventKind::Iot);
        assert_eq!(
            iot.validate().expect_err("empty reading").field,
            "timestamp"
        );
    }
}
