//! Anomaly models for tabular security data (network sessions, Zeek conn logs, IoT telemetry):
//! Isolation Forest in production, Local Outlier Factor and One-Class SVM for comparison.
//!
//! Every model follows the same shape: a plain parameter struct whose `fit` checks the parameters
//! and returns an immutable fitted model (serde plain data, stored with postcard in goshawk model
//! files), whose `score` maps rows to anomaly scores in `[0, 1]`, higher = more anomalous, monotone
//! in the underlying algorithm's own score so a threshold can be calibrated later. Inputs are
//! row-major `f32` matrices ([`MatrixView`]), checked once for shape and finiteness.

pub mod error;
pub mod iforest;
mod kdtree;
pub mod lof;
pub mod matrix;
pub mod ocsvm;
pub mod pipeline;
pub mod standardize;

pub use error::AnomalyError;
pub use iforest::{IsolationForest, IsolationForestParams};
pub use lof::{LocalOutlierFactor, LocalOutlierFactorParams};
pub use matrix::{Matrix, MatrixView};
pub use ocsvm::{Gamma, OneClassSvm, OneClassSvmParams};
pub use standardize::Standardizer;

/// What every fitted anomaly model offers.
pub trait AnomalyDetector {
    /// Anomaly score of each row, in `[0, 1]`, higher = more anomalous.
    fn score(&self, rows: &MatrixView<'_>) -> Result<Vec<f64>, AnomalyError>;

    /// The score above which a row is called anomalous by default (the algorithm's own default
    /// cut-off as scikit-learn uses it); calibration on labelled data may pick another.
    fn decision_threshold(&self) -> f64;

    /// Number of features the model was fitted on.
    fn n_features(&self) -> usize;

    /// `score > decision_threshold()` for each row.
    fn flag(&self, rows: &MatrixView<'_>) -> Result<Vec<bool>, AnomalyError> {
        let threshold = self.decision_threshold();
        Ok(self
            .score(rows)?
            .into_iter()
            .map(|score| score > threshold)
            .collect())
    }
}
