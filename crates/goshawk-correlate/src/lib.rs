//! Behaviour over time for goshawk events: Sigma correlation rules (`event_count`,
//! `value_count`, ... with `group-by` and `timespan`) evaluated with state, so that a sequence
//! no single request shows (20 failed logins on one account, 30 accounts tried from one
//! address) becomes a finding. goshawk-rules evaluates each event alone; this crate owns every
//! rule file that holds a correlation rule, base rules included.
//!
//! The matching and the windows are rsigma's `CorrelationEngine` (MIT); goshawk's part is the
//! loading and reporting ([`goshawk_rules::LoadReport`]), the field mapping (the same as
//! goshawk-rules', [`goshawk_rules::sigma_event`]), event time, bounded state ([`StateLimits`])
//! and turning a window that fires into a [`Finding`] that names the key and the count.
//!
//! **Files.** A rule file that holds a correlation rule is a collection of the correlation rules
//! and the base rules they count (each base rule with an `id`: rsigma links a detection to its
//! correlations by id). Loading refuses, with the reason, a correlation that counts a rule not
//! in its file, a rule without an id, or a field the goshawk source does not have.
//!
//! **Order.** Windows slide in event time (the event's own timestamp; wall-clock time for an
//! event without one), so events must arrive in time order, one at a time:
//! [`RuleMatcher::needs_event_order`] says so, and `goshawk scan` then runs the rules
//! sequentially (the models still score in parallel).
//!
//! **Bounded state.** Every window is per (correlation rule, group-by key). A window drops its
//! entries older than the rule's timespan when its key's next event comes; windows quiet for
//! longer than [`StateLimits::sweep_lag_secs`] are dropped on a sweep every
//! [`StateLimits::sweep_every_secs`] of event time, and the number of keys is capped ([`StateLimits::max_keys`]): at the cap the stalest
//! keys are dropped down to 90 % of it, so memory is bounded whatever the traffic (at the
//! cost of forgetting the quietest keys under a flood of new ones). Each key keeps at most
//! [`StateLimits::max_entries_per_key`] events (a flood on one key under-counts, never grows).
//!
//! **Scale-out.** State is per group-by key. When every key a rule groups by is derived from
//! the source address (`c-ip`, alone or with more fields) and messages are partitioned by
//! source address (Kafka messages keyed by client IP), every event of a key reaches the same
//! consumer, so each consumer holds the windows of its own partitions and the detection is the
//! same as on one machine. A rule grouped by account only would need messages keyed by account.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use goshawk_core::{Event, EventKind, Finding, LoggedTime};
use goshawk_engine::RuleMatcher;
use goshawk_rules::{tag_labels, LoadFailure, LoadReport, RuleHit, SourceClass};
use rsigma_eval::{CorrelationConfig, CorrelationEngine, EvaluationResult};
use rsigma_parser::{CorrelationCondition, CorrelationRule, CorrelationType, SigmaRule};

/// Why rule files could not be read at all (bad rules are reported in the [`LoadReport`]).
#[derive(Debug, thiserror::Error)]
pub enum CorrelateError {
    #[error(transparent)]
    Rules(#[from] goshawk_rules::RulesError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How much window state is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateLimits {
    /// Most (correlation rule, group-by key) windows held at once; beyond it the stalest are
    /// dropped (to 90 %). The count can pass the cap by at most the number of correlation
    /// rules minus one (one event opens at most one window per rule before the next check).
    pub max_keys: usize,
    /// Most events one window remembers (oldest dropped first).
    pub max_entries_per_key: usize,
    /// Event-time seconds between sweeps of expired windows.
    pub sweep_every_secs: i64,
    /// How far behind the newest event time a sweep looks: it drops windows that have been
    /// quiet for their timespan plus this long. Sweeps only free memory (a window drops its
    /// expired entries itself, in its key's own time, when the key's next event comes), so
    /// the lag only has to cover how far events of one key can trail those of others: a
    /// consumer reads its partitions unevenly, one ahead of another in event time, and a
    /// sweep at the newest time would empty the windows of the partitions behind.
    pub sweep_lag_secs: i64,
}

impl Default for StateLimits {
    /// 100,000 keys (a few tens of MB with 60 s windows), 1,000 events per key, a sweep every
    /// 10 minutes of event time of windows quiet for a day (memory is bounded by the key cap
    /// whatever the lag). A sweep visits every window: at one every 10 s it was 2 % of
    /// `consume`'s CPU, for windows that a day's lag almost never lets it drop.
    fn default() -> Self {
        StateLimits {
            max_keys: 100_000,
            max_entries_per_key: 1_000,
            sweep_every_secs: 600,
            sweep_lag_secs: 24 * 3600,
        }
    }
}

/// What goshawk keeps of a loaded correlation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationInfo {
    pub path: String,
    /// The rule's `id` (or its `name`, or its title).
    pub id: String,
    pub title: String,
    pub level: String,
    pub tags: Vec<String>,
    /// `event_count`, `value_count`, ...
    pub kind: String,
    pub group_by: Vec<String>,
    pub timespan_secs: u64,
    /// What a window counts, for the evidence: `failed_login events`, `distinct cs-username`.
    pub counted: String,
}

/// Loaded correlation rules and their windows. `Send + Sync`: the windows sit behind a mutex.
pub struct CorrelationSet {
    rules: Vec<CorrelationInfo>,
    /// What rsigma names a firing rule by (its `id`, else its title) → index into `rules`.
    by_id: HashMap<String, usize>,
    /// The goshawk sources the base rules apply to: other events never touch the windows.
    sources: Vec<SourceClass>,
    limits: StateLimits,
    windows: Mutex<Windows>,
}

struct Windows {
    engine: CorrelationEngine,
    /// Latest event time seen (seconds) and when expired windows were last swept.
    latest: i64,
    last_sweep: i64,
}

impl std::fmt::Debug for CorrelationSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrelationSet")
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl CorrelationSet {
    /// Loads the correlation files under `dirs` (recursively; `*.yml`/`*.yaml`; a path may
    /// name one file). Files without a correlation rule are skipped: they are goshawk-rules'.
    pub fn load(
        dirs: &[PathBuf],
        limits: StateLimits,
    ) -> Result<(CorrelationSet, LoadReport), CorrelateError> {
        let mut files = Vec::new();
        for dir in dirs {
            goshawk_rules::collect_files(dir, &mut files)?;
        }
        files.sort();
        files.dedup();
        let mut sources = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(|source| CorrelateError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
        Ok(Self::from_sources(sources, limits))
    }

    /// Loads correlation rules given as `(name, yaml)` pairs (the packs embedded in the
    /// binary); sources without a correlation rule are skipped.
    pub fn from_sources(
        sources: Vec<(String, String)>,
        limits: StateLimits,
    ) -> (CorrelationSet, LoadReport) {
        let config = CorrelationConfig {
            max_state_entries: limits.max_keys,
            max_group_entries: Some(limits.max_entries_per_key),
            ..CorrelationConfig::default()
        };
        let mut engine = CorrelationEngine::new(config);
        let mut report = LoadReport::default();
        let mut rules = Vec::new();
        let mut result_keys = Vec::new();
        let mut sources_seen = Vec::new();
        for (name, text) in sources {
            // Unparseable files are goshawk-rules' to report (they cannot be known to hold a
            // correlation rule).
            let Ok(collection) = rsigma_parser::parse_sigma_yaml(&text) else {
                continue;
            };
            if collection.correlations.is_empty() {
                continue;
            }
            let fail = |report: &mut LoadReport, title: &str, reason: String| {
                report.failed.push(LoadFailure {
                    path: name.clone(),
                    reason: format!("{title}: {reason}"),
                });
            };
            let mut base: HashMap<String, BaseRule> = HashMap::new();
            for rule in &collection.rules {
                report.rules += 1;
                let class = SourceClass::route(&rule.logsource);
                match engine.add_rule(rule) {
                    Ok(()) => {
                        report.loaded += 1;
                        let has_id = rule.id.is_some();
                        for key in rule_keys(rule) {
                            base.insert(key, BaseRule { class, has_id });
                        }
                    }
                    Err(e) => fail(&mut report, &rule.title, e.to_string()),
                }
            }
            for correlation in &collection.correlations {
                report.rules += 1;
                let info = match check_correlation(&name, correlation, &base) {
                    Ok((info, class)) => {
                        sources_seen.push(class);
                        info
                    }
                    Err(reason) => {
                        fail(&mut report, &correlation.title, reason);
                        continue;
                    }
                };
                match engine.add_correlation(correlation) {
                    Ok(()) => {
                        report.loaded += 1;
                        rules.push(info);
                        result_keys.push(
                            correlation
                                .id
                                .clone()
                                .unwrap_or_else(|| correlation.title.clone()),
                        );
                    }
                    Err(e) => fail(&mut report, &correlation.title, e.to_string()),
                }
            }
            for warning in &collection.errors {
                report.warnings.push(LoadFailure {
                    path: name.clone(),
                    reason: warning.clone(),
                });
            }
        }
        sources_seen.sort();
        sources_seen.dedup();
        let by_id = result_keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, i))
            .collect();
        let set = CorrelationSet {
            rules,
            by_id,
            sources: sources_seen,
            limits,
            windows: Mutex::new(Windows {
                engine,
                latest: i64::MIN,
                last_sweep: i64::MIN,
            }),
        };
        (set, report)
    }

    /// The loaded correlation rules.
    pub fn rules(&self) -> &[CorrelationInfo] {
        &self.rules
    }

    pub fn limits(&self) -> StateLimits {
        self.limits
    }

    /// Windows held now (one per correlation rule and group-by key).
    pub fn state_count(&self) -> usize {
        self.lock().engine.state_count()
    }

    /// Feeds one event to the windows and returns the correlation rules it makes fire. Events
    /// must come in event-time order.
    pub fn observe(&self, event: &Event, raw_line: Option<&str>) -> Vec<RuleHit> {
        if !self.sources.contains(&SourceClass::of(event.kind())) {
            return Vec::new();
        }
        let Some(at) = event_time(event) else {
            return Vec::new();
        };
        let view = goshawk_rules::sigma_event(event, raw_line);
        let results = {
            let mut windows = self.lock();
            windows.latest = windows.latest.max(at);
            if windows.latest.saturating_sub(windows.last_sweep) >= self.limits.sweep_every_secs {
                let now = windows.latest;
                windows
                    .engine
                    .evict_expired(now.saturating_sub(self.limits.sweep_lag_secs));
                windows.last_sweep = now;
            }
            windows.engine.process_event_at(&view, at)
        };
        results.iter().filter_map(|r| self.hit(r)).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        // A panic while holding the lock leaves windows that are still valid data.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn hit(&self, result: &EvaluationResult) -> Option<RuleHit> {
        let body = result.as_correlation()?;
        let id = result
            .header
            .rule_id
            .as_deref()
            .unwrap_or(&result.header.rule_title);
        let info = self.rules.get(*self.by_id.get(id)?)?;
        let key = body
            .group_key
            .iter()
            .map(|(field, value)| format!("{field}={value}"))
            .collect::<Vec<_>>()
            .join(", ");
        let labels = tag_labels(&info.tags);
        Some(RuleHit {
            rule_id: info.id.clone(),
            title: info.title.clone(),
            level: info.level.clone(),
            tags: info.tags.clone(),
            techniques: labels.techniques,
            tactics: labels.tactics,
            stride: labels.stride,
            matched: vec![format!(
                "{key}: {} {} in {} s",
                body.aggregated_value, info.counted, body.timespan_secs
            )],
        })
    }
}

impl RuleMatcher for CorrelationSet {
    fn matches(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        out.extend(self.observe(event, raw_line).into_iter().map(|hit| {
            let mut finding = Finding::from(hit);
            finding.detector = "sigma-correlation".to_string();
            finding
        }));
    }

    fn rule_count(&self) -> usize {
        self.rules.len()
    }

    fn rule_count_for(&self, kind: EventKind) -> usize {
        if self.sources.contains(&SourceClass::of(kind)) {
            self.rules.len()
        } else {
            0
        }
    }

    fn needs_event_order(&self) -> bool {
        !self.rules.is_empty()
    }

    fn window_secs(&self) -> u64 {
        self.rules
            .iter()
            .map(|r| r.timespan_secs)
            .max()
            .unwrap_or(0)
    }

    fn window_count(&self) -> usize {
        self.state_count()
    }
}

/// What a correlation rule needs to know of a base rule it counts.
#[derive(Debug, Clone, Copy)]
struct BaseRule {
    class: Option<SourceClass>,
    /// rsigma 0.23 links a detection to the correlations counting it through the rule's `id`:
    /// a base rule without one is never counted.
    has_id: bool,
}

/// The names a correlation rule may use for a base rule: its id and its name.
fn rule_keys(rule: &SigmaRule) -> Vec<String> {
    rule.id.iter().chain(rule.name.iter()).cloned().collect()
}

/// Checks that a correlation rule counts base rules of this file, all on one goshawk source,
/// and groups and counts by fields that source has.
fn check_correlation(
    path: &str,
    rule: &CorrelationRule,
    base: &HashMap<String, BaseRule>,
) -> Result<(CorrelationInfo, SourceClass), String> {
    let mut class = None;
    for name in &rule.rules {
        match base.get(name) {
            None => {
                return Err(format!(
                    "counts rule `{name}`, which is not a detection rule of the same file"
                ))
            }
            Some(BaseRule { has_id: false, .. }) => {
                return Err(format!(
                    "counts rule `{name}`, which has no `id` (rsigma links detections to \
                     correlations by id; the rule would never be counted)"
                ))
            }
            Some(BaseRule { class: None, .. }) => {
                return Err(format!(
                    "counts rule `{name}`, whose logsource is none of goshawk's sources"
                ))
            }
            Some(BaseRule { class: Some(c), .. }) if class.is_some_and(|k| k != *c) => {
                return Err("counts rules of different goshawk sources".to_string())
            }
            Some(BaseRule { class: Some(c), .. }) => class = Some(*c),
        }
    }
    let class = class.ok_or("counts no rule")?;
    let counted_field = match &rule.condition {
        CorrelationCondition::Threshold { field, .. } => field.clone().unwrap_or_default(),
        CorrelationCondition::Extended(_) => Vec::new(),
    };
    let unknown: Vec<&str> = rule
        .group_by
        .iter()
        .chain(&counted_field)
        .filter(|f| !class.fields().contains(&f.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown field(s) {} (not provided by goshawk {} events)",
            unknown.join(", "),
            class.describe()
        ));
    }
    let counted = match rule.correlation_type {
        CorrelationType::EventCount => format!("{} events", rule.rules.join("/")),
        CorrelationType::ValueCount => format!("distinct {}", counted_field.join("/")),
        other => format!("{} of {}", other.as_str(), rule.rules.join("/")),
    };
    let id = rule
        .id
        .clone()
        .or_else(|| rule.name.clone())
        .unwrap_or_else(|| rule.title.clone());
    let info = CorrelationInfo {
        path: path.to_string(),
        id,
        title: rule.title.clone(),
        level: rule.level.map_or("medium", |l| l.as_str()).to_string(),
        tags: rule.tags.clone(),
        kind: rule.correlation_type.as_str().to_string(),
        group_by: rule.group_by.clone(),
        timespan_secs: rule.timespan.seconds,
        counted,
    };
    Ok((info, class))
}

/// The event's own time in whole seconds; the wall clock for an event that carries none
/// (requests posted live); `None` for a timestamp that cannot be read (such an event is left
/// out of the windows rather than counted at the wrong time).
fn event_time(event: &Event) -> Option<i64> {
    match event.logged_time() {
        LoggedTime::At(seconds) => Some(seconds.floor() as i64),
        LoggedTime::Missing => Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        LoggedTime::Unreadable => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_set_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CorrelationSet>();
    }
}
