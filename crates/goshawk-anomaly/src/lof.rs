//! Local Outlier Factor in novelty mode (Breunig et al. 2000), as scikit-learn's
//! `LocalOutlierFactor(novelty=True)`: a comparison model that flags a row whose neighbourhood is
//! much sparser than its neighbours' neighbourhoods.
//!
//! Fitting standardises the features (unlike scikit-learn, which leaves that to the caller: give it
//! `StandardScaler` output to compare), finds each training point's k nearest other training
//! points with a KD-tree, and keeps every point's k-distance and local reachability density
//! `lrd = 1 / (mean reach-distance + 1e-10)`. Scoring a row finds its k nearest training points;
//! `LOF = mean(lrd of neighbours) / lrd(row)`.
//!
//! Score: `LOF / (1 + LOF)` (the logistic of `ln LOF`): monotone in LOF, in `[0, 1)`, 0.5 at
//! LOF = 1 (as dense as its neighbours). The default threshold 0.6 is LOF = 1.5, scikit-learn's
//! `contamination="auto"` cut-off.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AnomalyError;
use crate::kdtree::{KdTree, Neighbour, SearchScratch};
use crate::matrix::MatrixView;
use crate::standardize::Standardizer;
use crate::AnomalyDetector;

/// scikit-learn's guard against a zero mean reach-distance (duplicated points).
const REACH_DISTANCE_EPSILON: f64 = 1e-10;
/// Rows handed to one rayon task.
const PARALLEL_CHUNK: usize = 256;

/// Hyper-parameters of a [`LocalOutlierFactor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalOutlierFactorParams {
    /// Neighbours per point (scikit-learn's `n_neighbors`), capped at training rows − 1.
    pub n_neighbors: usize,
    /// Standardise features with the training mean and standard deviation before measuring
    /// distances (recommended: raw security features differ in scale by orders of magnitude).
    pub standardize: bool,
}

impl Default for LocalOutlierFactorParams {
    fn default() -> Self {
        Self {
            n_neighbors: 20,
            standardize: true,
        }
    }
}

/// A fitted LOF novelty detector: the (standardised) training points in a KD-tree and, per point,
/// its k-distance and local reachability density.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "LofData", into = "LofData")]
pub struct LocalOutlierFactor {
    standardizer: Standardizer,
    n_neighbors: usize,
    tree: KdTree,
    /// Per point in tree order: distance to its k-th nearest other training point.
    k_distances: Vec<f64>,
    /// Per point in tree order: local reachability density.
    densities: Vec<f64>,
}

/// Serialized form: the tree is rebuilt from the points on load, so a stored model cannot carry an
/// inconsistent tree.
#[derive(Serialize, Deserialize)]
struct LofData {
    standardizer: Standardizer,
    n_neighbors: usize,
    n_features: usize,
    points: Vec<f32>,
    k_distances: Vec<f64>,
    densities: Vec<f64>,
}

impl From<LocalOutlierFactor> for LofData {
    fn from(model: LocalOutlierFactor) -> Self {
        Self {
            n_features: model.standardizer.n_features(),
            standardizer: model.standardizer,
            n_neighbors: model.n_neighbors,
            points: model.tree.points().to_vec(),
            k_distances: model.k_distances,
            densities: model.densities,
        }
    }
}

impl TryFrom<LofData> for LocalOutlierFactor {
    type Error = AnomalyError;

    fn try_from(data: LofData) -> Result<Self, Self::Error> {
        let invalid = AnomalyError::InvalidParameter {
            name: "local outlier factor data",
            reason: "inconsistent sizes or non-finite values".to_owned(),
        };
        if data.n_features == 0 || !data.points.len().is_multiple_of(data.n_features) {
            return Err(invalid);
        }
        let n_points = data.points.len() / data.n_features;
        let consistent = data.standardizer.is_valid_for(data.n_features)
            && n_points >= 2
            && data.n_neighbors >= 1
            && data.n_neighbors < n_points
            && data.k_distances.len() == n_points
            && data.densities.len() == n_points
            && data.points.iter().all(|v| v.is_finite())
            && data.k_distances.iter().all(|d| d.is_finite() && *d >= 0.0)
            && data.densities.iter().all(|d| d.is_finite() && *d > 0.0);
        if !consistent {
            return Err(invalid);
        }
        let (tree, order) = KdTree::build(&data.points, data.n_features);
        let reorder = |values: &[f64]| -> Vec<f64> {
            order.iter().map(|&index| values[index as usize]).collect()
        };
        Ok(Self {
            k_distances: reorder(&data.k_distances),
            densities: reorder(&data.densities),
            standardizer: data.standardizer,
            n_neighbors: data.n_neighbors,
            tree,
        })
    }
}

impl LocalOutlierFactorParams {
    /// Standardises `data`, indexes it and computes every training point's k-distance and density
    /// (neighbour searches in parallel).
    pub fn fit(&self, data: &MatrixView<'_>) -> Result<LocalOutlierFactor, AnomalyError> {
        if self.n_neighbors == 0 {
            return Err(AnomalyError::InvalidParameter {
                name: "n_neighbors",
                reason: "must be at least 1".to_owned(),
            });
        }
        if data.n_rows() < 2 {
            return Err(AnomalyError::TooFewRows {
                needed: 2,
                got: data.n_rows(),
            });
        }
        if data.n_rows() > u32::MAX as usize {
            return Err(AnomalyError::InvalidParameter {
                name: "data",
                reason: "more than 2^32 rows".to_owned(),
            });
        }
        let standardizer = if self.standardize {
            Standardizer::fit(data)?
        } else {
            Standardizer::identity(data.n_features())
        };
        let standardized = standardizer.transform(data);
        let n_features = data.n_features();
        let n_neighbors = self.n_neighbors.min(data.n_rows() - 1);
        let (tree, _) = KdTree::build(&standardized, n_features);

        // Neighbours of each training point among the others: ask for k + 1 and drop the point
        // itself (or, when more than k + 1 duplicates tie at distance 0, the last of them).
        let neighbours: Vec<Vec<Neighbour>> = tree
            .points()
            .par_chunks(PARALLEL_CHUNK * n_features)
            .enumerate()
            .map_init(SearchScratch::default, |scratch, (chunk, points)| {
                let mut neighbours = Vec::with_capacity(points.len() / n_features);
                tree.for_each_nearest(points, n_neighbors + 1, scratch, |offset, found| {
                    let position = chunk * PARALLEL_CHUNK + offset;
                    let mut found = found.to_vec();
                    match found.iter().position(|n| n.position as usize == position) {
                        Some(own) => {
                            found.remove(own);
                        }
                        None => {
                            found.pop();
                        }
                    }
                    neighbours.push(found);
                });
                neighbours
            })
            .flatten()
            .collect();
        let k_distances: Vec<f64> = neighbours
            .iter()
            .map(|found| found.last().map_or(0.0, distance))
            .collect();
        let densities = neighbours
            .par_iter()
            .map(|found| reachability_density(found, &k_distances))
            .collect();
        Ok(LocalOutlierFactor {
            standardizer,
            n_neighbors,
            tree,
            k_distances,
            densities,
        })
    }
}

fn distance(neighbour: &Neighbour) -> f64 {
    f64::from(neighbour.squared_distance).sqrt()
}

/// `1 / (mean over neighbours of max(distance, neighbour's k-distance) + 1e-10)`.
fn reachability_density(neighbours: &[Neighbour], k_distances: &[f64]) -> f64 {
    let total: f64 = neighbours
        .iter()
        .map(|n| distance(n).max(k_distances[n.position as usize]))
        .sum();
    1.0 / (total / neighbours.len() as f64 + REACH_DISTANCE_EPSILON)
}

impl LocalOutlierFactor {
    /// Number of features the model was fitted on.
    pub fn n_features(&self) -> usize {
        self.standardizer.n_features()
    }

    /// Neighbours used per point (after capping at training rows − 1).
    pub fn n_neighbors(&self) -> usize {
        self.n_neighbors
    }

    /// Number of training points kept.
    pub fn n_training_points(&self) -> usize {
        self.tree.len()
    }

    /// The local outlier factor of every row (scikit-learn's `-score_samples`): about 1 for
    /// inliers, larger for outliers.
    pub fn local_outlier_factors(&self, rows: &MatrixView<'_>) -> Result<Vec<f64>, AnomalyError> {
        if rows.n_features() != self.n_features() {
            return Err(AnomalyError::FeatureCountMismatch {
                expected: self.n_features(),
                got: rows.n_features(),
            });
        }
        let standardized = self.standardizer.transform(rows);
        let n_features = self.n_features();
        let mut factors = vec![0.0; rows.n_rows()];
        factors
            .par_chunks_mut(PARALLEL_CHUNK)
            .zip(standardized.par_chunks(PARALLEL_CHUNK * n_features))
            .for_each_init(SearchScratch::default, |scratch, (out, queries)| {
                self.tree
                    .for_each_nearest(queries, self.n_neighbors, scratch, |offset, found| {
                        let density = reachability_density(found, &self.k_distances);
                        let neighbour_density: f64 = found
                            .iter()
                            .map(|n| self.densities[n.position as usize])
                            .sum::<f64>()
                            / found.len() as f64;
                        out[offset] = neighbour_density / density;
                    });
            });
        Ok(factors)
    }

    /// Anomaly score `LOF / (1 + LOF)` of every row, in `[0, 1)`, higher = more anomalous.
    pub fn score(&self, rows: &MatrixView<'_>) -> Result<Vec<f64>, AnomalyError> {
        Ok(self
            .local_outlier_factors(rows)?
            .into_iter()
            .map(|factor| {
                if factor.is_finite() {
                    factor / (1.0 + factor)
                } else {
                    1.0
                }
            })
            .collect())
    }
}

impl AnomalyDetector for LocalOutlierFactor {
    fn score(&self, rows: &MatrixView<'_>) -> Result<Vec<f64>, AnomalyError> {
        LocalOutlierFactor::score(self, rows)
    }

    /// 0.6, i.e. LOF > 1.5: scikit-learn's `contamination="auto"` offset.
    fn decision_threshold(&self) -> f64 {
        0.6
    }

    fn n_features(&self) -> usize {
        LocalOutlierFactor::n_features(self)
    }
}
