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

/// A fitted multinomial (softmax) classifier, used for the attack type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftmaxModel {
    pub classes: Vec<String>,
    /// `dim` weights per class, class-major.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub dim: usize,
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
        SoftmaxModel {
            classes,
            weights,
            bias,
            dim,
        }
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
}
