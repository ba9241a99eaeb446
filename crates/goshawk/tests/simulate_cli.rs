//! End-to-end tests of `goshawk simulate`: events and truth files that match one to one,
//! event lines every goshawk reader accepts, reproducibility, throttling, posting to a server,
//! and clear refusals.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::{goshawk, goshawk_ok};

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(str::to_string)
        .collect()
}

const START: &str = "2026-01-01T00:00:00Z";

#[test]
fn file_and_truth_match_one_to_one_and_lines_are_core_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events_path = dir.path().join("events.jsonl");
    let truth_path = dir.path().join("truth.jsonl");
    let out = goshawk_ok(&[
        "simulate",
        "--to",
        events_path.to_str().expect("utf-8"),
        "--count",
        "5000",
        "--seed",
        "7",
        "--attack-ratio",
        "0.3",
        "--start",
        START,
        "--truth",
        truth_path.to_str().expect("utf-8"),
    ]);
    let events = lines(&events_path);
    let truth = lines(&truth_path);
    assert_eq!(events.len(), 5000);
    assert_eq!(truth.len(), 5000);
    let mut ids = HashSet::new();
    let mut attacks = 0;
    for (event_line, truth_line) in events.iter().zip(&truth) {
        let event: Value = serde_json::from_str(event_line).expect("JSON event");
        let label: Value = serde_json::from_str(truth_line).expect("JSON truth");
        assert_eq!(event["id"], label["id"], "same order, same ids");
        assert!(ids.insert(event["id"].as_str().expect("string id").to_string()));
        assert_eq!(event["kind"], "http");
        assert!(event.get("label").is_none() && event.get("scenario").is_none());
        let parsed: goshawk_core::Event = serde_json::from_str(event_line)
            .unwrap_or_else(|e| panic!("not an Event: {e}: {event_line}"));
        let goshawk_core::Event::Http(request) = parsed else {
            panic!("not http: {event_line}");
        };
        assert!(request.client_ip.is_some() && request.status.is_some());
        assert!(request
            .timestamp
            .as_deref()
            .is_some_and(|t| t.starts_with("2026-01-01")));
        match label["label"].as_str() {
            Some("attack") => {
                attacks += 1;
                assert!(label["attack_type"].is_string());
                assert_ne!(label["scenario"], "customer");
            }
            Some("normal") => {
                assert!(label["attack_type"].is_null());
                assert_eq!(label["scenario"], "customer");
            }
            other => panic!("label {other:?}"),
        }
    }
    assert!((750..2250).contains(&attacks), "{attacks} attacks of 5000");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("5000 events"), "{stderr}");
    assert!(stderr.contains("attacks by scenario"), "{stderr}");
}

#[test]
fn same_seed_and_start_write_the_same_file_to_stdout_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.jsonl");
    let args = |to: &str| {
        vec![
            "simulate".to_string(),
            "--to".into(),
            to.to_string(),
            "--count".into(),
            "800".into(),
            "--seed".into(),
            "3".into(),
            "--start".into(),
            START.into(),
        ]
    };
    let file_args = args(path.to_str().expect("utf-8"));
    goshawk_ok(&file_args.iter().map(String::as_str).collect::<Vec<_>>());
    let stdout_args = args("-");
    let out = goshawk_ok(&stdout_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(std::fs::read(&path).expect("file"), out.stdout);
    let other = goshawk_ok(&[
        "simulate", "--to", "-", "--count", "800", "--seed", "4", "--start", START,
    ]);
    assert_ne!(out.stdout, other.stdout);
}

#[test]
fn rate_throttles_and_duration_stops_in_real_time() {
    let started = Instant::now();
    let out = goshawk_ok(&["simulate", "--to", "-", "--count", "30", "--rate", "100/s"]);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 30);

    let started = Instant::now();
    let out = goshawk_ok(&["simulate", "--to", "-", "--duration", "1s", "--rate", "50"]);
    let elapsed = started.elapsed();
    let n = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!((30..=60).contains(&n), "{n} events in 1 s at 50/s");
}

#[test]
fn bad_options_and_kafka_targets_are_refused_clearly() {
    for target in [
        "kafka://localhost:9092",
        "kafka:///events",
        "kafka://h:1/a/b",
    ] {
        let out = goshawk(&["simulate", "--to", target, "--count", "5"]);
        assert!(!out.status.success(), "{target}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected kafka://HOST:PORT/TOPIC"),
            "{target}: {stderr}"
        );
    }

    for (args, expect) in [
        (vec!["--duration", "5x"], "unknown unit"),
        (vec!["--rate", "fast"], "not a rate"),
        (vec!["--attack-ratio", "1.5"], "attack_ratio"),
        (vec!["--start", "yesterday"], "RFC 3339"),
        (
            vec!["--count", "5", "--duration", "1s"],
            "cannot be used with",
        ),
    ] {
        let mut all = vec!["simulate", "--to", "-"];
        all.extend(args.iter().copied());
        let out = goshawk(&all);
        assert!(!out.status.success(), "{all:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expect), "{all:?}: {stderr}");
    }
}

/// A keep-alive HTTP/1.1 server answering every request with `status`, keeping the bodies.
fn analyze_server(status: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let kept = Arc::clone(&kept);
            std::thread::spawn(move || serve_connection(stream, status, &kept));
        }
    });
    (address, bodies)
}

fn serve_connection(stream: TcpStream, status: &str, bodies: &Mutex<Vec<String>>) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        bodies
            .lock()
            .expect("lock")
            .push(String::from_utf8_lossy(&body).into_owned());
        let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\n{{}}");
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn http_output_posts_every_event_in_bounded_batches() {
    let (address, bodies) = analyze_server("200 OK");
    let out = goshawk_ok(&[
        "simulate", "--to", &address, "--count", "1234", "--batch", "100", "--seed", "9",
    ]);
    let bodies = bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 13, "12 full batches and one of 34");
    let mut events = 0;
    for body in &bodies {
        let batch: Value = serde_json::from_str(body).expect("JSON batch");
        let list = batch["events"].as_array().expect("events array");
        assert!(!list.is_empty() && list.len() <= 100);
        for event in list {
            serde_json::from_value::<goshawk_core::Event>(event.clone()).expect("an Event");
        }
        events += list.len();
    }
    assert_eq!(events, 1234);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("13 batches, 0 failed"), "{stderr}");
}

#[test]
fn http_output_fails_when_every_batch_fails() {
    let (address, _) = analyze_server("503 Service Unavailable");
    let out = goshawk(&["simulate", "--to", &address, "--count", "300"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("every batch"), "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");

    // Nothing listening: reported as failures, then an error exit, not a hang or a panic.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let out = goshawk(&[
        "simulate",
        "--to",
        &format!("http://127.0.0.1:{port}"),
        "--count",
        "200",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed"));
}

#[test]
fn evaluate_joins_verdicts_to_the_truth_by_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.jsonl");
    let truth = dir.path().join("truth.jsonl");
    goshawk_ok(&[
        "simulate",
        "--seed",
        "3",
        "--attack-ratio",
        "0.2",
        "--count",
        "1500",
        "--to",
        events.to_str().expect("utf-8"),
        "--truth",
        truth.to_str().expect("utf-8"),
    ]);
    // Verdicts that are right except for one missed attack, one flagged customer and one event
    // without a verdict; one verdict repeated (as after a consumer restart); shuffled order.
    let truth_lines: Vec<Value> = lines(&truth)
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let attacks = truth_lines
        .iter()
        .filter(|t| t["label"] == "attack")
        .count();
    let normal = truth_lines.len() - attacks;
    let first_attack = truth_lines.iter().position(|t| t["label"] == "attack");
    let first_normal = truth_lines.iter().position(|t| t["label"] == "normal");
    let (first_attack, first_normal) =
        (first_attack.expect("attack"), first_normal.expect("normal"));
    let missing = (0..truth_lines.len())
        .find(|&i| i != first_attack && i != first_normal && truth_lines[i]["label"] == "normal")
        .expect("another normal event");
    let mut verdicts: Vec<String> = Vec::new();
    for (i, t) in truth_lines.iter().enumerate().rev() {
        if i == missing {
            continue;
        }
        let mut threat = t["label"] == "attack";
        if i == first_attack || i == first_normal {
            threat = !threat;
        }
        let line = serde_json::json!({"id": t["id"], "score": if threat {0.9} else {0.1}, "is_threat": threat});
        verdicts.push(line.to_string());
        if i == first_normal {
            verdicts.push(line.to_string());
        }
    }
    let verdicts_path = dir.path().join("verdicts.jsonl");
    std::fs::write(&verdicts_path, verdicts.join("\n")).expect("write");
    let evaluate = |extra: &[&str]| {
        let mut args = vec![
            "evaluate",
            "--truth",
            truth.to_str().expect("utf-8"),
            "--verdicts",
            verdicts_path.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        goshawk(&args)
    };
    let out = evaluate(&["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let text = report.to_string();
    let (tp, fp) = ((attacks - 1) as f64, 1.0);
    let precision = tp / (tp + fp);
    let recall = tp / attacks as f64;
    assert!(normal > 500 && attacks > 50, "{normal} {attacks}");
    let number = |key: &str| -> f64 {
        fn find(v: &Value, key: &str) -> Option<f64> {
            match v {
                Value::Object(m) => m
                    .get(key)
                    .and_then(Value::as_f64)
                    .or_else(|| m.values().find_map(|v| find(v, key))),
                Value::Array(a) => a.iter().find_map(|v| find(v, key)),
                _ => None,
            }
        }
        find(&report, key).unwrap_or_else(|| panic!("no {key} in {text}"))
    };
    assert!((number("precision") - precision).abs() < 1e-9, "{text}");
    assert!((number("recall") - recall).abs() < 1e-9, "{text}");
    assert!(
        text.contains("\"1\""),
        "one missing / one repeated reported: {text}"
    );

    // A verdict file with a bad line is refused, naming file and line.
    std::fs::write(
        &verdicts_path,
        "{\"id\":\"x\",\"is_threat\":true}\nnot json\n",
    )
    .expect("write");
    let out = evaluate(&[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("verdicts.jsonl:2"), "{stderr}");
}
