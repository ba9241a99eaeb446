//! The anomaly pipeline for tabular security data: records of one kind (network sessions, IoT
//! telemetry, Zeek connections) → features → a trained, calibrated model → a score, a verdict and
//! the features that made a record unusual. It exists so that the command line, and later the
//! engine, train and score sessions, IoT and Zeek data the same way, whatever model was chosen.
//!
//! - [`features`]: the per-kind feature definitions and the learnt [`FeatureSchema`];
//! - [`train`]: candidates (Isolation Forest, LOF, One-Class SVM, supervised boosted trees),
//!   calibration of the threshold on a labelled slice, the `auto` choice;
//! - [`model`]: the stored [`AnomalyModel`] — scoring with the threshold at 0.5, explanations,
//!   the model file;
//! - [`gbt`]: the supervised gradient-boosted trees.

pub mod features;
pub mod gbt;
pub mod model;
pub mod train;

pub use features::{FeatureRecord, FeatureSchema, FeatureSpec, TableKind, Transform};
pub use gbt::{BoostedTrees, BoostingParams};
pub use model::{
    remap_score, Algorithm, AnomalyModel, Detector, Profile, Scored, EXPLANATION_ITEMS,
};
pub use train::{
    fit_with_schema, train, Calibration, CandidateReport, FitOn, TrainOptions, TrainingReport,
    DEFAULT_CALIBRATE_FRACTION,
};

use goshawk_model::ModelFileError;

use crate::error::AnomalyError;

/// Why training, loading or scoring through the pipeline failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Model(#[from] AnomalyError),
    #[error(transparent)]
    File(#[from] ModelFileError),
    #[error("this model was trained on {model} records, but the data holds {data} records")]
    WrongKind { model: TableKind, data: TableKind },
    #[error("no valid rows to train on (at least 2 are needed, got {0})")]
    TooFewRows(usize),
    #[error(
        "--fit-on normal needs rows labelled normal (0, false, normal, benign, background) in \
         the training data, and there are none"
    )]
    NoNormalRows,
    #[error("{0}")]
    NeedLabels(String),
    #[error("calibration fraction {0} is outside [0, 1)")]
    InvalidFraction(f64),
    #[error("gradient boosting: {0}")]
    Boosting(String),
    #[error("calibration: {0}")]
    Metrics(String),
    #[error("invalid model: {0}")]
    InvalidModel(String),
}
