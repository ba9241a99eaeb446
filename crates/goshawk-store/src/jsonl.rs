//! A JSON Lines file sink for alerts: one JSON object per line, appended, flushed after each
//! write. It exists for the tools that tail a file (log shippers, `jq`, SIEM forwarders) rather
//! than query a database.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use goshawk_core::Alert;

use crate::{Result, StoreError};

/// Appends alerts to a file, one JSON line each.
pub struct JsonlSink {
    out: BufWriter<File>,
    path: PathBuf,
}

impl JsonlSink {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<JsonlSink> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(JsonlSink {
            out: BufWriter::new(file),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one alert and flushes.
    pub fn write(&mut self, alert: &Alert) -> Result<()> {
        self.write_batch(std::slice::from_ref(alert))
    }

    /// Appends alerts, then flushes once.
    pub fn write_batch(&mut self, alerts: &[Alert]) -> Result<()> {
        for alert in alerts {
            serde_json::to_writer(&mut self.out, alert).map_err(|source| StoreError::Encode {
                key: alert.idempotency_key.clone(),
                source,
            })?;
            self.out.write_all(b"\n").map_err(|e| self.io(e))?;
        }
        self.out.flush().map_err(|e| self.io(e))
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goshawk_core::{Action, Event, EventKind, IotReading, Verdict};

    fn alert(key: &str) -> Alert {
        Alert {
            idempotency_key: key.into(),
            time_ms: 42,
            source: Some("cam_1".into()),
            kind: EventKind::Iot,
            verdict: Verdict {
                trace_id: key.into(),
                score: 0.7,
                is_threat: true,
                action: Action::Alert,
                confidence: 0.6,
                attack_type: None,
                explanation: vec!["cpu_usage high".into()],
                findings: vec![],
            },
            event: Event::Iot(IotReading::default()),
        }
    }

    #[test]
    fn appends_one_line_per_alert_across_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("alerts.jsonl");
        JsonlSink::open(&path)
            .expect("open")
            .write_batch(&[alert("a"), alert("b")])
            .expect("write");
        JsonlSink::open(&path)
            .expect("reopen")
            .write(&alert("c"))
            .expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let keys: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Alert>(l)
                    .expect("each line is an alert")
                    .idempotency_key
            })
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }
}
