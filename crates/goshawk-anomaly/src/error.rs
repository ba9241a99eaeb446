//! The one error type of this crate: every way a fit or a score can be refused, so callers can match
//! on the cause instead of parsing a message, and no bad input ever reaches a panic.

use thiserror::Error;

/// Why a model could not be fitted or a matrix could not be scored.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnomalyError {
    /// A matrix was declared with no features (columns).
    #[error("a matrix needs at least one feature")]
    NoFeatures,
    /// The flat value buffer does not split into whole rows.
    #[error("{len} values do not split into rows of {n_features} features")]
    RaggedMatrix { len: usize, n_features: usize },
    /// A value is NaN or infinite; the models are defined on finite numbers only.
    #[error("non-finite value {value} at row {row}, feature {feature}")]
    NonFiniteValue {
        row: usize,
        feature: usize,
        value: f64,
    },
    /// A value is finite as f64 but overflows f32, the models' storage type.
    #[error("value {value} at row {row}, feature {feature} does not fit in f32")]
    ValueOutOfRange {
        row: usize,
        feature: usize,
        value: f64,
    },
    /// Too few training rows for the model to mean anything.
    #[error("need at least {needed} training rows, got {got}")]
    TooFewRows { needed: usize, got: usize },
    /// Rows to score have a different width than the training data.
    #[error("model was fitted on {expected} features, rows have {got}")]
    FeatureCountMismatch { expected: usize, got: usize },
    /// A hyper-parameter is outside its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    /// More features than the model's compact node layout can index.
    #[error("{got} features exceed the supported maximum of {max}")]
    TooManyFeatures { got: usize, max: usize },
}
