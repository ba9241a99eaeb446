//! The bank simulator's two outputs, one JSON object per line:
//!
//! - **events**, in the shape `POST /analyze` and `goshawk_core::Event` accept: the request's
//!   fields flattened next to `"id"` and `"kind": "http"`, e.g.
//!   `{"id":"7-0","kind":"http","method":"GET","url":"/login","version":"HTTP/1.1","headers":[["Host","bank.example.com"],...],"client_ip":"81.2.3.4","status":200,"timestamp":"2026-01-01T00:00:00.051Z"}`;
//! - **truth**, kept apart so that no detector can read it:
//!   `{"id":"7-0","label":"normal","attack_type":null,"scenario":"customer"}`.
//!
//! Ids match one to one between the two.

use chrono::{DateTime, SecondsFormat};
use goshawk_core::HttpRequest;
use serde::{Deserialize, Serialize};

use super::{BankError, SimEvent};

/// An event line: the id and kind tag, then the request's own fields.
#[derive(Debug, Serialize)]
struct EventLine<'a> {
    id: &'a str,
    kind: &'static str,
    #[serde(flatten)]
    request: &'a HttpRequest,
}

/// A truth line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRecord {
    pub id: String,
    /// `normal` or `attack`.
    pub label: String,
    pub attack_type: Option<String>,
    pub scenario: String,
}

impl From<&SimEvent> for TruthRecord {
    fn from(event: &SimEvent) -> TruthRecord {
        TruthRecord {
            id: event.id.clone(),
            label: event.truth.label.clone(),
            attack_type: event.truth.attack_type.clone(),
            scenario: event.truth.scenario.clone(),
        }
    }
}

/// The event as one JSON object (no newline).
pub fn event_json(event: &SimEvent) -> String {
    let line = EventLine {
        id: &event.id,
        kind: "http",
        request: &event.request,
    };
    // Strings, numbers and a list of string pairs always serialise; the fallback keeps this
    // total anyway.
    serde_json::to_string(&line).unwrap_or_else(|_| String::from("{}"))
}

/// The event's ground truth as one JSON object (no newline).
pub fn truth_json(event: &SimEvent) -> String {
    serde_json::to_string(&TruthRecord::from(event)).unwrap_or_else(|_| String::from("{}"))
}

/// `2026-01-01T00:00:00.051Z` for a time in milliseconds since the Unix epoch.
pub fn rfc3339_ms(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// Milliseconds since the Unix epoch of an RFC 3339 time (`2026-01-01T00:00:00Z`).
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, BankError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| BankError::InvalidStartTime(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{BankParams, BankSimulator};

    #[test]
    fn times_round_trip_and_bad_ones_are_refused() {
        let ms = parse_rfc3339_ms("2026-01-01T00:00:00Z").expect("valid");
        assert_eq!(ms, 1_767_225_600_000);
        assert_eq!(rfc3339_ms(ms + 51), "2026-01-01T00:00:00.051Z");
        assert_eq!(
            parse_rfc3339_ms(&rfc3339_ms(ms + 51)).expect("valid"),
            ms + 51
        );
        assert!(matches!(
            parse_rfc3339_ms("yesterday"),
            Err(BankError::InvalidStartTime(_))
        ));
    }

    #[test]
    fn event_lines_are_core_events_and_truth_stays_out() {
        let sim = BankSimulator::new(BankParams {
            seed: 3,
            attack_ratio: 0.5,
            ..Default::default()
        })
        .expect("valid");
        for event in sim.take(2000) {
            let line = event_json(&event);
            let value: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            assert_eq!(value["id"], event.id.as_str());
            assert_eq!(value["kind"], "http");
            for leaked in ["label", "attack_type", "scenario", "truth"] {
                assert!(value.get(leaked).is_none(), "{leaked} in {line}");
            }
            let parsed: goshawk_core::Event = serde_json::from_str(&line).expect("an Event");
            assert_eq!(parsed, event.to_event());
            let truth: TruthRecord = serde_json::from_str(&truth_json(&event)).expect("truth");
            assert_eq!(truth.id, event.id);
            assert_eq!(truth.label == "attack", event.truth.is_attack());
        }
    }
}
