//! Per-feature standardisation (subtract the mean, divide by the standard deviation), learnt on the
//! training rows and stored in the model. Distance- and kernel-based models (LOF, One-Class SVM)
//! need it so that a feature counted in bytes does not drown one counted in logins; Isolation
//! Forest, which splits one feature at a time, does not.

use serde::{Deserialize, Serialize};

use crate::error::AnomalyError;
use crate::matrix::MatrixView;

/// Largest magnitude of a standardised value: 1e15 standard deviations is "infinitely far" for
/// every model, and 1e30 per squared feature leaves room for 10^8 features below `f32::MAX`.
pub const STANDARDIZED_LIMIT: f64 = 1e15;

/// Means and scales of each feature, as scikit-learn's `StandardScaler` computes them (population
/// standard deviation; a constant feature keeps scale 1 so it maps to 0 instead of dividing by 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    means: Vec<f64>,
    scales: Vec<f64>,
}

impl Standardizer {
    /// Learns the mean and scale of every feature of `data` (at least one row).
    pub fn fit(data: &MatrixView<'_>) -> Result<Self, AnomalyError> {
        if data.is_empty() {
            return Err(AnomalyError::TooFewRows { needed: 1, got: 0 });
        }
        let n_features = data.n_features();
        let n_rows = data.n_rows() as f64;
        let mut means = vec![0.0; n_features];
        for row in data.iter_rows() {
            for (mean, &value) in means.iter_mut().zip(row) {
                *mean += f64::from(value);
            }
        }
        means.iter_mut().for_each(|mean| *mean /= n_rows);
        // Two passes (mean, then squared deviations) keep the variance exact for large offsets.
        let mut variances = vec![0.0; n_features];
        for row in data.iter_rows() {
            for ((variance, &value), mean) in variances.iter_mut().zip(row).zip(&means) {
                let deviation = f64::from(value) - mean;
                *variance += deviation * deviation;
            }
        }
        let scales = variances
            .iter()
            .map(|variance| {
                let scale = (variance / n_rows).sqrt();
                if scale > f64::EPSILON * 10.0 {
                    scale
                } else {
                    1.0
                }
            })
            .collect();
        Ok(Self { means, scales })
    }

    /// A standardizer that leaves `n_features` features unchanged.
    pub fn identity(n_features: usize) -> Self {
        Self {
            means: vec![0.0; n_features],
            scales: vec![1.0; n_features],
        }
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.means.len()
    }

    /// Standardised copy of `data`, row-major. Values are clipped to ±[`STANDARDIZED_LIMIT`] so that
    /// squared distances over any realistic number of features stay finite in `f32`.
    pub fn transform(&self, data: &MatrixView<'_>) -> Vec<f32> {
        let mut out = Vec::with_capacity(data.values().len());
        for row in data.iter_rows() {
            out.extend(row.iter().zip(self.means.iter().zip(&self.scales)).map(
                |(&value, (mean, scale))| {
                    ((f64::from(value) - mean) / scale)
                        .clamp(-STANDARDIZED_LIMIT, STANDARDIZED_LIMIT) as f32
                },
            ));
        }
        out
    }

    /// Checks a deserialized standardizer: one finite mean and one positive finite scale per feature.
    pub(crate) fn is_valid_for(&self, n_features: usize) -> bool {
        self.means.len() == n_features
            && self.scales.len() == n_features
            && self.means.iter().all(|mean| mean.is_finite())
            && self
                .scales
                .iter()
                .all(|scale| scale.is_finite() && *scale > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardized_features_have_zero_mean_and_unit_variance() {
        let values = [1.0, 10.0, 2.0, 10.0, 3.0, 10.0, 6.0, 10.0];
        let data = MatrixView::new(&values, 2).expect("finite");
        let standardizer = Standardizer::fit(&data).expect("rows");
        let out = standardizer.transform(&data);
        let first: Vec<f64> = out.iter().step_by(2).map(|&v| f64::from(v)).collect();
        let mean = first.iter().sum::<f64>() / 4.0;
        let variance = first.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-6 && (variance - 1.0).abs() < 1e-5);
        // The constant column maps to exactly 0 instead of dividing by zero.
        assert!(out.iter().skip(1).step_by(2).all(|&v| v == 0.0));
    }
}
