//! The one enum over every kind of record goshawk understands. Each source decodes into it and
//! every detector reads from it, so a new entry point never needs a new detector.

use serde::{Deserialize, Serialize};

use crate::http::HttpRequest;

/// The kinds of event, as named on the command line, in the API and in model files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Http,
    Sessions,
    Iot,
    Zeek,
}

impl EventKind {
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
pub enum Event {
    Http(HttpRequest),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Http(_) => EventKind::Http,
        }
    }
}
