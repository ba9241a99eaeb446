//! The shipped login-abuse correlation rules (`rules/behaviour/`) on hand-built sequences of
//! logins: thresholds, expiry, group-by keys, the key cap, and how loading splits files
//! between goshawk-rules and goshawk-correlate.

use goshawk_core::{Event, Finding, HttpRequest};
use goshawk_correlate::{CorrelationSet, StateLimits};
use goshawk_engine::RuleMatcher;

const LOGIN_ABUSE: &str = include_str!("../../../rules/behaviour/login_abuse.yml");
const BRUTE_FORCE: &str = "2c040fb5-342c-4c96-878b-d4f0da7545a8";
const SPRAYING: &str = "b5cb69cb-04ed-494a-9054-b9b6c8e45bcb";
const STUFFING: &str = "8fce20f1-6fb7-430b-8c05-17fa112ffe32";

fn shipped(limits: StateLimits) -> CorrelationSet {
    let (set, report) = CorrelationSet::from_sources(
        vec![("behaviour/login_abuse.yml".into(), LOGIN_ABUSE.into())],
        limits,
    );
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!((report.rules, report.loaded), (4, 4));
    set
}

/// A login attempt at `second` seconds after 2026-01-01T00:00:00Z.
fn login(ip: &str, user: &str, agent: &str, status: u16, second: u32) -> Event {
    let mut request = HttpRequest::from_target("/login/auth");
    request.method = "POST".into();
    request.client_ip = Some(ip.into());
    request.user = Some(user.into());
    request.status = Some(status);
    request.headers = vec![("User-Agent".into(), agent.into())];
    request.timestamp = Some(format!(
        "2026-01-01T{:02}:{:02}:{:02}Z",
        second / 3600,
        second / 60 % 60,
        second % 60
    ));
    Event::Http(request)
}

fn failed(ip: &str, user: &str, second: u32) -> Event {
    login(ip, user, "python-requests/2.31.0", 401, second)
}

/// The findings the event adds, through the engine's interface.
fn findings(set: &CorrelationSet, event: &Event) -> Vec<Finding> {
    let mut out = Vec::new();
    set.matches(event, None, &mut out);
    out
}

fn fired(set: &CorrelationSet, event: &Event) -> Vec<String> {
    let mut ids: Vec<String> = findings(set, event)
        .into_iter()
        .filter_map(|f| f.rule_id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn brute_force_fires_at_the_tenth_failure_on_one_account_not_before() {
    let set = shipped(StateLimits::default());
    for second in 0..9 {
        assert!(fired(&set, &failed("203.0.113.7", "alice", second * 2)).is_empty());
    }
    let tenth = findings(&set, &failed("203.0.113.7", "alice", 20));
    assert_eq!(tenth.len(), 1, "{tenth:?}");
    let finding = &tenth[0];
    assert_eq!(finding.rule_id.as_deref(), Some(BRUTE_FORCE));
    assert_eq!(finding.level.as_deref(), Some("high"));
    assert_eq!(finding.detector, "sigma-correlation");
    assert_eq!(finding.labels, ["T1110.001", "stride.spoofing"]);
    assert_eq!(
        finding.evidence,
        ["c-ip=203.0.113.7, cs-username=alice: 10 failed_login events in 60 s"]
    );
    // The window stays over the threshold: the next failure is flagged too, with its count.
    let eleventh = findings(&set, &failed("203.0.113.7", "alice", 21));
    assert!(eleventh[0].evidence[0].ends_with(": 11 failed_login events in 60 s"));
}

#[test]
fn successful_logins_and_other_requests_are_not_counted() {
    let set = shipped(StateLimits::default());
    for second in 0..30 {
        let ok = login("198.51.100.2", "bob", "curl/8.5.0", 302, second);
        assert!(fired(&set, &ok).is_empty());
    }
    for second in 30..60 {
        let mut page = failed("198.51.100.2", "bob", second);
        if let Event::Http(request) = &mut page {
            request.url = "/login".into();
        }
        assert!(fired(&set, &page).is_empty());
    }
}

#[test]
fn failures_older_than_the_timespan_expire() {
    let set = shipped(StateLimits::default());
    for second in 0..9 {
        assert!(fired(&set, &failed("203.0.113.7", "alice", second)).is_empty());
    }
    // 61 s after the last one and 70 s after the first: the window holds this one only.
    assert!(fired(&set, &failed("203.0.113.7", "alice", 70)).is_empty());
    for second in 71..79 {
        assert!(fired(&set, &failed("203.0.113.7", "alice", second)).is_empty());
    }
    // Ten within 60 s again (70..=79).
    assert_eq!(
        fired(&set, &failed("203.0.113.7", "alice", 79)),
        [BRUTE_FORCE]
    );
}

#[test]
fn group_by_keys_are_counted_apart() {
    let set = shipped(StateLimits::default());
    // Nine failures on alice from each of two addresses, and one on bob: no key reaches 10.
    for second in 0..9 {
        assert!(fired(&set, &failed("203.0.113.7", "alice", second)).is_empty());
        assert!(fired(&set, &failed("203.0.113.8", "alice", second)).is_empty());
    }
    assert!(fired(&set, &failed("203.0.113.7", "bob", 10)).is_empty());

    // Distinct accounts per address: seven from each of two addresses is below 8 for both.
    let set = shipped(StateLimits::default());
    for i in 0..7 {
        let user = format!("user{i}");
        assert!(fired(&set, &failed("192.0.2.1", &user, i)).is_empty());
        assert!(fired(&set, &failed("192.0.2.2", &user, i)).is_empty());
    }
    // The eighth account from 192.0.2.1 fires for that address only.
    let hits = findings(&set, &failed("192.0.2.1", "user7", 8));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rule_id.as_deref(), Some(SPRAYING));
    assert_eq!(
        hits[0].evidence,
        ["c-ip=192.0.2.1: 8 distinct cs-username in 60 s"]
    );
    assert_eq!(hits[0].labels, ["T1110.003", "stride.spoofing"]);
}

#[test]
fn rotating_user_agents_tell_stuffing_from_spraying() {
    let set = shipped(StateLimits::default());
    // One tool, one User-Agent, eight accounts: spraying only.
    for i in 0..7 {
        assert!(fired(&set, &failed("192.0.2.1", &format!("u{i}"), i)).is_empty());
    }
    assert_eq!(fired(&set, &failed("192.0.2.1", "u7", 7)), [SPRAYING]);
    // A fresh User-Agent on every try: stuffing as well.
    let set = shipped(StateLimits::default());
    for i in 0..7 {
        let agent = format!("Mozilla/5.0 Chrome/12{i}.0");
        let event = login("192.0.2.9", &format!("u{i}"), &agent, 401, i);
        assert!(fired(&set, &event).is_empty());
    }
    let event = login("192.0.2.9", "u7", "Mozilla/5.0 Chrome/127.0", 401, 7);
    let mut expected = [SPRAYING, STUFFING];
    expected.sort();
    assert_eq!(fired(&set, &event), expected);
}

#[test]
fn the_key_cap_bounds_state_under_a_flood_of_new_addresses() {
    let limits = StateLimits {
        max_keys: 64,
        ..StateLimits::default()
    };
    let set = shipped(limits);
    let correlations = set.rules().len();
    let mut most = 0;
    for i in 0..10_000u32 {
        let ip = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
        set.observe(&failed(&ip, "alice", i / 200), None);
        most = most.max(set.state_count());
    }
    assert!(most >= 60, "the flood fills the windows ({most})");
    assert!(
        most < limits.max_keys + correlations,
        "{most} windows held with a cap of {}",
        limits.max_keys
    );
    // Still detects: the newest keys are kept.
    for second in 50..59 {
        set.observe(&failed("203.0.113.7", "alice", second), None);
    }
    assert_eq!(
        fired(&set, &failed("203.0.113.7", "alice", 59)),
        [BRUTE_FORCE]
    );
}

#[test]
fn expired_windows_are_swept_as_event_time_passes() {
    let set = shipped(StateLimits {
        sweep_lag_secs: 0,
        sweep_every_secs: 10,
        ..StateLimits::default()
    });
    for i in 0..500u32 {
        set.observe(
            &failed(&format!("10.0.{}.{}", i / 256, i % 256), "x", 0),
            None,
        );
    }
    // One failed login opens a window in each of the three rules.
    assert_eq!(set.state_count(), 1_500);
    // Two minutes later one event triggers a sweep: only its own windows remain.
    set.observe(&failed("203.0.113.7", "alice", 120), None);
    assert_eq!(set.state_count(), 3);
}

/// A consumer reads its partitions unevenly: here one address's failures trail another
/// partition's events by 40 minutes of event time. The sweep lags behind the newest time, so
/// the trailing windows keep their counts and the tenth failure still fires; sweeping at the
/// newest time would have emptied them.
#[test]
fn a_partition_behind_in_event_time_keeps_its_windows() {
    let tenth_fires = |limits: StateLimits| {
        let set = shipped(limits);
        for second in 0..9 {
            set.observe(&failed("203.0.113.7", "alice", second), None);
        }
        set.observe(
            &login("198.51.100.4", "bob", "Mozilla/5.0", 200, 2_400),
            None,
        );
        fired(&set, &failed("203.0.113.7", "alice", 9)).contains(&BRUTE_FORCE.to_string())
    };
    assert!(tenth_fires(StateLimits::default()));
    assert!(!tenth_fires(StateLimits {
        sweep_lag_secs: 0,
        ..StateLimits::default()
    }));
}

#[test]
fn correlation_files_belong_to_the_correlation_set_only() {
    let sources = vec![(
        "behaviour/login_abuse.yml".to_string(),
        LOGIN_ABUSE.to_string(),
    )];
    let (stateless, report) = goshawk_rules::RuleSet::from_sources(sources);
    assert_eq!(report.rules, 0, "{report:?}");
    assert!(stateless.rules().is_empty());

    let broken = "title: Counts nothing here\nid: c-1\ncorrelation:\n  type: event_count\n  \
                  rules: [missing_rule]\n  group-by: [c-ip]\n  timespan: 60s\n  condition:\n    \
                  gte: 3\n";
    let stateless_rule = "title: plain\nid: p-1\nlogsource: {category: webserver}\n\
                          detection:\n  sel:\n    sc-status: 500\n  condition: sel\n";
    let (set, report) = CorrelationSet::from_sources(
        vec![
            ("a/broken.yml".into(), broken.into()),
            ("a/plain.yml".into(), stateless_rule.into()),
        ],
        StateLimits::default(),
    );
    assert!(set.rules().is_empty());
    assert_eq!(report.rules, 1, "the plain rule is goshawk-rules'");
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].reason.contains("`missing_rule`"),
        "{:?}",
        report.failed
    );
    assert!(!set.needs_event_order());

    let wrong_field = LOGIN_ABUSE.replace("field: cs-user-agent", "field: cs-password");
    let (set, report) = CorrelationSet::from_sources(
        vec![("b/login.yml".into(), wrong_field)],
        StateLimits::default(),
    );
    assert_eq!(set.rules().len(), 2);
    assert!(
        report.failed[0].reason.contains("cs-password"),
        "{report:?}"
    );
}

#[test]
fn a_correlation_rule_without_an_id_fires_under_its_name() {
    let rules = "title: Failed\nid: f-1\nname: failed\nlogsource: {category: webserver}\n\
                 detection:\n  sel:\n    sc-status: 401\n  condition: sel\n---\n\
                 title: Three failures\nname: three_failures\ncorrelation:\n  \
                 type: event_count\n  rules: [failed]\n  group-by: [c-ip]\n  \
                 timespan: 10s\n  condition:\n    gte: 3\nlevel: low\n";
    let (set, report) = CorrelationSet::from_sources(
        vec![("c/three.yml".into(), rules.into())],
        StateLimits::default(),
    );
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(set.needs_event_order());
    assert!(fired(&set, &failed("192.0.2.5", "a", 0)).is_empty());
    assert!(fired(&set, &failed("192.0.2.5", "b", 1)).is_empty());
    let hits = findings(&set, &failed("192.0.2.5", "c", 2));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rule_id.as_deref(), Some("three_failures"));
    assert_eq!(hits[0].level.as_deref(), Some("low"));
    assert_eq!(
        hits[0].evidence,
        ["c-ip=192.0.2.5: 3 failed events in 10 s"]
    );
}

const LOGIN_PROBE: &str = "6f1f0b52-1c1e-4c7e-9a57-0d6b3f1d2a11";

/// An engine with a stateless rule (failed logins) next to the shipped windows.
fn engine() -> goshawk_engine::Engine {
    use goshawk_engine::{Detectors, Engine, Policy};
    let (stateless, report) = goshawk_rules::RuleSet::from_sources(vec![(
        "web/login_probe.yml".into(),
        format!(
            "title: Login probe\nid: {LOGIN_PROBE}\nlevel: medium\n\
             logsource: {{category: webserver}}\n\
             detection:\n  sel:\n    cs-uri-stem|endswith: /auth\n    sc-status: 401\n  \
             condition: sel\n"
        ),
    )]);
    assert_eq!(report.loaded, 1, "{report:?}");
    let rules: Vec<Box<dyn RuleMatcher>> = vec![
        Box::new(stateless),
        Box::new(shipped(StateLimits::default())),
    ];
    Engine::new(
        Detectors {
            rules: Some(std::sync::Arc::new(rules)),
            ..Detectors::default()
        },
        Policy::default(),
    )
}

fn correlated(verdict: &goshawk_core::Verdict) -> bool {
    verdict
        .findings
        .iter()
        .any(|f| f.detector == "sigma-correlation")
}

/// A batch through [`Engine::analyze_batch`] (models and stateless rules on every core, windows
/// in input order) decides every event as one-at-a-time [`Engine::analyze`] calls do, windows
/// included: the tenth failure on an account fires in both.
#[test]
fn a_batch_is_decided_as_events_one_at_a_time() {
    use goshawk_engine::Scratch;

    let mut events: Vec<Event> = (0..40)
        .map(|i| failed(["203.0.113.7", "198.51.100.2"][i % 2], "alice", i as u32))
        .collect();
    events.push(login("192.0.2.1", "bob", "Mozilla/5.0", 200, 41));
    let mut invalid = HttpRequest::from_target("/login/auth");
    invalid.method = String::new();
    events.push(Event::Http(invalid));

    let one_at_a_time: Vec<_> = {
        let engine = engine();
        let mut scratch = Scratch::default();
        events
            .iter()
            .map(|event| engine.analyze(event, None, &mut scratch))
            .collect()
    };
    let batch = engine().analyze_batch(&events, &[]);
    assert_eq!(batch.len(), events.len());
    let (mut correlations, mut probed) = (0, 0);
    for (i, (alone, batched)) in one_at_a_time.into_iter().zip(batch).enumerate() {
        match (alone, batched) {
            (Ok(mut alone), Ok(batched)) => {
                alone.trace_id.clone_from(&batched.trace_id);
                correlations += usize::from(correlated(&batched));
                probed += usize::from(
                    batched
                        .findings
                        .iter()
                        .any(|f| f.rule_id.as_deref() == Some(LOGIN_PROBE)),
                );
                assert_eq!(alone, batched, "event {i}");
            }
            (Err(alone), Err(batched)) => assert_eq!(alone, batched, "event {i}"),
            (alone, batched) => panic!("event {i}: {alone:?} one at a time, {batched:?} batched"),
        }
    }
    // Failures alternate between two addresses on one account: 20 each, in order.
    assert_eq!(correlations, 22, "the 10th to 20th failure of each address");
    assert_eq!(probed, 40, "the stateless rule on every failed login");
}

/// A consumer that takes over a stream at some point rebuilds its windows from the history
/// before it ([`Engine::window_secs`] of event time, replayed with [`Engine::replay_windows`]):
/// it then decides what follows exactly as a consumer that had seen the whole stream, while
/// without the replay it misses the failures counted before the takeover.
#[test]
fn a_replayed_history_restores_the_windows_a_takeover_would_lose() {
    let events: Vec<Event> = (0..30)
        .map(|i| failed("203.0.113.7", "alice", i as u32))
        .collect();
    assert_eq!(
        engine().window_secs(),
        60,
        "the shipped rules' longest timespan"
    );
    let whole = engine().analyze_batch(&events, &[]);
    let takeover = 6;
    let (history, rest) = events.split_at(takeover);

    let replayed = engine();
    replayed.replay_windows(history, &[]);
    let after_replay = replayed.analyze_batch(rest, &[]);
    // Trace ids are per call; everything else must agree.
    let decided = |verdicts: &[Result<goshawk_core::Verdict, _>]| -> Vec<_> {
        verdicts
            .iter()
            .map(|v| {
                let v = v.as_ref().expect("valid events");
                (v.action, v.explanation.clone(), v.findings.clone())
            })
            .collect()
    };
    assert!(decided(&after_replay) == decided(&whole[takeover..]));

    let fresh = engine().analyze_batch(rest, &[]);
    let fires = |verdicts: &[Result<goshawk_core::Verdict, _>]| {
        verdicts
            .iter()
            .position(|v| v.as_ref().is_ok_and(correlated))
            .map(|i| i + takeover)
    };
    assert_eq!(fires(&whole[takeover..]), Some(9), "the tenth failure");
    assert_eq!(fires(&after_replay), Some(9));
    assert_eq!(
        fires(&fresh),
        Some(takeover + 9),
        "ten more failures without the history"
    );
}
