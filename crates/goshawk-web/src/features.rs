//! Hybrid features of an HTTP request: hashed character n-grams of the normalised text, hashed
//! parameter-shape tokens, and dense security heuristics and decoding statistics.
//!
//! Features are produced through a callback (`emit(Token)`) rather than a vector, so that
//! scoring sums weights on the fly without allocating, and training collects the same calls into
//! sparse rows: one code path for both, so training and scoring cannot drift apart.
//!
//! What is left out on purpose: the method and every header. In CSIC 2010 every PUT is anomalous
//! and only PUTs carry `Host: localhost:9090`; Accept*, Cookie and Host describe the test harness,
//! not the request, and a model that sees them learns the harness.

use serde::{Deserialize, Serialize};

use goshawk_core::HttpRequest;

use crate::heuristics::{heuristics_with_hits, PatternHits, HEURISTIC_NAMES};
use crate::normalize::{Normalized, Normalizer, DECODE_FEATURE_NAMES};

/// Number of dense features computed from the request alone (heuristics, decoding statistics).
pub const N_DENSE: usize = HEURISTIC_NAMES.len() + DECODE_FEATURE_NAMES.len();

/// Novelty features: how much of the request was never seen in normal training traffic. They
/// carry what hashed tokens cannot: a parameter name no normal request used has a bucket with no
/// learned weight, but "one unseen parameter name" is a feature every such request shares.
pub const NOVELTY_NAMES: [&str; 6] = [
    "unseen_path",
    "unseen_param_names",
    "unseen_value_shapes",
    "unseen_fine_shapes",
    "unseen_ngram_ratio",
    "unseen_short_ngrams",
];

/// Number of dense features a model sees: request features, then novelty features.
pub const N_MODEL_DENSE: usize = N_DENSE + NOVELTY_NAMES.len();

/// Parameters of the feature space, stored in every model file (its feature schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Hashed features fall into `2^hash_bits` buckets.
    pub hash_bits: u32,
    pub ngram_min: usize,
    pub ngram_max: usize,
    /// Whether parameter-name / value-shape tokens are emitted.
    pub param_shapes: bool,
    /// Whether the novelty features (tokens unseen in the normal training traffic) are used.
    /// Right for a model of one application; wrong for a broad model, which would then flag
    /// whatever its training data did not happen to contain.
    #[serde(default = "default_true")]
    pub novelty: bool,
    /// Names of the dense features, in index order after the hashed block.
    pub dense_names: Vec<String>,
}

impl Default for FeatureSchema {
    fn default() -> Self {
        FeatureSchema {
            hash_bits: 18,
            ngram_min: 1,
            ngram_max: 5,
            param_shapes: true,
            novelty: true,
            dense_names: dense_feature_names(),
        }
    }
}

impl FeatureSchema {
    pub fn hashed_dim(&self) -> usize {
        1 << self.hash_bits
    }
    /// Total dimension: hashed buckets followed by the dense features.
    pub fn dim(&self) -> usize {
        self.hashed_dim() + self.dense_names.len()
    }
}

fn default_true() -> bool {
    true
}

/// Names of the dense features in index order.
pub fn dense_feature_names() -> Vec<String> {
    HEURISTIC_NAMES
        .iter()
        .chain(DECODE_FEATURE_NAMES.iter())
        .chain(NOVELTY_NAMES.iter())
        .map(|s| s.to_string())
        .collect()
}

/// Reusable buffers for featurising requests on one thread. Besides the normalised text they
/// keep what one pass over a request found — the hashed tokens, the matched attack patterns —
/// so that scoring, the attack-type head and the explanation share it instead of redoing it.
pub struct Scratch {
    raw: String,
    normalized: Normalized,
    /// Unscaled dense features: the request's own, then (filled by the model) novelty.
    pub dense: [f32; N_MODEL_DENSE],
    /// The dense features as the model sees them (scaled by [`DenseScaler::scale_all`]).
    pub scaled_dense: [f32; N_MODEL_DENSE],
    /// Attack patterns the heuristics matched in the normalised text.
    hits: PatternHits,
    /// Buckets of the request's hashed tokens in emission order, when recorded by
    /// [`Featurizer::scoring_pass`] since the last [`Featurizer::prepare`].
    tokens: Vec<u32>,
    /// How many of `tokens` are character n-grams (they come first), and the value of each
    /// n-gram and of each parameter token.
    ngram_tokens: usize,
    ngram_value: f32,
    param_value: f32,
    tokens_recorded: bool,
}

/// The hashed tokens one scoring pass recorded (see [`Scratch::recorded_tokens`]).
#[derive(Debug, Clone, Copy)]
pub struct RecordedTokens<'a> {
    /// Buckets in emission order: the character n-grams first, then path and parameter tokens.
    pub buckets: &'a [u32],
    pub ngrams: usize,
    pub ngram_value: f32,
    pub param_value: f32,
}

impl<'a> RecordedTokens<'a> {
    /// The n-gram buckets, in the order [`Featurizer::hashed`] emits them.
    pub fn ngram_buckets(&self) -> &'a [u32] {
        &self.buckets[..self.ngrams.min(self.buckets.len())]
    }
    /// The path and parameter buckets.
    pub fn param_buckets(&self) -> &'a [u32] {
        &self.buckets[self.ngrams.min(self.buckets.len())..]
    }
    /// Every token as `(bucket, value)`, as [`Featurizer::hashed`] emits them.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, f32)> + 'a {
        let (ngram_value, param_value) = (self.ngram_value, self.param_value);
        let ngrams = self.ngram_buckets().iter().map(move |&b| (b, ngram_value));
        ngrams.chain(self.param_buckets().iter().map(move |&b| (b, param_value)))
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            raw: String::new(),
            normalized: Normalized::default(),
            dense: [0.0; N_MODEL_DENSE],
            scaled_dense: [0.0; N_MODEL_DENSE],
            hits: PatternHits::default(),
            tokens: Vec::with_capacity(4096),
            ngram_tokens: 0,
            ngram_value: 0.0,
            param_value: 0.0,
            tokens_recorded: false,
        }
    }
}

impl Scratch {
    /// The normalised text of the last request featurised.
    pub fn normalized_text(&self) -> &str {
        &self.normalized.text
    }
    /// The raw text (target and body) of the last request featurised.
    pub fn raw_text(&self) -> &str {
        &self.raw
    }
    /// Attack patterns matched in the last request featurised, as `(family, pattern)`, ranked as
    /// [`crate::heuristics::matched_patterns`] ranks them.
    pub fn matched_patterns(&self) -> Vec<(&'static str, &'static str)> {
        self.hits.ranked()
    }
    /// Whether the last request featurised matched any attack pattern.
    pub fn has_pattern_hits(&self) -> bool {
        !self.hits.is_empty()
    }
    /// The hashed tokens of the last request, if [`Featurizer::scoring_pass`] ran for it.
    pub fn recorded_tokens(&self) -> Option<RecordedTokens<'_>> {
        self.tokens_recorded.then_some(RecordedTokens {
            buckets: &self.tokens,
            ngrams: self.ngram_tokens,
            ngram_value: self.ngram_value,
            param_value: self.param_value,
        })
    }
}

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline(always)]
fn mix(h: u64, b: u64) -> u64 {
    (h.rotate_left(5) ^ b).wrapping_mul(K)
}

#[inline(always)]
fn bucket(h: u64, bits: u32) -> u32 {
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as u32
}

const SEED_NGRAM: u64 = 0x6e67;
const SEED_PARAM_NAME: u64 = 0x706e;
const SEED_PARAM_SHAPE: u64 = 0x7073;
const SEED_PARAM_FINE: u64 = 0x7066;
const SEED_PATH: u64 = 0x7061;

fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, &b| mix(h, b as u64))
}

/// What a hashed feature stands for; the novelty features count unseen tokens per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Character 1- and 2-grams.
    ShortNgram,
    /// Character n-grams of length 3 and more.
    LongNgram,
    /// The request path.
    Path,
    /// A parameter name.
    ParamName,
    /// A parameter name with the coarse shape of its value (character-class runs).
    ValueShape,
    /// A parameter name with the fine shape of its value (run lengths too).
    FineShape,
}

/// One hashed feature of a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token {
    /// Index of the model weight (`2^hash_bits` buckets).
    pub bucket: u32,
    /// A wider, independent hash of the same token, for the seen-token set: with far more
    /// buckets than weights, novelty is not drowned by collisions.
    pub seen_key: u32,
    pub value: f32,
    pub kind: TokenKind,
}

impl Token {
    #[inline(always)]
    fn new(h: u64, bits: u32, value: f32, kind: TokenKind) -> Self {
        Token {
            bucket: bucket(h, bits),
            seen_key: (h.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> (64 - SEEN_BITS)) as u32,
            value,
            kind,
        }
    }
}

/// The seen-token set has `2^SEEN_BITS` bits (2 MiB), whatever the weight table's size.
pub const SEEN_BITS: u32 = 24;

/// Turns requests into features. Cheap to clone; holds no per-request state.
#[derive(Debug, Clone, Default)]
pub struct Featurizer {
    pub schema: FeatureSchema,
    normalizer: Normalizer,
}

impl Featurizer {
    pub fn new(schema: FeatureSchema) -> Self {
        Featurizer {
            schema,
            normalizer: Normalizer::default(),
        }
    }

    /// Normalises `req` into `scratch` and fills `scratch.dense` with the raw (unscaled) dense
    /// features. Must run before [`Featurizer::hashed`].
    pub fn prepare(&self, req: &HttpRequest, scratch: &mut Scratch) {
        scratch.raw.clear();
        scratch.raw.push_str(req.target());
        if !req.body.is_empty() {
            scratch
                .raw
                .push(if req.query().is_some() { '&' } else { '?' });
            scratch.raw.push_str(&req.body);
        }
        self.normalizer
            .normalize_into(&scratch.raw, &mut scratch.normalized);
        scratch.tokens_recorded = false;
        let mut heur = [0f32; HEURISTIC_NAMES.len()];
        heuristics_with_hits(
            &scratch.normalized.text,
            &scratch.raw,
            &mut heur,
            &mut scratch.hits,
        );
        let decode = scratch.normalized.stats.as_features();
        scratch.dense[..heur.len()].copy_from_slice(&heur);
        scratch.dense[heur.len()..N_DENSE].copy_from_slice(&decode);
    }

    /// Emits the hashed features of the prepared request as `(bucket, value)`. Values are scaled so
    /// each group (n-grams, parameter tokens) has unit-ish norm whatever the request length.
    #[inline]
    pub fn hashed(&self, scratch: &Scratch, mut emit: impl FnMut(Token)) {
        let bits = self.schema.hash_bits;
        let text = scratch.normalized.text.as_bytes();
        let (lo, hi) = (self.schema.ngram_min.max(1), self.schema.ngram_max);
        // Number of n-grams of each length present, summed: the TF normaliser.
        let count = self.ngram_count(text.len());
        if count > 0 {
            let scale = 1.0 / (count as f32).sqrt();
            for i in 0..text.len() {
                let mut h = SEED_NGRAM;
                let end = (i + hi).min(text.len());
                for (n, &b) in text[i..end].iter().enumerate() {
                    h = mix(h, b as u64);
                    if n + 1 >= lo {
                        let kind = if n >= 2 {
                            TokenKind::LongNgram
                        } else {
                            TokenKind::ShortNgram
                        };
                        emit(Token::new(h, bits, scale, kind));
                    }
                }
            }
        }
        if self.schema.param_shapes {
            self.param_tokens(text, bits, &mut emit);
        }
    }

    /// The scoring pass over the prepared request: the tokens [`Featurizer::hashed`] emits,
    /// hashed once. Returns `Σ weight(bucket) × value` over them, shows each token to `observe`
    /// (novelty counting), and records the buckets in `scratch` so that the attack-type head and
    /// the explanation read them instead of hashing again.
    ///
    /// Faster than summing through [`Featurizer::hashed`] because each n-gram length gets its own
    /// accumulator (no chain of dependent float additions), the shared n-gram value is applied
    /// once per group, and buckets are stored a position at a time. Measured with the built-in
    /// model on CSIC requests (callgrind): 25k → see the benchmark README for the figures.
    #[inline]
    pub fn scoring_pass(
        &self,
        scratch: &mut Scratch,
        weight: impl Fn(u32) -> f32,
        mut observe: impl FnMut(&Token),
    ) -> f32 {
        let bits = self.schema.hash_bits;
        let mut tokens = std::mem::take(&mut scratch.tokens);
        tokens.clear();
        let text = scratch.normalized.text.as_bytes();
        let count = self.ngram_count(text.len());
        let ngram_value = if count > 0 {
            1.0 / (count as f32).sqrt()
        } else {
            0.0
        };
        let lo = self.schema.ngram_min.max(1);
        let ngram_sum = match self.schema.ngram_max {
            1 => ngram_block::<1>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            2 => ngram_block::<2>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            3 => ngram_block::<3>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            4 => ngram_block::<4>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            5 => ngram_block::<5>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            6 => ngram_block::<6>(
                text,
                lo,
                bits,
                ngram_value,
                &weight,
                &mut observe,
                &mut tokens,
            ),
            _ => {
                let mut sum = 0f32;
                self.hashed(scratch, |t| {
                    if matches!(t.kind, TokenKind::ShortNgram | TokenKind::LongNgram) {
                        sum += weight(t.bucket);
                        tokens.push(t.bucket);
                        observe(&t);
                    }
                });
                sum
            }
        };
        debug_assert_eq!(tokens.len(), count);
        let (mut param_sum, mut param_value) = (0f32, 0f32);
        if self.schema.param_shapes {
            self.param_tokens(text, bits, &mut |t: Token| {
                param_value = t.value;
                param_sum += weight(t.bucket);
                tokens.push(t.bucket);
                observe(&t);
            });
        }
        scratch.tokens = tokens;
        scratch.ngram_tokens = count;
        scratch.ngram_value = ngram_value;
        scratch.param_value = param_value;
        scratch.tokens_recorded = true;
        ngram_value * ngram_sum + param_value * param_sum
    }

    /// Number of character n-grams [`Featurizer::hashed`] emits for a text of `len` bytes.
    pub fn ngram_count(&self, len: usize) -> usize {
        let (lo, hi) = (self.schema.ngram_min.max(1), self.schema.ngram_max);
        (lo..=hi).map(|n| len.saturating_sub(n - 1)).sum()
    }

    /// Path and parameter tokens: the path itself, and for each `name=value` the name, the name
    /// with the coarse shape of its value, and with the fine shape (digit-run lengths kept).
    /// They let a model learn what each parameter of an application normally holds.
    fn param_tokens(&self, text: &[u8], bits: u32, emit: &mut impl FnMut(Token)) {
        let (path, query) = match memchr::memchr(b'?', text) {
            Some(q) => (&text[..q], &text[q + 1..]),
            None => (text, &text[text.len()..]),
        };
        let params = query.split(|&b| b == b'&').filter(|p| !p.is_empty());
        let n_params = params.clone().count();
        let scale = 1.0 / ((1 + 3 * n_params) as f32).sqrt();
        emit(Token::new(
            hash_bytes(SEED_PATH, path),
            bits,
            scale,
            TokenKind::Path,
        ));
        for param in params {
            let (name, value) = match memchr::memchr(b'=', param) {
                Some(e) => (&param[..e], &param[e + 1..]),
                None => (param, &param[param.len()..]),
            };
            let hn = hash_bytes(SEED_PARAM_NAME, name);
            emit(Token::new(hn, bits, scale, TokenKind::ParamName));
            let (coarse, fine) = value_shapes(value);
            emit(Token::new(
                mix(hn ^ SEED_PARAM_SHAPE, coarse),
                bits,
                scale,
                TokenKind::ValueShape,
            ));
            emit(Token::new(
                mix(hn ^ SEED_PARAM_FINE, fine),
                bits,
                scale,
                TokenKind::FineShape,
            ));
        }
    }
}

/// The character n-grams of lengths `lo..=HI` of `text` (in [`Featurizer::hashed`] order):
/// pushes their buckets, shows them to `observe`, and returns the sum of their weights. `HI` is
/// a constant so the per-position loop unrolls and each length keeps its own accumulator.
#[inline(always)]
fn ngram_block<const HI: usize>(
    text: &[u8],
    lo: usize,
    bits: u32,
    value: f32,
    weight: &impl Fn(u32) -> f32,
    observe: &mut impl FnMut(&Token),
    tokens: &mut Vec<u32>,
) -> f32 {
    let mut sums = [0f32; HI];
    let first = lo.min(HI + 1) - 1;
    tokens.reserve(text.len() * HI);
    let bulk = text.len().saturating_sub(HI - 1);
    let mut buf = [0u32; HI];
    for i in 0..bulk {
        let mut h = SEED_NGRAM;
        for n in 0..HI {
            h = mix(h, text[i + n] as u64);
            let t = Token::new(h, bits, value, ngram_kind(n));
            buf[n] = t.bucket;
            if n >= first {
                sums[n] += weight(t.bucket);
                observe(&t);
            }
        }
        // A constant-length copy when every length is kept: a slice of run-time length is a
        // `memcpy` call per position (7.5 % of a CSIC scan in `perf`).
        if first == 0 {
            tokens.extend_from_slice(&buf);
        } else {
            tokens.extend_from_slice(&buf[first..]);
        }
    }
    // The last positions, where the longer n-grams do not fit.
    for i in bulk..text.len() {
        let mut h = SEED_NGRAM;
        for (n, &b) in text[i..].iter().enumerate() {
            h = mix(h, b as u64);
            if n >= first {
                let t = Token::new(h, bits, value, ngram_kind(n));
                sums[n] += weight(t.bucket);
                tokens.push(t.bucket);
                observe(&t);
            }
        }
    }
    sums.iter().sum()
}

#[inline(always)]
fn ngram_kind(n: usize) -> TokenKind {
    if n >= 2 {
        TokenKind::LongNgram
    } else {
        TokenKind::ShortNgram
    }
}

/// Hashes of a value's shape: letters → `a`, digits → `9`, other bytes kept. The coarse shape
/// collapses runs; the fine one keeps digit-run lengths and letter-run length classes.
fn value_shapes(value: &[u8]) -> (u64, u64) {
    #[inline]
    fn class(b: u8) -> u8 {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | 0x80..=0xff => b'a',
            b'0'..=b'9' => b'9',
            other => other,
        }
    }
    let (mut coarse, mut fine) = (0u64, 0u64);
    let mut i = 0;
    while i < value.len() {
        let c = class(value[i]);
        let mut j = i + 1;
        while j < value.len() && class(value[j]) == c {
            j += 1;
        }
        let run = (j - i) as u64;
        coarse = mix(coarse, c as u64);
        fine = mix(fine, c as u64);
        fine = mix(
            fine,
            match c {
                b'9' => run.min(24),
                b'a' => 64 - run.leading_zeros() as u64,
                _ => run.min(4),
            },
        );
        i = j;
    }
    (mix(coarse, value.len().min(1) as u64), fine)
}

/// The hashed tokens seen in normal traffic: one bit per seen key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeenSet {
    bits: Vec<u64>,
}

impl SeenSet {
    pub fn new() -> Self {
        SeenSet {
            bits: vec![0; (1usize << SEEN_BITS) / 64],
        }
    }

    pub fn insert(&mut self, bucket: u32) {
        if let Some(w) = self.bits.get_mut(bucket as usize / 64) {
            *w |= 1 << (bucket % 64);
        }
    }

    #[inline]
    pub fn contains(&self, bucket: u32) -> bool {
        self.bits
            .get(bucket as usize / 64)
            .is_some_and(|w| w & (1 << (bucket % 64)) != 0)
    }

    /// Buckets this set can hold.
    pub fn capacity(&self) -> usize {
        self.bits.len() * 64
    }
}

/// Counts unseen tokens per kind while the hashed features stream past.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoveltyCounter {
    unseen: [u32; 6],
    long_ngrams: u32,
}

impl NoveltyCounter {
    #[inline]
    pub fn observe(&mut self, seen: &SeenSet, token: &Token) {
        let slot = match token.kind {
            TokenKind::Path => 0,
            TokenKind::ParamName => 1,
            TokenKind::ValueShape => 2,
            TokenKind::FineShape => 3,
            TokenKind::LongNgram => {
                self.long_ngrams += 1;
                4
            }
            TokenKind::ShortNgram => 5,
        };
        if !seen.contains(token.seen_key) {
            self.unseen[slot] += 1;
        }
    }

    /// Writes the novelty features into the tail of a dense vector.
    pub fn write(&self, dense: &mut [f32; N_MODEL_DENSE]) {
        let tail = &mut dense[N_DENSE..];
        tail[0] = self.unseen[0] as f32;
        tail[1] = self.unseen[1] as f32;
        tail[2] = self.unseen[2] as f32;
        tail[3] = self.unseen[3] as f32;
        tail[4] = self.unseen[4] as f32 / self.long_ngrams.max(1) as f32;
        tail[5] = self.unseen[5] as f32;
    }
}

/// Per-feature scaling of the dense block, learned from training data (log1p, then z-score).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DenseScaler {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl DenseScaler {
    pub fn fit<'a>(rows: impl Iterator<Item = &'a [f32; N_MODEL_DENSE]>) -> Self {
        let mut sum = [0f64; N_MODEL_DENSE];
        let mut sq = [0f64; N_MODEL_DENSE];
        let mut n = 0f64;
        for r in rows {
            for j in 0..N_MODEL_DENSE {
                let x = squash(r[j]) as f64;
                sum[j] += x;
                sq[j] += x * x;
            }
            n += 1.0;
        }
        let n = n.max(1.0);
        let mean: Vec<f32> = sum.iter().map(|s| (s / n) as f32).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, &m)| {
                let var = s / n - (m as f64) * (m as f64);
                (var.max(0.0).sqrt() as f32).max(0.05)
            })
            .collect();
        DenseScaler { mean, std }
    }

    /// Every dense feature scaled ([`DenseScaler::scale`]). Most heuristic counts are zero and
    /// `ln_1p(0) = 0`, so zeros skip the logarithm (46 `ln_1p` calls were ~1.6 % of a scan).
    #[inline]
    pub fn scale_all(&self, dense: &[f32; N_MODEL_DENSE], out: &mut [f32; N_MODEL_DENSE]) {
        for (j, (o, &x)) in out.iter_mut().zip(dense).enumerate() {
            let squashed = if x > 0.0 { x.ln_1p() } else { 0.0 };
            *o = ((squashed - self.mean[j]) / self.std[j]).clamp(-8.0, 8.0);
        }
    }

    /// Scaled value of dense feature `j`, clipped so one extreme count cannot dominate.
    #[inline]
    pub fn scale(&self, j: usize, x: f32) -> f32 {
        ((squash(x) - self.mean[j]) / self.std[j]).clamp(-8.0, 8.0)
    }
}

#[inline]
fn squash(x: f32) -> f32 {
    x.max(0.0).ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(f: &Featurizer, req: &HttpRequest) -> Vec<(u32, f32)> {
        let mut s = Scratch::default();
        f.prepare(req, &mut s);
        let mut out = Vec::new();
        f.hashed(&s, |t| out.push((t.bucket, t.value)));
        out
    }

    #[test]
    fn harness_headers_and_method_do_not_change_features() {
        let f = Featurizer::default();
        let a = HttpRequest {
            method: "PUT".into(),
            url: "http://localhost:9090/shop/a.jsp?id=1".into(),
            headers: vec![("Host".into(), "localhost:9090".into())],
            ..Default::default()
        };
        let b = HttpRequest {
            method: "GET".into(),
            url: "http://localhost:8080/shop/a.jsp?id=1".into(),
            headers: vec![("Cookie".into(), "JSESSIONID=1".into())],
            ..Default::default()
        };
        assert_eq!(collect(&f, &a), collect(&f, &b));
    }

    #[test]
    fn encoded_and_plain_attacks_share_features() {
        let f = Featurizer::default();
        let plain = collect(
            &f,
            &HttpRequest::from_target("/s?q=<script>alert(1)</script>"),
        );
        let enc = collect(
            &f,
            &HttpRequest::from_target("/s?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E"),
        );
        assert_eq!(plain, enc);
    }

    #[test]
    fn value_shapes_tell_lengths_and_classes_apart() {
        assert_eq!(value_shapes(b"123"), value_shapes(b"456"));
        assert_ne!(value_shapes(b"123").1, value_shapes(b"1234").1);
        assert_eq!(value_shapes(b"123").0, value_shapes(b"1234").0);
        assert_ne!(value_shapes(b"abc").0, value_shapes(b"abc'").0);
        assert_ne!(value_shapes(b"").0, value_shapes(b"a").0);
    }

    #[test]
    fn every_bucket_is_in_range() {
        let f = Featurizer::default();
        let req = HttpRequest::from_target("/a/b?x=1&y=%27%20or%201=1--&z");
        for (i, v) in collect(&f, &req) {
            assert!((i as usize) < f.schema.hashed_dim());
            assert!(v.is_finite() && v > 0.0);
        }
    }

    #[test]
    fn scoring_pass_matches_the_token_stream() {
        let texts = [
            "",
            "/",
            "/ab",
            "/a/b?x=1&y=%27%20or%201=1--&z",
            "/tienda1/publico/anadir.jsp?id=2&nombre=Jam%F3n+Ib%E9rico&precio=85&B1=A%F1adir",
        ];
        // Any deterministic weights will do: the pass must agree with the stream on them.
        let weight = |b: u32| ((b % 97) as f32 - 48.0) / 64.0;
        for (lo, hi) in [(1, 5), (2, 4), (3, 3), (1, 1), (4, 2), (1, 8)] {
            let f = Featurizer::new(FeatureSchema {
                ngram_min: lo,
                ngram_max: hi,
                ..FeatureSchema::default()
            });
            let mut s = Scratch::default();
            for text in texts {
                f.prepare(&HttpRequest::from_target(text), &mut s);
                let (mut stream, mut expected, mut kinds) = (Vec::new(), 0f32, Vec::new());
                f.hashed(&s, |t| {
                    stream.push((t.bucket, t.value));
                    expected += weight(t.bucket) * t.value;
                    kinds.push((t.seen_key, t.kind));
                });
                let mut observed = Vec::new();
                let got = f.scoring_pass(&mut s, weight, |t| observed.push((t.seen_key, t.kind)));
                let rec = s.recorded_tokens().expect("recorded");
                assert_eq!(
                    rec.pairs().collect::<Vec<_>>(),
                    stream,
                    "{lo}..{hi} {text:?}"
                );
                assert_eq!(observed, kinds, "{lo}..{hi} {text:?}");
                assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
                f.prepare(&HttpRequest::from_target(text), &mut s);
                assert!(
                    s.recorded_tokens().is_none(),
                    "prepare forgets the last tokens"
                );
            }
        }
    }
}
