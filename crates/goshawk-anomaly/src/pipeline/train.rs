//! Training an [`AnomalyModel`] from records of one kind: splitting off a labelled calibration
//! slice, fitting the candidate algorithms, placing each one's threshold where F1 is best on that
//! slice, and — with `auto` — keeping the candidate with the best calibration F1, saying which and
//! why. Everything it measured goes into the model's metadata.
//!
//! Labels never become features: they train the supervised candidate, select the rows of
//! `--fit-on normal`, and calibrate thresholds. The calibration slice is stratified (each class
//! keeps its share) and never used to fit, so its figures are honest held-out figures.

use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;
use crate::pipeline::features::{FeatureRecord, FeatureSchema, TableKind};
use crate::pipeline::gbt::BoostingParams;
use crate::pipeline::model::{Algorithm, AnomalyModel, Detector, Profile};
use crate::pipeline::PipelineError;
use crate::{Gamma, IsolationForestParams, LocalOutlierFactorParams, OneClassSvmParams};

/// Share of the labelled rows held out to calibrate when labels exist and no fraction is given.
pub const DEFAULT_CALIBRATE_FRACTION: f64 = 0.2;
/// Trees of the Isolation Forest. A row's score is a mean over trees, so its noise falls with
/// the square root of their number; with scikit-learn's 100, whole clusters of near-identical
/// connections (a beaconing host) ranked above or below the normal traffic depending on the seed
/// alone (scikit-learn too: ROC-AUC 0.55 to 0.97 over five seeds on one Zeek capture); with 300
/// the spread was under 0.01. Scoring costs three times as much, still far above a million rows/s.
pub const IFOREST_TREES: usize = 300;
/// LOF keeps every fitted row; beyond this many it is fitted on a seeded sample.
pub const LOF_MAX_ROWS: usize = 50_000;

/// Which rows the unsupervised models are fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FitOn {
    /// Every training row, labelled or not (the usual unsupervised setting).
    All,
    /// Only rows labelled normal (one-class fitting).
    Normal,
}

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// `None` = auto: every candidate that applies, best calibration F1 wins.
    pub algorithm: Option<Algorithm>,
    pub fit_on: FitOn,
    /// Share of labelled rows held out for calibration; `None` = [`DEFAULT_CALIBRATE_FRACTION`]
    /// when the data has attack labels, else no calibration.
    pub calibrate_fraction: Option<f64>,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            algorithm: None,
            fit_on: FitOn::All,
            calibrate_fraction: None,
            seed: 42,
        }
    }
}

/// A threshold placed on the calibration slice and what it gives there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Raw score from which a row is flagged (maps to 0.5).
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub roc_auc: Option<f64>,
}

/// One candidate's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateReport {
    pub algorithm: Algorithm,
    /// Rows it was fitted on.
    pub fit_rows: usize,
    pub fit_seconds: f64,
    pub calibration: Option<Calibration>,
    /// Why it could not be fitted, if it could not.
    pub error: Option<String>,
}

/// Everything training measured and decided; stored as the model's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    pub kind: TableKind,
    pub rows: usize,
    pub labelled_rows: usize,
    pub attack_rows: usize,
    pub training_rows: usize,
    pub calibration_rows: usize,
    pub calibration_attack_rows: usize,
    pub calibrate_fraction: f64,
    pub fit_on: FitOn,
    /// `auto`, or the algorithm asked for.
    pub requested: String,
    pub chosen: Algorithm,
    pub reason: String,
    /// Where the threshold comes from.
    pub threshold_source: String,
    pub threshold: f64,
    /// The chosen model on the calibration slice.
    pub calibration: Option<Calibration>,
    pub candidates: Vec<CandidateReport>,
    pub features: usize,
    pub seed: u64,
    /// What a reader of the figures should not miss (a model no better than chance, ...).
    pub warnings: Vec<String>,
}

struct Split {
    training: Vec<usize>,
    calibration: Vec<usize>,
}

/// Stratified split of the labelled rows: `fraction` of each class goes to calibration.
fn split(labels: &[Option<bool>], fraction: f64, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut calibration = Vec::new();
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i] == Some(class))
            .collect();
        rows.shuffle(&mut rng);
        let take = ((rows.len() as f64) * fraction).round() as usize;
        let take = if fraction > 0.0 && !rows.is_empty() {
            take.clamp(1, rows.len())
        } else {
            0
        };
        calibration.extend_from_slice(&rows[..take]);
    }
    calibration.sort_unstable();
    let mut held = vec![false; labels.len()];
    calibration.iter().for_each(|&i| held[i] = true);
    let training = (0..labels.len()).filter(|&i| !held[i]).collect();
    Split {
        training,
        calibration,
    }
}

fn pick<'a, R>(records: &'a [R], rows: &[usize]) -> Vec<&'a R> {
    rows.iter().map(|&i| &records[i]).collect()
}

/// Trains a model on `records` (all of one kind). See the module documentation.
pub fn train<R: FeatureRecord>(
    records: &[R],
    options: &TrainOptions,
) -> Result<(AnomalyModel, TrainingReport), PipelineError> {
    if records.len() < 2 {
        return Err(PipelineError::TooFewRows(records.len()));
    }
    let labels: Vec<Option<bool>> = records.iter().map(FeatureRecord::label).collect();
    let labelled = labels.iter().filter(|l| l.is_some()).count();
    let attacks = labels.iter().filter(|&&l| l == Some(true)).count();
    let fraction = match options.calibrate_fraction {
        Some(f) if !(0.0..1.0).contains(&f) => return Err(PipelineError::InvalidFraction(f)),
        Some(f) if f > 0.0 && attacks == 0 => {
            return Err(PipelineError::NeedLabels(format!(
                "--calibrate-fraction {f} needs rows labelled as attacks, and the data has none \
                 (is --label-column right?)"
            )))
        }
        Some(f) => f,
        None if attacks > 0 && attacks < labelled => DEFAULT_CALIBRATE_FRACTION,
        None => 0.0,
    };
    let split = split(&labels, fraction, options.seed);
    let calibration_attacks = split
        .calibration
        .iter()
        .filter(|&&i| labels[i] == Some(true))
        .count();
    let can_calibrate = calibration_attacks > 0;

    let training_records = pick(records, &split.training);
    let schema = FeatureSchema::learn(training_records.iter().copied());

    let fit_rows: Vec<usize> = match options.fit_on {
        FitOn::All => split.training.clone(),
        FitOn::Normal => split
            .training
            .iter()
            .copied()
            .filter(|&i| labels[i] == Some(false))
            .collect(),
    };
    if fit_rows.is_empty() {
        return Err(match options.fit_on {
            FitOn::Normal => PipelineError::NoNormalRows,
            FitOn::All => PipelineError::TooFewRows(0),
        });
    }
    let supervised_rows: Vec<usize> = split
        .training
        .iter()
        .copied()
        .filter(|&i| labels[i].is_some())
        .collect();
    let supervised_labels: Vec<bool> = supervised_rows
        .iter()
        .map(|&i| labels[i] == Some(true))
        .collect();
    let supervised_possible =
        supervised_labels.iter().any(|&l| l) && supervised_labels.iter().any(|&l| !l);

    let candidates: Vec<Algorithm> = match options.algorithm {
        Some(Algorithm::Supervised) if !supervised_possible => {
            return Err(PipelineError::NeedLabels(
                "--algorithm supervised needs labelled training rows of both classes (attack \
                 and normal); is --label-column right?"
                    .into(),
            ))
        }
        Some(algorithm) => vec![algorithm],
        None if !can_calibrate => vec![Algorithm::Iforest],
        None => {
            let mut all = vec![Algorithm::Iforest, Algorithm::Lof, Algorithm::Ocsvm];
            if supervised_possible {
                all.push(Algorithm::Supervised);
            }
            all
        }
    };

    let fit_matrix = schema.matrix(&pick(records, &fit_rows))?;
    let calibration_matrix = schema.matrix(&pick(records, &split.calibration))?;
    let calibration_labels: Vec<bool> = split
        .calibration
        .iter()
        .map(|&i| labels[i] == Some(true))
        .collect();

    let mut fitted: Vec<(Detector, CandidateReport)> = Vec::new();
    let mut reports: Vec<CandidateReport> = Vec::new();
    for algorithm in &candidates {
        let started = Instant::now();
        let outcome = fit_candidate(
            *algorithm,
            &fit_matrix,
            records,
            &supervised_rows,
            &supervised_labels,
            &schema,
            options.seed,
        );
        let fit_seconds = started.elapsed().as_secs_f64();
        let fit_count = match algorithm {
            Algorithm::Supervised => supervised_rows.len(),
            Algorithm::Lof => fit_matrix.n_rows().min(LOF_MAX_ROWS),
            Algorithm::Ocsvm => fit_matrix
                .n_rows()
                .min(OneClassSvmParams::default().max_train_rows),
            Algorithm::Iforest => fit_matrix.n_rows(),
        };
        match outcome {
            Ok(detector) => {
                let calibration = if can_calibrate {
                    Some(calibrate(
                        &detector,
                        &calibration_matrix,
                        &calibration_labels,
                    )?)
                } else {
                    None
                };
                let report = CandidateReport {
                    algorithm: *algorithm,
                    fit_rows: fit_count,
                    fit_seconds,
                    calibration,
                    error: None,
                };
                fitted.push((detector, report.clone()));
                reports.push(report);
            }
            // A single requested algorithm must work; under auto a failing candidate is noted.
            Err(e) if candidates.len() == 1 => return Err(e),
            Err(e) => reports.push(CandidateReport {
                algorithm: *algorithm,
                fit_rows: fit_count,
                fit_seconds,
                calibration: None,
                error: Some(e.to_string()),
            }),
        }
    }

    // Best calibration F1; on a tie the earlier candidate (Isolation Forest first) stays.
    let mut best = 0;
    for (i, (_, report)) in fitted.iter().enumerate() {
        let f1 = |r: &CandidateReport| r.calibration.as_ref().map_or(-1.0, |c| c.f1);
        if f1(report) > f1(&fitted[best].1) {
            best = i;
        }
    }
    if fitted.is_empty() {
        return Err(PipelineError::InvalidModel(
            "no candidate could be fitted".into(),
        ));
    }
    let (detector, chosen_report) = fitted.swap_remove(best);
    let chosen = detector.algorithm();
    let reason = reason_for(options.algorithm, chosen, &reports, can_calibrate, fraction);
    let (threshold, threshold_source) = match &chosen_report.calibration {
        Some(c) => (
            c.threshold,
            format!(
                "best F1 on the calibration slice ({} labelled rows held out, {} attacks)",
                split.calibration.len(),
                calibration_attacks
            ),
        ),
        None => (
            detector.default_threshold(),
            format!("{chosen}'s default cut-off (no labelled attacks to calibrate on)"),
        ),
    };
    let profile_rows: Vec<usize> = if chosen.is_supervised() {
        let normal: Vec<usize> = supervised_rows
            .iter()
            .copied()
            .filter(|&i| labels[i] == Some(false))
            .collect();
        if normal.is_empty() {
            split.training.clone()
        } else {
            normal
        }
    } else {
        fit_rows
    };
    let profile = Profile::fit(&schema.matrix(&pick(records, &profile_rows))?.view());
    let mut warnings = Vec::new();
    if let Some(c) = &chosen_report.calibration {
        if c.roc_auc.is_some_and(|auc| auc < 0.6) {
            warnings.push(format!(
                "{chosen} ranks the calibration slice barely better than chance (ROC-AUC {:.3}): \
                 these features do not separate attacks from normal rows",
                c.roc_auc.unwrap_or_default()
            ));
        }
        let base_rate = calibration_attacks as f64 / split.calibration.len().max(1) as f64;
        if c.recall >= 0.999 && c.precision <= base_rate + 0.02 {
            warnings.push(
                "the best-F1 threshold flags (nearly) every row: F1 is maximised by calling \
                 everything an attack, so the verdicts carry no information"
                    .to_string(),
            );
        }
    }
    let report = TrainingReport {
        kind: R::KIND,
        rows: records.len(),
        labelled_rows: labelled,
        attack_rows: attacks,
        training_rows: split.training.len(),
        calibration_rows: split.calibration.len(),
        calibration_attack_rows: calibration_attacks,
        calibrate_fraction: fraction,
        fit_on: options.fit_on,
        requested: options
            .algorithm
            .map_or_else(|| "auto".to_string(), |a| a.name().to_string()),
        chosen,
        reason,
        threshold_source,
        threshold,
        calibration: chosen_report.calibration.clone(),
        candidates: reports,
        features: schema.n_features(),
        seed: options.seed,
        warnings,
    };
    let metadata = serde_json::to_value(&report).unwrap_or_default();
    let model = AnomalyModel::new(schema, detector, threshold, profile, metadata)?;
    Ok((model, report))
}

/// Fits an unsupervised `algorithm` on `records` with an existing `schema`, without looking at
/// labels, and keeps the algorithm's default cut-off: how `goshawk evaluate --compare` puts other
/// algorithms next to a model on the same features.
pub fn fit_with_schema<R: FeatureRecord>(
    algorithm: Algorithm,
    schema: &FeatureSchema,
    records: &[&R],
    seed: u64,
) -> Result<AnomalyModel, PipelineError> {
    if algorithm.is_supervised() {
        return Err(PipelineError::NeedLabels(
            "the supervised model cannot be fitted label-blind".into(),
        ));
    }
    if records.len() < 2 {
        return Err(PipelineError::TooFewRows(records.len()));
    }
    let matrix = schema.matrix(records)?;
    let detector = fit_candidate::<R>(algorithm, &matrix, &[], &[], &[], schema, seed)?;
    let threshold = detector.default_threshold();
    let profile = Profile::fit(&matrix.view());
    let metadata = serde_json::json!({
        "chosen": algorithm.name(),
        "reason": "fitted label-blind on the data it scores, with the algorithm's default cut-off",
        "rows": records.len(),
        "seed": seed,
    });
    AnomalyModel::new(schema.clone(), detector, threshold, profile, metadata)
}

fn fit_candidate<R: FeatureRecord>(
    algorithm: Algorithm,
    fit_matrix: &Matrix,
    records: &[R],
    supervised_rows: &[usize],
    supervised_labels: &[bool],
    schema: &FeatureSchema,
    seed: u64,
) -> Result<Detector, PipelineError> {
    Ok(match algorithm {
        Algorithm::Iforest => Detector::Iforest(
            IsolationForestParams {
                n_trees: IFOREST_TREES,
                seed,
                ..IsolationForestParams::default()
            }
            .fit(&fit_matrix.view())?,
        ),
        Algorithm::Lof => {
            let params = LocalOutlierFactorParams::default();
            if fit_matrix.n_rows() > LOF_MAX_ROWS {
                let sample = sample_rows(fit_matrix, LOF_MAX_ROWS, seed)?;
                Detector::Lof(params.fit(&sample.view())?)
            } else {
                Detector::Lof(params.fit(&fit_matrix.view())?)
            }
        }
        Algorithm::Ocsvm => Detector::Ocsvm(
            OneClassSvmParams {
                // Flag about one training row in ten at the default cut-off, not half of them
                // (scikit-learn's nu = 0.5); calibration moves the threshold anyway.
                nu: 0.1,
                gamma: Gamma::Scale,
                seed,
                ..OneClassSvmParams::default()
            }
            .fit(&fit_matrix.view())?,
        ),
        Algorithm::Supervised => {
            let matrix = schema.matrix(&pick(records, supervised_rows))?;
            Detector::Supervised(
                BoostingParams {
                    seed,
                    ..BoostingParams::default()
                }
                .fit(&matrix.view(), supervised_labels)?,
            )
        }
    })
}

fn sample_rows(matrix: &Matrix, count: usize, seed: u64) -> Result<Matrix, PipelineError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x10f);
    let mut rows: Vec<usize> = (0..matrix.n_rows()).collect();
    rows.shuffle(&mut rng);
    rows.truncate(count);
    rows.sort_unstable();
    let view = matrix.view();
    let mut values = Vec::with_capacity(count * matrix.n_features());
    for r in rows {
        values.extend_from_slice(view.row(r));
    }
    Ok(Matrix::from_f32(values, matrix.n_features())?)
}

fn calibrate(
    detector: &Detector,
    rows: &Matrix,
    labels: &[bool],
) -> Result<Calibration, PipelineError> {
    let scores = detector.raw_scores(&rows.view())?;
    let (threshold, metrics) = goshawk_eval::best_f1_threshold(&scores, labels)
        .map_err(|e| PipelineError::Metrics(e.to_string()))?;
    Ok(Calibration {
        threshold: threshold.clamp(0.0, 1.0),
        precision: metrics.precision,
        recall: metrics.recall,
        f1: metrics.f1,
        roc_auc: goshawk_eval::roc_auc(&scores, labels).ok(),
    })
}

fn reason_for(
    requested: Option<Algorithm>,
    chosen: Algorithm,
    reports: &[CandidateReport],
    calibrated: bool,
    fraction: f64,
) -> String {
    if let Some(algorithm) = requested {
        return format!("requested with --algorithm {algorithm}");
    }
    if !calibrated {
        return if fraction > 0.0 {
            "auto: the calibration slice holds no attacks to compare candidates on, so the \
             production model (Isolation Forest) was kept"
                .into()
        } else {
            "auto: no attack labels to compare candidates on, so the production model \
             (Isolation Forest) was kept"
                .into()
        };
    }
    let others: Vec<String> = reports
        .iter()
        .filter(|r| r.algorithm != chosen)
        .map(|r| match (&r.calibration, &r.error) {
            (Some(c), _) => format!("{} {:.3}", r.algorithm, c.f1),
            (None, Some(e)) => format!("{} failed: {e}", r.algorithm),
            (None, None) => format!("{} not calibrated", r.algorithm),
        })
        .collect();
    let own = reports
        .iter()
        .find(|r| r.algorithm == chosen)
        .and_then(|r| r.calibration.as_ref())
        .map_or(0.0, |c| c.f1);
    format!(
        "auto: highest F1 on the calibration slice, {chosen} {own:.3} (vs {})",
        others.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use goshawk_core::NetSession;

    /// Sessions where attacks have many failed logins and an unknown browser.
    fn sessions(n: usize, with_labels: bool) -> Vec<NetSession> {
        (0..n)
            .map(|i| {
                let attack = i % 5 == 0;
                NetSession {
                    session_id: format!("SID_{i}"),
                    network_packet_size: 400 + (i * 37 % 200) as u32,
                    protocol_type: ["TCP", "UDP", "TCP", "ICMP"][i % 4].into(),
                    login_attempts: if attack {
                        8 + (i % 3) as u32
                    } else {
                        1 + (i % 4) as u32
                    },
                    session_duration: 100.0 + (i * 53 % 900) as f64,
                    encryption_used: ["AES", "DES", "None"][i % 3].into(),
                    ip_reputation_score: if attack {
                        0.8
                    } else {
                        0.1 + (i % 7) as f64 / 20.0
                    },
                    failed_logins: if attack { 4 } else { (i % 2) as u32 },
                    browser_type: if attack { "Unknown" } else { "Chrome" }.into(),
                    unusual_time_access: i % 11 == 0,
                    label: with_labels.then(|| if attack { "1" } else { "0" }.to_string()),
                }
            })
            .collect()
    }

    #[test]
    fn auto_compares_every_candidate_and_calibrates() {
        let data = sessions(600, true);
        let (model, report) = train(&data, &TrainOptions::default()).unwrap();
        assert_eq!(report.candidates.len(), 4, "{report:?}");
        assert_eq!(report.calibration_rows, 120);
        assert_eq!(report.calibration_attack_rows, 24);
        let chosen = report.calibration.as_ref().unwrap();
        assert!(chosen.f1 > 0.95, "{chosen:?}");
        for candidate in &report.candidates {
            let f1 = candidate.calibration.as_ref().map_or(0.0, |c| c.f1);
            assert!(f1 <= chosen.f1, "{candidate:?} beat the chosen model");
        }
        assert!(
            report.reason.starts_with("auto: highest F1"),
            "{}",
            report.reason
        );
        // Scores: the threshold is at 0.5, attacks above it.
        let refs: Vec<&NetSession> = data.iter().collect();
        let scored = model.score_records(&refs).unwrap();
        let hits = scored
            .iter()
            .zip(&data)
            .filter(|(s, r)| s.attack == r.is_attack().unwrap())
            .count();
        assert!(hits as f64 / data.len() as f64 > 0.95, "{hits}");
        // An attack is explained by the features that make it one.
        let matrix = model.features(&refs[..1]).unwrap();
        let why = model.explain(matrix.view().row(0), 3);
        assert!(scored[0].attack && !why.is_empty());
        assert!(
            why.iter().any(|w| [
                "failed_logins",
                "login_attempts",
                "ip_reputation",
                "browser"
            ]
            .iter()
            .any(|f| w.starts_with(f))),
            "{why:?}"
        );
    }

    #[test]
    fn without_labels_isolation_forest_with_its_default_cut_off() {
        let data = sessions(300, false);
        let (model, report) = train(&data, &TrainOptions::default()).unwrap();
        assert_eq!(model.algorithm(), Algorithm::Iforest);
        assert_eq!(report.calibration_rows, 0);
        assert_eq!(report.threshold, 0.5);
        assert!(
            report.reason.contains("no attack labels"),
            "{}",
            report.reason
        );
    }

    #[test]
    fn label_needing_options_fail_clearly_without_labels() {
        let data = sessions(100, false);
        let supervised = TrainOptions {
            algorithm: Some(Algorithm::Supervised),
            ..TrainOptions::default()
        };
        assert!(matches!(
            train(&data, &supervised),
            Err(PipelineError::NeedLabels(_))
        ));
        let normal = TrainOptions {
            fit_on: FitOn::Normal,
            ..TrainOptions::default()
        };
        assert!(matches!(
            train(&data, &normal),
            Err(PipelineError::NoNormalRows)
        ));
        let fraction = TrainOptions {
            calibrate_fraction: Some(0.3),
            ..TrainOptions::default()
        };
        assert!(matches!(
            train(&data, &fraction),
            Err(PipelineError::NeedLabels(_))
        ));
        let bad = TrainOptions {
            calibrate_fraction: Some(1.0),
            ..TrainOptions::default()
        };
        assert!(matches!(
            train(&sessions(100, true), &bad),
            Err(PipelineError::InvalidFraction(_))
        ));
    }

    #[test]
    fn fit_on_normal_fits_only_normal_rows_and_split_is_stratified() {
        let data = sessions(500, true);
        let options = TrainOptions {
            algorithm: Some(Algorithm::Iforest),
            fit_on: FitOn::Normal,
            ..TrainOptions::default()
        };
        let (_, report) = train(&data, &options).unwrap();
        // 400 normal rows, 80 of them held out for calibration.
        assert_eq!(report.candidates[0].fit_rows, 320);
        assert_eq!(report.calibration_attack_rows, 20);
        assert_eq!(report.reason, "requested with --algorithm iforest");
    }

    #[test]
    fn model_file_round_trip_keeps_scores_and_metadata() {
        let data = sessions(400, true);
        let (model, _) = train(&data, &TrainOptions::default()).unwrap();
        let bytes = model.to_bytes().unwrap();
        let back = AnomalyModel::from_bytes(&bytes).unwrap();
        let refs: Vec<&NetSession> = data.iter().collect();
        assert_eq!(
            model.score_records(&refs).unwrap(),
            back.score_records(&refs).unwrap()
        );
        assert_eq!(back.metadata()["chosen"], model.algorithm().name());
        let header = goshawk_model::peek_header(&bytes).unwrap();
        assert_eq!(header.kind, "anomaly-sessions");
        assert!(header.schema["features"].as_array().unwrap().len() > 10);
    }
}
