//! The input type of every model: a dense row-major matrix of finite `f32` values. Checking shape
//! and finiteness once, when the view is made, lets the fit and score loops run without checks and
//! without ever copying the caller's (possibly million-row) buffer.

use crate::error::AnomalyError;

/// A borrowed, validated, row-major matrix: `n_rows × n_features` finite `f32` values.
#[derive(Debug, Clone, Copy)]
pub struct MatrixView<'a> {
    values: &'a [f32],
    n_rows: usize,
    n_features: usize,
}

impl<'a> MatrixView<'a> {
    /// Wraps `values` (row after row, `n_features` per row). Refuses a ragged buffer, zero features
    /// and any NaN or infinity. Zero rows is a valid (empty) matrix.
    pub fn new(values: &'a [f32], n_features: usize) -> Result<Self, AnomalyError> {
        if n_features == 0 {
            return Err(AnomalyError::NoFeatures);
        }
        if !values.len().is_multiple_of(n_features) {
            return Err(AnomalyError::RaggedMatrix {
                len: values.len(),
                n_features,
            });
        }
        // A branch-free fold per chunk keeps this scan vectorised (a million-row matrix is checked in
        // milliseconds); the exact position is only searched for once a bad value is known to exist.
        let all_finite = values
            .chunks(4096)
            .all(|chunk| chunk.iter().fold(true, |finite, v| finite & v.is_finite()));
        if !all_finite {
            if let Some(position) = values.iter().position(|v| !v.is_finite()) {
                return Err(AnomalyError::NonFiniteValue {
                    row: position / n_features,
                    feature: position % n_features,
                    value: f64::from(values[position]),
                });
            }
        }
        Ok(Self {
            values,
            n_rows: values.len() / n_features,
            n_features,
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// True when the matrix has no rows.
    pub fn is_empty(&self) -> bool {
        self.n_rows == 0
    }

    /// All values, row-major.
    pub fn values(&self) -> &'a [f32] {
        self.values
    }

    /// Row `index`; panics when out of range, like slice indexing (callers index rows they counted).
    pub fn row(&self, index: usize) -> &'a [f32] {
        let start = index * self.n_features;
        &self.values[start..start + self.n_features]
    }

    /// Rows `start..end` as a matrix of their own.
    pub fn rows(&self, start: usize, end: usize) -> MatrixView<'a> {
        MatrixView {
            values: &self.values[start * self.n_features..end * self.n_features],
            n_rows: end - start,
            n_features: self.n_features,
        }
    }

    /// Iterates over the rows in order.
    pub fn iter_rows(&self) -> std::slice::ChunksExact<'a, f32> {
        self.values.chunks_exact(self.n_features)
    }
}

/// An owned, validated matrix, for callers whose data is `f64` or not already in one flat buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    values: Vec<f32>,
    n_features: usize,
}

impl Matrix {
    /// Takes ownership of row-major `f32` values; same checks as [`MatrixView::new`].
    pub fn from_f32(values: Vec<f32>, n_features: usize) -> Result<Self, AnomalyError> {
        MatrixView::new(&values, n_features)?;
        Ok(Self { values, n_features })
    }

    /// Converts row-major `f64` values to `f32`; refuses non-finite values and values beyond the
    /// `f32` range (which would otherwise silently become infinities).
    pub fn from_f64(values: &[f64], n_features: usize) -> Result<Self, AnomalyError> {
        if n_features == 0 {
            return Err(AnomalyError::NoFeatures);
        }
        if !values.len().is_multiple_of(n_features) {
            return Err(AnomalyError::RaggedMatrix {
                len: values.len(),
                n_features,
            });
        }
        let mut converted = Vec::with_capacity(values.len());
        for (position, &value) in values.iter().enumerate() {
            let (row, feature) = (position / n_features, position % n_features);
            if !value.is_finite() {
                return Err(AnomalyError::NonFiniteValue {
                    row,
                    feature,
                    value,
                });
            }
            let narrowed = value as f32;
            if !narrowed.is_finite() {
                return Err(AnomalyError::ValueOutOfRange {
                    row,
                    feature,
                    value,
                });
            }
            converted.push(narrowed);
        }
        Ok(Self {
            values: converted,
            n_features,
        })
    }

    /// Builds a matrix from rows of equal length.
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R]) -> Result<Self, AnomalyError> {
        let n_features = rows.first().map_or(0, |row| row.as_ref().len());
        let mut values = Vec::with_capacity(rows.len() * n_features);
        for row in rows {
            let row = row.as_ref();
            if row.len() != n_features {
                return Err(AnomalyError::RaggedMatrix {
                    len: values.len() + row.len(),
                    n_features,
                });
            }
            values.extend_from_slice(row);
        }
        Self::from_f32(values, n_features)
    }

    /// A borrowed view (already validated, so this cannot fail).
    pub fn view(&self) -> MatrixView<'_> {
        MatrixView {
            values: &self.values,
            n_rows: self.values.len() / self.n_features,
            n_features: self.n_features,
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.len() / self.n_features
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_reports_shape_and_rows() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let view = MatrixView::new(&values, 3).expect("valid matrix");
        assert_eq!((view.n_rows(), view.n_features()), (2, 3));
        assert_eq!(view.row(1), &[4.0, 5.0, 6.0]);
        assert_eq!(view.rows(1, 2).row(0), &[4.0, 5.0, 6.0]);
    }

    #[test]
    fn view_refuses_nan_with_its_position() {
        let values = [1.0, 2.0, 3.0, f32::NAN];
        let error = MatrixView::new(&values, 2).unwrap_err();
        assert!(matches!(
            error,
            AnomalyError::NonFiniteValue {
                row: 1,
                feature: 1,
                ..
            }
        ));
    }

    #[test]
    fn view_refuses_ragged_and_featureless_buffers() {
        assert_eq!(
            MatrixView::new(&[1.0, 2.0, 3.0], 2).unwrap_err(),
            AnomalyError::RaggedMatrix {
                len: 3,
                n_features: 2
            }
        );
        assert_eq!(
            MatrixView::new(&[], 0).unwrap_err(),
            AnomalyError::NoFeatures
        );
    }

    #[test]
    fn from_f64_refuses_values_beyond_f32() {
        let error = Matrix::from_f64(&[1.0, 1e300], 2).unwrap_err();
        assert!(matches!(
            error,
            AnomalyError::ValueOutOfRange { feature: 1, .. }
        ));
        let matrix = Matrix::from_f64(&[1.5, -2.0], 1).expect("finite values");
        assert_eq!(matrix.view().values(), &[1.5, -2.0]);
    }

    #[test]
    fn from_rows_refuses_rows_of_unequal_length() {
        let rows: Vec<Vec<f32>> = vec![vec![1.0, 2.0], vec![3.0]];
        assert!(matches!(
            Matrix::from_rows(&rows),
            Err(AnomalyError::RaggedMatrix { .. })
        ));
    }
}
