//! A test double of the detection engine, so the server's tests (and the browser test's server)
//! run without models. It is a fixture, not a detector: it calls a web request an attack when
//! its URL or body contains a few fixed markers, and an IoT reading when it has many failed
//! authentications.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use goshawk_core::{Action, AttackType, Event, EventKind, Finding, Verdict};
use goshawk_server::Analyzer;
use serde_json::{json, Value};

#[derive(Default)]
pub struct MarkerAnalyzer {
    /// Bumped by every successful training, shown as the model version.
    version: AtomicU64,
}

impl MarkerAnalyzer {
    fn score(event: &Event) -> (f64, Option<AttackType>, &'static str) {
        match event {
            Event::Http(request) => {
                let text = format!("{} {}", request.url, request.body).to_ascii_lowercase();
                if text.contains("<script") || text.contains("onerror") {
                    (
                        0.95,
                        Some(AttackType::Xss),
                        "markup with script in the request",
                    )
                } else if text.contains("' or") || text.contains("union select") {
                    (
                        0.93,
                        Some(AttackType::Sqli),
                        "SQL injection marker in the request",
                    )
                } else if text.contains("../") || text.contains("/etc/passwd") {
                    (
                        0.8,
                        Some(AttackType::PathTraversal),
                        "path traversal marker",
                    )
                } else {
                    (0.05, None, "no marker")
                }
            }
            Event::Iot(reading) if reading.failed_auth_attempts > 5 => (
                0.75,
                Some(AttackType::Anomalous),
                "many failed authentications",
            ),
            _ => (0.1, None, "no marker"),
        }
    }
}

/// What the double looks for in an event's original log line (a keyword rule's stand-in).
pub const LINE_MARKER: &str = "EvilScanner";

impl Analyzer for MarkerAnalyzer {
    fn analyze(&self, events: &[Event]) -> Vec<Verdict> {
        self.analyze_lines(events, &[])
    }

    fn analyze_lines(&self, events: &[Event], raw_lines: &[Option<&str>]) -> Vec<Verdict> {
        events
            .iter()
            .enumerate()
            .map(|(i, event)| {
                let line = raw_lines.get(i).copied().flatten().unwrap_or_default();
                let (score, attack_type, why) = if line.contains(LINE_MARKER) {
                    (
                        0.85,
                        Some(AttackType::Scanner),
                        "scanner marker in the log line",
                    )
                } else {
                    Self::score(event)
                };
                let action = if score >= 0.9 {
                    Action::Block
                } else if score >= 0.7 {
                    Action::Alert
                } else {
                    Action::Monitor
                };
                let findings = if attack_type.is_some() {
                    vec![Finding {
                        detector: "marker-double".into(),
                        score,
                        attack_type: attack_type.clone(),
                        labels: vec!["T1190".into()],
                        tags: vec!["attack.initial-access".into()],
                        evidence: vec![why.into()],
                        ..Default::default()
                    }]
                } else {
                    vec![]
                };
                Verdict {
                    trace_id: String::new(),
                    score,
                    is_threat: score >= 0.5,
                    action,
                    confidence: (score - 0.5).abs() * 2.0,
                    attack_type,
                    explanation: vec![format!("marker-double score {score:.2}: {why}")],
                    findings,
                }
            })
            .collect()
    }

    fn score_only(&self, events: &[Event]) -> Vec<Option<f64>> {
        events
            .iter()
            .map(|e| (e.kind() == EventKind::Http).then(|| Self::score(e).0))
            .collect()
    }

    fn train(&self, kind: EventKind, records: Vec<Value>) -> Result<Value, String> {
        if records.len() < 2 {
            return Err(format!(
                "records: {} record(s) is too few to train on",
                records.len()
            ));
        }
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(json!({"kind": kind, "version": format!("double-v{version}"), "rows": records.len()}))
    }

    fn train_from_file(&self, kind: EventKind, path: &Path) -> Result<Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let rows = text.lines().filter(|l| !l.trim().is_empty()).count();
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(json!({"kind": kind, "version": format!("double-v{version}"), "rows": rows}))
    }

    fn info(&self) -> Value {
        json!({
            "models": [{"kind": "http", "version": format!("double-v{}", self.version.load(Ordering::SeqCst)),
                        "trained_at": "2026-11-22T00:00:00Z"}],
            "rules": {"total": 3, "by_kind": {"http": 3}},
            "device_types": ["camera", "sensor", "thermostat"],
        })
    }

    fn dataset_info(&self, kind: EventKind) -> Option<Value> {
        (kind == EventKind::Iot).then(|| {
            json!({"total_rows": 4, "labeled_rows": 2, "unlabeled_rows": 2,
                   "columns": ["device_id", "cpu_usage"],
                   "label_distribution": {"Normal": 1, "Anomaly_DoS": 1}, "anomaly_ratio": 0.5})
        })
    }

    fn dataset_sample(&self, kind: EventKind, size: usize) -> Option<Value> {
        (kind == EventKind::Iot).then(|| {
            let rows: Vec<Value> = (0..size.min(4))
                .map(|i| json!({"device_id": format!("cam_{i}"), "cpu_usage": 10.0 * i as f64}))
                .collect();
            Value::Array(rows)
        })
    }
}
