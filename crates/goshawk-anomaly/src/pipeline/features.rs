//! From typed records (network sessions, IoT readings, Zeek connections) to the numeric matrix the
//! models read, with the feature schema recorded so that a model scores new data exactly as it was
//! trained.
//!
//! Why a learnt schema and not a fixed one: categorical columns (protocol, browser, device type,
//! Zeek service and state) are open sets. Their one-hot vocabulary is learnt from the training rows
//! (values seen at least [`MIN_CATEGORY_ROWS`] times, at most [`MAX_CATEGORIES`] per column) and
//! every value outside it — a device type never seen in training — lands in the column's `other`
//! bucket instead of failing.
//!
//! Transforms, as the replaced systems did them: `log1p` on skewed counts and volumes (bytes,
//! packets, durations, response times), percentages divided by 100, flags as 0/1.
//!
//! What is never a feature: labels (the answer), identifiers (session id, device id, Zeek uid),
//! timestamps, addresses, and Zeek's `local_orig`/`local_resp`, which depend on how a sensor was
//! configured and give the label away in the labelled captures. The extractors below cannot read
//! them: each kind's feature list is written out here, field by field.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use goshawk_core::{IotReading, NetSession, ZeekConn};

use crate::matrix::Matrix;
use crate::pipeline::PipelineError;

/// Least number of training rows a categorical value needs to get its own one-hot column.
pub const MIN_CATEGORY_ROWS: usize = 2;
/// Most one-hot columns per categorical column (the most frequent values), besides `other`.
pub const MAX_CATEGORIES: usize = 32;
/// Version of the feature definitions below; a model records it and refuses another.
pub const FEATURE_VERSION: u32 = 1;
/// Values are clipped to this magnitude so that every feature fits an `f32`.
const VALUE_LIMIT: f64 = 1e30;

/// The kinds of tabular records the anomaly pipeline models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Sessions,
    Iot,
    Zeek,
}

impl TableKind {
    pub const ALL: [TableKind; 3] = [TableKind::Sessions, TableKind::Iot, TableKind::Zeek];

    /// `sessions`, `iot`, `zeek`.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Sessions => "sessions",
            TableKind::Iot => "iot",
            TableKind::Zeek => "zeek",
        }
    }

    /// The model-file kind of a model of this data (`anomaly-sessions`, ...).
    pub fn model_kind(self) -> &'static str {
        match self {
            TableKind::Sessions => "anomaly-sessions",
            TableKind::Iot => "anomaly-iot",
            TableKind::Zeek => "anomaly-zeek",
        }
    }

    /// The table kind of a model-file kind, `None` for kinds that are not anomaly models.
    pub fn from_model_kind(kind: &str) -> Option<Self> {
        TableKind::ALL.into_iter().find(|k| k.model_kind() == kind)
    }

    /// The kind named `sessions`, `iot` or `zeek`.
    pub fn from_name(name: &str) -> Option<Self> {
        TableKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for TableKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a raw value becomes a feature value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transform {
    /// Taken as is.
    Identity,
    /// `ln(1 + x)`, for skewed counts and volumes.
    Log1p,
    /// `x / 100`, for percentages.
    Percent,
    /// 0 or 1: a flag, a one-hot category, a bucket.
    Indicator,
}

impl Transform {
    fn apply(self, raw: f64) -> f32 {
        let value = match self {
            Transform::Identity | Transform::Indicator => raw,
            Transform::Log1p => raw.max(0.0).ln_1p(),
            Transform::Percent => raw / 100.0,
        };
        if value.is_finite() {
            value.clamp(-VALUE_LIMIT, VALUE_LIMIT) as f32
        } else {
            0.0
        }
    }

    /// The raw value a feature value came from (for explanations).
    pub fn invert(self, value: f64) -> f64 {
        match self {
            Transform::Identity | Transform::Indicator => value,
            Transform::Log1p => value.exp_m1(),
            Transform::Percent => value * 100.0,
        }
    }
}

/// One column of the feature matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// `session_duration`, `protocol_type=tcp`, `protocol_type=other`, `history:S`, ...
    pub name: String,
    pub transform: Transform,
}

/// The one-hot values learnt for one categorical column (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    pub column: String,
    pub values: Vec<String>,
}

impl Vocabulary {
    /// Position of `value` (compared case-insensitively, trimmed); `values.len()` = `other`.
    fn slot(&self, value: &str) -> usize {
        let value = value.trim();
        self.values
            .iter()
            .position(|known| known.eq_ignore_ascii_case(value))
            .unwrap_or(self.values.len())
    }
}

/// Everything needed to turn a record into its feature row: the kind, the learnt vocabularies
/// and the resulting feature list. Stored in every model file (payload and readable header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSchema {
    pub kind: TableKind,
    pub version: u32,
    pub vocabularies: Vec<Vocabulary>,
    pub features: Vec<FeatureSpec>,
    /// Fields of the record that are deliberately not features, and why (documentation).
    pub excluded: Vec<String>,
}

/// A record kind the pipeline can featurize. The lists are fixed per kind; only the one-hot
/// vocabularies are learnt.
pub trait FeatureRecord: Sync {
    const KIND: TableKind;
    /// Numeric features, in order: name and transform.
    const NUMERIC: &'static [(&'static str, Transform)];
    /// Categorical columns, in order (one-hot encoded after the numeric features).
    const CATEGORICAL: &'static [&'static str];
    /// Fields never used as features, with the reason.
    const EXCLUDED: &'static [&'static str];

    /// Raw values of the [`Self::NUMERIC`] features, in order, into `out` (cleared first).
    fn numeric(&self, out: &mut Vec<f64>);
    /// Hands each value of categorical column `column` to `visit` (one value for most columns;
    /// several for a multi-valued one such as Zeek's `service = http,ssl`).
    fn categories(&self, column: usize, visit: &mut dyn FnMut(&str));
    /// The ground truth, `None` when unlabelled. Never a feature.
    fn label(&self) -> Option<bool>;
}

impl FeatureSchema {
    /// Learns the one-hot vocabularies of `R` from `records` (labels are not looked at).
    pub fn learn<'a, R: FeatureRecord + 'a>(records: impl IntoIterator<Item = &'a R>) -> Self {
        let mut counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); R::CATEGORICAL.len()];
        for record in records {
            for (column, table) in counts.iter_mut().enumerate() {
                record.categories(column, &mut |value| {
                    let value = value.trim().to_ascii_lowercase();
                    *table.entry(value).or_insert(0) += 1;
                });
            }
        }
        let vocabularies = R::CATEGORICAL
            .iter()
            .zip(counts)
            .map(|(column, table)| {
                let mut values: Vec<(String, usize)> = table
                    .into_iter()
                    .filter(|(value, count)| *count >= MIN_CATEGORY_ROWS && value != "other")
                    .collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                values.truncate(MAX_CATEGORIES);
                Vocabulary {
                    column: (*column).to_string(),
                    values: values.into_iter().map(|(value, _)| value).collect(),
                }
            })
            .collect();
        Self::with_vocabularies::<R>(vocabularies)
    }

    fn with_vocabularies<R: FeatureRecord>(vocabularies: Vec<Vocabulary>) -> Self {
        let mut features: Vec<FeatureSpec> = R::NUMERIC
            .iter()
            .map(|(name, transform)| FeatureSpec {
                name: (*name).to_string(),
                transform: *transform,
            })
            .collect();
        for vocabulary in &vocabularies {
            for value in vocabulary
                .values
                .iter()
                .map(String::as_str)
                .chain(["other"])
            {
                features.push(FeatureSpec {
                    name: format!("{}={value}", vocabulary.column),
                    transform: Transform::Indicator,
                });
            }
        }
        FeatureSchema {
            kind: R::KIND,
            version: FEATURE_VERSION,
            vocabularies,
            features,
            excluded: R::EXCLUDED.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    /// Number of features (matrix columns).
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Checks a schema read from a file against this build's definitions for its kind.
    pub fn check(&self) -> Result<(), PipelineError> {
        let bad = |reason: String| Err(PipelineError::InvalidModel(reason));
        if self.version != FEATURE_VERSION {
            return bad(format!(
                "feature version {} (this build uses {FEATURE_VERSION})",
                self.version
            ));
        }
        let rebuilt = match self.kind {
            TableKind::Sessions => Self::with_vocabularies::<NetSession>(self.vocabularies.clone()),
            TableKind::Iot => Self::with_vocabularies::<IotReading>(self.vocabularies.clone()),
            TableKind::Zeek => Self::with_vocabularies::<ZeekConn>(self.vocabularies.clone()),
        };
        let columns_match = rebuilt.vocabularies.len() == self.vocabularies.len();
        if !columns_match || rebuilt.features != self.features {
            return bad("feature schema differs from this build's definitions".into());
        }
        Ok(())
    }

    /// Appends the feature row of `record` to `out`. `numeric` is scratch space.
    pub fn extract_into<R: FeatureRecord>(
        &self,
        record: &R,
        numeric: &mut Vec<f64>,
        out: &mut Vec<f32>,
    ) -> Result<(), PipelineError> {
        if R::KIND != self.kind {
            return Err(PipelineError::WrongKind {
                model: self.kind,
                data: R::KIND,
            });
        }
        numeric.clear();
        record.numeric(numeric);
        out.extend(
            numeric
                .iter()
                .zip(R::NUMERIC)
                .map(|(&raw, (_, transform))| transform.apply(raw)),
        );
        for (column, vocabulary) in self.vocabularies.iter().enumerate() {
            let start = out.len();
            out.resize(start + vocabulary.values.len() + 1, 0.0);
            let mut any = false;
            record.categories(column, &mut |value| {
                any = true;
                out[start + vocabulary.slot(value)] = 1.0;
            });
            if !any {
                out[start + vocabulary.values.len()] = 1.0;
            }
        }
        Ok(())
    }

    /// The feature matrix of `records` (rows in order, built in parallel).
    pub fn matrix<R: FeatureRecord>(&self, records: &[&R]) -> Result<Matrix, PipelineError> {
        if R::KIND != self.kind {
            return Err(PipelineError::WrongKind {
                model: self.kind,
                data: R::KIND,
            });
        }
        let width = self.n_features();
        let chunks: Vec<Vec<f32>> = records
            .par_chunks(4096)
            .map(|chunk| {
                let mut numeric = Vec::with_capacity(R::NUMERIC.len());
                let mut out = Vec::with_capacity(chunk.len() * width);
                for record in chunk {
                    // The kind was checked above, so extraction cannot fail here.
                    let _ = self.extract_into(*record, &mut numeric, &mut out);
                }
                out
            })
            .collect();
        let values: Vec<f32> = chunks.concat();
        Ok(Matrix::from_f32(values, width)?)
    }
}

fn value_or_none(value: Option<&str>) -> &str {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() && v != "-" => v,
        _ => "none",
    }
}

impl FeatureRecord for NetSession {
    const KIND: TableKind = TableKind::Sessions;
    const NUMERIC: &'static [(&'static str, Transform)] = &[
        ("network_packet_size", Transform::Identity),
        ("login_attempts", Transform::Identity),
        ("session_duration", Transform::Log1p),
        ("ip_reputation_score", Transform::Identity),
        ("failed_logins", Transform::Identity),
        ("unusual_time_access", Transform::Indicator),
    ];
    const CATEGORICAL: &'static [&'static str] =
        &["protocol_type", "encryption_used", "browser_type"];
    const EXCLUDED: &'static [&'static str] = &[
        "session_id: an identifier",
        "label (attack_detected): the answer",
    ];

    fn numeric(&self, out: &mut Vec<f64>) {
        out.extend([
            f64::from(self.network_packet_size),
            f64::from(self.login_attempts),
            self.session_duration,
            self.ip_reputation_score,
            f64::from(self.failed_logins),
            f64::from(u8::from(self.unusual_time_access)),
        ]);
    }

    fn categories(&self, column: usize, visit: &mut dyn FnMut(&str)) {
        match column {
            0 => visit(&self.protocol_type),
            1 => visit(&self.encryption_used),
            2 => visit(&self.browser_type),
            _ => {}
        }
    }

    fn label(&self) -> Option<bool> {
        self.is_attack()
    }
}

impl FeatureRecord for IotReading {
    const KIND: TableKind = TableKind::Iot;
    const NUMERIC: &'static [(&'static str, Transform)] = &[
        ("cpu_usage", Transform::Percent),
        ("memory_usage", Transform::Percent),
        ("network_in_kb", Transform::Log1p),
        ("network_out_kb", Transform::Log1p),
        ("packet_rate", Transform::Log1p),
        ("avg_response_time_ms", Transform::Log1p),
        ("service_access_count", Transform::Log1p),
        ("failed_auth_attempts", Transform::Log1p),
        ("is_encrypted", Transform::Indicator),
        ("geo_location_variation", Transform::Identity),
    ];
    const CATEGORICAL: &'static [&'static str] = &["device_type"];
    const EXCLUDED: &'static [&'static str] = &[
        "timestamp: when, not what (and a leak wherever labels cluster in time)",
        "device_id: an identifier",
        "label: the answer",
    ];

    fn numeric(&self, out: &mut Vec<f64>) {
        out.extend([
            self.cpu_usage,
            self.memory_usage,
            self.network_in_kb,
            self.network_out_kb,
            self.packet_rate,
            self.avg_response_time_ms,
            f64::from(self.service_access_count),
            f64::from(self.failed_auth_attempts),
            f64::from(u8::from(self.is_encrypted)),
            self.geo_location_variation,
        ]);
    }

    fn categories(&self, column: usize, visit: &mut dyn FnMut(&str)) {
        if column == 0 {
            visit(&self.device_type);
        }
    }

    fn label(&self) -> Option<bool> {
        self.is_attack()
    }
}

/// Zeek history letters used as flags (upper case: the originator did it; lower: the responder).
pub const HISTORY_LETTERS: &str = "SsHhAaDdFfRrCcGgTtWwIiQq^";

/// Zeek's numeric features besides the history flags, in order.
const ZEEK_BASE: [(&str, Transform); 15] = [
    ("duration", Transform::Log1p),
    ("duration_unset", Transform::Indicator),
    ("orig_bytes", Transform::Log1p),
    ("resp_bytes", Transform::Log1p),
    ("missed_bytes", Transform::Log1p),
    ("orig_pkts", Transform::Log1p),
    ("orig_ip_bytes", Transform::Log1p),
    ("resp_pkts", Transform::Log1p),
    ("resp_ip_bytes", Transform::Log1p),
    ("orig_port:well-known", Transform::Indicator),
    ("orig_port:registered", Transform::Indicator),
    ("orig_port:ephemeral", Transform::Indicator),
    ("resp_port:well-known", Transform::Indicator),
    ("resp_port:registered", Transform::Indicator),
    ("resp_port:ephemeral", Transform::Indicator),
];

const ZEEK_NUMERIC: [(&str, Transform); 40] = {
    const FLAGS: [&str; 25] = [
        "history:S",
        "history:s",
        "history:H",
        "history:h",
        "history:A",
        "history:a",
        "history:D",
        "history:d",
        "history:F",
        "history:f",
        "history:R",
        "history:r",
        "history:C",
        "history:c",
        "history:G",
        "history:g",
        "history:T",
        "history:t",
        "history:W",
        "history:w",
        "history:I",
        "history:i",
        "history:Q",
        "history:q",
        "history:^",
    ];
    let mut all = [("", Transform::Indicator); 40];
    let mut i = 0;
    while i < ZEEK_BASE.len() {
        all[i] = ZEEK_BASE[i];
        i += 1;
    }
    let mut j = 0;
    while j < FLAGS.len() {
        all[ZEEK_BASE.len() + j] = (FLAGS[j], Transform::Indicator);
        j += 1;
    }
    all
};

/// Port buckets: IANA well-known (< 1024), registered (1024–49151), dynamic/ephemeral (≥ 49152).
fn port_buckets(port: u16) -> [f64; 3] {
    let bucket = if port < 1024 {
        0
    } else if port < 49152 {
        1
    } else {
        2
    };
    let mut out = [0.0; 3];
    out[bucket] = 1.0;
    out
}

impl FeatureRecord for ZeekConn {
    const KIND: TableKind = TableKind::Zeek;
    const NUMERIC: &'static [(&'static str, Transform)] = &ZEEK_NUMERIC;
    const CATEGORICAL: &'static [&'static str] = &["proto", "service", "conn_state"];
    const EXCLUDED: &'static [&'static str] = &[
        "ts: when, not what; relative in some captures, epoch in others",
        "uid, community_id: identifiers",
        "id.orig_h, id.resp_h: addresses identify the monitored host, so they leak the label",
        "local_orig, local_resp: sensor configuration; they give the label away in the labelled captures",
        "tunnel_parents, orig_l2_addr, resp_l2_addr, vlan, inner_vlan: topology, not behaviour",
        "exact ports: bucketed instead (well-known / registered / ephemeral)",
        "label, detailedlabel: the answer",
    ];

    fn numeric(&self, out: &mut Vec<f64>) {
        let count = |v: Option<u64>| v.map_or(0.0, |v| v as f64);
        out.extend([
            self.duration.unwrap_or(0.0),
            f64::from(u8::from(self.duration.is_none())),
            count(self.orig_bytes),
            count(self.resp_bytes),
            count(self.missed_bytes),
            count(self.orig_pkts),
            count(self.orig_ip_bytes),
            count(self.resp_pkts),
            count(self.resp_ip_bytes),
        ]);
        out.extend(port_buckets(self.orig_p));
        out.extend(port_buckets(self.resp_p));
        let history = self.history.as_deref().unwrap_or("");
        out.extend(
            HISTORY_LETTERS
                .chars()
                .map(|letter| f64::from(u8::from(history.contains(letter)))),
        );
    }

    fn categories(&self, column: usize, visit: &mut dyn FnMut(&str)) {
        match column {
            0 => visit(&self.proto),
            1 => {
                let service = value_or_none(self.service.as_deref());
                for part in service.split(',').filter(|p| !p.trim().is_empty()) {
                    visit(part);
                }
            }
            2 => visit(value_or_none(self.conn_state.as_deref())),
            _ => {}
        }
    }

    fn label(&self) -> Option<bool> {
        self.is_attack()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn reading(device_type: &str) -> IotReading {
        IotReading {
            timestamp: "2025-06-20 12:51:55".into(),
            device_id: "cam_1".into(),
            device_type: device_type.into(),
            cpu_usage: 50.0,
            memory_usage: 25.0,
            network_in_kb: 100.0,
            network_out_kb: 0.0,
            packet_rate: 10.0,
            avg_response_time_ms: 20.0,
            service_access_count: 1,
            failed_auth_attempts: 0,
            is_encrypted: true,
            geo_location_variation: 3.5,
            label: Some("Anomaly_DoS".into()),
        }
    }

    fn value(schema: &FeatureSchema, row: &[f32], name: &str) -> f32 {
        let i = schema.features.iter().position(|f| f.name == name);
        row[i.unwrap_or_else(|| panic!("no feature {name}"))]
    }

    #[test]
    fn iot_transforms_and_unseen_device_types_go_to_other() {
        let training = [reading("camera"), reading("Camera"), reading("sensor")];
        let schema = FeatureSchema::learn(training.iter());
        // `sensor` was seen once only: too rare for its own column.
        assert_eq!(schema.vocabularies[0].values, vec!["camera"]);
        let mut row = Vec::new();
        schema
            .extract_into(&reading("wearable"), &mut Vec::new(), &mut row)
            .unwrap();
        assert_eq!(row.len(), schema.n_features());
        assert_eq!(value(&schema, &row, "device_type=camera"), 0.0);
        assert_eq!(value(&schema, &row, "device_type=other"), 1.0);
        assert_eq!(value(&schema, &row, "cpu_usage"), 0.5);
        assert!((value(&schema, &row, "network_in_kb") - 101f32.ln()).abs() < 1e-6);
        assert_eq!(value(&schema, &row, "is_encrypted"), 1.0);
        assert!(!schema.features.iter().any(|f| f.name.contains("label")
            || f.name.contains("timestamp")
            || f.name.contains("device_id")));
    }

    fn conn() -> ZeekConn {
        let mut c = ZeekConn::new(
            1.5,
            "C1",
            (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 50000),
            (IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)), 443),
        );
        c.service = Some("http,ssl".into());
        c.history = Some("ShADadFf".into());
        c.conn_state = Some("SF".into());
        c.orig_bytes = Some(1000);
        c.duration = Some(2.0);
        c
    }

    #[test]
    fn zeek_features_ignore_leaky_fields() {
        let schema = FeatureSchema::learn([conn(), conn()].iter());
        let extract = |c: &ZeekConn| {
            let mut row = Vec::new();
            schema.extract_into(c, &mut Vec::new(), &mut row).unwrap();
            row
        };
        let base = extract(&conn());
        let mut other = conn();
        other.ts = 1.6e9;
        other.uid = "Cother".into();
        other.orig_h = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 115));
        other.resp_h = IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4));
        other.local_orig = Some(false);
        other.local_resp = Some(true);
        other.label = Some("Malicious".into());
        assert_eq!(
            extract(&other),
            base,
            "addresses, ts, uid, local_*, label are not features"
        );
        assert_eq!(value(&schema, &base, "service=http"), 1.0);
        assert_eq!(value(&schema, &base, "service=ssl"), 1.0);
        assert_eq!(value(&schema, &base, "history:S"), 1.0);
        assert_eq!(value(&schema, &base, "history:R"), 0.0);
        assert_eq!(value(&schema, &base, "resp_port:well-known"), 1.0);
        assert_eq!(value(&schema, &base, "orig_port:ephemeral"), 1.0);
        assert_eq!(value(&schema, &base, "duration_unset"), 0.0);
        let mut unset = conn();
        unset.duration = None;
        unset.service = None;
        let row = extract(&unset);
        assert_eq!(value(&schema, &row, "duration_unset"), 1.0);
        assert_eq!(
            value(&schema, &row, "service=other"),
            1.0,
            "`none` was not seen in training"
        );
    }

    #[test]
    fn schema_checks_catch_foreign_definitions() {
        let schema = FeatureSchema::learn([reading("camera"), reading("camera")].iter());
        assert!(schema.check().is_ok());
        let mut renamed = schema.clone();
        renamed.features[0].name = "cpu".into();
        assert!(renamed.check().is_err());
        let mut old = schema.clone();
        old.version = 0;
        assert!(old.check().is_err());
        let wrong = schema.extract_into(&conn(), &mut Vec::new(), &mut Vec::new());
        assert!(matches!(wrong, Err(PipelineError::WrongKind { .. })));
    }
}
