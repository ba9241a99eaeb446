//! The one seam between the HTTP server and the detection engine. The server knows nothing of
//! models or rules: it parses and validates requests, calls an [`Analyzer`], and stores,
//! streams and counts what comes back. The binary implements this trait over the engine; tests
//! implement it with a small double.

use std::path::Path;

use goshawk_core::{Event, EventKind, Verdict};

/// What the server needs from the detection engine. Every method may be called from several
/// threads at once; the CPU-bound ones (`analyze`, `score_only`, `train*`) are called from a
/// blocking thread pool, never from the async reactor (except for very small batches, see
/// `ServerConfig::inline_batch_max`).
pub trait Analyzer: Send + Sync + 'static {
    /// Runs detect → decide on events the server has already validated
    /// (`Event::validate` passed) and returns exactly one verdict per event, in order.
    /// A verdict's `trace_id` may be left empty: the server then sets it to
    /// `<batch trace id>-<index>`.
    fn analyze(&self, events: &[Event]) -> Vec<Verdict>;

    /// As [`Analyzer::analyze`], with each event's original log line when it had one
    /// (`raw_lines[i]` for event `i`; shorter or empty means none): keyword rules search it.
    /// Events from a stream of raw access-log lines come this way.
    fn analyze_lines(&self, events: &[Event], raw_lines: &[Option<&str>]) -> Vec<Verdict> {
        let _ = raw_lines;
        self.analyze(events)
    }

    /// The longest span of event time a behaviour window covers, in seconds (0: none).
    fn window_secs(&self) -> u64 {
        0
    }

    /// Behaviour windows held now, for `/metrics` (0: none).
    fn window_count(&self) -> usize {
        0
    }

    /// Feeds a stream's history (events decided before, by this or another instance) to the
    /// behaviour windows only, discarding what fires: a consumer taking over partitions calls
    /// it before analysing what follows. Without windows, nothing to do.
    fn replay_windows(&self, events: &[Event], raw_lines: &[Option<&str>]) {
        let _ = (events, raw_lines);
    }

    /// The model's score of each event (no rules, no decision), in order; `None` when no model
    /// is loaded for that event's kind. Serves `POST /analyze/direct`.
    fn score_only(&self, events: &[Event]) -> Vec<Option<f64>>;

    /// Trains a model for `kind` from JSON records (the fields of that kind's events, with an
    /// optional `label`), validates it and atomically swaps it in: calls in flight finish on
    /// the old model. Returns a summary of the new model (shown to the caller as is), or a
    /// message saying why training failed (bad records, too few rows, ...).
    fn train(
        &self,
        kind: EventKind,
        records: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, String>;

    /// As [`Analyzer::train`], from a dataset file on the server (the server has already
    /// checked the path lies in an allowed directory).
    fn train_from_file(&self, kind: EventKind, path: &Path) -> Result<serde_json::Value, String>;

    /// What is loaded, for `GET /info`, `GET /health`, `/metrics` and the dashboard. Expected
    /// shape (extra keys are passed through):
    /// `{"models": [{"kind": "http", "version": "...", "checksum": "...", "trained_at": "..."}],
    ///   "rules": {"total": 42, "by_kind": {"http": 30}}, "device_types": ["camera", ...]}`.
    fn info(&self) -> serde_json::Value;

    /// Facts about the data the `kind` model was trained on (rows, labelled/unlabelled, label
    /// distribution, columns, anomaly ratio), or `None` when unknown.
    fn dataset_info(&self, kind: EventKind) -> Option<serde_json::Value>;

    /// Up to `size` rows of that training data, or `None` when unknown.
    fn dataset_sample(&self, kind: EventKind, size: usize) -> Option<serde_json::Value>;
}
