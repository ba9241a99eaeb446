//! End-to-end tests of the `goshawk` binary: the command-line contracts of `scan`, `check`,
//! `train web`, `evaluate`, `generate web` and `model`, on small committed fixtures.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod support;
use support::{goshawk, goshawk_ok};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

fn check_json(text: &str) -> Value {
    let out = goshawk_ok(&["check", "--json", text]);
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn builtin_model_gets_the_seed_quick_test_right() {
    for normal in [
        "GET /api/users?q=normal query",
        "/login/auth",
        "/transfer/internal",
        "/api/balance/check",
        "/support/ticket",
    ] {
        let v = check_json(normal);
        assert_eq!(v["verdict"], "normal", "{normal}: {v}");
    }
    for (attack, kind) in [
        ("/login?user=admin' OR '1'='1", "sqli"),
        ("/search?q=<script>alert(1)</script>", "xss"),
        ("/download?file=../../../etc/passwd", "path-traversal"),
        ("/etc/passwd", ""),
        ("/api/admin/export?table=credit_cards", ""),
    ] {
        let v = check_json(attack);
        assert_eq!(v["verdict"], "attack", "{attack}: {v}");
        let score = v["score"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&score), "{attack}: {score}");
        assert!(!v["explanation"].as_array().unwrap().is_empty());
        if !kind.is_empty() {
            assert_eq!(v["attack_type"], kind, "{attack}: {v}");
        }
    }
}

#[test]
fn check_prints_a_readable_verdict() {
    let out = goshawk(&["check", "admin' OR '1'='1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ATTACK"), "{text}");
    assert!(text.contains("sqli"), "{text}");
}

#[test]
fn scan_writes_one_line_per_request_in_input_order() {
    let log = fixture("bank_traffic.log");
    let csic = fixture("csic_anomalous.txt");
    let out = goshawk_ok(&["scan", log.to_str().unwrap(), csic.to_str().unwrap()]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 120 + 35);
    for (i, v) in lines.iter().enumerate() {
        assert_eq!(v["index"], i as u64);
        let s = v["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s));
        assert!(v["verdict"] == "attack" || v["verdict"] == "normal");
        assert!(v["explanation"].is_array());
    }
    // The bank log has attacks at every 9th line from the 5th on; the built-in model must see
    // most of them and flag few of the rest.
    let attack_lines: Vec<usize> = (0..120).filter(|i| i % 9 == 4).collect();
    let caught = attack_lines
        .iter()
        .filter(|&&i| lines[i]["verdict"] == "attack")
        .count();
    let false_alarms = (0..120)
        .filter(|i| i % 9 != 4 && lines[*i]["verdict"] == "attack")
        .count();
    assert!(
        caught >= attack_lines.len() - 1,
        "caught {caught}/{}",
        attack_lines.len()
    );
    assert!(false_alarms <= 2, "{false_alarms} false alarms");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("scanned 155 requests"), "{summary}");
}

#[test]
fn unreadable_records_keep_their_line_and_the_rest_goes_on() {
    let mixed = fixture("mixed_lines.txt");
    let out = goshawk(&["scan", "--format", "lines", mixed.to_str().unwrap()]);
    assert!(out.status.success());
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[2]["verdict"], "attack");

    let truncated = fixture("truncated.gz");
    let out = goshawk(&["scan", "--format", "lines", truncated.to_str().unwrap()]);
    let lines = json_lines(&out);
    let last = lines
        .last()
        .expect("an error line for the truncated stream");
    let err = last["error"].as_str().unwrap_or_default();
    assert!(err.contains("truncated.gz"), "{last}");

    let empty = fixture("empty.log");
    let out = goshawk(&["scan", empty.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());

    let out = goshawk(&["scan", "/no/such/file.log"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.log"));
}

#[test]
fn train_evaluate_and_reload_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let train_csv = dir.path().join("train.csv");
    let test_csv = dir.path().join("test.csv");
    for (path, seed, rows) in [(&train_csv, "1", "4000"), (&test_csv, "2", "1500")] {
        goshawk_ok(&[
            "generate",
            "web",
            "--rows",
            rows,
            "--seed",
            seed,
            "--out",
            path.to_str().unwrap(),
        ]);
    }
    let model = dir.path().join("m.gsk");
    goshawk_ok(&[
        "train",
        "web",
        "--out",
        model.to_str().unwrap(),
        "--labeled",
        train_csv.to_str().unwrap(),
        "--normal",
        fixture("csic_normal.txt").to_str().unwrap(),
        "--attack",
        fixture("csic_anomalous.txt").to_str().unwrap(),
    ]);

    let report = dir.path().join("r.html");
    let out = goshawk_ok(&[
        "evaluate",
        "--json",
        "--model",
        model.to_str().unwrap(),
        "--labeled",
        test_csv.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = &v["models"][0];
    let f1 = m["operating"]["f1"].as_f64().unwrap();
    let auc = m["roc_auc"].as_f64().unwrap();
    assert!(f1 > 0.9, "F1 {f1} on unseen generated traffic");
    assert!(auc > 0.95, "ROC-AUC {auc}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg") && html.contains("ROC"));

    // The same model from the file, via `model` and `scan`.
    let out = goshawk(&["model", model.to_str().unwrap()]);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["kind"], "web");
    assert_eq!(info["checksum"], "ok");

    // One-class mode trains on the normal rows only.
    let oc = dir.path().join("oc.gsk");
    goshawk_ok(&[
        "train",
        "web",
        "--one-class",
        "--out",
        oc.to_str().unwrap(),
        "--normal",
        fixture("csic_normal.txt").to_str().unwrap(),
    ]);
    let out = goshawk(&[
        "scan",
        "--model",
        oc.to_str().unwrap(),
        fixture("csic_anomalous.txt").to_str().unwrap(),
    ]);
    let flagged = json_lines(&out)
        .iter()
        .filter(|v| v["verdict"] == "attack")
        .count();
    assert!(
        flagged >= 20,
        "one-class model flagged {flagged}/35 anomalous requests"
    );
}

#[test]
fn corrupt_truncated_and_foreign_model_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.gsk");
    goshawk_ok(&[
        "train",
        "web",
        "--out",
        good.to_str().unwrap(),
        "--normal",
        fixture("csic_normal.txt").to_str().unwrap(),
        "--attack",
        fixture("csic_anomalous.txt").to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", bytes[..bytes.len() / 2].to_vec(), "truncated"),
        (
            "corrupt",
            {
                let mut b = bytes.clone();
                let i = b.len() / 2;
                b[i] ^= 0xff;
                b
            },
            "checksum",
        ),
        (
            "pickle",
            b"\x80\x04\x95\x10\x00\x00\x00".to_vec(),
            "not a goshawk model",
        ),
    ];
    for (name, data, expect) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        let out = goshawk(&["check", "--model", path.to_str().unwrap(), "x"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let a = goshawk(&["generate", "web", "--rows", "200", "--seed", "9"]);
    let b = goshawk(&["generate", "web", "--rows", "200", "--seed", "9"]);
    let c = goshawk(&["generate", "web", "--rows", "200", "--seed", "10"]);
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.starts_with("method,url,body,label,attack_type,payload"));
    let mut reader = csv::Reader::from_reader(a.stdout.as_slice());
    assert_eq!(reader.records().count(), 200);
}

#[test]
fn usage_errors_exit_with_two() {
    let out = goshawk(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    let out = goshawk(&["train", "web", "--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--one-class"));
}

/// The simulator sample of goshawk-correlate's tests (3,000 bank events with ground truth).
fn bank_sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../goshawk-correlate/tests/fixtures")
        .join(name)
}

/// Per output line, the correlation rules that fired on it.
fn correlation_hits(lines: &[Value]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|line| {
            line["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["detector"] == "sigma-correlation")
                .map(|f| f["rule_id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .collect()
}

#[test]
fn scan_keeps_event_order_for_correlation_rules_on_any_thread_count() {
    let sample = bank_sample("bank_seed4.jsonl");
    let sample = sample.to_str().expect("utf-8 path");
    let one = json_lines(&goshawk_ok(&[
        "scan",
        "--format",
        "jsonl",
        "--threads",
        "1",
        sample,
    ]));
    let hits = correlation_hits(&one);
    assert_eq!(hits.len(), 3_000);
    let flagged = hits.iter().filter(|h| !h.is_empty()).count();
    assert!(flagged > 100, "{flagged} lines flagged");
    // The same windows fire on the same lines when the model scores in parallel.
    let two = json_lines(&goshawk_ok(&[
        "scan",
        "--format",
        "jsonl",
        "--threads",
        "2",
        sample,
    ]));
    let differ: Vec<usize> = correlation_hits(&two)
        .iter()
        .zip(&hits)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| i)
        .collect();
    assert!(
        differ.is_empty(),
        "{} lines differ, first {:?}",
        differ.len(),
        &differ[..differ.len().min(5)]
    );
    // And never on a customer's request.
    let truth = std::fs::read_to_string(bank_sample("bank_seed4.truth.jsonl")).expect("truth");
    for (line, hit) in truth.lines().zip(&hits) {
        let truth: Value = serde_json::from_str(line).expect("truth line");
        assert!(
            hit.is_empty() || truth["label"] == "attack",
            "{truth} {hit:?}"
        );
    }
}
