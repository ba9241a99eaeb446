//! The web-attack classifier: a trained, immutable model that scores one request in a few
//! microseconds and says why.
//!
//! Two modes, one file format:
//! - **supervised** — logistic regression on hashed n-grams, parameter shapes and scaled heuristics,
//!   with a softmax head for the attack type, trained on labelled requests;
//! - **one-class** — trained on normal traffic only (how CSIC 2010 was meant to be used: a WAF
//!   rarely has labelled attacks for its own application). It learns which n-grams, paths,
//!   parameters and value shapes the application uses, and scores how far a request strays from
//!   them and how much attack evidence the heuristics see, as tail probabilities measured on a
//!   held-out slice of the normal traffic.
//!
//! Scores are calibrated so that the decision threshold is 0.5 in both modes.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use goshawk_core::{AttackType, Fixed2, HttpRequest};
use goshawk_model::{ModelFileError, ModelHeader};

use crate::features::{
    DenseScaler, FeatureSchema, Featurizer, NoveltyCounter, Scratch, SeenSet, Token, NOVELTY_NAMES,
    N_DENSE, N_MODEL_DENSE, SEEN_BITS,
};
use crate::heuristics::HEURISTIC_NAMES;
use crate::linear::{sigmoid, LogisticModel, SgdParams, SoftmaxModel, SparseRows};

/// Model-file kind of a web model.
pub const MODEL_KIND: &str = "web";
/// Buckets of the attack-type head (hashed indices are folded into these).
const TYPE_HEAD_DIM: usize = 1 << 14;

/// One labelled request for training or evaluation.
#[derive(Debug, Clone)]
pub struct Example {
    pub request: HttpRequest,
    pub label: bool,
    pub attack_type: Option<AttackType>,
}

/// How a web model was trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebMode {
    Supervised,
    OneClass,
}

/// Training parameters, validated by [`WebParams::fit`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebParams {
    pub schema: FeatureSchema,
    pub sgd: SgdParams,
    pub mode: WebMode,
    /// Share of the data held out (stratified) to place the decision threshold.
    pub calibration_fraction: f64,
    /// Highest false-positive rate the decision threshold may have on the calibration slice
    /// (supervised: the best-F1 threshold under this bound; one-class: the tail probability
    /// that flags a request).
    pub target_fpr: f64,
}

impl Default for WebParams {
    fn default() -> Self {
        WebParams {
            schema: FeatureSchema::default(),
            sgd: SgdParams::default(),
            mode: WebMode::Supervised,
            calibration_fraction: 0.1,
            target_fpr: 0.005,
        }
    }
}

/// Why a web model could not be trained or loaded.
#[derive(Debug, thiserror::Error)]
pub enum WebModelError {
    #[error("no training data")]
    Empty,
    #[error("supervised training needs both normal and attack examples ({normal} normal, {attack} attack); use --one-class to train on normal traffic only")]
    OneClassOnly { normal: usize, attack: usize },
    #[error("one-class training needs at least 20 normal examples, got {0}")]
    TooFewNormal(usize),
    #[error("invalid parameter: {0}")]
    Params(String),
    #[error(transparent)]
    File(#[from] ModelFileError),
}

/// The model's opinion of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct WebScore {
    /// Calibrated score in [0, 1]; ≥ 0.5 means attack.
    pub score: f32,
    pub attack: bool,
    pub attack_type: Option<String>,
}

/// The one-class part: how unusual normal traffic itself is, measured on normal requests the
/// seen-set was not built from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormalProfile {
    /// Sorted calibration values of each one-class statistic.
    calibration: Vec<Vec<f32>>,
}

/// A fitted web model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebModel {
    pub mode: WebMode,
    pub schema: FeatureSchema,
    scaler: DenseScaler,
    /// Hashed tokens of the normal training traffic (novelty features).
    seen: SeenSet,
    classifier: Option<LogisticModel>,
    types: Option<SoftmaxModel>,
    profile: Option<NormalProfile>,
    /// Raw score at which the verdict flips; mapped to a calibrated 0.5.
    threshold: f32,
    /// Training summary. Kept in the file's JSON header, not the payload (postcard stores plain
    /// data only), and restored from the header on load.
    #[serde(skip)]
    pub metadata: serde_json::Value,
}

/// Every request of a training set, featurised once.
struct Featurized {
    /// Request dense features; the novelty tail is filled per seen-set by [`Featurized::dense_with`].
    dense: Vec<[f32; N_MODEL_DENSE]>,
    hashed: Vec<Vec<(u32, f32)>>,
    tokens: Vec<Vec<Token>>,
}

impl Featurized {
    fn new(f: &Featurizer, requests: &[&HttpRequest]) -> Self {
        let rows: Vec<_> = requests
            .par_iter()
            .map_init(Scratch::default, |scratch, req| {
                f.prepare(req, scratch);
                let mut tokens = Vec::with_capacity(256);
                f.hashed(scratch, |t| tokens.push(t));
                let h = tokens.iter().map(|t| (t.bucket, t.value)).collect();
                (scratch.dense, h, tokens)
            })
            .collect();
        let mut out = Featurized {
            dense: Vec::with_capacity(rows.len()),
            hashed: Vec::with_capacity(rows.len()),
            tokens: Vec::with_capacity(rows.len()),
        };
        for (d, h, t) in rows {
            out.dense.push(d);
            out.hashed.push(h);
            out.tokens.push(t);
        }
        out
    }

    fn seen_set(&self, rows: impl Iterator<Item = usize>) -> SeenSet {
        let mut seen = SeenSet::new();
        for r in rows {
            for t in &self.tokens[r] {
                seen.insert(t.seen_key);
            }
        }
        seen
    }

    /// Row `r`'s dense vector with novelty measured against `seen` (zero when novelty is off).
    fn dense_with(&self, r: usize, seen: &SeenSet, novelty: bool) -> [f32; N_MODEL_DENSE] {
        if !novelty {
            return self.dense[r];
        }
        let mut counter = NoveltyCounter::default();
        for t in &self.tokens[r] {
            counter.observe(seen, t);
        }
        let mut dense = self.dense[r];
        counter.write(&mut dense);
        dense
    }
}

/// Stratified split of row indices into (fit, calibration), deterministic for a seed.
fn stratified_split(labels: &[bool], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5917);
    let (mut fit, mut cal) = (Vec::new(), Vec::new());
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        idx.shuffle(&mut rng);
        let n_cal = ((idx.len() as f64) * fraction).round() as usize;
        cal.extend_from_slice(&idx[..n_cal]);
        fit.extend_from_slice(&idx[n_cal..]);
    }
    fit.sort_unstable();
    cal.sort_unstable();
    (fit, cal)
}

/// Maps a raw score so that `threshold` lands on 0.5, keeping order.
fn calibrate(raw: f32, threshold: f32) -> f32 {
    let t = threshold.clamp(1e-6, 1.0 - 1e-6);
    let s = if raw < t {
        0.5 * raw / t
    } else {
        0.5 + 0.5 * (raw - t) / (1.0 - t)
    };
    s.clamp(0.0, 1.0)
}

/// Threshold on `scores` that maximises F1 among those whose false-positive rate is at most
/// `max_fpr` (a WAF's users pay for every false positive; the constraint encodes that).
fn best_f1_threshold(scores: &[f32], labels: &[bool], max_fpr: f64) -> f32 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let negatives = (labels.len() as f64 - positives).max(1.0);
    let (mut tp, mut fp) = (0f64, 0f64);
    let (mut best_f1, mut best_t) = (-1f64, 0.5f32);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0
        } else {
            fp += 1.0
        }
        let next_differs = order.get(k + 1).is_none_or(|&j| scores[j] < scores[i]);
        if next_differs && fp / negatives <= max_fpr {
            let f1 = 2.0 * tp / (tp + fp + positives);
            if f1 > best_f1 {
                best_f1 = f1;
                // Midway to the next lower score, so unseen scores near the edge fall sensibly.
                let lower = order.get(k + 1).map(|&j| scores[j]).unwrap_or(0.0);
                best_t = (scores[i] + lower) / 2.0;
            }
        }
    }
    best_t
}

/// Sparse row of a request: hashed features, then the scaled dense block.
fn sparse_row(
    hashed: &[(u32, f32)],
    dense: &[f32; N_MODEL_DENSE],
    scaler: &DenseScaler,
    hashed_dim: u32,
    out: &mut Vec<(u32, f32)>,
) {
    out.clear();
    out.extend_from_slice(hashed);
    for (j, &x) in dense.iter().enumerate() {
        out.push((hashed_dim + j as u32, scaler.scale(j, x)));
    }
}

impl WebParams {
    /// Fits a model. Supervised mode needs both classes; one-class mode uses the normal examples.
    pub fn fit(&self, examples: &[Example]) -> Result<WebModel, WebModelError> {
        if examples.is_empty() {
            return Err(WebModelError::Empty);
        }
        if !(0.0..0.9).contains(&self.calibration_fraction) {
            return Err(WebModelError::Params(format!(
                "calibration fraction {} is not in [0, 0.9)",
                self.calibration_fraction
            )));
        }
        if !(8..=26).contains(&self.schema.hash_bits) {
            return Err(WebModelError::Params("hash bits must be in 8..=26".into()));
        }
        if !(0.0..1.0).contains(&self.target_fpr) {
            return Err(WebModelError::Params("target FPR must be in [0, 1)".into()));
        }
        let featurizer = Featurizer::new(self.schema.clone());
        match self.mode {
            WebMode::Supervised => self.fit_supervised(&featurizer, examples),
            WebMode::OneClass => self.fit_one_class(&featurizer, examples),
        }
    }

    fn fit_supervised(
        &self,
        featurizer: &Featurizer,
        examples: &[Example],
    ) -> Result<WebModel, WebModelError> {
        let labels: Vec<bool> = examples.iter().map(|e| e.label).collect();
        let attack = labels.iter().filter(|&&l| l).count();
        let normal = labels.len() - attack;
        if attack == 0 || normal == 0 {
            return Err(WebModelError::OneClassOnly { normal, attack });
        }
        let requests: Vec<&HttpRequest> = examples.iter().map(|e| &e.request).collect();
        let feats = Featurized::new(featurizer, &requests);
        let (fit_idx, cal_idx) =
            stratified_split(&labels, self.calibration_fraction, self.sgd.seed);

        // Novelty of normal fit rows is measured out of fold (against the other half of the
        // normal rows): measured against a set that contains them, it would always be zero.
        let novelty = self.schema.novelty;
        let normal_fit: Vec<usize> = fit_idx.iter().copied().filter(|&i| !labels[i]).collect();
        let fold_a = feats.seen_set(normal_fit.iter().copied().step_by(2));
        let fold_b = feats.seen_set(normal_fit.iter().copied().skip(1).step_by(2));
        let seen = feats.seen_set(normal_fit.iter().copied());
        let mut fold_of = vec![None; examples.len()];
        for (k, &i) in normal_fit.iter().enumerate() {
            fold_of[i] = Some(k % 2 == 0);
        }
        let dense: Vec<[f32; N_MODEL_DENSE]> = (0..examples.len())
            .map(|i| match fold_of[i] {
                Some(true) => feats.dense_with(i, &fold_b, novelty),
                Some(false) => feats.dense_with(i, &fold_a, novelty),
                None => feats.dense_with(i, &seen, novelty),
            })
            .collect();
        let scaler = DenseScaler::fit(fit_idx.iter().map(|&i| &dense[i]));
        let hashed_dim = self.schema.hashed_dim() as u32;
        let build_rows = |which: &mut dyn Iterator<Item = usize>| {
            let mut rows = SparseRows::new();
            let mut pairs = Vec::new();
            for i in which {
                sparse_row(&feats.hashed[i], &dense[i], &scaler, hashed_dim, &mut pairs);
                rows.push(&mut pairs);
            }
            rows
        };
        let fit_rows = build_rows(&mut fit_idx.iter().copied());
        let fit_labels: Vec<bool> = fit_idx.iter().map(|&i| labels[i]).collect();
        let classifier = LogisticModel::fit(&fit_rows, &fit_labels, self.schema.dim(), &self.sgd);

        let threshold = if cal_idx.is_empty() {
            0.5
        } else {
            let cal_rows = build_rows(&mut cal_idx.iter().copied());
            let scores: Vec<f32> = (0..cal_rows.len())
                .map(|r| {
                    let (i, v) = cal_rows.row(r);
                    classifier.predict(i, v)
                })
                .collect();
            let cal_labels: Vec<bool> = cal_idx.iter().map(|&i| labels[i]).collect();
            best_f1_threshold(&scores, &cal_labels, self.target_fpr)
        };

        // Attack-type head, on the attack rows that carry a type.
        let typed: Vec<(usize, String)> = fit_idx
            .iter()
            .filter_map(|&i| {
                let e = &examples[i];
                match &e.attack_type {
                    Some(t) if e.label && *t != AttackType::Anomalous => {
                        Some((i, t.as_str().to_string()))
                    }
                    _ => None,
                }
            })
            .collect();
        let mut classes: Vec<String> = typed.iter().map(|(_, t)| t.clone()).collect();
        classes.sort();
        classes.dedup();
        let types = (classes.len() >= 2).then(|| {
            let rows = build_rows(&mut typed.iter().map(|(i, _)| *i));
            let targets: Vec<usize> = typed
                .iter()
                .map(|(_, t)| classes.binary_search(t).unwrap_or(0))
                .collect();
            let sgd = SgdParams {
                epochs: self.sgd.epochs.min(4),
                ..self.sgd.clone()
            };
            SoftmaxModel::fit(&rows, &targets, classes.clone(), TYPE_HEAD_DIM, &sgd)
        });

        Ok(WebModel {
            mode: WebMode::Supervised,
            schema: self.schema.clone(),
            scaler,
            seen,
            classifier: Some(classifier),
            types,
            profile: None,
            threshold,
            metadata: serde_json::json!({
                "examples": examples.len(),
                "normal": normal,
                "attack": attack,
                "attack_types": classes,
                "calibration_rows": cal_idx.len(),
                "raw_threshold": threshold,
                "sgd": self.sgd,
            }),
        })
    }

    fn fit_one_class(
        &self,
        featurizer: &Featurizer,
        examples: &[Example],
    ) -> Result<WebModel, WebModelError> {
        let requests: Vec<&HttpRequest> = examples
            .iter()
            .filter(|e| !e.label)
            .map(|e| &e.request)
            .collect();
        if requests.len() < 20 {
            return Err(WebModelError::TooFewNormal(requests.len()));
        }
        let feats = Featurized::new(featurizer, &requests);
        let labels = vec![false; requests.len()];
        let fraction = self.calibration_fraction.max(0.2);
        let (fit_idx, cal_idx) = stratified_split(&labels, fraction, self.sgd.seed);
        let seen = feats.seen_set(fit_idx.iter().copied());
        let scaler = DenseScaler::fit(fit_idx.iter().map(|&i| &feats.dense[i]));
        let stats: Vec<[f32; N_ONE_CLASS]> = cal_idx
            .iter()
            .map(|&i| one_class_stats(&scaler, &feats.dense_with(i, &seen, true)))
            .collect();
        let calibration = (0..N_ONE_CLASS)
            .map(|k| {
                let mut v: Vec<f32> = stats.iter().map(|s| s[k]).collect();
                v.sort_by(f32::total_cmp);
                v
            })
            .collect();
        // Raw score = 1 - combined tail p-value; flag when p ≤ target FPR.
        let threshold = (1.0 - self.target_fpr) as f32;
        Ok(WebModel {
            mode: WebMode::OneClass,
            schema: self.schema.clone(),
            scaler,
            seen,
            classifier: None,
            types: None,
            profile: Some(NormalProfile { calibration }),
            threshold,
            metadata: serde_json::json!({
                "examples": examples.len(),
                "normal_used": requests.len(),
                "profile_rows": fit_idx.len(),
                "calibration_rows": cal_idx.len(),
                "target_fpr": self.target_fpr,
            }),
        })
    }
}

/// One-class statistics: the novelty features, and the summed positive heuristic evidence.
const N_ONE_CLASS: usize = NOVELTY_NAMES.len() + 1;

fn one_class_stats(scaler: &DenseScaler, dense: &[f32; N_MODEL_DENSE]) -> [f32; N_ONE_CLASS] {
    let mut out = [0f32; N_ONE_CLASS];
    out[..NOVELTY_NAMES.len()].copy_from_slice(&dense[N_DENSE..]);
    out[NOVELTY_NAMES.len()] = (0..HEURISTIC_NAMES.len())
        .map(|j| scaler.scale(j, dense[j]).max(0.0))
        .sum();
    out
}

/// Tail probability of `x` under the sorted calibration values (with +1 smoothing). Beyond the
/// largest calibration value the tail keeps falling, exponentially in units of the upper spread
/// (p90 − p50, at least 1e-3): with few calibration rows the empirical tail alone could never get
/// below 1/(n+1), and a request far beyond anything normal must still be flagged.
fn tail_p(sorted: &[f32], x: f32) -> f32 {
    let n = sorted.len();
    let floor = 1.0 / (n as f32 + 1.0);
    let Some(&max) = sorted.last() else {
        return 1.0;
    };
    if x > max {
        let spread = (sorted[n * 9 / 10] - sorted[n / 2]).max(1e-3);
        return floor * (-(x - max) / spread).exp();
    }
    let at_least = n - sorted.partition_point(|&v| v < x);
    (at_least as f32 + 1.0) * floor
}

impl WebModel {
    pub fn featurizer(&self) -> Featurizer {
        Featurizer::new(self.schema.clone())
    }

    /// Scores one request. `scratch` is reused between calls on one thread; it keeps the
    /// request's tokens and matched patterns for [`WebModel::explain`].
    pub fn score(
        &self,
        featurizer: &Featurizer,
        req: &HttpRequest,
        scratch: &mut Scratch,
    ) -> WebScore {
        featurizer.prepare(req, scratch);
        let mut novelty = NoveltyCounter::default();
        let seen = &self.seen;
        let raw = match (&self.classifier, &self.profile) {
            (Some(clf), _) => {
                let w = clf.weights.as_slice();
                let weight = |b: u32| w.get(b as usize).copied().unwrap_or(0.0);
                let hashed = if self.schema.novelty {
                    let sum =
                        featurizer.scoring_pass(scratch, weight, |t| novelty.observe(seen, t));
                    novelty.write(&mut scratch.dense);
                    sum
                } else {
                    featurizer.scoring_pass(scratch, weight, |_| {})
                };
                self.scaler
                    .scale_all(&scratch.dense, &mut scratch.scaled_dense);
                let base = self.schema.hashed_dim();
                let dense = &w[base..base + N_MODEL_DENSE];
                let dense_sum: f32 = dense
                    .iter()
                    .zip(&scratch.scaled_dense)
                    .map(|(w, x)| w * x)
                    .sum();
                sigmoid(clf.bias + hashed + dense_sum)
            }
            (None, Some(profile)) => {
                featurizer.scoring_pass(scratch, |_| 0.0, |t| novelty.observe(seen, t));
                novelty.write(&mut scratch.dense);
                self.scaler
                    .scale_all(&scratch.dense, &mut scratch.scaled_dense);
                let stats = one_class_stats(&self.scaler, &scratch.dense);
                let p = (0..N_ONE_CLASS)
                    .map(|k| tail_p(&profile.calibration[k], stats[k]))
                    .fold(1.0f32, f32::min)
                    * N_ONE_CLASS as f32;
                1.0 - p.min(1.0)
            }
            (None, None) => 0.0,
        };
        let score = calibrate(raw, self.threshold);
        let attack = score >= 0.5;
        let attack_type = attack.then(|| self.attack_type(featurizer, scratch));
        WebScore {
            score,
            attack,
            attack_type,
        }
    }

    /// The attack type of the request last scored with `scratch`: the type head's class, read
    /// from the tokens the scoring pass recorded; without a head, the family of the first
    /// matched pattern.
    fn attack_type(&self, featurizer: &Featurizer, scratch: &Scratch) -> String {
        if let Some(types) = &self.types {
            let base = self.schema.hashed_dim() as u32;
            let dense = (0..N_MODEL_DENSE as u32).map(|j| base + j);
            let dense = dense.zip(scratch.scaled_dense.iter().copied());
            let class = match scratch.recorded_tokens() {
                Some(rec) => types.best_class(
                    &[
                        (rec.ngram_buckets(), rec.ngram_value),
                        (rec.param_buckets(), rec.param_value),
                    ],
                    dense,
                ),
                None => {
                    let mut pairs = Vec::with_capacity(1024);
                    featurizer.hashed(scratch, |t| pairs.push((t.bucket, t.value)));
                    types.best_class(&[], pairs.into_iter().chain(dense))
                }
            };
            if let Some(class) = class {
                return class.to_string();
            }
        }
        // No type head (e.g. CSIC, one-class): name the family whose patterns matched.
        scratch
            .matched_patterns()
            .first()
            .map(|(family, _)| family.to_string())
            .unwrap_or_else(|| AttackType::Anomalous.as_str().to_string())
    }

    /// Human-readable reasons for the last score computed with `scratch`: matched attack patterns,
    /// the dense features and n-grams that pushed the score up most. Reads what the scoring pass
    /// left in `scratch` (patterns, tokens, scaled dense features); hashes nothing again.
    pub fn explain(&self, featurizer: &Featurizer, scratch: &Scratch, limit: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if scratch.has_pattern_hits() {
            for (family, pattern) in scratch.matched_patterns().into_iter().take(limit) {
                out.push(format!("pattern `{pattern}` ({family})"));
            }
        }
        let Some(clf) = &self.classifier else {
            for (name, &x) in NOVELTY_NAMES.iter().zip(&scratch.dense[N_DENSE..]) {
                if x > 0.0 {
                    out.push(format!("{name}={}", format_value(x)));
                }
            }
            return out;
        };
        let base = self.schema.hashed_dim();
        let mut dense: Vec<(f32, usize)> = scratch
            .scaled_dense
            .iter()
            .enumerate()
            .map(|(j, &x)| (clf.weights[base + j] * x, j))
            .filter(|(c, _)| *c > 0.05)
            .collect();
        dense.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (c, j) in dense.into_iter().take(limit) {
            out.push(format!(
                "{}={} (+{})",
                self.schema.dense_names[j],
                format_value(scratch.dense[j]),
                Fixed2(f64::from(c))
            ));
        }
        for (gram, c) in top_ngrams(featurizer, scratch, &clf.weights, limit) {
            out.push(format!("n-gram {gram:?} (+{})", Fixed2(f64::from(c))));
        }
        out
    }

    /// The classifier's weight of each dense feature (for inspection and reports).
    pub fn dense_weights(&self) -> Vec<(String, f32)> {
        let base = self.schema.hashed_dim();
        match &self.classifier {
            Some(c) => self
                .schema
                .dense_names
                .iter()
                .enumerate()
                .map(|(j, n)| (n.clone(), c.weights[base + j]))
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn header(&self) -> ModelHeader {
        ModelHeader {
            kind: MODEL_KIND.to_string(),
            schema: serde_json::to_value(&self.schema).unwrap_or_default(),
            metadata: serde_json::json!({
                "mode": self.mode,
                "training": self.metadata,
                "goshawk_version": env!("CARGO_PKG_VERSION"),
            }),
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, WebModelError> {
        Ok(goshawk_model::to_bytes(&self.header(), self)?)
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), WebModelError> {
        Ok(goshawk_model::write(path, &self.header(), self)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WebModelError> {
        let (header, mut model): (ModelHeader, WebModel) =
            goshawk_model::from_bytes(bytes, Some(MODEL_KIND))?;
        model.check()?;
        if let Some(types) = &mut model.types {
            types.index_by_feature();
        }
        model.metadata = header.metadata["training"].clone();
        Ok(model)
    }

    pub fn load(path: &std::path::Path) -> Result<Self, WebModelError> {
        Self::from_bytes(&goshawk_model::read_bytes(path)?)
    }

    /// Consistency checks after loading, so a well-formed but inconsistent file cannot cause an
    /// out-of-bounds access later.
    fn check(&self) -> Result<(), WebModelError> {
        let bad = |m: &str| Err(WebModelError::File(ModelFileError::Payload(m.to_string())));
        if !(8..=26).contains(&self.schema.hash_bits) {
            return bad("hash_bits out of range");
        }
        if self.schema.dense_names != crate::features::dense_feature_names() {
            return bad("dense feature schema differs from this build's");
        }
        if self.scaler.mean.len() != N_MODEL_DENSE || self.scaler.std.len() != N_MODEL_DENSE {
            return bad("scaler size does not match the schema");
        }
        if let Some(c) = &self.classifier {
            if c.weights.len() != self.schema.dim() {
                return bad("classifier size does not match the schema");
            }
        }
        if let Some(t) = &self.types {
            if t.weights.len() != t.classes.len() * t.dim || t.bias.len() != t.classes.len() {
                return bad("attack-type head is inconsistent");
            }
        }
        if self.seen.capacity() != 1 << SEEN_BITS {
            return bad("seen-token set does not match the schema");
        }
        if let Some(p) = &self.profile {
            if p.calibration.len() != N_ONE_CLASS || p.calibration.iter().any(|c| c.is_empty()) {
                return bad("normal profile is inconsistent");
            }
        }
        if self.classifier.is_none() && self.profile.is_none() {
            return bad("model has neither a classifier nor a normal profile");
        }
        Ok(())
    }
}

fn format_value(x: f32) -> String {
    if x.fract() == 0.0 {
        if x.abs() < 1e15 {
            // Through an integer: `{:.0}` on a float costs ~1,300 instructions.
            return (x as i64).to_string();
        }
        format!("{x:.0}")
    } else {
        Fixed2(f64::from(x)).to_string()
    }
}

/// The n-grams of length 4 and up with the largest positive weight in the request.
fn top_ngrams(
    featurizer: &Featurizer,
    scratch: &Scratch,
    weights: &[f32],
    limit: usize,
) -> Vec<(String, f32)> {
    if limit == 0 {
        return Vec::new();
    }
    let text = scratch.normalized_text();
    let len = text.len();
    let (min, max) = (
        featurizer.schema.ngram_min.max(1),
        featurizer.schema.ngram_max,
    );
    let lo = max.min(4).max(min);
    // `hashed` emits, for each position in order, the n-grams of lengths min..=max that fit;
    // follow that order to know each bucket's position and length. Keep a small best-first list
    // instead of sorting every n-gram (explanations run for every flagged request). The scoring
    // pass recorded the buckets; without it they are hashed again.
    let keep = limit * 4;
    let mut best: Vec<(f32, usize, usize)> = Vec::with_capacity(keep + 1);
    let collected: Vec<u32>;
    let buckets = match scratch.recorded_tokens() {
        Some(rec) => rec.ngram_buckets(),
        None => {
            // The n-grams come first; parameter tokens follow.
            let ngrams = featurizer.ngram_count(len);
            let mut all = Vec::with_capacity(ngrams);
            featurizer.hashed(scratch, |t| {
                if all.len() < ngrams {
                    all.push(t.bucket)
                }
            });
            collected = all;
            &collected
        }
    };
    // A candidate must weigh more than `floor`: 0.05, or once `best` is full its last entry.
    // Walking position by position (rather than one closure call per n-gram) roughly halves the
    // instructions of an explanation (callgrind, built-in model, flagged CSIC requests).
    let mut floor = 0.05f32;
    let mut k = 0;
    for pos in 0..len {
        let fit = (len - pos).min(max);
        if fit < min {
            break;
        }
        let Some(row) = buckets.get(k..k + (fit - min + 1)) else {
            break;
        };
        k += row.len();
        for (j, &bucket) in row.iter().enumerate().skip(lo - min) {
            let w = weights.get(bucket as usize).copied().unwrap_or(0.0);
            if w > floor {
                let at = best.partition_point(|b| b.0 >= w);
                best.insert(at, (w, pos, min + j));
                best.truncate(keep);
                if best.len() == keep {
                    floor = best[keep - 1].0;
                }
            }
        }
    }
    let mut out: Vec<(String, f32)> = Vec::with_capacity(limit);
    for (w, p, n) in best {
        if out.len() == limit {
            break;
        }
        let Some(gram) = text.get(p..p + n) else {
            continue;
        };
        if out
            .iter()
            .any(|(g, _)| g.contains(gram) || gram.contains(g.as_str()))
        {
            continue;
        }
        out.push((gram.to_string(), w));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(target: &str, attack_type: Option<AttackType>) -> Example {
        Example {
            request: HttpRequest::from_target(target),
            label: attack_type.is_some(),
            attack_type,
        }
    }

    /// A small supervised model with an attack-type head: ordinary searches, SQL injection, XSS.
    fn small_model() -> WebModel {
        let mut examples = Vec::new();
        let words = [
            "shoes",
            "red+dress",
            "garden+chairs",
            "rust+book",
            "lamp",
            "tea+cups",
        ];
        for (i, w) in words.iter().cycle().take(120).enumerate() {
            examples.push(example(&format!("/search?q={w}&page={}", i % 7), None));
            examples.push(example(
                &format!("/item?id={i}%27+or+%271%27%3D%271+--"),
                Some(AttackType::Sqli),
            ));
            examples.push(example(
                &format!("/search?q=%3Cscript%3Ealert({i})%3C%2Fscript%3E"),
                Some(AttackType::Xss),
            ));
        }
        let params = WebParams {
            schema: FeatureSchema {
                novelty: false,
                ..FeatureSchema::default()
            },
            ..WebParams::default()
        };
        params.fit(&examples).expect("model trains")
    }

    #[test]
    fn one_pass_serves_score_type_and_explanation() {
        let model = small_model();
        let f = model.featurizer();
        let mut scratch = Scratch::default();

        let normal = model.score(
            &f,
            &HttpRequest::from_target("/search?q=blue+lamp"),
            &mut scratch,
        );
        assert!(!normal.attack, "{normal:?}");

        let req = HttpRequest::from_target("/item?id=7%27+or+%27a%27%3D%27a%27+--");
        let s = model.score(&f, &req, &mut scratch);
        assert!(s.attack, "{s:?}");
        assert_eq!(s.attack_type.as_deref(), Some("sqli"));
        let why = model.explain(&f, &scratch, 3);
        assert!(why.iter().any(|w| w.contains("(sqli)")), "{why:?}");
        assert!(why.iter().any(|w| w.starts_with("n-gram")), "{why:?}");

        // The same request featurised without recording its tokens (the fallback that hashes
        // again) must give the same type and the same n-grams.
        let mut fresh = Scratch::default();
        f.prepare(&req, &mut fresh);
        fresh.scaled_dense = scratch.scaled_dense;
        assert!(fresh.recorded_tokens().is_none());
        assert_eq!(model.attack_type(&f, &fresh), "sqli");
        let weights = &model.classifier.as_ref().expect("supervised").weights;
        assert_eq!(
            top_ngrams(&f, &scratch, weights, 3),
            top_ngrams(&f, &fresh, weights, 3)
        );
    }

    #[test]
    fn feature_values_print_as_integers_or_two_decimals() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(-42.0), "-42");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(0.256), "0.26");
    }

    #[test]
    fn scratch_reuse_does_not_leak_between_requests() {
        let model = small_model();
        let f = model.featurizer();
        let mut scratch = Scratch::default();
        let xss = HttpRequest::from_target("/search?q=%3Cscript%3Ealert(5)%3C%2Fscript%3E");
        let first = model.score(&f, &xss, &mut scratch);
        assert_eq!(first.attack_type.as_deref(), Some("xss"));
        model.score(&f, &HttpRequest::from_target("/search?q=tea"), &mut scratch);
        assert!(!scratch.has_pattern_hits());
        let again = model.score(&f, &xss, &mut scratch);
        assert_eq!(first, again);
    }

    #[test]
    fn a_loaded_model_scores_like_the_trained_one() {
        let model = small_model();
        let loaded = WebModel::from_bytes(&model.to_bytes().expect("serialises")).expect("loads");
        let (f, mut a, mut b) = (model.featurizer(), Scratch::default(), Scratch::default());
        for t in [
            "/search?q=shoes",
            "/item?id=3%27+or+%271%27%3D%271+--",
            "/search?q=%3Cscript%3Ealert(2)%3C%2Fscript%3E",
        ] {
            let req = HttpRequest::from_target(t);
            assert_eq!(
                model.score(&f, &req, &mut a),
                loaded.score(&f, &req, &mut b)
            );
            assert_eq!(model.explain(&f, &a, 3), loaded.explain(&f, &b, 3));
        }
    }
}
