//! End-to-end tests of the anomaly side of the `goshawk` binary — `train sessions|iot|zeek`,
//! `scan`, `evaluate`, `run` and `convert` — on small committed excerpts of the public datasets
//! (tests/fixtures/table/README.md).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod support;
use support::goshawk;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/table")
        .join(name)
        .display()
        .to_string()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "goshawk failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

fn train(kind: &str, inputs: &[&str], extra: &[&str], dir: &Path) -> PathBuf {
    let model = dir.join(format!("{kind}.gsk"));
    let model_arg = model.display().to_string();
    let mut args = vec!["train", kind, "--out", &model_arg, "--input"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(extra);
    ok(goshawk(&args));
    model
}

fn header(model: &Path) -> Value {
    let out = ok(goshawk(&["model", &model.display().to_string()]));
    serde_json::from_slice(&out.stdout).expect("model info is JSON")
}

/// The web scan's contract: one object per record, in order, with index, score, verdict and
/// explanation, or an error naming the file and line.
fn check_scan_contract(lines: &[Value], records: usize, bad_index: u64, feature_names: &[String]) {
    assert_eq!(lines.len(), records);
    let mut named_a_feature = false;
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["index"].as_u64(), Some(i as u64), "{line}");
        if i as u64 == bad_index {
            let error = line["error"]
                .as_str()
                .expect("the bad record has an error line");
            assert!(
                error.contains(".csv:") || error.contains(".log:"),
                "{error}"
            );
            assert!(line.get("score").is_none());
            continue;
        }
        let score = line["score"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&score), "{line}");
        let verdict = line["verdict"].as_str().expect("a verdict");
        assert_eq!(verdict == "attack", score >= 0.5, "{line}");
        let explanation = line["explanation"].as_array().expect("an explanation");
        assert!(!explanation.is_empty(), "{line}");
        if verdict == "attack" {
            // The model's finding names the features that made the record unusual.
            let model_finding = &line["findings"][0];
            assert!(
                model_finding["detector"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("anomaly-")),
                "{line}"
            );
            let text = model_finding["evidence"][0].as_str().unwrap_or_default();
            let feature = text.split(['=', ' ']).next().unwrap_or_default();
            let column = feature.split(':').next().unwrap_or_default();
            named_a_feature |= feature_names
                .iter()
                .any(|name| name.starts_with(feature) || name.starts_with(column));
        }
    }
    assert!(named_a_feature, "attack explanations name schema features");
}

fn feature_names(model: &Path) -> Vec<String> {
    header(model)["schema"]["features"]
        .as_array()
        .expect("features in the header")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn sessions_train_auto_then_scan_and_evaluate() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(
        "sessions",
        &[&fixture("sessions_train.csv")],
        &[],
        dir.path(),
    );
    let info = header(&model);
    assert_eq!(info["kind"], "anomaly-sessions");
    let training = &info["metadata"]["training"];
    let candidates = training["candidates"].as_array().unwrap();
    assert_eq!(
        candidates.len(),
        4,
        "auto tries iforest, lof, ocsvm, supervised"
    );
    assert!(training["reason"]
        .as_str()
        .unwrap()
        .starts_with("auto: highest F1"));
    assert_eq!(training["calibration_rows"], 80, "20% of 400 labelled rows");
    let names = feature_names(&model);
    assert!(names.contains(&"browser_type=other".to_string()));
    assert!(!names
        .iter()
        .any(|n| n.contains("session_id") || n.contains("attack")));

    let model_arg = model.display().to_string();
    let out = ok(goshawk(&[
        "scan",
        "--model",
        &model_arg,
        &fixture("sessions_test.csv"),
    ]));
    let lines = json_lines(&out);
    check_scan_contract(&lines, 200, 49, &names);
    assert!(stderr(&out).contains("1 set aside"), "{}", stderr(&out));
    let attacks = lines.iter().filter(|l| l["verdict"] == "attack").count();
    assert!((40..=140).contains(&attacks), "{attacks} attacks of 200");

    // The label column is ignored by scoring.
    let text = std::fs::read_to_string(fixture("sessions_test.csv")).unwrap();
    let unlabelled: String = text
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string() + "\n")
        .collect();
    let path = dir.path().join("unlabelled.csv");
    std::fs::write(&path, unlabelled).unwrap();
    let again = ok(goshawk(&[
        "scan",
        "--model",
        &model_arg,
        &path.display().to_string(),
    ]));
    let again = json_lines(&again);
    for (a, b) in lines.iter().zip(&again) {
        assert_eq!(a["score"], b["score"]);
    }

    let report = dir.path().join("report.html");
    let out = ok(goshawk(&[
        "evaluate",
        "--model",
        &model_arg,
        "--input",
        &fixture("sessions_test.csv"),
        "--compare",
        "iforest,lof",
        "--report",
        &report.display().to_string(),
        "--json",
    ]));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("one JSON report");
    let models = summary["models"].as_array().unwrap();
    assert_eq!(models.len(), 3, "the model and two compared side by side");
    assert_eq!(models[1]["name"], "compare: iforest");
    assert_eq!(models[0]["rows"], 199);
    let roc = models[0]["roc_auc"].as_f64().unwrap();
    assert!(roc > 0.75, "the model generalises to unseen rows: {roc}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg") && html.contains("compare: lof"));
}

#[test]
fn zeek_wrong_kind_and_corrupt_models_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(
        "sessions",
        &[&fixture("sessions_train.csv")],
        &["--algorithm", "iforest"],
        dir.path(),
    );
    let model_arg = model.display().to_string();
    let out = goshawk(&["scan", "--model", &model_arg, &fixture("zeek_test.log")]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("zeek records") && message.contains("anomaly-sessions"),
        "{message}"
    );
    assert!(out.stdout.is_empty(), "nothing is scored");

    let out = goshawk(&[
        "evaluate",
        "--model",
        &model_arg,
        "--input",
        &fixture("iot_test.csv"),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("iot records"), "{}", stderr(&out));

    let mut bytes = std::fs::read(&model).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let corrupt = dir.path().join("corrupt.gsk");
    std::fs::write(&corrupt, bytes).unwrap();
    let out = goshawk(&[
        "scan",
        "--model",
        &corrupt.display().to_string(),
        &fixture("sessions_test.csv"),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("checksum"), "{}", stderr(&out));

    // Options that need labels say so.
    let unlabelled = dir.path().join("nolabels.gsk").display().to_string();
    let out = goshawk(&[
        "train",
        "sessions",
        "--out",
        &unlabelled,
        "--input",
        &fixture("sessions_train.csv"),
        "--label-column",
        "no_such_column",
        "--algorithm",
        "supervised",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("labelled"), "{}", stderr(&out));
}

#[test]
fn zeek_one_class_model_scans_logs_and_parquet_alike() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(
        "zeek",
        &[&fixture("zeek_train.log")],
        &["--fit-on", "normal", "--algorithm", "iforest"],
        dir.path(),
    );
    let info = header(&model);
    assert_eq!(info["kind"], "anomaly-zeek");
    assert_eq!(info["metadata"]["training"]["fit_on"], "normal");
    let names = feature_names(&model);
    for leak in ["local_orig", "local_resp", "orig_h", "resp_h", "uid", "ts"] {
        assert!(
            !names
                .iter()
                .any(|n| n == leak || n.starts_with(&format!("{leak}="))),
            "{leak} must not be a feature"
        );
    }
    assert!(names.contains(&"history:S".to_string()));
    assert!(names.contains(&"resp_port:well-known".to_string()));

    let model_arg = model.display().to_string();
    let scan = ok(goshawk(&[
        "scan",
        "--model",
        &model_arg,
        &fixture("zeek_test.log"),
    ]));
    let lines = json_lines(&scan);
    check_scan_contract(&lines, 199, 6, &names);
    assert!(lines[6]["error"].as_str().unwrap().contains("duration"));

    // convert: the valid records to Parquet (the bad one set aside), scanned the same.
    let parquet = dir.path().join("zeek.parquet");
    let out = ok(goshawk(&[
        "convert",
        &fixture("zeek_test.log"),
        "--to",
        "parquet",
        "--out",
        &parquet.display().to_string(),
    ]));
    assert!(
        stderr(&out).contains("198 written, 1 set aside"),
        "{}",
        stderr(&out)
    );
    let jsonl = dir.path().join("zeek.jsonl");
    ok(goshawk(&[
        "convert",
        &parquet.display().to_string(),
        "--to",
        "jsonl",
        "--out",
        &jsonl.display().to_string(),
    ]));
    assert_eq!(
        std::fs::read_to_string(&jsonl).unwrap().lines().count(),
        198
    );
    let from_parquet = json_lines(&ok(goshawk(&[
        "scan",
        "--model",
        &model_arg,
        &parquet.display().to_string(),
    ])));
    let valid: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_none()).collect();
    assert_eq!(from_parquet.len(), valid.len());
    for (a, b) in valid.iter().zip(&from_parquet) {
        assert_eq!(a["score"], b["score"]);
    }
}

#[test]
fn run_trains_scores_and_writes_the_alerting_records() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("iot.gsk");
    let alerts = dir.path().join("alerts.csv");
    let out = ok(goshawk(&[
        "run",
        "--train",
        "--model",
        &model.display().to_string(),
        "--input",
        &fixture("iot_train.csv"),
        "--alerts",
        &alerts.display().to_string(),
        "--algorithm",
        "iforest",
        "--calibrate-fraction",
        "0",
    ]));
    assert!(stderr(&out).contains("alerts"), "{}", stderr(&out));
    assert!(stderr(&out).contains("default cut-off"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&alerts).unwrap();
    let mut rows = text.lines();
    let head = rows.next().unwrap();
    assert!(
        head.starts_with("index,score,explanation,timestamp,device_id,device_type"),
        "{head}"
    );
    let alert_rows: Vec<&str> = rows.collect();
    assert!(!alert_rows.is_empty(), "some readings alert");
    assert!(alert_rows.len() < 150, "not everything alerts");

    // Without --train: the stored model, on new data with an unseen device type and a bad row.
    let alerts2 = dir.path().join("alerts2.csv");
    ok(goshawk(&[
        "run",
        "--model",
        &model.display().to_string(),
        "--input",
        &fixture("iot_test.csv"),
        "--alerts",
        &alerts2.display().to_string(),
    ]));
    let scan = json_lines(&ok(goshawk(&[
        "scan",
        "--model",
        &model.display().to_string(),
        &fixture("iot_test.csv"),
    ])));
    assert_eq!(scan.len(), 100);
    assert!(scan[19]["error"].as_str().unwrap().contains("cpu_usage"));
    assert!(
        scan[9]["score"].is_number(),
        "an unseen device type is scored"
    );
    let flagged: Vec<u64> = scan
        .iter()
        .filter(|l| l["verdict"] == "attack")
        .map(|l| l["index"].as_u64().unwrap())
        .collect();
    let written: Vec<u64> = std::fs::read_to_string(&alerts2)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        written, flagged,
        "the alerts file holds exactly the attack verdicts"
    );
}
