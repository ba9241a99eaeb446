//! The REST API over a real socket: answers, limits, errors, token guard, store, metrics,
//! live feed and restart.

mod support;

use futures_util::StreamExt;
use serde_json::{json, Value};
use support::{eventually, start};

const SQLI: &str = "/login?user=admin' or '1'='1";

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = client().post(url).json(body).send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

async fn get(url: &str) -> (u16, Value) {
    let response = client().get(url).send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

async fn stored_alerts(server: &support::Running, query: &str) -> Vec<Value> {
    let (status, body) = get(&server.url(&format!("/alerts{query}"))).await;
    assert_eq!(status, 200, "{body}");
    body["alerts"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_attack_is_answered_stored_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let (status, body) = post(
        &server.url("/analyze"),
        &json!({"events": [
            {"kind": "http", "method": "GET", "url": SQLI, "client_ip": "203.0.113.9"},
            {"method": "GET", "url": "/balance"}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let trace_id = body["trace_id"].as_str().expect("trace id");
    assert_eq!(body["batch_size"], 2);
    assert_eq!(body["decision"]["is_threat"], true);
    assert_eq!(body["decision"]["action_suggested"], "block");
    assert_eq!(body["decision"]["trace_id"], trace_id);
    assert!(body["score"].as_f64().expect("score") > 0.9);
    let verdicts = body["verdicts"].as_array().expect("verdicts");
    assert_eq!(verdicts[0]["action"], "block");
    assert_eq!(verdicts[1]["action"], "monitor");
    assert_eq!(verdicts[0]["trace_id"], format!("{trace_id}-0"));

    let alerts = eventually(|| async {
        let alerts = stored_alerts(&server, "?action=block").await;
        (!alerts.is_empty()).then_some(alerts)
    })
    .await
    .expect("the alert reaches the store");
    assert_eq!(alerts.len(), 1, "only the attack is an alert");
    assert_eq!(alerts[0]["idempotency_key"], format!("{trace_id}-0"));
    assert_eq!(alerts[0]["source"], "203.0.113.9");
    assert_eq!(alerts[0]["event"]["url"], SQLI);
    assert!(stored_alerts(&server, "?kind=iot").await.is_empty());
    assert!(stored_alerts(&server, "?action=alert").await.is_empty());
    assert_eq!(stored_alerts(&server, "?since=1h&limit=5").await.len(), 1);
    server.stop().await;
}

/// What `serve --kafka` feeds the server: events with their original log lines (keyword rules
/// search them), alerts keyed by where each message was read and stored before it returns.
#[tokio::test]
async fn durable_analysis_sees_log_lines_and_stores_alerts_before_returning() {
    use goshawk_core::{Event, HttpRequest};
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let event = || Event::Http(HttpRequest::from_target("/index.html"));
    let line = format!(
        "10.0.0.5 - - [10/Oct/2000:13:55:36 -0700] \"GET /index.html HTTP/1.1\" 200 5 \"-\" \"{}/1\"",
        support::double::LINE_MARKER
    );
    let verdicts = server
        .handle
        .analyze_durably(
            vec![event(), event()],
            vec![None, Some(line)],
            vec!["logs/0/7".into(), "logs/0/8".into()],
        )
        .await
        .expect("analysed");
    assert_eq!(verdicts[0].action.as_str(), "monitor", "no line, no marker");
    assert_eq!(verdicts[1].action.as_str(), "alert", "{:?}", verdicts[1]);
    // Stored already: no waiting for the background writer.
    let alerts = stored_alerts(&server, "").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["idempotency_key"], "logs/0/8");
    server.stop().await;
}

#[tokio::test]
async fn the_fastapi_logs_body_and_direct_scoring_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let reading = json!({"timestamp": "2025-01-20 12:00:00", "device_id": "thermostat_001",
        "device_type": "thermostat", "cpu_usage": 75.5, "memory_usage": 60.2, "network_in_kb": 150,
        "network_out_kb": 300, "packet_rate": 450, "avg_response_time_ms": 250.0,
        "service_access_count": 5, "failed_auth_attempts": 9, "is_encrypted": 1,
        "geo_location_variation": 5.5});
    let (status, body) = post(&server.url("/analyze"), &json!({"logs": [reading]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"]["action_suggested"], "alert");

    let (status, body) = post(
        &server.url("/analyze/direct"),
        &json!({"events": [{"url": "/a?q=<script>x</script>"}, reading]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scores"][0], 0.95);
    assert_eq!(
        body["scores"][1],
        Value::Null,
        "no model for iot in the double"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_get_precise_json_errors_never_500() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |c| {
        c.max_body_bytes = 2_000;
        c.max_batch = 3;
    })
    .await;
    let url = server.url("/analyze");

    let response = client()
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"events\": [")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"].as_str().expect("message").contains("JSON"),
        "{body}"
    );

    let (status, body) = post(
        &url,
        &json!({"events": [{"url": "/ok"}, {"kind": "iot", "device_id": "d1", "cpu_usage": "high"}]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["index"], 1);
    assert_eq!(body["errors"][0]["field"], "cpu_usage");

    let (status, body) = post(
        &url,
        &json!({"events": [{"url": "/"}, {"url": "/"}, {"url": "/"}, {"url": "/"}]}),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]
        .as_str()
        .expect("message")
        .contains("limit of 3"));

    let (status, body) = post(&url, &json!({"events": [{"url": "x".repeat(5_000)}]})).await;
    assert_eq!(status, 413, "{body}");

    let (status, body) = get(&server.url("/alerts?action=nuke")).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .starts_with("action:"),
        "{body}"
    );

    let (status, _) = get(&server.url("/no/such/route")).await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn training_is_disabled_without_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let (status, body) = post(
        &server.url("/train/http"),
        &json!({"records": [{"url": "/a"}, {"url": "/b"}]}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .contains("disabled"),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn training_needs_the_right_bearer_token_and_swaps_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("train.jsonl"),
        "{\"url\":\"/a\"}\n{\"url\":\"/b\"}\n",
    )
    .expect("write dataset");
    let server = start(dir.path(), |c| c.api_token = Some("s3cret".into())).await;
    let url = server.url("/train/http");
    let records = json!({"records": [{"url": "/a"}, {"url": "/b"}]});

    let response = client()
        .post(&url)
        .json(&records)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = client()
        .post(&url)
        .bearer_auth("guess")
        .json(&records)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);

    let response = client()
        .post(&url)
        .bearer_auth("s3cret")
        .json(&records)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["model"]["version"], "double-v1");
    let (_, health) = get(&server.url("/health")).await;
    assert_eq!(health["models"][0]["version"], "double-v1");

    let response = client()
        .post(server.url("/train/http"))
        .bearer_auth("s3cret")
        .json(&json!({"records": [{"url": "/a"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        response.status(),
        422,
        "the analyzer's refusal is passed on"
    );

    let dataset = |path: &str| {
        client()
            .post(server.url("/train/http/dataset"))
            .bearer_auth("s3cret")
            .json(&json!({"path": path}))
            .send()
    };
    let response = dataset("train.jsonl").await.expect("send");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["model"]["rows"], 2);
    let response = dataset("/etc/hostname").await.expect("send");
    assert_eq!(response.status(), 403, "outside the dataset directories");
    let response = dataset("../../etc/hostname").await.expect("send");
    assert!(matches!(response.status().as_u16(), 403 | 422));

    let metrics = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("goshawk_model_info{kind=\"http\",version=\"double-v2\"} 1"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn datasets_info_and_openapi_describe_the_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let (status, body) = get(&server.url("/dataset/info?kind=iot")).await;
    assert_eq!(status, 200);
    assert_eq!(body["anomaly_ratio"], 0.5);
    let (status, _) = get(&server.url("/dataset/info?kind=zeek")).await;
    assert_eq!(status, 404);
    let (status, body) = get(&server.url("/dataset/sample?size=3")).await;
    assert_eq!(status, 200);
    assert_eq!(body["rows"].as_array().expect("rows").len(), 3);

    let (_, info) = get(&server.url("/info")).await;
    assert_eq!(
        info["event_kinds"],
        json!(["http", "sessions", "iot", "zeek"])
    );
    assert_eq!(info["rules"]["total"], 3);
    assert_eq!(info["training_enabled"], false);

    let (status, doc) = get(&server.url("/openapi.json")).await;
    assert_eq!(status, 200);
    for path in [
        "/analyze",
        "/analyze/direct",
        "/train/{kind}",
        "/alerts",
        "/events",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn the_dashboard_is_served_with_a_strict_content_security_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let response = client().get(server.url("/")).send().await.expect("send");
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let html = response.text().await.expect("html");
    assert!(html.contains("/assets/app.js"));
    assert!(!html.contains("<script>"), "no inline script");
    let js = client()
        .get(server.url("/assets/app.js"))
        .send()
        .await
        .expect("send");
    assert!(js.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/javascript"));
    let js = js.text().await.expect("js");
    assert!(!js.contains("innerHTML"), "the script never parses markup");
    server.stop().await;
}

#[tokio::test]
async fn metrics_count_events_alerts_and_latency() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    post(
        &server.url("/analyze"),
        &json!({"events": [{"url": SQLI}, {"url": "/a"}, {"url": "/b"}]}),
    )
    .await;
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("goshawk_events_total{action=\"block\",kind=\"http\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("goshawk_events_total{action=\"monitor\",kind=\"http\"} 2"),
        "{text}"
    );
    assert!(
        text.contains(
            "goshawk_alerts_total{action=\"block\",attack_type=\"sqli\",kind=\"http\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("goshawk_request_duration_seconds_count{route=\"/analyze\"} 1"),
        "{text}"
    );
    assert!(text.contains("goshawk_event_score_count 3"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn the_live_feed_streams_alerts_and_stats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |_| {}).await;
    let response = client()
        .get(server.url("/events"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let (_, body) = post(&server.url("/analyze"), &json!({"events": [{"url": SQLI}]})).await;
    let trace_id = body["trace_id"].as_str().expect("trace").to_string();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !(seen.contains("event: alert") && seen.contains("event: stats")) {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("feed within 5 s")
            .expect("stream open")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains(&trace_id), "{seen}");
    server.stop().await;
}

#[tokio::test]
async fn a_restarted_server_keeps_its_alert_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), |c| c.jsonl_alerts = true).await;
    let (_, body) = post(
        &server.url("/analyze"),
        &json!({"events": [{"url": "/../../etc/passwd"}]}),
    )
    .await;
    let key = format!("{}-0", body["trace_id"].as_str().expect("trace"));
    server.stop().await;

    let server = start(dir.path(), |_| {}).await;
    let alerts = stored_alerts(&server, "").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["idempotency_key"], key);
    let (_, stats) = get(&server.url("/stats")).await;
    assert_eq!(stats["last_24h"]["by_action"]["alert"], 1, "{stats}");
    assert_eq!(stats["last_24h"]["by_attack_type"]["path-traversal"], 1);
    assert_eq!(stats["last_24h"]["by_technique"]["T1190"], 1);
    let jsonl = std::fs::read_to_string(dir.path().join("alerts.jsonl")).expect("jsonl sink");
    assert_eq!(jsonl.lines().count(), 1);
    server.stop().await;
}
