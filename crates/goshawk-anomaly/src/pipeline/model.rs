//! The trained anomaly model of one kind of data, as stored in a goshawk model file: the feature
//! schema, the chosen algorithm's fitted model, the calibrated threshold, and the profile of the
//! training rows used to explain a verdict.
//!
//! Scores are remapped so that the calibrated threshold sits at 0.5 (the web model's convention):
//! raw scores below the threshold are scaled into `[0, 0.5)`, those at or above it into
//! `[0.5, 1]`, so a score means the same across algorithms and a record is an attack exactly when
//! its score is at least 0.5.

use serde::{Deserialize, Serialize};

use goshawk_model::{ModelFileError, ModelHeader};

use crate::matrix::{Matrix, MatrixView};
use crate::pipeline::features::{FeatureRecord, FeatureSchema, TableKind, Transform};
use crate::pipeline::gbt::BoostedTrees;
use crate::pipeline::PipelineError;
use crate::{AnomalyDetector, IsolationForest, LocalOutlierFactor, OneClassSvm};

/// Explanation items per attack verdict.
pub const EXPLANATION_ITEMS: usize = 3;
/// A numeric feature is called unusual from this many standard deviations.
const UNUSUAL_DEVIATIONS: f64 = 1.5;

/// The algorithms a model can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Isolation Forest, the production model.
    Iforest,
    /// Local Outlier Factor (novelty mode).
    Lof,
    /// One-Class SVM (RBF kernel).
    Ocsvm,
    /// Gradient-boosted trees trained on labels.
    Supervised,
}

impl Algorithm {
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Iforest,
        Algorithm::Lof,
        Algorithm::Ocsvm,
        Algorithm::Supervised,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Iforest => "iforest",
            Algorithm::Lof => "lof",
            Algorithm::Ocsvm => "ocsvm",
            Algorithm::Supervised => "supervised",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "iforest" | "isolation-forest" | "isolationforest" => Some(Algorithm::Iforest),
            "lof" => Some(Algorithm::Lof),
            "ocsvm" | "one-class-svm" => Some(Algorithm::Ocsvm),
            "supervised" | "gbt" | "gradient-boosting" => Some(Algorithm::Supervised),
            _ => None,
        }
    }

    /// Whether it learns from labels.
    pub fn is_supervised(self) -> bool {
        self == Algorithm::Supervised
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fitted model of one of the [`Algorithm`]s. Raw scores are in `[0, 1]`, higher = more
/// anomalous (unsupervised) or more likely an attack (supervised).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Detector {
    Iforest(IsolationForest),
    Lof(LocalOutlierFactor),
    Ocsvm(OneClassSvm),
    Supervised(BoostedTrees),
}

impl Detector {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Detector::Iforest(_) => Algorithm::Iforest,
            Detector::Lof(_) => Algorithm::Lof,
            Detector::Ocsvm(_) => Algorithm::Ocsvm,
            Detector::Supervised(_) => Algorithm::Supervised,
        }
    }

    pub fn n_features(&self) -> usize {
        match self {
            Detector::Iforest(m) => m.n_features(),
            Detector::Lof(m) => AnomalyDetector::n_features(m),
            Detector::Ocsvm(m) => AnomalyDetector::n_features(m),
            Detector::Supervised(m) => m.n_features(),
        }
    }

    /// Raw scores of every row.
    pub fn raw_scores(&self, rows: &MatrixView<'_>) -> Result<Vec<f64>, PipelineError> {
        Ok(match self {
            Detector::Iforest(m) => m.score(rows)?,
            Detector::Lof(m) => m.score(rows)?,
            Detector::Ocsvm(m) => m.score(rows)?,
            Detector::Supervised(m) => m.score(rows)?,
        })
    }

    /// The algorithm's own cut-off, used when there are no labels to calibrate on.
    pub fn default_threshold(&self) -> f64 {
        match self {
            Detector::Iforest(m) => m.decision_threshold(),
            Detector::Lof(m) => m.decision_threshold(),
            Detector::Ocsvm(m) => m.decision_threshold(),
            Detector::Supervised(_) => 0.5,
        }
    }
}

/// Mean and spread of each feature over the rows a model was fitted on: the reference an
/// explanation measures a record against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
}

impl Profile {
    /// Mean and standard deviation per feature (a floor of 0.05 keeps a constant feature from
    /// dividing by zero; for 0/1 features that is "rarer than 1 in 400").
    pub fn fit(rows: &MatrixView<'_>) -> Self {
        let n = rows.n_features();
        let count = rows.n_rows().max(1) as f64;
        let mut means = vec![0.0; n];
        for row in rows.iter_rows() {
            for (m, &v) in means.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        means.iter_mut().for_each(|m| *m /= count);
        let mut scales = vec![0.0; n];
        for row in rows.iter_rows() {
            for ((s, &v), m) in scales.iter_mut().zip(row).zip(&means) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        scales
            .iter_mut()
            .for_each(|s| *s = (*s / count).sqrt().max(0.05));
        Profile { means, scales }
    }

    fn is_valid_for(&self, n: usize) -> bool {
        self.means.len() == n
            && self.scales.len() == n
            && self.means.iter().all(|m| m.is_finite())
            && self.scales.iter().all(|s| s.is_finite() && *s > 0.0)
    }
}

/// Maps a raw score so that `threshold` becomes 0.5, monotonically, within `[0, 1]`.
pub fn remap_score(raw: f64, threshold: f64) -> f64 {
    let raw = if raw.is_nan() {
        0.0
    } else {
        raw.clamp(0.0, 1.0)
    };
    if raw >= threshold {
        if threshold >= 1.0 {
            0.5
        } else {
            0.5 + 0.5 * (raw - threshold) / (1.0 - threshold)
        }
    } else {
        // raw < threshold, so threshold > 0.
        0.5 * (raw / threshold)
    }
}

/// A trained anomaly model. Immutable; scoring is thread-safe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnomalyModel {
    schema: FeatureSchema,
    detector: Detector,
    /// Raw score that maps to 0.5.
    threshold: f64,
    profile: Profile,
    /// How it was trained (JSON); stored in the readable header, not in the payload.
    #[serde(skip)]
    metadata: serde_json::Value,
}

/// One record's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Calibrated score in [0, 1]; `>= 0.5` is an attack.
    pub score: f64,
    pub attack: bool,
}

impl AnomalyModel {
    pub(crate) fn new(
        schema: FeatureSchema,
        detector: Detector,
        threshold: f64,
        profile: Profile,
        metadata: serde_json::Value,
    ) -> Result<Self, PipelineError> {
        let model = AnomalyModel {
            schema,
            detector,
            threshold,
            profile,
            metadata,
        };
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), PipelineError> {
        self.schema.check()?;
        let n = self.schema.n_features();
        if self.detector.n_features() != n {
            return Err(PipelineError::InvalidModel(format!(
                "the detector has {} features, the schema {n}",
                self.detector.n_features()
            )));
        }
        if !self.profile.is_valid_for(n) {
            return Err(PipelineError::InvalidModel(
                "training profile does not match the schema".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(PipelineError::InvalidModel(format!(
                "threshold {} is outside [0, 1]",
                self.threshold
            )));
        }
        Ok(())
    }

    pub fn kind(&self) -> TableKind {
        self.schema.kind
    }

    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    pub fn algorithm(&self) -> Algorithm {
        self.detector.algorithm()
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// The raw-score threshold that maps to 0.5.
    pub fn raw_threshold(&self) -> f64 {
        self.threshold
    }

    /// Training metadata (JSON), as stored in the file header.
    pub fn metadata(&self) -> &serde_json::Value {
        &self.metadata
    }

    /// The feature matrix of `records`; refuses records of another kind than the model's.
    pub fn features<R: FeatureRecord>(&self, records: &[&R]) -> Result<Matrix, PipelineError> {
        self.schema.matrix(records)
    }

    /// Calibrated scores (threshold = 0.5) of feature rows.
    pub fn score_matrix(&self, rows: &MatrixView<'_>) -> Result<Vec<Scored>, PipelineError> {
        Ok(self
            .detector
            .raw_scores(rows)?
            .into_iter()
            .map(|raw| {
                let score = remap_score(raw, self.threshold);
                Scored {
                    score,
                    attack: score >= 0.5,
                }
            })
            .collect())
    }

    /// Calibrated scores of records (refuses records of another kind).
    pub fn score_records<R: FeatureRecord>(
        &self,
        records: &[&R],
    ) -> Result<Vec<Scored>, PipelineError> {
        let matrix = self.features(records)?;
        self.score_matrix(&matrix.view())
    }

    /// Why a row is unusual: up to `limit` features, most unusual first. Supervised models name
    /// the features whose splits pushed the score up most; unsupervised ones the features
    /// furthest from the training profile (numbers in standard deviations, categories and
    /// flags by how rare they were in training).
    pub fn explain(&self, row: &[f32], limit: usize) -> Vec<String> {
        let features = &self.schema.features;
        if row.len() != features.len() {
            return Vec::new();
        }
        let mut ranked: Vec<(f64, usize)> = match &self.detector {
            Detector::Supervised(trees) => trees
                .contributions(row)
                .into_iter()
                .enumerate()
                .filter(|&(_, c)| c > 0.05)
                .map(|(i, c)| (c, i))
                .collect(),
            _ => row
                .iter()
                .enumerate()
                .filter_map(|(i, &v)| {
                    let z = (f64::from(v) - self.profile.means[i]) / self.profile.scales[i];
                    let indicator = features[i].transform == Transform::Indicator;
                    // An absent flag or category is not what makes a record unusual.
                    let relevant = if indicator { v > 0.5 && z > 0.0 } else { true };
                    (relevant && z.abs() >= UNUSUAL_DEVIATIONS).then_some((z.abs(), i))
                })
                .collect(),
        };
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(weight, i)| self.describe(i, f64::from(row[i]), weight))
            .collect()
    }

    fn describe(&self, feature: usize, value: f64, weight: f64) -> String {
        let spec = &self.schema.features[feature];
        let mean = self.profile.means[feature];
        let supervised = self.algorithm().is_supervised();
        let what = if spec.transform == Transform::Indicator {
            let shown = if spec.name.contains('=') || spec.name.contains(':') {
                spec.name.clone()
            } else {
                format!("{}={}", spec.name, value.round())
            };
            if shown.ends_with("=other") {
                format!("{shown}: a value not seen in training")
            } else if mean <= 0.0 {
                format!("{shown} (in none of the training rows)")
            } else {
                format!("{shown} (in {:.1}% of the training rows)", 100.0 * mean)
            }
        } else {
            let raw = spec.transform.invert(value);
            let typical = spec.transform.invert(mean);
            let z = (value - mean) / self.profile.scales[feature];
            format!(
                "{}={} ({z:+.1} sd from the training mean {})",
                spec.name,
                round_for_display(raw),
                round_for_display(typical)
            )
        };
        if supervised {
            format!("{what}; +{weight:.2} log-odds")
        } else {
            what
        }
    }

    /// The readable file header: kind, feature schema, training metadata.
    pub fn header(&self) -> ModelHeader {
        ModelHeader {
            kind: self.schema.kind.model_kind().to_string(),
            schema: serde_json::to_value(&self.schema).unwrap_or_default(),
            metadata: serde_json::json!({
                "algorithm": self.algorithm().name(),
                "raw_threshold": self.threshold,
                "training": self.metadata,
                "goshawk_version": env!("CARGO_PKG_VERSION"),
            }),
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, PipelineError> {
        Ok(goshawk_model::to_bytes(&self.header(), self)?)
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), PipelineError> {
        Ok(goshawk_model::write(path, &self.header(), self)?)
    }

    /// Loads an anomaly model of any kind (`anomaly-sessions`, `anomaly-iot`, `anomaly-zeek`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PipelineError> {
        let header = goshawk_model::peek_header(bytes)?;
        let Some(kind) = TableKind::from_model_kind(&header.kind) else {
            return Err(ModelFileError::WrongKind {
                expected: "anomaly-sessions, anomaly-iot or anomaly-zeek".into(),
                found: header.kind,
            }
            .into());
        };
        let (header, mut model): (ModelHeader, AnomalyModel) =
            goshawk_model::from_bytes(bytes, Some(kind.model_kind()))?;
        if model.schema.kind != kind {
            return Err(PipelineError::InvalidModel(format!(
                "header says {}, payload holds a {} schema",
                header.kind, model.schema.kind
            )));
        }
        model.check()?;
        model.metadata = header.metadata["training"].clone();
        Ok(model)
    }

    pub fn load(path: &std::path::Path) -> Result<Self, PipelineError> {
        Self::from_bytes(&goshawk_model::read_bytes(path)?)
    }
}

fn round_for_display(value: f64) -> String {
    if value.abs() >= 100.0 || value.fract() == 0.0 {
        format!("{}", value.round())
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remap_puts_the_threshold_at_one_half_and_keeps_order() {
        for threshold in [0.0, 0.2, 0.5, 0.73, 1.0] {
            assert_eq!(remap_score(threshold, threshold), 0.5, "{threshold}");
            let mut previous = -1.0;
            for i in 0..=100 {
                let raw = f64::from(i) / 100.0;
                let s = remap_score(raw, threshold);
                assert!((0.0..=1.0).contains(&s));
                assert!(s >= previous, "monotone at {raw} for {threshold}");
                assert_eq!(s >= 0.5, raw >= threshold, "{raw} vs {threshold}");
                previous = s;
            }
        }
        assert_eq!(remap_score(f64::NAN, 0.4), 0.0);
    }

    #[test]
    fn display_rounding() {
        assert_eq!(round_for_display(3.0), "3");
        assert_eq!(round_for_display(0.30156), "0.302");
        assert_eq!(round_for_display(1557.99), "1558");
    }
}
