//! The pipeline end to end with the built-in web model: detect → decide, rules weighted by the
//! policy, refused records, and explanations that say why.

use std::path::PathBuf;
use std::sync::Arc;

use goshawk_core::{Action, Event, EventKind, Finding, HttpRequest, NetSession};
use goshawk_engine::{Detectors, Engine, Policy, RuleMatcher, Scratch, WebDetector};
use goshawk_web::WebModel;

fn web_detector() -> WebDetector {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/web-default.gsk");
    WebDetector::new(WebModel::load(&path).expect("the built-in model loads"))
}

/// A rule matcher for the test: one rule that fires on `/etc/passwd` in a URL, at `level`.
struct PasswdRule {
    level: &'static str,
}

impl RuleMatcher for PasswdRule {
    fn matches(&self, event: &Event, _raw: Option<&str>, out: &mut Vec<Finding>) {
        if let Event::Http(r) = event {
            if r.url.contains("/etc/passwd") {
                out.push(Finding {
                    detector: "sigma".into(),
                    rule_id: Some("passwd-rule".into()),
                    title: Some("Passwd File Access".into()),
                    level: Some(self.level.into()),
                    labels: vec!["T1083".into(), "stride.information-disclosure".into()],
                    evidence: vec!["cs-uri-query contains /etc/passwd".into()],
                    ..Default::default()
                });
            }
        }
    }

    fn rule_count(&self) -> usize {
        1
    }

    fn rule_count_for(&self, kind: EventKind) -> usize {
        usize::from(kind == EventKind::Http)
    }
}

fn engine(level: &'static str) -> Engine {
    Engine::new(
        Detectors {
            web: Some(web_detector()),
            anomaly: Vec::new(),
            rules: Some(Arc::new(PasswdRule { level })),
        },
        Policy::default(),
    )
}

fn get(target: &str) -> Event {
    let mut r = HttpRequest::from_target(target);
    r.method = "GET".into();
    Event::Http(r)
}

#[test]
fn a_rule_hit_is_weighted_by_the_policy_and_explained() {
    let engine = engine("critical");
    let mut scratch = Scratch::default();
    let v = engine
        .analyze(
            &get("/download?file=../../../../etc/passwd"),
            None,
            &mut scratch,
        )
        .expect("valid");
    assert!(v.is_threat);
    assert_eq!(v.action, Action::Block, "a critical rule blocks");
    assert_eq!(v.findings.len(), 2, "{v:?}");
    assert_eq!(v.findings[0].detector, "web-model");
    let rule = &v.findings[1];
    assert_eq!(rule.rule_id.as_deref(), Some("passwd-rule"));
    assert_eq!(
        rule.score,
        Policy::default().rule_weight("passwd-rule", "critical")
    );
    let text = v.explanation.join("\n");
    assert!(
        text.contains("matched rule \"Passwd File Access\" (T1083)"),
        "{text}"
    );
    assert!(text.contains("web-model score"), "{text}");
    assert_eq!(v.trace_id.len(), 32);
}

#[test]
fn ordinary_requests_are_monitored_with_confidence() {
    let engine = engine("critical");
    let mut scratch = Scratch::default();
    for target in [
        "/api/balance/check?account=ES7620770024003102575766",
        "/login/auth",
        "/support/ticket",
    ] {
        let v = engine
            .analyze(&get(target), None, &mut scratch)
            .expect("valid");
        assert!(!v.is_threat, "{target}: {v:?}");
        assert_eq!(v.action, Action::Monitor, "{target}");
        assert!(v.confidence > 0.5, "{target}: {v:?}");
        assert_eq!(v.findings.len(), 1, "only the model spoke");
    }
}

#[test]
fn a_model_alone_alerts_but_does_not_block() {
    let engine = engine("low");
    let v = engine
        .analyze(
            &get("/search?q=<script>alert(document.cookie)</script>"),
            None,
            &mut Scratch::default(),
        )
        .expect("valid");
    assert!(v.is_threat);
    assert_eq!(v.action, Action::Alert);
    assert_eq!(v.attack_type.map(|t| t.to_string()).as_deref(), Some("xss"));
}

#[test]
fn invalid_records_are_refused_with_the_field_and_unknown_kinds_say_so() {
    let engine = engine("high");
    let bad = Event::Sessions(NetSession {
        session_id: "S1".into(),
        protocol_type: "TCP".into(),
        encryption_used: "AES".into(),
        browser_type: "Chrome".into(),
        session_duration: -3.0,
        ..Default::default()
    });
    let err = engine
        .analyze(&bad, None, &mut Scratch::default())
        .expect_err("negative duration");
    assert_eq!(err.field, "session_duration");
    // A valid session with no sessions model and no matching rule: nothing applies.
    let ok = Event::Sessions(NetSession {
        session_id: "S2".into(),
        protocol_type: "TCP".into(),
        encryption_used: "AES".into(),
        browser_type: "Chrome".into(),
        ..Default::default()
    });
    let v = engine
        .analyze(&ok, None, &mut Scratch::default())
        .expect("valid");
    assert!(!v.is_threat);
    assert_eq!(v.explanation, vec!["no detector applies to this event"]);
}
