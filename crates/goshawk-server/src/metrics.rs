//! Prometheus metrics: what `GET /metrics` exposes for an operator's scraper (events and alerts
//! by kind, action and attack type; request latency per route; score distribution; model
//! versions; dropped work). Counters on the hot path are pre-resolved handles indexed by kind
//! and action, so a request adds to them without hashing label strings.

use goshawk_core::{Action, EventKind};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Event kinds in a fixed order, for indexing the pre-resolved counters.
pub const KINDS: [EventKind; 4] = [
    EventKind::Http,
    EventKind::Sessions,
    EventKind::Iot,
    EventKind::Zeek,
];

pub fn kind_index(kind: EventKind) -> usize {
    match kind {
        EventKind::Http => 0,
        EventKind::Sessions => 1,
        EventKind::Iot => 2,
        EventKind::Zeek => 3,
    }
}

pub fn action_index(action: Action) -> usize {
    match action {
        Action::Monitor => 0,
        Action::Investigate => 1,
        Action::Alert => 2,
        Action::Block => 3,
    }
}

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    /// `goshawk_events_total{kind, action}`, indexed `[kind][action]`.
    pub events: [[IntCounter; 4]; 4],
    /// `goshawk_alerts_total{kind, action, attack_type}`.
    pub alerts: IntCounterVec,
    pub invalid_events: IntCounter,
    pub request_seconds: HistogramVec,
    pub scores: Histogram,
    pub alerts_not_stored: IntCounter,
    pub store_errors: IntCounter,
    pub sse_skipped: IntCounter,
    pub sse_clients: IntGauge,
    pub model_info: IntGaugeVec,
    pub uptime_seconds: IntGauge,
    /// `goshawk_behaviour_windows`: correlation windows held (the state that grows with
    /// traffic, capped per rule; read when `/metrics` is scraped).
    pub behaviour_windows: IntGauge,
    /// Kafka consumption when `serve` also consumes (see [`KafkaStats`]).
    pub kafka: KafkaMetrics,
}

/// `goshawk_kafka_*`: what a Kafka consumer inside the server reports.
pub struct KafkaMetrics {
    pub records: IntCounter,
    pub dead_letters: IntCounter,
    pub lag: IntGauge,
    pub records_per_second: prometheus::Gauge,
}

/// One report of a Kafka consumer inside the server (see `ServerHandle::report_kafka`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KafkaStats {
    /// Records committed since the last report.
    pub records: u64,
    /// Unreadable records set aside since the last report.
    pub dead_letters: u64,
    /// Messages in the assigned partitions not yet consumed.
    pub lag: i64,
    /// Committed records per second over the last report interval.
    pub records_per_second: f64,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let events_vec = IntCounterVec::new(
            Opts::new(
                "goshawk_events_total",
                "Events analysed, by kind and action",
            ),
            &["kind", "action"],
        )?;
        registry.register(Box::new(events_vec.clone()))?;
        let events = KINDS.map(|kind| {
            Action::ALL
                .map(|action| events_vec.with_label_values(&[kind.as_str(), action.as_str()]))
        });
        let alerts = IntCounterVec::new(
            Opts::new(
                "goshawk_alerts_total",
                "Alerts raised (action alert or block), by kind, action and attack type",
            ),
            &["kind", "action", "attack_type"],
        )?;
        registry.register(Box::new(alerts.clone()))?;
        let invalid_events = IntCounter::new(
            "goshawk_invalid_events_total",
            "Events rejected by validation (422)",
        )?;
        registry.register(Box::new(invalid_events.clone()))?;
        let request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "goshawk_request_duration_seconds",
                "Time to answer an HTTP request, by route",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 10.0,
            ]),
            &["route"],
        )?;
        registry.register(Box::new(request_seconds.clone()))?;
        let scores = Histogram::with_opts(
            HistogramOpts::new("goshawk_event_score", "Verdict scores of analysed events")
                .buckets(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
        )?;
        registry.register(Box::new(scores.clone()))?;
        let alerts_not_stored = IntCounter::new(
            "goshawk_alerts_not_stored_total",
            "Alerts dropped because the store writer's queue was full",
        )?;
        registry.register(Box::new(alerts_not_stored.clone()))?;
        let store_errors = IntCounter::new(
            "goshawk_store_errors_total",
            "Failed writes to the alert store or JSON Lines sink",
        )?;
        registry.register(Box::new(store_errors.clone()))?;
        let sse_skipped = IntCounter::new(
            "goshawk_sse_skipped_total",
            "Live-feed messages a slow SSE client skipped",
        )?;
        registry.register(Box::new(sse_skipped.clone()))?;
        let sse_clients = IntGauge::new("goshawk_sse_clients", "Connected SSE clients")?;
        registry.register(Box::new(sse_clients.clone()))?;
        let model_info = IntGaugeVec::new(
            Opts::new(
                "goshawk_model_info",
                "Loaded models (value 1), by kind and version",
            ),
            &["kind", "version"],
        )?;
        registry.register(Box::new(model_info.clone()))?;
        let uptime_seconds = IntGauge::new("goshawk_uptime_seconds", "Seconds since start")?;
        registry.register(Box::new(uptime_seconds.clone()))?;
        let behaviour_windows = IntGauge::new(
            "goshawk_behaviour_windows",
            "Behaviour (correlation) windows held, one per rule and group-by key",
        )?;
        registry.register(Box::new(behaviour_windows.clone()))?;
        let kafka = KafkaMetrics {
            records: IntCounter::new(
                "goshawk_kafka_records_total",
                "Kafka records consumed and committed",
            )?,
            dead_letters: IntCounter::new(
                "goshawk_kafka_dead_letters_total",
                "Kafka records that could not be read, set aside",
            )?,
            lag: IntGauge::new(
                "goshawk_kafka_consumer_lag",
                "Messages in the assigned partitions not yet consumed",
            )?,
            records_per_second: prometheus::Gauge::new(
                "goshawk_kafka_records_per_second",
                "Kafka records committed per second (last interval)",
            )?,
        };
        registry.register(Box::new(kafka.records.clone()))?;
        registry.register(Box::new(kafka.dead_letters.clone()))?;
        registry.register(Box::new(kafka.lag.clone()))?;
        registry.register(Box::new(kafka.records_per_second.clone()))?;
        Ok(Metrics {
            registry,
            events,
            alerts,
            invalid_events,
            request_seconds,
            scores,
            alerts_not_stored,
            store_errors,
            sse_skipped,
            sse_clients,
            model_info,
            uptime_seconds,
            behaviour_windows,
            kafka,
        })
    }

    /// Sets the model gauges from `Analyzer::info()`'s `models` list.
    pub fn set_models(&self, info: &serde_json::Value) {
        self.model_info.reset();
        let Some(models) = info.get("models").and_then(|m| m.as_array()) else {
            return;
        };
        for model in models {
            let field = |name: &str| {
                model
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or("unknown")
                    .to_string()
            };
            let version = match model.get("version").and_then(|v| v.as_str()) {
                Some(v) => v.to_string(),
                None => field("checksum"),
            };
            self.model_info
                .with_label_values(&[field("kind").as_str(), version.as_str()])
                .set(1);
        }
    }

    /// Records a Kafka consumer's report.
    pub fn report_kafka(&self, stats: KafkaStats) {
        self.kafka.records.inc_by(stats.records);
        self.kafka.dead_letters.inc_by(stats.dead_letters);
        self.kafka.lag.set(stats.lag);
        self.kafka.records_per_second.set(stats.records_per_second);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::with_capacity(16 * 1024);
        // Encoding into a Vec cannot fail on I/O; a metric family the encoder rejects would be
        // a programming error, and an empty answer is better than a panic.
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!("cannot encode metrics: {err}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
