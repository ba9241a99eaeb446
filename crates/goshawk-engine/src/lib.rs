//! The pipeline every entry point shares: validate → detect → decide. It is the one place that
//! knows which detectors apply to which kind of event; the CLI, the API and stream consumers hand
//! it events and get back one [`Verdict`] per event.
//!
//! An [`Engine`] is immutable once built (models, rules and policy are fixed), so it is shared
//! across threads behind an `Arc`, and replacing a model means building a new engine and swapping
//! the `Arc`: requests in flight finish on the old one.

pub mod anomaly;
pub mod policy;
pub mod record;
pub mod rules;
pub mod trace;
pub mod web;

use std::sync::Arc;

use rayon::prelude::*;

use goshawk_core::{Event, EventKind, Finding, Fixed2, InvalidField, Verdict};

pub use anomaly::AnomalyDetector;
pub use goshawk_web::Scratch;
pub use policy::{Decision, Policy, PolicyError};
pub use record::ScanLine;
pub use rules::RuleMatcher;
pub use trace::new_trace_id;
pub use web::WebDetector;

/// The detectors an engine runs, by event kind.
#[derive(Clone, Default)]
pub struct Detectors {
    /// Scores HTTP requests.
    pub web: Option<WebDetector>,
    /// Scores sessions, IoT readings and Zeek connections (at most one per kind; the first wins).
    pub anomaly: Vec<AnomalyDetector>,
    /// Rules for every kind (they route by logsource themselves).
    pub rules: Option<Arc<dyn RuleMatcher>>,
}

/// validate → detect → decide, for every kind of event.
#[derive(Clone)]
pub struct Engine {
    detectors: Detectors,
    policy: Policy,
}

impl Engine {
    pub fn new(detectors: Detectors, policy: Policy) -> Engine {
        Engine { detectors, policy }
    }

    pub fn detectors(&self) -> &Detectors {
        &self.detectors
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The anomaly detector for `kind`, if one is loaded.
    pub fn anomaly(&self, kind: EventKind) -> Option<&AnomalyDetector> {
        self.detectors.anomaly.iter().find(|d| d.kind() == kind)
    }

    /// The whole pipeline for one event. `raw_line` is the record as it was logged, when there
    /// was one (keyword rules match it); `scratch` holds per-thread buffers.
    pub fn analyze(
        &self,
        event: &Event,
        raw_line: Option<&str>,
        scratch: &mut Scratch,
    ) -> Result<Verdict, InvalidField> {
        event.validate()?;
        let model_finding = self.model_finding(event, scratch);
        Ok(self.analyze_scored(event, raw_line, model_finding))
    }

    /// The model's finding alone (no rules, no decision): `POST /analyze/direct`.
    pub fn model_finding(&self, event: &Event, scratch: &mut Scratch) -> Option<Finding> {
        match event {
            Event::Http(req) => self.detectors.web.as_ref().map(|w| w.finding(req, scratch)),
            other => self
                .anomaly(other.kind())
                .and_then(|detector| detector.finding(other)),
        }
    }

    /// The rest of the pipeline for an event whose model finding was computed already (files of
    /// sessions, IoT or Zeek records are scored a block at a time). The event must be valid.
    pub fn analyze_scored(
        &self,
        event: &Event,
        raw_line: Option<&str>,
        model_finding: Option<Finding>,
    ) -> Verdict {
        let mut findings = Vec::with_capacity(2);
        findings.extend(model_finding);
        if let Some(rules) = &self.detectors.rules {
            let from = findings.len();
            rules.matches(event, raw_line, &mut findings);
            self.weigh_rule_findings(&mut findings[from..]);
        }
        self.decide(findings)
    }

    /// The whole pipeline for a batch, one result per event in input order; `raw_lines[i]`,
    /// when present, is event `i` as it was logged. Models, stateless rules and decisions run on
    /// every core (rayon); rules that keep windows ([`RuleMatcher::matches_in_order`]) see the
    /// valid events one at a time in input order on one thread meanwhile, so a batch gets the
    /// verdicts that one-at-a-time [`Engine::analyze`] calls would give.
    pub fn analyze_batch(
        &self,
        events: &[Event],
        raw_lines: &[Option<&str>],
    ) -> Vec<Result<Verdict, InvalidField>> {
        let raw = |i: usize| raw_lines.get(i).copied().flatten();
        let rules = self.detectors.rules.as_deref();
        // Validated once: both passes below leave invalid events out.
        let validity: Vec<Result<(), InvalidField>> =
            events.par_iter().map(Event::validate).collect();
        // Model first: it is the finding every event has, and explanations read best from it.
        let each_alone = || -> Vec<Result<Vec<Finding>, InvalidField>> {
            events
                .par_iter()
                .zip(&validity)
                .enumerate()
                .map_init(Scratch::default, |scratch, (i, (event, valid))| {
                    valid.clone()?;
                    let mut findings = Vec::with_capacity(2);
                    findings.extend(self.model_finding(event, scratch));
                    if let Some(rules) = rules {
                        let from = findings.len();
                        rules.matches_each(event, raw(i), &mut findings);
                        self.weigh_rule_findings(&mut findings[from..]);
                    }
                    Ok(findings)
                })
                .collect()
        };
        // The windows depend on nothing the other findings hold, so they run on one thread
        // while the rest of the pool does the stateless work: they were a sequential third of
        // a batch's analysis when they ran after it.
        let in_order = |rules: &dyn RuleMatcher| -> Vec<Vec<Finding>> {
            let mut windowed = vec![Vec::new(); events.len()];
            for (i, ((event, valid), findings)) in
                events.iter().zip(&validity).zip(&mut windowed).enumerate()
            {
                if valid.is_ok() {
                    rules.matches_in_order(event, raw(i), findings);
                    self.weigh_rule_findings(findings);
                }
            }
            windowed
        };
        let findings = match rules.filter(|rules| rules.needs_event_order()) {
            Some(rules) => {
                let (windowed, mut findings) = rayon::join(|| in_order(rules), each_alone);
                for (findings, windowed) in findings.iter_mut().zip(windowed) {
                    if let Ok(findings) = findings {
                        findings.extend(windowed);
                    }
                }
                findings
            }
            None => each_alone(),
        };
        findings
            .into_par_iter()
            .map(|findings| findings.map(|findings| self.decide(findings)))
            .collect()
    }

    /// The longest span of event time a behaviour window covers, in seconds (0: no windows).
    pub fn window_secs(&self) -> u64 {
        self.detectors
            .rules
            .as_deref()
            .map_or(0, RuleMatcher::window_secs)
    }

    /// Behaviour windows held now ([`RuleMatcher::window_count`]).
    pub fn window_count(&self) -> usize {
        self.detectors
            .rules
            .as_deref()
            .map_or(0, RuleMatcher::window_count)
    }

    /// Feeds events that were already decided (a stream's history before the point a consumer
    /// resumes from) to the behaviour windows only, in order, so that the windows hold what
    /// they held when that history was first analysed. What fires is discarded: it was
    /// reported then.
    pub fn replay_windows(&self, events: &[Event], raw_lines: &[Option<&str>]) {
        let Some(rules) = self
            .detectors
            .rules
            .as_deref()
            .filter(|r| r.needs_event_order())
        else {
            return;
        };
        let mut discarded = Vec::new();
        for (i, event) in events.iter().enumerate() {
            if event.validate().is_ok() {
                rules.matches_in_order(event, raw_lines.get(i).copied().flatten(), &mut discarded);
                discarded.clear();
            }
        }
    }

    /// Sets each rule finding's score from the policy (rule weights by id, else by level).
    fn weigh_rule_findings(&self, findings: &mut [Finding]) {
        for f in findings {
            f.score = self.policy.rule_weight(
                f.rule_id.as_deref().unwrap_or(""),
                f.level.as_deref().unwrap_or(""),
            );
        }
    }

    /// The decision step alone: one verdict from findings (rule findings weighted already).
    pub fn decide(&self, findings: Vec<Finding>) -> Verdict {
        let decision = self.policy.decide(&findings);
        let explanation = explain(&decision, &findings, &self.policy);
        // The attack type of the strongest finding that names one.
        let attack_type = findings
            .iter()
            .filter(|f| f.attack_type.is_some())
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .and_then(|f| f.attack_type.clone())
            .filter(|_| decision.is_threat);
        Verdict {
            trace_id: new_trace_id(),
            score: decision.combined,
            is_threat: decision.is_threat,
            action: decision.action,
            confidence: decision.confidence,
            attack_type,
            explanation,
            findings,
        }
    }
}

/// Plain-words reasons: the decision, then each finding that counted, strongest first.
fn explain(decision: &Decision, findings: &[Finding], policy: &Policy) -> Vec<String> {
    let mut reasons = Vec::with_capacity(findings.len() + 1);
    if findings.is_empty() {
        reasons.push("no detector applies to this event".to_string());
        return reasons;
    }
    for f in findings {
        if let Some(title) = &f.title {
            let what = if f.evidence.is_empty() {
                String::new()
            } else {
                format!("{} ", f.evidence.join(", "))
            };
            let techniques: Vec<&str> = f
                .labels
                .iter()
                .filter(|l| l.starts_with('T'))
                .map(String::as_str)
                .collect();
            let techniques = if techniques.is_empty() {
                String::new()
            } else {
                format!(" ({})", techniques.join(", "))
            };
            reasons.push(format!(
                "{what}matched rule \"{title}\"{techniques}, level {}",
                f.level.as_deref().unwrap_or("unknown")
            ));
        } else {
            let cmp = if f.score >= policy.threat_threshold {
                ">="
            } else {
                "<"
            };
            let mut line = format!(
                "{} score {} {cmp} threshold {}",
                f.detector,
                Fixed2(f.score),
                Fixed2(policy.threat_threshold)
            );
            if !f.evidence.is_empty() {
                line.push_str(": ");
                line.push_str(&f.evidence.join("; "));
            }
            reasons.push(line);
        }
    }
    if findings.len() > 1 {
        reasons.push(format!(
            "combined score {} from {} findings → {}",
            Fixed2(decision.combined),
            findings.len(),
            decision.action
        ));
    }
    reasons
}
