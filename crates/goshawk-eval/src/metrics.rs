//! Detection metrics computed from detector scores and ground-truth labels.
//!
//! Every evaluation in goshawk (the web detector, the anomaly models side by side) reduces to
//! the same question: given one score per row (higher = more malicious) and one label per row
//! (`true` = attack), how good is the ranking and how good is one operating point on it? This
//! module answers it with plain functions over slices, so the CLI, benchmarks and tests share
//! one implementation.
//!
//! Conventions (chosen to agree with `/work/shared/tools/metrics.py`, the project's independent
//! cross-check):
//! - a row is predicted an attack when `score >= threshold`;
//! - a ratio whose denominator is zero (precision with nothing flagged, recall with no attacks,
//!   FPR with no normal rows) is reported as `0.0`, as metrics.py does;
//! - ROC-AUC is the Mann-Whitney U statistic with tied scores given their average rank;
//! - PR-AUC is average precision: the step-wise sum of `(recall_k - recall_{k-1}) * precision_k`
//!   over distinct score values, highest first.
//!
//! Both AUC values are computed with the same floating-point operations in the same order as
//! metrics.py, so they agree bit for bit, not merely to four decimals.
//!
//! Nothing here panics on bad input: mismatched lengths, empty input, NaN scores and metrics that
//! are undefined for the data (an AUC without both classes) are [`MetricsError`]s.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// How many points a curve is thinned to for plotting (see [`thin_curve`]).
pub const PLOT_POINTS: usize = 500;

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// Two per-row inputs have different lengths.
    #[error("{first} has {first_len} rows but {second} has {second_len}")]
    LengthMismatch {
        first: &'static str,
        first_len: usize,
        second: &'static str,
        second_len: usize,
    },
    /// There are no rows at all.
    #[error("no rows to evaluate")]
    Empty,
    /// A score is NaN, which has no place in a ranking.
    #[error("score of row {row} is NaN")]
    NanScore { row: usize },
    /// The threshold passed in is NaN.
    #[error("threshold is NaN")]
    NanThreshold,
    /// The metric needs at least one attack (positive) row.
    #[error("{metric} is undefined: the data has no attack (positive) rows")]
    NoPositives { metric: &'static str },
    /// The metric needs at least one normal (negative) row.
    #[error("{metric} is undefined: the data has no normal (negative) rows")]
    NoNegatives { metric: &'static str },
    /// A target false-positive rate outside `[0, 1]` (or NaN).
    #[error("target false-positive rate {0} is not within [0, 1]")]
    InvalidFpr(f64),
}

/// Counts of the four outcomes at one operating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Attacks flagged.
    pub tp: usize,
    /// Normal rows flagged.
    pub fp: usize,
    /// Normal rows passed.
    pub tn: usize,
    /// Attacks missed.
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl ConfusionMatrix {
    /// Counts outcomes for predicted verdicts (`true` = flagged as attack).
    pub fn from_verdicts(predicted: &[bool], labels: &[bool]) -> Result<Self, MetricsError> {
        check_lengths("predicted", predicted.len(), "labels", labels.len())?;
        let mut matrix = ConfusionMatrix::default();
        for (&flagged, &attack) in predicted.iter().zip(labels) {
            matrix.record(flagged, attack);
        }
        Ok(matrix)
    }

    /// Counts outcomes when rows with `score >= threshold` are flagged.
    pub fn at_threshold(
        scores: &[f64],
        labels: &[bool],
        threshold: f64,
    ) -> Result<Self, MetricsError> {
        check_scores(scores, labels)?;
        if threshold.is_nan() {
            return Err(MetricsError::NanThreshold);
        }
        let mut matrix = ConfusionMatrix::default();
        for (&score, &attack) in scores.iter().zip(labels) {
            matrix.record(score >= threshold, attack);
        }
        Ok(matrix)
    }

    fn record(&mut self, flagged: bool, attack: bool) {
        match (flagged, attack) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    /// Attack rows (tp + fn).
    pub fn positives(&self) -> usize {
        self.tp + self.fn_
    }

    /// Normal rows (fp + tn).
    pub fn negatives(&self) -> usize {
        self.fp + self.tn
    }

    /// All rows.
    pub fn total(&self) -> usize {
        self.positives() + self.negatives()
    }

    /// Precision, recall, F1, FPR and accuracy for these counts.
    pub fn metrics(&self) -> MetricsAtThreshold {
        let precision = ratio(self.tp, self.tp + self.fp);
        let recall = ratio(self.tp, self.positives());
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        MetricsAtThreshold {
            confusion: *self,
            precision,
            recall,
            f1,
            fpr: ratio(self.fp, self.negatives()),
            accuracy: ratio(self.tp + self.tn, self.total()),
        }
    }
}

/// The classification metrics of one operating point (a threshold, or a set of verdicts).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricsAtThreshold {
    pub confusion: ConfusionMatrix,
    /// tp / (tp + fp); 0 when nothing is flagged.
    pub precision: f64,
    /// tp / (tp + fn), the detection rate; 0 when there are no attacks.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// fp / (fp + tn); 0 when there are no normal rows.
    pub fpr: f64,
    /// (tp + tn) / rows.
    pub accuracy: f64,
}

/// Metrics when rows with `score >= threshold` are flagged.
pub fn metrics_at_threshold(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<MetricsAtThreshold, MetricsError> {
    Ok(ConfusionMatrix::at_threshold(scores, labels, threshold)?.metrics())
}

/// Metrics for predicted verdicts (`true` = flagged as attack).
pub fn metrics_from_verdicts(
    predicted: &[bool],
    labels: &[bool],
) -> Result<MetricsAtThreshold, MetricsError> {
    if predicted.is_empty() && labels.is_empty() {
        return Err(MetricsError::Empty);
    }
    Ok(ConfusionMatrix::from_verdicts(predicted, labels)?.metrics())
}

/// Area under the ROC curve: the probability that a random attack scores above a random
/// normal row, ties counting one half (Mann-Whitney U with average ranks).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    const METRIC: &str = "ROC-AUC";
    let ranked = Ranked::new(scores, labels)?;
    ranked.require_both(METRIC)?;
    let n = ranked.pairs.len();
    // Ranks are 1-based in ascending score order. A tie group at descending positions
    // [start, end) sits at ascending positions [n - end, n - start), whose average rank is
    // ((n - end) + (n - start - 1)) / 2 + 1 — the expression metrics.py evaluates. Average ranks
    // are multiples of 0.5, so these sums are exact and the order of summation cannot matter.
    let mut positive_rank_sum = 0.0;
    for group in ranked.tie_groups() {
        let first = (n - group.end) as f64;
        let last = (n - group.start - 1) as f64;
        let average_rank = (first + last) / 2.0 + 1.0;
        positive_rank_sum += group.positives as f64 * average_rank;
    }
    let pos = ranked.positives;
    let neg = ranked.negatives;
    Ok((positive_rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64))
}

/// Average precision, the step-wise area under the precision-recall curve (what metrics.py calls
/// PR-AUC). Defined whenever there is at least one attack row.
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    let ranked = Ranked::new(scores, labels)?;
    ranked.require_positives("PR-AUC")?;
    let total_positives = ranked.positives as f64;
    let mut average_precision = 0.0;
    let mut previous_recall = 0.0;
    for group in ranked.tie_groups() {
        let recall = group.cumulative_tp as f64 / total_positives;
        let precision =
            group.cumulative_tp as f64 / (group.cumulative_tp + group.cumulative_fp) as f64;
        average_precision += (recall - previous_recall) * precision;
        previous_recall = recall;
    }
    Ok(average_precision)
}

/// A point of a curve drawn over the thresholds, for [`thin_curve`] and plotting.
pub trait CurvePoint {
    /// The point's (x, y) position on the plot.
    fn xy(&self) -> (f64, f64);
}

/// One point of the ROC curve: flagging `score >= threshold` gives this FPR and TPR.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    pub fpr: f64,
    pub tpr: f64,
    /// `+inf` for the curve's origin (nothing flagged); serialized as JSON `null` then.
    #[serde(deserialize_with = "f64_or_nan")]
    pub threshold: f64,
}

impl CurvePoint for RocPoint {
    fn xy(&self) -> (f64, f64) {
        (self.fpr, self.tpr)
    }
}

/// One point of the precision-recall curve at `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    pub recall: f64,
    pub precision: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub threshold: f64,
}

impl CurvePoint for PrPoint {
    fn xy(&self) -> (f64, f64) {
        (self.recall, self.precision)
    }
}

/// The full ROC curve: the origin `(0, 0)` at threshold `+inf`, then one point per distinct
/// score, highest first, ending at `(1, 1)`.
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<Vec<RocPoint>, MetricsError> {
    let ranked = Ranked::new(scores, labels)?;
    ranked.require_both("the ROC curve")?;
    let pos = ranked.positives as f64;
    let neg = ranked.negatives as f64;
    let mut points = vec![RocPoint {
        fpr: 0.0,
        tpr: 0.0,
        threshold: f64::INFINITY,
    }];
    points.extend(ranked.tie_groups().map(|group| RocPoint {
        fpr: group.cumulative_fp as f64 / neg,
        tpr: group.cumulative_tp as f64 / pos,
        threshold: group.score,
    }));
    Ok(points)
}

/// The full precision-recall curve: one point per distinct score, highest first (recall rising).
pub fn pr_curve(scores: &[f64], labels: &[bool]) -> Result<Vec<PrPoint>, MetricsError> {
    let ranked = Ranked::new(scores, labels)?;
    ranked.require_positives("the precision-recall curve")?;
    let pos = ranked.positives as f64;
    Ok(ranked
        .tie_groups()
        .map(|group| PrPoint {
            recall: group.cumulative_tp as f64 / pos,
            precision: group.cumulative_tp as f64
                / (group.cumulative_tp + group.cumulative_fp) as f64,
            threshold: group.score,
        })
        .collect())
}

/// Thins a curve to at most `max_points` points for plotting, keeping the first and last point
/// and spacing the rest evenly along the curve's length in plot space. Spacing by length (not by
/// index) keeps the steep early part of a ROC curve, where most thresholds of interest live,
/// even when thousands of thresholds crowd its flat tail.
pub fn thin_curve<P: CurvePoint + Clone>(points: &[P], max_points: usize) -> Vec<P> {
    let max_points = max_points.max(2);
    if points.len() <= max_points {
        return points.to_vec();
    }
    let segment_length = |a: &P, b: &P| {
        let (ax, ay) = a.xy();
        let (bx, by) = b.xy();
        let length = (bx - ax).hypot(by - ay);
        if length.is_finite() {
            length
        } else {
            0.0
        }
    };
    let total: f64 = points
        .windows(2)
        .map(|w| segment_length(&w[0], &w[1]))
        .sum();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    if total <= 0.0 {
        return vec![first.clone(), last.clone()];
    }
    // At most floor(total / spacing) = max_points - 2 interior points are kept.
    let spacing = total / (max_points - 2) as f64;
    let mut kept = vec![first.clone()];
    let mut travelled = 0.0;
    let interior = &points[1..points.len() - 1];
    for (previous, point) in points.iter().zip(interior) {
        travelled += segment_length(previous, point);
        if travelled >= spacing && kept.len() < max_points - 1 {
            kept.push(point.clone());
            travelled = 0.0;
        }
    }
    kept.push(last.clone());
    kept
}

/// The threshold that maximises F1, with the metrics there. The threshold is one of the scores
/// (flag `score >= threshold`); among equally good thresholds the highest is chosen. One sort,
/// so O(n log n).
pub fn best_f1_threshold(
    scores: &[f64],
    labels: &[bool],
) -> Result<(f64, MetricsAtThreshold), MetricsError> {
    let ranked = Ranked::new(scores, labels)?;
    ranked.require_positives("the best-F1 threshold")?;
    let mut best: Option<(f64, MetricsAtThreshold)> = None;
    for group in ranked.tie_groups() {
        let metrics = ranked.confusion_at(&group).metrics();
        if best.is_none_or(|(_, current)| metrics.f1 > current.f1) {
            best = Some((group.score, metrics));
        }
    }
    // Non-empty input with positives has at least one tie group.
    best.ok_or(MetricsError::Empty)
}

/// The lowest threshold whose false-positive rate is at most `max_fpr` (so the highest recall
/// that FPR budget allows), with the metrics there. When even the top score alone exceeds the
/// budget, the threshold is placed just above the top score, so nothing is flagged.
pub fn threshold_for_fpr(
    scores: &[f64],
    labels: &[bool],
    max_fpr: f64,
) -> Result<(f64, MetricsAtThreshold), MetricsError> {
    if !(0.0..=1.0).contains(&max_fpr) {
        return Err(MetricsError::InvalidFpr(max_fpr));
    }
    let ranked = Ranked::new(scores, labels)?;
    if ranked.negatives == 0 {
        return Err(MetricsError::NoNegatives {
            metric: "a threshold for a false-positive rate",
        });
    }
    let negatives = ranked.negatives as f64;
    let mut chosen = None;
    for group in ranked.tie_groups() {
        // FPR only grows as the threshold falls, so the first violation ends the search.
        if group.cumulative_fp as f64 / negatives > max_fpr {
            break;
        }
        chosen = Some((group.score, ranked.confusion_at(&group).metrics()));
    }
    match chosen {
        Some(found) => Ok(found),
        None => {
            let top = ranked.pairs.first().map_or(0.0, |&(score, _)| score);
            let threshold = top.next_up();
            Ok((threshold, metrics_at_threshold(scores, labels, threshold)?))
        }
    }
}

/// How one group of rows (typically one attack type, or "normal") fared at an operating point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    pub group: String,
    pub rows: usize,
    /// Attack rows in the group.
    pub positives: usize,
    /// Rows flagged, of either label.
    pub flagged: usize,
    /// Attack rows flagged.
    pub detected: usize,
    /// detected / positives; `None` when the group has no attack rows.
    pub recall: Option<f64>,
    /// Flagged normal rows / normal rows; `None` when the group has no normal rows.
    pub fpr: Option<f64>,
}

/// Per-group counts and rates for predicted verdicts, sorted by group name.
pub fn group_breakdown<S: AsRef<str>>(
    predicted: &[bool],
    labels: &[bool],
    groups: &[S],
) -> Result<Vec<GroupStats>, MetricsError> {
    check_lengths("predicted", predicted.len(), "labels", labels.len())?;
    check_lengths("groups", groups.len(), "labels", labels.len())?;
    let mut by_group: BTreeMap<&str, ConfusionMatrix> = BTreeMap::new();
    for ((&flagged, &attack), group) in predicted.iter().zip(labels).zip(groups) {
        by_group
            .entry(group.as_ref())
            .or_default()
            .record(flagged, attack);
    }
    Ok(by_group
        .into_iter()
        .map(|(group, counts)| GroupStats {
            group: group.to_owned(),
            rows: counts.total(),
            positives: counts.positives(),
            flagged: counts.tp + counts.fp,
            detected: counts.tp,
            recall: (counts.positives() > 0).then(|| ratio(counts.tp, counts.positives())),
            fpr: (counts.negatives() > 0).then(|| ratio(counts.fp, counts.negatives())),
        })
        .collect())
}

/// Per-group breakdown when rows with `score >= threshold` are flagged.
pub fn group_breakdown_at_threshold<S: AsRef<str>>(
    scores: &[f64],
    labels: &[bool],
    groups: &[S],
    threshold: f64,
) -> Result<Vec<GroupStats>, MetricsError> {
    check_scores(scores, labels)?;
    if threshold.is_nan() {
        return Err(MetricsError::NanThreshold);
    }
    let predicted: Vec<bool> = scores.iter().map(|&s| s >= threshold).collect();
    group_breakdown(&predicted, labels, groups)
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

fn check_lengths(
    first: &'static str,
    first_len: usize,
    second: &'static str,
    second_len: usize,
) -> Result<(), MetricsError> {
    if first_len == second_len {
        Ok(())
    } else {
        Err(MetricsError::LengthMismatch {
            first,
            first_len,
            second,
            second_len,
        })
    }
}

/// Checks that scores and labels pair up, are non-empty and hold no NaN.
pub(crate) fn check_scores(scores: &[f64], labels: &[bool]) -> Result<(), MetricsError> {
    check_lengths("scores", scores.len(), "labels", labels.len())?;
    if scores.is_empty() {
        return Err(MetricsError::Empty);
    }
    match scores.iter().position(|s| s.is_nan()) {
        Some(row) => Err(MetricsError::NanScore { row }),
        None => Ok(()),
    }
}

pub(crate) fn f64_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    // serde_json writes non-finite floats as `null`; read them back rather than fail.
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Validated (score, label) pairs sorted by descending score.
struct Ranked {
    pairs: Vec<(f64, bool)>,
    positives: usize,
    negatives: usize,
}

/// A run of equal scores in a [`Ranked`] list, with the counts of everything scored at least as
/// high (i.e. the outcome of flagging `score >= this score`).
struct TieGroup {
    score: f64,
    start: usize,
    end: usize,
    positives: usize,
    cumulative_tp: usize,
    cumulative_fp: usize,
}

impl Ranked {
    fn new(scores: &[f64], labels: &[bool]) -> Result<Self, MetricsError> {
        check_scores(scores, labels)?;
        // `+ 0.0` turns -0.0 into 0.0, so the total order below treats them as one score, as
        // the == comparisons of metrics.py do.
        let mut pairs: Vec<(f64, bool)> = scores
            .iter()
            .zip(labels)
            .map(|(&score, &label)| (score + 0.0, label))
            .collect();
        pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let positives = labels.iter().filter(|&&attack| attack).count();
        Ok(Ranked {
            negatives: pairs.len() - positives,
            pairs,
            positives,
        })
    }

    fn require_positives(&self, metric: &'static str) -> Result<(), MetricsError> {
        if self.positives == 0 {
            Err(MetricsError::NoPositives { metric })
        } else {
            Ok(())
        }
    }

    fn require_both(&self, metric: &'static str) -> Result<(), MetricsError> {
        self.require_positives(metric)?;
        if self.negatives == 0 {
            Err(MetricsError::NoNegatives { metric })
        } else {
            Ok(())
        }
    }

    fn tie_groups(&self) -> impl Iterator<Item = TieGroup> + '_ {
        let mut start = 0;
        let mut cumulative_tp = 0;
        let mut cumulative_fp = 0;
        std::iter::from_fn(move || {
            let &(score, _) = self.pairs.get(start)?;
            let run = self.pairs[start..]
                .iter()
                .take_while(|&&(other, _)| other == score)
                .count();
            let end = start + run;
            let positives = self.pairs[start..end]
                .iter()
                .filter(|&&(_, attack)| attack)
                .count();
            cumulative_tp += positives;
            cumulative_fp += run - positives;
            let group = TieGroup {
                score,
                start,
                end,
                positives,
                cumulative_tp,
                cumulative_fp,
            };
            start = end;
            Some(group)
        })
    }

    fn confusion_at(&self, group: &TieGroup) -> ConfusionMatrix {
        ConfusionMatrix {
            tp: group.cumulative_tp,
            fp: group.cumulative_fp,
            tn: self.negatives - group.cumulative_fp,
            fn_: self.positives - group.cumulative_tp,
        }
    }
}
