//! Sparse linear learners: binary logistic regression and a softmax head for attack types, trained
//! with AdaGrad SGD over compressed sparse rows.
//!
//! Why our own instead of linfa-logistic: linfa's solvers take dense matrices, and a request has a
//! few hundred active features out of 2^18 hashed n-gram buckets. A dense matrix of the CSIC
//! training set would be 66k × 262k floats; the sparse form is a few hundred MB less and trains in
//! seconds.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Rows of sparse feature vectors, stored contiguously (CSR).
#[derive(Debug, Default, Clone)]
pub struct SparseRows {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl SparseRows {
    pub fn new() -> Self {
        SparseRows {
            indptr: vec![0],
            ..Default::default()
        }
    }

    /// Appends one row given as (index, value) pairs; duplicate indices are summed.
    pub fn push(&mut self, pairs: &mut [(u32, f32)]) {
        pairs.sort_unstable_by_key(|p| p.0);
        let mut last: Option<u32> = None;
        for &(i, v) in pairs.iter() {
            if last == Some(i) {
                *self.values.last_mut().expect("a value was pushed") += v;
            } else {
                self.indices.push(i);
                self.values.push(v);
                last = Some(i);
            }
        }
        self.indptr.push(self.indices.len());
    }

    pub fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// Training parameters shared by both learners.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SgdParams {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty, applied to the weights a row touches (lazy regularisation).
    pub l2: f32,
    pub seed: u64,
}

impl Default for SgdParams {
    fn default() -> Self {
        SgdParams {
            epochs: 8,
            learning_rate: 0.3,
            l2: 1e-6,
            seed: 42,
        }
    }
}

fn shuffled_order(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

/// A fitted binary logistic regression.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogisticModel {
    pub weights: Vec<f32>,
    pub bias: f32,
}

impl LogisticModel {
    /// Fits weights for `dim` features; classes are weighted so both count equally.
    pub fn fit(rows: &SparseRows, labels: &[bool], dim: usize, params: &SgdParams) -> Self {
        assert_eq!(rows.len(), labels.len(), "one label per row");
        let positives = labels.iter().filter(|&&l| l).count().max(1) as f32;
        let negatives = (labels.len() as f32 - positives).max(1.0);
        let total = labels.len() as f32;
        let (w_pos, w_neg) = (total / (2.0 * positives), total / (2.0 * negatives));

        let mut weights = vec![0f32; dim];
        let mut grad_sq = vec![1e-6f32; dim];
        let mut bias = 0f32;
        let mut bias_sq = 1e-6f32;
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        for _ in 0..params.epochs {
            for r in shuffled_order(rows.len(), &mut rng) {
                let (idx, val) = rows.row(r);
                let margin = bias + dot(&weights, idx, val);
                let p = sigmoid(margin);
                let y = if labels[r] { 1.0 } else { 0.0 };
                let g = (p - y) * if labels[r] { w_pos } else { w_neg };
                for (&i, &v) in idx.iter().zip(val) {
                    let i = i as usize;
                    let gi = g * v + params.l2 * weights[i];
                    grad_sq[i] += gi * gi;
                    weights[i] -= params.learning_rate * gi / grad_sq[i].sqrt();
                }
                bias_sq += g * g;
                bias -= params.learning_rate * g / bias_sq.sqrt();
            }
        }
        LogisticModel { weights, bias }
    }

    /// Probability of the positive class.
    pub fn predict(&self, idx: &[u32], val: &[f32]) -> f32 {
        sigmoid(self.bias + dot(&self.weights, idx, val))
    }
}

/// Classes a feature-major row holds (16 × f32 = one 64-byte cache line); heads with more
/// classes use the class-major weights.
pub const CLASS_LANES: usize = 16;

/// A fitted multinomial (softmax) classifier, used for the attack type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftmaxModel {
    pub classes: Vec<String>,
    /// `dim` weights per class, class-major.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub dim: usize,
    /// The same weights feature-major (`dim` rows of one weight per class), built on demand by
    /// [`SoftmaxModel::index_by_feature`]: a request's few hundred features then each read one
    /// cache line instead of one per class.
    #[serde(skip)]
    by_feature: Vec<f32>,
}

impl SoftmaxModel {
    /// Fits a softmax over `classes`; `targets[r]` is the class index of row `r`. Feature indices
    /// are folded into `dim` buckets (`i % dim`) so the head can be smaller than the main model.
    pub fn fit(
        rows: &SparseRows,
        targets: &[usize],
        classes: Vec<String>,
        dim: usize,
        params: &SgdParams,
    ) -> Self {
        let k = classes.len();
        let mut weights = vec![0f32; k * dim];
        let mut grad_sq = vec![1e-6f32; k * dim];
        let mut bias = vec![0f32; k];
        let mut bias_sq = vec![1e-6f32; k];
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed ^ 0x5eed);
        let mut probs = vec![0f32; k];
        let mut folded: Vec<u32> = Vec::new();
        for _ in 0..params.epochs {
            for r in shuffled_order(rows.len(), &mut rng) {
                let (idx, val) = rows.row(r);
                folded.clear();
                folded.extend(idx.iter().map(|&i| i % dim as u32));
                softmax_scores(&weights, &bias, dim, &folded, val, &mut probs);
                for c in 0..k {
                    let g = probs[c] - if targets[r] == c { 1.0 } else { 0.0 };
                    let base = c * dim;
                    for (&i, &v) in folded.iter().zip(val) {
                        let j = base + i as usize;
                        let gi = g * v + params.l2 * weights[j];
                        grad_sq[j] += gi * gi;
                        weights[j] -= params.learning_rate * gi / grad_sq[j].sqrt();
                    }
                    bias_sq[c] += g * g;
                    bias[c] -= params.learning_rate * g / bias_sq[c].sqrt();
                }
            }
        }
        let mut model = SoftmaxModel {
            classes,
            weights,
            bias,
            dim,
            by_feature: Vec::new(),
        };
        model.index_by_feature();
        model
    }

    /// Builds the feature-major copy of the weights [`SoftmaxModel::best_class`] reads (after
    /// loading a model; `fit` does it itself). Rows are padded to [`CLASS_LANES`] classes so a
    /// row is one 64-byte line and the per-feature update is one vector add.
    pub fn index_by_feature(&mut self) {
        let k = self.classes.len();
        if k > CLASS_LANES || self.weights.len() != k * self.dim {
            self.by_feature = Vec::new();
            return;
        }
        let mut t = vec![0f32; self.dim * CLASS_LANES];
        for c in 0..k {
            for i in 0..self.dim {
                t[i * CLASS_LANES + c] = self.weights[c * self.dim + i];
            }
        }
        self.by_feature = t;
    }

    /// The most likely class of a row given as groups of indices sharing one value, plus
    /// `(index, value)` pairs: what [`SoftmaxModel::predict`] returns first, without allocating
    /// or normalising (up to float rounding: a group's weights are summed before the value
    /// multiplies them).
    ///
    /// Measured with the built-in model (13 classes) on flagged CSIC requests: the class-major
    /// `predict` was 18 % of a whole `goshawk scan` (cpu-clock samples); this reads one padded
    /// row per feature — 53k → see the benchmark README for instructions per flagged request.
    pub fn best_class(
        &self,
        groups: &[(&[u32], f32)],
        pairs: impl Iterator<Item = (u32, f32)>,
    ) -> Option<&str> {
        let k = self.classes.len();
        if k == 0 {
            return None;
        }
        let dim = self.dim as u32;
        let mut scores = vec![0f32; k];
        if self.by_feature.len() == self.dim * CLASS_LANES {
            let row = |i: u32| -> &[f32; CLASS_LANES] {
                let at = (i % dim) as usize * CLASS_LANES;
                self.by_feature[at..at + CLASS_LANES]
                    .try_into()
                    .expect("rows are CLASS_LANES long")
            };
            let mut total = [0f32; CLASS_LANES];
            for &(indices, value) in groups {
                let mut sum = [0f32; CLASS_LANES];
                for &i in indices {
                    let r = row(i);
                    for c in 0..CLASS_LANES {
                        sum[c] += r[c];
                    }
                }
                for c in 0..CLASS_LANES {
                    total[c] += sum[c] * value;
                }
            }
            for (i, v) in pairs {
                let r = row(i);
                for c in 0..CLASS_LANES {
                    total[c] += r[c] * v;
                }
            }
            scores.copy_from_slice(&total[..k]);
        } else {
            let all = groups
                .iter()
                .flat_map(|&(indices, v)| indices.iter().map(move |&i| (i, v)));
            for (i, v) in all.chain(pairs) {
                let i = (i % dim) as usize;
                for (c, s) in scores.iter_mut().enumerate() {
                    *s += self.weights.get(c * self.dim + i).copied().unwrap_or(0.0) * v;
                }
            }
        }
        let mut best = (0, f32::MIN);
        for (c, (s, b)) in scores.iter().zip(&self.bias).enumerate() {
            let total = b + s;
            if total > best.1 {
                best = (c, total);
            }
        }
        Some(self.classes[best.0].as_str())
    }

    /// The most likely class and its probability.
    pub fn predict(&self, idx: &[u32], val: &[f32]) -> Option<(&str, f32)> {
        if self.classes.is_empty() {
            return None;
        }
        let folded: Vec<u32> = idx.iter().map(|&i| i % self.dim as u32).collect();
        let mut probs = vec![0f32; self.classes.len()];
        softmax_scores(
            &self.weights,
            &self.bias,
            self.dim,
            &folded,
            val,
            &mut probs,
        );
        let (best, p) =
            probs.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc },
            );
        Some((self.classes[best].as_str(), p))
    }
}

fn softmax_scores(w: &[f32], b: &[f32], dim: usize, idx: &[u32], val: &[f32], out: &mut [f32]) {
    for (c, o) in out.iter_mut().enumerate() {
        *o = b[c] + dot(&w[c * dim..(c + 1) * dim], idx, val);
    }
    let max = out.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

#[inline]
pub fn dot(weights: &[f32], idx: &[u32], val: &[f32]) -> f32 {
    idx.iter()
        .zip(val)
        .map(|(&i, &v)| weights.get(i as usize).copied().unwrap_or(0.0) * v)
        .sum()
}

#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (SparseRows, Vec<bool>) {
        // Feature 0 marks positives, feature 1 negatives, feature 2 is noise in both.
        let mut rows = SparseRows::new();
        let mut labels = Vec::new();
        for i in 0..200 {
            let pos = i % 3 == 0;
            let mut pairs = vec![(if pos { 0 } else { 1 }, 1.0), (2, 0.5)];
            rows.push(&mut pairs);
            labels.push(pos);
        }
        (rows, labels)
    }

    #[test]
    fn logistic_separates_a_separable_problem() {
        let (rows, labels) = toy();
        let m = LogisticModel::fit(&rows, &labels, 3, &SgdParams::default());
        assert!(m.predict(&[0, 2], &[1.0, 0.5]) > 0.9);
        assert!(m.predict(&[1, 2], &[1.0, 0.5]) < 0.1);
    }

    #[test]
    fn training_is_reproducible_for_a_seed() {
        let (rows, labels) = toy();
        let a = LogisticModel::fit(&rows, &labels, 3, &SgdParams::default());
        let b = LogisticModel::fit(&rows, &labels, 3, &SgdParams::default());
        assert_eq!(a.weights, b.weights);
    }

    #[test]
    fn duplicate_indices_are_summed() {
        let mut rows = SparseRows::new();
        rows.push(&mut [(5, 1.0), (2, 1.0), (5, 2.0)]);
        assert_eq!(rows.row(0), (&[2u32, 5][..], &[1.0f32, 3.0][..]));
    }

    #[test]
    fn softmax_learns_three_classes() {
        let mut rows = SparseRows::new();
        let mut targets = Vec::new();
        for i in 0..300 {
            let c = i % 3;
            rows.push(&mut [(c as u32, 1.0), (10, 1.0)]);
            targets.push(c);
        }
        let m = SoftmaxModel::fit(
            &rows,
            &targets,
            vec!["a".into(), "b".into(), "c".into()],
            16,
            &SgdParams::default(),
        );
        assert_eq!(m.predict(&[1, 10], &[1.0, 1.0]).unwrap().0, "b");
        assert_eq!(m.predict(&[2, 10], &[1.0, 1.0]).unwrap().0, "c");
    }

    #[test]
    fn best_class_agrees_with_predict_with_and_without_the_index() {
        let mut rows = SparseRows::new();
        let mut targets = Vec::new();
        for i in 0..300u32 {
            let c = (i % 3) as usize;
            rows.push(&mut [(c as u32 * 7 + i % 5, 1.0), (40 + i % 11, 0.5)]);
            targets.push(c);
        }
        let classes = vec!["a".into(), "b".into(), "c".into()];
        let mut m = SoftmaxModel::fit(&rows, &targets, classes, 16, &SgdParams::default());
        let check = |m: &SoftmaxModel| {
            for r in 0..rows.len() {
                let (idx, val) = rows.row(r);
                let expected = m.predict(idx, val).map(|p| p.0);
                let pairs = idx.iter().copied().zip(val.iter().copied());
                assert_eq!(m.best_class(&[], pairs), expected);
                // The same row with its first index given as a group.
                let rest = idx[1..].iter().copied().zip(val[1..].iter().copied());
                assert_eq!(m.best_class(&[(&idx[..1], val[0])], rest), expected);
            }
        };
        check(&m);
        m.by_feature.clear(); // as deserialised, before `index_by_feature`
        check(&m);
    }
}
