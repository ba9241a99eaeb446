//! Behaviour of the three models through the public API: agreement with scikit-learn on a committed
//! fixture, determinism, ranking of obvious outliers, score range, degenerate input and storage.

use goshawk_anomaly::{
    AnomalyDetector, AnomalyError, IsolationForest, IsolationForestParams, LocalOutlierFactor,
    LocalOutlierFactorParams, Matrix, MatrixView, OneClassSvm, OneClassSvmParams,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{de::DeserializeOwned, Serialize};

/// `tests/fixtures/sklearn_reference.json`, written by `make_sklearn_reference.py`.
struct Reference {
    json: serde_json::Value,
}

impl Reference {
    fn load() -> Self {
        let text = include_str!("fixtures/sklearn_reference.json");
        Self {
            json: serde_json::from_str(text).expect("fixture is valid JSON"),
        }
    }

    fn floats(&self, key: &str) -> Vec<f64> {
        self.json[key]
            .as_array()
            .unwrap_or_else(|| panic!("fixture has no array {key}"))
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    }

    fn float(&self, key: &str) -> f64 {
        self.json[key].as_f64().expect("number")
    }

    fn matrix(&self, key: &str) -> Matrix {
        let n_features = self.json["n_features"].as_u64().expect("n_features") as usize;
        Matrix::from_f64(&self.floats(key), n_features).expect("finite fixture")
    }
}

/// ROC-AUC by the rank-sum formula, ties counted half.
fn roc_auc(labels: &[f64], scores: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; scores.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let average_rank = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = average_rank;
        }
        start = end + 1;
    }
    let positives = labels.iter().filter(|&&l| l == 1.0).count() as f64;
    let negatives = labels.len() as f64 - positives;
    let positive_rank_sum: f64 = labels
        .iter()
        .zip(&ranks)
        .filter(|(&l, _)| l == 1.0)
        .map(|(_, r)| r)
        .sum();
    (positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

fn assert_close(actual: f64, expected: f64, relative: f64, what: &str) {
    let tolerance = relative * expected.abs().max(1e-9);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} vs scikit-learn {expected}"
    );
}

#[test]
fn lof_matches_scikit_learn_score_by_score() {
    let reference = Reference::load();
    let model = LocalOutlierFactorParams::default()
        .fit(&reference.matrix("train").view())
        .expect("fit");
    let factors = model
        .local_outlier_factors(&reference.matrix("test").view())
        .expect("score");
    let expected = reference.floats("lof_local_outlier_factors");
    assert_eq!(factors.len(), expected.len());
    for (row, (&ours, &theirs)) in factors.iter().zip(&expected).enumerate() {
        assert_close(ours, theirs, 1e-4, &format!("LOF of test row {row}"));
    }
}

#[test]
fn ocsvm_matches_scikit_learn_score_by_score() {
    let reference = Reference::load();
    let model = OneClassSvmParams::default()
        .fit(&reference.matrix("train").view())
        .expect("fit");
    assert_close(
        model.rho(),
        reference.float("ocsvm_nu_0_5_offset"),
        1e-3,
        "rho",
    );
    let expected_support = reference.float("ocsvm_nu_0_5_support_vectors");
    assert!((model.n_support_vectors() as f64 - expected_support).abs() <= 2.0);
    let sums = model
        .kernel_sums(&reference.matrix("test").view())
        .expect("score");
    for (row, (&ours, &theirs)) in sums
        .iter()
        .zip(&reference.floats("ocsvm_nu_0_5_score_samples"))
        .enumerate()
    {
        assert_close(
            ours,
            theirs,
            1e-3,
            &format!("score_samples of test row {row}"),
        );
    }
}

#[test]
fn iforest_auc_matches_scikit_learn_on_average() {
    let reference = Reference::load();
    let train = reference.matrix("train");
    let labels = reference.floats("train_labels");
    let aucs: Vec<f64> = (0..20)
        .map(|seed| {
            let model = IsolationForestParams {
                seed,
                ..IsolationForestParams::default()
            }
            .fit(&train.view())
            .expect("fit");
            roc_auc(&labels, &model.score(&train.view()).expect("score"))
        })
        .collect();
    let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
    let expected = reference.float("iforest_train_auc_mean_20_seeds");
    assert!(
        (mean - expected).abs() < 0.01,
        "mean AUC over 20 seeds {mean} vs scikit-learn {expected}"
    );
}

/// 500 inliers from a standard normal in 3 dimensions, then 5 points 20 units out.
fn cluster_with_far_outliers() -> (Matrix, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut values = Vec::new();
    for _ in 0..500 * 3 {
        // Sum of uniforms: close enough to normal, bounded.
        let value: f32 = (0..4).map(|_| rng.gen_range(-1.0f32..1.0)).sum();
        values.push(value);
    }
    for outlier in 0..5 {
        let sign = if outlier % 2 == 0 { 1.0 } else { -1.0 };
        values.extend([20.0 * sign, 20.0 + outlier as f32, -20.0 * sign]);
    }
    (Matrix::from_f32(values, 3).expect("finite"), 500)
}

fn fitted_models(data: &MatrixView<'_>) -> Vec<(&'static str, Box<dyn AnomalyDetector>)> {
    vec![
        (
            "isolation forest",
            Box::new(IsolationForestParams::default().fit(data).expect("fit")),
        ),
        (
            "local outlier factor",
            Box::new(LocalOutlierFactorParams::default().fit(data).expect("fit")),
        ),
        (
            "one-class svm nu=0.1",
            Box::new(
                OneClassSvmParams {
                    nu: 0.1,
                    ..OneClassSvmParams::default()
                }
                .fit(data)
                .expect("fit"),
            ),
        ),
    ]
}

#[test]
fn obvious_outliers_score_above_every_inlier_and_the_threshold() {
    let (data, n_inliers) = cluster_with_far_outliers();
    for (name, model) in fitted_models(&data.view()) {
        let scores = model.score(&data.view()).expect("score");
        let (inliers, outliers) = scores.split_at(n_inliers);
        let highest_inlier = inliers.iter().cloned().fold(f64::MIN, f64::max);
        let lowest_outlier = outliers.iter().cloned().fold(f64::MAX, f64::min);
        assert!(
            lowest_outlier > highest_inlier,
            "{name}: outlier {lowest_outlier} <= inlier {highest_inlier}"
        );
        assert!(
            lowest_outlier > model.decision_threshold(),
            "{name}: outlier below threshold"
        );
        let flagged = model.flag(&data.view()).expect("flag");
        let flagged_inliers = flagged[..n_inliers].iter().filter(|&&f| f).count();
        assert!(
            flagged_inliers < n_inliers / 4,
            "{name}: {flagged_inliers} inliers flagged"
        );
    }
}

#[test]
fn scores_stay_in_the_unit_interval_for_any_row() {
    let (data, _) = cluster_with_far_outliers();
    let probes = Matrix::from_rows(&[
        [0.0f32, 0.0, 0.0],
        [1e6, -1e6, 1e6],
        [-3.0e38, 3.0e38, 0.0],
        [20.0, 21.0, -20.0],
    ])
    .expect("finite");
    for (name, model) in fitted_models(&data.view()) {
        for score in model.score(&probes.view()).expect("score") {
            assert!(
                (0.0..=1.0).contains(&score),
                "{name}: score {score} out of [0, 1]"
            );
        }
    }
}

fn in_thread_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(work)
}

#[test]
fn iforest_is_deterministic_for_a_seed_whatever_the_thread_count() {
    let (data, _) = cluster_with_far_outliers();
    let params = IsolationForestParams {
        seed: 42,
        ..IsolationForestParams::default()
    };
    let run = |threads| {
        in_thread_pool(threads, || {
            let model = params.fit(&data.view()).expect("fit");
            model.score(&data.view()).expect("score")
        })
    };
    let single = run(1);
    assert_eq!(single, run(3));
    assert_eq!(single, run(1));
    let other_seed = IsolationForestParams { seed: 43, ..params }
        .fit(&data.view())
        .expect("fit")
        .score(&data.view())
        .expect("score");
    assert_ne!(single, other_seed, "the seed must matter");
}

#[test]
fn lof_and_ocsvm_are_deterministic_whatever_the_thread_count() {
    let (data, _) = cluster_with_far_outliers();
    let svm_params = OneClassSvmParams {
        max_train_rows: 200, // subsampled: the seed picks the rows
        seed: 5,
        ..OneClassSvmParams::default()
    };
    let run = |threads| {
        in_thread_pool(threads, || {
            let lof = LocalOutlierFactorParams::default()
                .fit(&data.view())
                .expect("fit");
            let svm = svm_params.fit(&data.view()).expect("fit");
            (
                lof.score(&data.view()).expect("score"),
                svm.score(&data.view()).expect("score"),
            )
        })
    };
    assert_eq!(run(1), run(2));
    let other_subsample = OneClassSvmParams {
        seed: 6,
        ..svm_params
    }
    .fit(&data.view())
    .expect("fit")
    .score(&data.view())
    .expect("score");
    assert_ne!(
        run(1).1,
        other_subsample,
        "the seed must pick the subsample"
    );
}

#[test]
fn fitting_on_zero_or_one_row_is_a_typed_error() {
    for n_rows in [0, 1] {
        let values = vec![1.0f32; n_rows * 2];
        let data = MatrixView::new(&values, 2).expect("valid shape");
        let expected = AnomalyError::TooFewRows {
            needed: 2,
            got: n_rows,
        };
        assert_eq!(
            IsolationForestParams::default().fit(&data).unwrap_err(),
            expected
        );
        assert_eq!(
            LocalOutlierFactorParams::default()
                .fit(&data)
                .unwrap_err()
                .to_string(),
            expected.to_string()
        );
        assert_eq!(
            OneClassSvmParams::default().fit(&data).unwrap_err(),
            expected
        );
    }
}

#[test]
fn nan_and_infinity_are_refused_before_any_model_sees_them() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let values = [0.0, 1.0, 2.0, bad, 4.0, 5.0];
        assert!(matches!(
            MatrixView::new(&values, 3),
            Err(AnomalyError::NonFiniteValue {
                row: 1,
                feature: 0,
                ..
            })
        ));
    }
    assert!(matches!(
        Matrix::from_f64(&[0.0, f64::NAN], 2),
        Err(AnomalyError::NonFiniteValue { feature: 1, .. })
    ));
}

#[test]
fn empty_input_scores_to_nothing_and_wrong_width_is_refused() {
    let (data, _) = cluster_with_far_outliers();
    let empty = MatrixView::new(&[], 3).expect("empty matrix");
    let too_wide = Matrix::from_rows(&[[0.0f32; 4]]).expect("finite");
    for (name, model) in fitted_models(&data.view()) {
        assert!(model.score(&empty).expect(name).is_empty());
        assert_eq!(
            model.score(&too_wide.view()).unwrap_err(),
            AnomalyError::FeatureCountMismatch {
                expected: 3,
                got: 4
            },
            "{name}"
        );
    }
}

#[test]
fn constant_columns_are_harmless() {
    let (data, n_inliers) = cluster_with_far_outliers();
    // Insert a constant column between the real ones.
    let widened: Vec<f32> = data
        .view()
        .iter_rows()
        .flat_map(|row| [row[0], 7.0, row[1], row[2]])
        .collect();
    let widened = Matrix::from_f32(widened, 4).expect("finite");
    for (name, model) in fitted_models(&widened.view()) {
        let scores = model.score(&widened.view()).expect("score");
        let highest_inlier = scores[..n_inliers].iter().cloned().fold(f64::MIN, f64::max);
        assert!(
            scores[n_inliers..].iter().all(|&s| s > highest_inlier),
            "{name}: a constant column broke the ranking"
        );
    }
}

#[test]
fn all_constant_data_gives_one_neutral_score() {
    let values = vec![3.0f32; 50 * 2];
    let data = MatrixView::new(&values, 2).expect("finite");
    for (name, model) in fitted_models(&data) {
        let scores = model.score(&data).expect("score");
        assert!(
            // Isolation Forest keeps leaf path lengths in f32: equal to 0.5 up to f32 rounding.
            scores.iter().all(|&s| (s - 0.5).abs() < 1e-6),
            "{name}: {scores:?}"
        );
    }
}

#[test]
fn invalid_parameters_are_typed_errors() {
    let (data, _) = cluster_with_far_outliers();
    let data = data.view();
    let invalid = |result: Result<(), AnomalyError>, expected_name: &str| match result {
        Err(AnomalyError::InvalidParameter { name, .. }) => assert_eq!(name, expected_name),
        other => panic!("expected invalid {expected_name}, got {other:?}"),
    };
    let forest = |params: IsolationForestParams| params.fit(&data).map(|_| ());
    invalid(
        forest(IsolationForestParams {
            n_trees: 0,
            ..Default::default()
        }),
        "n_trees",
    );
    invalid(
        forest(IsolationForestParams {
            max_samples: 1,
            ..Default::default()
        }),
        "max_samples",
    );
    invalid(
        LocalOutlierFactorParams {
            n_neighbors: 0,
            ..Default::default()
        }
        .fit(&data)
        .map(|_| ()),
        "n_neighbors",
    );
    for nu in [0.0, -0.5, 1.5, f64::NAN] {
        invalid(
            OneClassSvmParams {
                nu,
                ..Default::default()
            }
            .fit(&data)
            .map(|_| ()),
            "nu",
        );
    }
}

fn round_trip<M: Serialize + DeserializeOwned>(model: &M) -> M {
    let bytes = postcard::to_stdvec(model).expect("serialize");
    postcard::from_bytes(&bytes).expect("deserialize")
}

#[test]
fn postcard_round_trip_gives_identical_scores() {
    let (data, _) = cluster_with_far_outliers();
    let data = data.view();
    let forest = IsolationForestParams::default().fit(&data).expect("fit");
    assert_eq!(
        round_trip(&forest).score(&data).expect("score"),
        forest.score(&data).expect("score")
    );
    let lof = LocalOutlierFactorParams::default().fit(&data).expect("fit");
    assert_eq!(
        round_trip(&lof).score(&data).expect("score"),
        lof.score(&data).expect("score")
    );
    let svm = OneClassSvmParams::default().fit(&data).expect("fit");
    assert_eq!(
        round_trip(&svm).score(&data).expect("score"),
        svm.score(&data).expect("score")
    );
}

/// Every single-byte corruption of a stored model either fails to load or loads a model that
/// scores without panicking: loading checks what the unchecked tree walk relies on.
#[test]
fn corrupted_model_bytes_never_panic() {
    let (data, _) = cluster_with_far_outliers();
    let data = data.view();
    let forest = IsolationForestParams {
        n_trees: 3,
        max_samples: 16,
        seed: 1,
    }
    .fit(&data)
    .expect("fit");
    let bytes = postcard::to_stdvec(&forest).expect("serialize");
    let mut loaded = 0;
    for position in 0..bytes.len() {
        for replacement in [0x00u8, 0x7f, 0xff] {
            let mut corrupted = bytes.clone();
            corrupted[position] = replacement;
            if let Ok(model) = postcard::from_bytes::<IsolationForest>(&corrupted) {
                loaded += 1;
                let _ = model.score(&data);
            }
        }
    }
    assert!(loaded > 0, "some corruptions (thresholds) stay loadable");
    assert!(postcard::from_bytes::<IsolationForest>(&bytes[..bytes.len() / 2]).is_err());

    let small = data.rows(0, 60);
    let lof = LocalOutlierFactorParams::default()
        .fit(&small)
        .expect("fit");
    let lof_bytes = postcard::to_stdvec(&lof).expect("serialize");
    for position in (0..lof_bytes.len()).step_by(7) {
        let mut corrupted = lof_bytes.clone();
        corrupted[position] ^= 0xff;
        if let Ok(model) = postcard::from_bytes::<LocalOutlierFactor>(&corrupted) {
            let _ = model.score(&small);
        }
    }
    let svm = OneClassSvmParams::default().fit(&small).expect("fit");
    let svm_bytes = postcard::to_stdvec(&svm).expect("serialize");
    for position in 0..svm_bytes.len() {
        let mut corrupted = svm_bytes.clone();
        corrupted[position] ^= 0xff;
        if let Ok(model) = postcard::from_bytes::<OneClassSvm>(&corrupted) {
            let _ = model.score(&small);
        }
    }
}
