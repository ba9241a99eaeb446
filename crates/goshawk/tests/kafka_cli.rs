//! End-to-end Kafka tests of `goshawk simulate --to kafka://` and `goshawk consume` against a
//! real broker: tansu on 127.0.0.1, started by `scripts/test` (which sets
//! `GOSHAWK_KAFKA_BROKERS` and `GOSHAWK_TANSU`). Without a broker they skip and say so; with
//! `GOSHAWK_KAFKA_REQUIRED=1` (CI) a missing broker is a failure.
//!
//! They check the consumer's promises: every event scored, once each; unreadable records set
//! aside on the dead-letter topic with their reason and bytes while the rest goes on; a consumer
//! killed mid-stream and restarted loses nothing and stores no alert twice; two consumers of one
//! group split the partitions.

#![cfg(feature = "kafka")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use goshawk_kafka::{KafkaSinkConfig, KafkaSourceConfig, Properties, Record};
use goshawk_server::goshawk_store::{AlertQuery, AlertStore, Retention};
use serde_json::Value;

struct Broker {
    brokers: String,
    tansu: PathBuf,
}

/// The test broker, or `None` (with a message) when there is none and none is required.
fn broker() -> Option<Broker> {
    match (
        std::env::var("GOSHAWK_KAFKA_BROKERS"),
        std::env::var("GOSHAWK_TANSU"),
    ) {
        (Ok(brokers), Ok(tansu)) if !brokers.is_empty() => Some(Broker {
            brokers,
            tansu: PathBuf::from(tansu),
        }),
        _ => {
            assert!(
                std::env::var("GOSHAWK_KAFKA_REQUIRED").as_deref() != Ok("1"),
                "GOSHAWK_KAFKA_REQUIRED=1 but no broker: run the tests through scripts/test"
            );
            eprintln!(
                "SKIPPED: no Kafka broker (run scripts/test, which starts tansu when installed; \
                 scripts/kafka-broker.sh install builds it)"
            );
            None
        }
    }
}

/// A name no other test (or earlier run against the same broker) uses.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{}-{nanos}", std::process::id())
}

impl Broker {
    fn create_topic(&self, partitions: u32) -> String {
        let name = unique("t");
        let out = Command::new(&self.tansu)
            .args(["topic", "create", &name, "--partitions"])
            .arg(partitions.to_string())
            .arg("--broker")
            .arg(format!("tcp://{}", self.brokers))
            .output()
            .expect("tansu runs");
        assert!(
            out.status.success(),
            "tansu topic create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        name
    }

    fn producer(&self, topic: &str) -> goshawk_kafka::KafkaSink {
        KafkaSinkConfig {
            brokers: self.brokers.clone(),
            topic: topic.to_string(),
            properties: Properties::new(),
        }
        .build()
        .expect("producer")
    }

    /// Every record of `topic` (read by a fresh group until nothing comes for `idle`).
    fn read_all(&self, topic: &str, idle: Duration) -> Vec<Record> {
        let source = KafkaSourceConfig {
            brokers: self.brokers.clone(),
            topics: vec![topic.to_string()],
            group: unique("reader"),
            properties: Properties::new(),
        }
        .build()
        .expect("reader");
        let mut records = Vec::new();
        let mut last = Instant::now();
        while last.elapsed() < idle {
            let batch = source
                .poll_batch(500, Duration::from_millis(200))
                .expect("poll");
            if !batch.is_empty() {
                last = Instant::now();
                records.extend(batch);
            }
        }
        source.close();
        records
    }
}

fn goshawk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_goshawk"))
}

fn run_ok(command: &mut Command) -> Output {
    let out = command.output().expect("goshawk runs");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn simulate(broker: &Broker, topic: &str, count: u64, truth: &Path) {
    let status = start_simulate(broker, topic, 3, count, None, truth)
        .wait()
        .expect("simulate exits");
    assert!(status.success(), "simulate to {topic} failed");
}

/// `goshawk consume` on `topic` as a member of `group`.
fn consume(broker: &Broker, topic: &str, group: &str, output: &Path, data_dir: &Path) -> Command {
    let mut command = goshawk();
    command
        .args(["consume", "--brokers", &broker.brokers, "--topic", topic])
        .args(["--group", group, "--output"])
        .arg(output)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--exit-when-idle", "5"]);
    command
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Fails naming how many of `expected` are missing from `got` (and a few of them), and how
/// many `got` has that were never sent.
fn assert_same_ids(got: &BTreeSet<String>, expected: &BTreeSet<String>) {
    let missing: Vec<&String> = expected.difference(got).collect();
    let extra: Vec<&String> = got.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} of {} events never scored (e.g. {:?}); {} unknown ids (e.g. {:?})",
        missing.len(),
        expected.len(),
        &missing[..missing.len().min(5)],
        extra.len(),
        &extra[..extra.len().min(5)]
    );
}

fn ids(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_string())
        .collect()
}

fn stored_alerts(data_dir: &Path) -> Vec<goshawk_core::Alert> {
    let store = AlertStore::open(data_dir.join("alerts.db"), Retention::default()).expect("store");
    store
        .query(&AlertQuery {
            limit: 10_000,
            ..Default::default()
        })
        .expect("query")
}

#[test]
fn simulated_traffic_is_scored_once_each_with_alerts_stored_and_published() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(3);
    let alerts_topic = broker.create_topic(1);
    let truth_path = dir.path().join("truth.jsonl");
    simulate(&broker, &topic, 1500, &truth_path);
    let truth = json_lines(&truth_path);

    let output = dir.path().join("verdicts.jsonl");
    let data_dir = dir.path().join("data");
    run_ok(
        consume(&broker, &topic, &unique("g"), &output, &data_dir)
            .args(["--alerts-topic", &alerts_topic]),
    );
    let verdicts = json_lines(&output);
    let scored = ids(&verdicts);
    let unique_scored: BTreeSet<&String> = scored.iter().collect();
    assert_eq!(scored.len(), unique_scored.len(), "an event scored twice");
    let expected: BTreeSet<String> = ids(&truth).into_iter().collect();
    assert_same_ids(
        &unique_scored.into_iter().cloned().collect::<BTreeSet<_>>(),
        &expected,
    );

    // The verdicts are the engine's: injection attacks flagged, customers mostly not.
    let label: BTreeMap<&str, &Value> = truth
        .iter()
        .map(|t| (t["id"].as_str().expect("id"), t))
        .collect();
    let (mut injections, mut caught, mut normal, mut flagged_normal) = (0, 0, 0, 0);
    for v in &verdicts {
        let t = label[v["id"].as_str().expect("id")];
        let threat = v["is_threat"].as_bool().expect("is_threat");
        let attack = t["attack_type"].as_str().unwrap_or("");
        if t["label"] == "normal" {
            normal += 1;
            flagged_normal += usize::from(threat);
        } else if ["sqli", "xss", "path-traversal"].contains(&attack) {
            injections += 1;
            caught += usize::from(threat);
        }
    }
    assert!(injections > 10 && normal > 1000, "{injections} {normal}");
    assert!(
        caught * 10 >= injections * 9,
        "{caught}/{injections} injections"
    );
    assert!(
        flagged_normal * 50 <= normal,
        "{flagged_normal}/{normal} customers flagged"
    );

    // Alerts: one per alerting event in the store, each also on the alerts topic.
    let alerting: BTreeSet<&str> = verdicts
        .iter()
        .filter(|v| ["alert", "block"].contains(&v["action"].as_str().expect("action")))
        .map(|v| v["source"].as_str().expect("source"))
        .collect();
    let stored = stored_alerts(&data_dir);
    let stored_keys: BTreeSet<&str> = stored.iter().map(|a| a.idempotency_key.as_str()).collect();
    assert!(!alerting.is_empty());
    assert_eq!(stored_keys, alerting);
    let published = broker.read_all(&alerts_topic, Duration::from_secs(3));
    assert_eq!(published.len(), stored.len());
    for record in &published {
        let alert: goshawk_core::Alert = serde_json::from_slice(&record.payload).expect("alert");
        assert!(stored_keys.contains(alert.idempotency_key.as_str()));
    }
}

#[test]
fn unreadable_records_go_to_the_dead_letter_topic_and_the_rest_goes_on() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(1);
    let dead = broker.create_topic(1);
    let sink = broker.producer(&topic);
    let messages: [&[u8]; 6] = [
        br#"{"id":"ok-1","kind":"http","method":"GET","url":"/api/balance/check"}"#,
        b"{not json",
        br#"{"id":"ok-2","kind":"http","method":"GET","url":"/search?q=1' UNION SELECT password FROM users--"}"#,
        br#"{"id":"bad-iot","kind":"iot","device_id":"d1"}"#,
        b"\xff\xfe not text",
        br#"10.1.1.1 - - [10/Oct/2000:13:55:36 -0700] "GET /../../etc/passwd HTTP/1.1" 404 0 "-" "curl/8""#,
    ];
    for message in messages {
        sink.send(b"k", message, &[]).expect("send");
    }
    sink.flush(Duration::from_secs(10)).expect("flush");

    let output = dir.path().join("verdicts.jsonl");
    let out = run_ok(
        consume(
            &broker,
            &topic,
            &unique("g"),
            &output,
            &dir.path().join("d"),
        )
        .args(["--dead-letter-topic", &dead]),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 unreadable"), "{stderr}");

    let verdicts = json_lines(&output);
    let scored = ids(&verdicts);
    assert_eq!(scored[..2], ["ok-1", "ok-2"]);
    // The access-log line has no id: it is named by where it was read.
    assert_eq!(scored[2], format!("{topic}/0/5"));
    assert_eq!(verdicts[0]["is_threat"], false);
    assert_eq!(verdicts[1]["is_threat"], true);
    assert_eq!(verdicts[2]["is_threat"], true);

    let set_aside = broker.read_all(&dead, Duration::from_secs(3));
    assert_eq!(set_aside.len(), 3);
    let expected = [
        (messages[1], 1, "invalid JSON"),
        (messages[3], 3, "field"),
        (messages[4], 4, "UTF-8"),
    ];
    for (record, (payload, offset, reason)) in set_aside.iter().zip(expected) {
        assert_eq!(record.payload, payload);
        let source = String::from_utf8_lossy(record.header("goshawk.source").expect("source"));
        assert_eq!(source, format!("{topic}/0/{offset}"));
        let error = String::from_utf8_lossy(record.header("goshawk.error").expect("error"));
        assert!(error.contains(reason), "{error}");
    }
}

/// Waits until `path` has at least `n` lines (or panics after `timeout`).
fn wait_for_lines(path: &Path, n: usize, timeout: Duration, child: &mut Child) {
    let started = Instant::now();
    loop {
        let have = std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if have >= n {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("consumer exited ({status}) after {have} lines");
        }
        assert!(started.elapsed() < timeout, "only {have} lines");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_consumer_killed_mid_stream_loses_nothing_and_stores_no_alert_twice() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(3);
    let truth_path = dir.path().join("truth.jsonl");
    simulate(&broker, &topic, 4000, &truth_path);
    let expected: BTreeSet<String> = ids(&json_lines(&truth_path)).into_iter().collect();

    let group = unique("g");
    let output = dir.path().join("verdicts.jsonl");
    let data_dir = dir.path().join("data");
    let mut first = consume(&broker, &topic, &group, &output, &data_dir)
        .args(["--batch", "50"])
        .stderr(Stdio::null())
        .spawn()
        .expect("consumer starts");
    wait_for_lines(&output, 500, Duration::from_secs(60), &mut first);
    first.kill().expect("killed"); // SIGKILL: no chance to finish or commit
    first.wait().expect("reaped");
    let after_kill = json_lines(&output).len();
    assert!(after_kill < expected.len(), "the kill came too late");

    run_ok(consume(&broker, &topic, &group, &output, &data_dir).args(["--batch", "50"]));
    let verdicts = json_lines(&output);
    let scored: BTreeSet<String> = ids(&verdicts).into_iter().collect();
    assert_same_ids(&scored, &expected);

    // Events of the batch in flight at the kill were scored again, but their alerts were
    // stored once: one row per alerting message.
    let alerting: BTreeSet<&str> = verdicts
        .iter()
        .filter(|v| ["alert", "block"].contains(&v["action"].as_str().expect("action")))
        .map(|v| v["source"].as_str().expect("source"))
        .collect();
    let stored = stored_alerts(&data_dir);
    assert_eq!(
        stored.len(),
        alerting.len(),
        "an alert stored twice or lost"
    );
}

/// A member taking over a partition (here: a consumer restarted on a group's committed offset)
/// rebuilds its behaviour windows from the records before that offset, so the tenth failed
/// login on an account fires the brute-force rule as it does for a consumer that read the
/// whole stream; with `--window-replay 0` the windows start empty and it does not.
#[test]
fn a_member_taking_over_rebuilds_its_behaviour_windows_from_the_history() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(1);
    let sink = broker.producer(&topic);
    let produce = |seconds: std::ops::Range<u32>| {
        for second in seconds {
            let mut request = goshawk_core::HttpRequest::from_target("/login/auth");
            request.method = "POST".into();
            request.client_ip = Some("203.0.113.7".into());
            request.user = Some("alice".into());
            request.status = Some(401);
            request.headers = vec![("User-Agent".into(), "python-requests/2.31.0".into())];
            request.timestamp = Some(format!("2026-01-01T00:00:{second:02}Z"));
            let mut message =
                serde_json::to_value(goshawk_core::Event::Http(request)).expect("json");
            message["id"] = format!("failure-{second}").into();
            sink.send(b"203.0.113.7", message.to_string().as_bytes(), &[])
                .expect("send");
        }
        sink.flush(Duration::from_secs(10)).expect("flush");
    };
    let run = |group: &str, name: &str, extra: &[&str]| {
        let mut command = consume(
            &broker,
            &topic,
            group,
            &dir.path().join(format!("{name}.jsonl")),
            &dir.path().join(name),
        );
        command
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command.spawn().expect("consumer starts")
    };
    let finish = |child: Child| {
        let out = child.wait_with_output().expect("consumer exits");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr
    };
    // Which failures the brute-force correlation fired on, by id.
    let fired = |name: &str| -> Vec<String> {
        json_lines(&dir.path().join(format!("{name}.jsonl")))
            .iter()
            .filter(|v| v["explanation"].to_string().contains("Brute Force"))
            .map(|v| v["id"].as_str().expect("id").to_string())
            .collect()
    };
    let (replayed, empty) = (unique("replayed"), unique("empty"));

    produce(0..6);
    let first = [
        run(&replayed, "replayed-1", &[]),
        run(&empty, "empty-1", &[]),
    ];
    first.into_iter().for_each(|child| drop(finish(child)));
    assert!(fired("replayed-1").is_empty() && fired("empty-1").is_empty());

    produce(6..12);
    let second = [
        run(&unique("whole"), "whole", &[]),
        run(&replayed, "replayed-2", &[]),
        run(&empty, "empty-2", &["--window-replay", "0"]),
    ];
    let [whole, replayed, empty] = second.map(finish);
    assert!(
        !whole.contains("rebuilt"),
        "a new group has no history: {whole}"
    );
    assert!(
        replayed.contains("behaviour windows rebuilt from 6 earlier record(s)"),
        "{replayed}"
    );
    assert!(!empty.contains("rebuilt"), "{empty}");
    let tenth_on = vec![
        "failure-9".to_string(),
        "failure-10".into(),
        "failure-11".into(),
    ];
    assert_eq!(fired("whole"), tenth_on);
    assert_eq!(fired("replayed-2"), tenth_on);
    assert_eq!(fired("empty-2"), Vec::<String>::new(), "six failures only");
}

/// A consumer started with piped stderr, and the lines it printed so far.
struct Member {
    child: Child,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Member {
    fn start(mut command: Command) -> Member {
        let mut child = command
            .stderr(Stdio::piped())
            .spawn()
            .expect("consumer starts");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let pipe = child.stderr.take().expect("piped");
        let lines = stderr.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().expect("lock").push(line);
            }
        });
        Member { child, stderr }
    }

    /// Waits until the member has printed an assignment of at least one partition.
    fn wait_assigned(&self, timeout: Duration) {
        let started = Instant::now();
        while !self
            .stderr
            .lock()
            .expect("lock")
            .iter()
            .any(|l| l.contains("assigned") && !l.contains("assigned 0 "))
        {
            assert!(
                started.elapsed() < timeout,
                "no assignment: {:?}",
                self.stderr.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn finish(mut self) {
        let status = self.child.wait().expect("exits");
        assert!(status.success(), "{:?}", self.stderr.lock().expect("lock"));
    }
}

/// `goshawk simulate` of `count` events with `seed` (ids `<seed>-<n>`) to `topic`, started now.
fn start_simulate(
    broker: &Broker,
    topic: &str,
    seed: u64,
    count: u64,
    rate: Option<u64>,
    truth: &Path,
) -> Child {
    let mut command = goshawk();
    command
        .args(["simulate", "--attack-ratio", "0.2", "--seed"])
        .arg(seed.to_string())
        .arg("--count")
        .arg(count.to_string())
        .arg("--to")
        .arg(format!("kafka://{}/{topic}", broker.brokers))
        .arg("--truth")
        .arg(truth)
        .stderr(Stdio::null());
    if let Some(rate) = rate {
        command.arg("--rate").arg(rate.to_string());
    }
    command.spawn().expect("simulate starts")
}

/// Waits until the files hold at least `n` lines between them.
fn wait_for_total_lines(paths: &[PathBuf], n: usize, timeout: Duration) {
    let started = Instant::now();
    loop {
        let have: usize = paths.iter().map(|p| json_lines(p).len()).sum();
        if have >= n {
            return;
        }
        assert!(started.elapsed() < timeout, "only {have} of {n} verdicts");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn consumers_of_one_group_split_the_partitions_and_a_rebalance_mid_stream_loses_nothing() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(4);
    let group = unique("g");
    let data_dir = dir.path().join("data");
    let outputs: Vec<PathBuf> = ["a", "b", "c"]
        .iter()
        .map(|m| dir.path().join(format!("{m}.jsonl")))
        .collect();
    let member = |output: &Path| {
        let mut command = consume(&broker, &topic, &group, output, &data_dir);
        command.args(["--batch", "50"]);
        Member::start(command)
    };
    // Two members share the partitions before any event is sent: each event is scored once,
    // by one of them.
    let a = member(&outputs[0]);
    a.wait_assigned(Duration::from_secs(60));
    let b = member(&outputs[1]);
    b.wait_assigned(Duration::from_secs(60));
    let steady_truth = dir.path().join("steady.jsonl");
    let mut producer = start_simulate(&broker, &topic, 3, 4000, None, &steady_truth);
    assert!(producer.wait().expect("simulate exits").success());
    wait_for_total_lines(&outputs[..2], 4000, Duration::from_secs(60));
    let steady: BTreeSet<String> = ids(&json_lines(&steady_truth)).into_iter().collect();
    let per_member: Vec<Vec<String>> = outputs[..2].iter().map(|o| ids(&json_lines(o))).collect();
    let all: Vec<&String> = per_member.iter().flatten().collect();
    let distinct: BTreeSet<String> = all.iter().map(|s| s.to_string()).collect();
    assert_same_ids(&distinct, &steady);
    assert_eq!(all.len(), steady.len(), "an event scored twice");
    assert!(
        per_member.iter().all(|m| !m.is_empty()),
        "the partitions were not split: {:?}",
        per_member.iter().map(Vec::len).collect::<Vec<_>>()
    );

    // Then events stream in for ~4 s and a third member joins mid-stream (a rebalance):
    // nothing is lost. A batch being processed while the group rebalances may fail to commit
    // and be scored again by its new owner (at least once), so repeats are allowed here.
    let streamed_truth = dir.path().join("streamed.jsonl");
    let mut producer = start_simulate(&broker, &topic, 4, 4000, Some(1000), &streamed_truth);
    std::thread::sleep(Duration::from_millis(1500));
    let c = member(&outputs[2]);
    assert!(producer.wait().expect("simulate exits").success());
    for m in [a, b, c] {
        m.finish();
    }
    let streamed: BTreeSet<String> = ids(&json_lines(&streamed_truth)).into_iter().collect();
    assert_eq!(streamed.len(), 4000);
    let scored: BTreeSet<String> = outputs
        .iter()
        .flat_map(|o| ids(&json_lines(o)))
        .filter(|id| id.starts_with("4-"))
        .collect();
    assert_same_ids(&scored, &streamed);
}

mod support;

#[test]
fn serve_with_kafka_scores_what_it_consumes_and_reports_lag_and_throughput() {
    let Some(broker) = broker() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = broker.create_topic(2);
    let truth_path = dir.path().join("truth.jsonl");
    simulate(&broker, &topic, 1000, &truth_path);
    let group = unique("g");
    let served = support::Served::start(
        &dir.path().join("data"),
        &[
            "--kafka",
            &broker.brokers,
            "--kafka-topic",
            &topic,
            "--kafka-group",
            &group,
        ],
    );
    let metric = |text: &str, name: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let (_, body) = support::get(&served.base, "/metrics");
        let text = body.as_str().unwrap_or_default().to_string();
        if metric(&text, "goshawk_kafka_records_total") == Some(1000.0) {
            break text;
        }
        assert!(Instant::now() < deadline, "not all consumed: {text}");
        std::thread::sleep(Duration::from_millis(250));
    };
    // Consumed events went through the server's pipeline: counted, alerts stored.
    let analysed: f64 = text
        .lines()
        .filter(|l| l.starts_with("goshawk_events_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(analysed, 1000.0);
    assert_eq!(metric(&text, "goshawk_kafka_consumer_lag"), Some(0.0));
    assert!(metric(&text, "goshawk_kafka_records_per_second").is_some());
    let (status, alerts) = support::get(&served.base, "/alerts?limit=1000");
    assert_eq!(status, 200);
    let alerts = alerts["alerts"].as_array().cloned().unwrap_or_default();
    assert!(!alerts.is_empty());
    assert!(alerts.iter().all(|a| a["idempotency_key"]
        .as_str()
        .is_some_and(|k| k.starts_with(&format!("{topic}/")))));
    served.stop();
}
