//! End to end on the bank simulator's traffic: 3,000 events of
//! `goshawk simulate --count 3000 --attack-ratio 0.4 --seed 4 --start 2026-01-01T00:00:00Z`
//! (tests/fixtures/bank_seed4.jsonl, ground truth beside it) through the shipped login-abuse
//! rules in file order. Every brute-force, stuffing and spraying address is flagged within
//! 60 s of its first request, and no customer request is.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use goshawk_core::{Event, HttpRequest};
use goshawk_correlate::{CorrelationSet, StateLimits};

const LOGIN_ABUSE: &str = include_str!("../../../rules/behaviour/login_abuse.yml");
const EVENTS: &str = include_str!("fixtures/bank_seed4.jsonl");
const TRUTH: &str = include_str!("fixtures/bank_seed4.truth.jsonl");
const BEHAVIOURAL: [&str; 3] = ["brute-force", "credential-stuffing", "password-spraying"];

fn seconds(request: &HttpRequest) -> f64 {
    request
        .timestamp
        .as_deref()
        .and_then(goshawk_core::iot::parse_timestamp)
        .expect("every simulated event has a timestamp")
}

#[test]
fn attacking_addresses_are_flagged_within_a_minute_and_customers_never() {
    let (set, report) = CorrelationSet::from_sources(
        vec![("behaviour/login_abuse.yml".into(), LOGIN_ABUSE.into())],
        StateLimits::default(),
    );
    assert!(report.failed.is_empty());
    let scenario_of: HashMap<String, String> = TRUTH
        .lines()
        .map(|line| {
            let truth: serde_json::Value = serde_json::from_str(line).expect("truth line");
            (
                truth["id"].as_str().expect("id").to_string(),
                truth["scenario"].as_str().expect("scenario").to_string(),
            )
        })
        .collect();

    // Per behavioural attacker address: its scenario, first request time, first flag time.
    let mut attackers: BTreeMap<String, (String, f64, Option<f64>)> = BTreeMap::new();
    let mut flagged_customer_requests = Vec::new();
    let mut end = 0.0f64;
    for line in EVENTS.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("event line");
        let id = value["id"].as_str().expect("id").to_string();
        let request: HttpRequest = serde_json::from_value(value).expect("an HTTP request");
        let at = seconds(&request);
        end = end.max(at);
        let ip = request.client_ip.clone().expect("client_ip");
        let scenario = &scenario_of[&id];
        let hits = set.observe(&Event::Http(request), None);
        if scenario == "customer" && !hits.is_empty() {
            flagged_customer_requests.push(id.clone());
        }
        if BEHAVIOURAL.contains(&scenario.as_str()) {
            let entry = attackers
                .entry(ip)
                .or_insert_with(|| (scenario.clone(), at, None));
            if entry.2.is_none() && !hits.is_empty() {
                entry.2 = Some(at);
            }
        }
    }
    assert!(
        flagged_customer_requests.is_empty(),
        "{flagged_customer_requests:?}"
    );

    // Addresses whose campaign started at least 60 s before the sample ends must be flagged
    // within 60 s; later ones are checked only if flagged at all (never late).
    let mut scenarios = BTreeSet::new();
    for (ip, (scenario, first, flagged)) in &attackers {
        if *first + 60.0 <= end {
            scenarios.insert(scenario.clone());
            let flagged = flagged.unwrap_or_else(|| panic!("{scenario} address {ip} not flagged"));
            assert!(
                flagged - first <= 60.0,
                "{scenario} address {ip} flagged after {} s",
                flagged - first
            );
        }
    }
    assert_eq!(
        scenarios.len(),
        3,
        "the sample holds all three: {scenarios:?}"
    );
    assert!(attackers.len() >= 10, "{} addresses", attackers.len());
}
