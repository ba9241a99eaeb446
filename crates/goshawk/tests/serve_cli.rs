//! `goshawk serve` end to end: the real binary with the built-in model and rule packs, over
//! HTTP. Analyses attacks and normal requests, trains a sessions model through the API (token
//! required), and keeps alerts and the trained model across a restart; `--demo` produces alerts
//! by itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;
use support::{agent, get, Served, TOKEN};

fn post(base: &str, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut request = agent()
        .post(&format!("{base}{path}"))
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request.send(body.to_string()).expect("POST answered");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The rows of a CSV fixture as JSON records (numbers where the text is a number).
fn csv_records(path: &Path) -> Vec<Value> {
    let mut reader = csv::Reader::from_path(path).expect("fixture readable");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|row| {
            let row = row.expect("fixture row");
            let object = headers
                .iter()
                .zip(row.iter())
                .map(|(name, cell)| {
                    let value = if let Ok(n) = cell.parse::<i64>() {
                        json!(n)
                    } else if let Ok(x) = cell.parse::<f64>() {
                        json!(x)
                    } else {
                        json!(cell)
                    };
                    (name.to_string(), value)
                })
                .collect();
            Value::Object(object)
        })
        .collect()
}

fn rule_ids(verdict: &Value) -> Vec<String> {
    verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn serve_analyzes_trains_with_a_token_and_keeps_its_state_across_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), &[]);
    let base = served.base.clone();

    let (status, health) = get(&base, "/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["models"][0]["kind"], "http");
    let (_, info) = get(&base, "/info");
    assert!(info["rules"]["by_kind"]["http"].as_u64().unwrap() > 0);
    assert!(info["rules"]["by_kind"]["sessions"].as_u64().unwrap() > 0);

    // An attack and a customer's request, as other services would post them.
    let batch = json!({"events": [
        {"kind": "http", "method": "GET", "url": "/download?file=../../../../etc/passwd",
         "headers": {"User-Agent": "curl/8.5.0"}, "client_ip": "203.0.113.9"},
        {"method": "GET", "url": "/api/balance/check?account=DE89370400440532013000",
         "headers": {"User-Agent": "Mozilla/5.0"}, "client_ip": "198.51.100.4"},
    ]});
    let (status, answer) = post(&base, "/analyze", &batch, None);
    assert_eq!(status, 200, "{answer}");
    let attack = &answer["verdicts"][0];
    let normal = &answer["verdicts"][1];
    assert!(
        matches!(attack["action"].as_str(), Some("alert" | "block")),
        "{attack}"
    );
    assert_eq!(attack["attack_type"], "path-traversal", "{attack}");
    assert!(
        !rule_ids(attack).is_empty(),
        "a shipped web rule names the traversal: {attack}"
    );
    assert_eq!(normal["action"], "monitor", "{normal}");
    assert_eq!(answer["decision"]["is_threat"], true);

    // Training needs the token; with it, the sessions model is trained, swapped in and saved.
    let records = csv_records(&fixture("table/sessions_train.csv"));
    let body = json!({ "records": records });
    let (status, refused) = post(&base, "/train/sessions", &body, None);
    assert_eq!(status, 401, "{refused}");
    let (status, trained) = post(&base, "/train/sessions", &body, Some(TOKEN));
    assert_eq!(status, 200, "{trained}");
    assert_eq!(trained["model"]["kind"], "sessions", "{trained}");
    let version = trained["model"]["version"].as_str().unwrap().to_string();
    assert!(data.path().join("models/sessions.gsk").is_file());

    let (status, dataset) = get(&base, "/dataset/info?kind=sessions");
    assert_eq!(status, 200, "{dataset}");
    assert_eq!(dataset["rows"].as_u64().unwrap() as usize, records.len());
    let (_, sample) = get(&base, "/dataset/sample?kind=sessions&size=3");
    assert_eq!(sample["rows"].as_array().map(Vec::len), Some(3), "{sample}");

    // A brute-force session: the new model scores it, and the IoC rules name it.
    let session = json!({"events": [{"kind": "sessions", "session_id": "SID_X1",
        "network_packet_size": 560, "protocol_type": "TCP", "login_attempts": 9,
        "session_duration": 12.5, "encryption_used": "None", "ip_reputation_score": 0.12,
        "failed_logins": 6, "browser_type": "Unknown", "unusual_time_access": 1}]});
    let (status, answer) = post(&base, "/analyze", &session, None);
    assert_eq!(status, 200, "{answer}");
    let verdict = &answer["verdicts"][0];
    let detectors: Vec<&str> = verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["detector"].as_str())
        .collect();
    assert!(
        detectors.iter().any(|d| d.starts_with("anomaly-")),
        "{verdict}"
    );
    assert!(!rule_ids(verdict).is_empty(), "{verdict}");
    assert_eq!(verdict["is_threat"], true, "{verdict}");

    let (_, alerts) = get(&base, "/alerts?kind=http");
    let before = alerts["count"].as_u64().unwrap();
    assert!(before >= 1, "{alerts}");
    served.stop();

    // Restarted on the same data directory: the alerts and the trained model are still there.
    let served = Served::start(data.path(), &[]);
    let (_, alerts) = get(&served.base, "/alerts?kind=http");
    assert_eq!(alerts["count"].as_u64().unwrap(), before, "{alerts}");
    let (_, health) = get(&served.base, "/health");
    let sessions_model = health["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "sessions")
        .cloned()
        .unwrap_or_else(|| panic!("the trained model is loaded again: {health}"));
    assert_eq!(sessions_model["version"], version.as_str());
    served.stop();
}

#[test]
fn a_bad_config_file_is_refused_with_the_key_named() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("serve.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nmax_batchh = 10\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_goshawk"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("max_batchh"), "{stderr}");
    assert!(stderr.contains("serve.toml"), "{stderr}");
}

#[test]
fn the_demo_feeds_live_traffic_that_raises_alerts() {
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), &["--demo"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let attacks = loop {
        let (_, alerts) = get(&served.base, "/alerts?limit=50");
        let typed: Vec<String> = alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["verdict"]["attack_type"].as_str().map(str::to_string))
            .collect();
        if typed.len() >= 3 || Instant::now() > deadline {
            break typed;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        attacks.len() >= 3,
        "the demo raised {} typed alerts in 60 s",
        attacks.len()
    );
    let (_, stats) = get(&served.base, "/metrics");
    let text = stats.as_str().unwrap_or_default().to_string();
    assert!(text.contains("goshawk_events_total"), "{text}");
    // The demo's logins open behaviour windows, and /metrics counts them.
    let windows = |text: &str| -> Option<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix("goshawk_behaviour_windows "))
            .and_then(|value| value.trim().parse().ok())
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let held = loop {
        let (_, stats) = get(&served.base, "/metrics");
        let held = windows(stats.as_str().unwrap_or_default()).expect("window gauge");
        if held > 0 || Instant::now() > deadline {
            break held;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        held > 0,
        "no behaviour windows reported while the demo runs"
    );
    served.stop();
}
