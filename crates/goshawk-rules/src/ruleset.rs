//! A loaded rule set: every rule file of some directories (or embedded sources) parsed,
//! checked, compiled once and split by the goshawk source it applies to, then evaluated per
//! event. Loading reports every rule it cannot evaluate with the reason; it never keeps a rule
//! that would silently never match.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use goshawk_core::Event;
use rsigma_eval::{CompiledRule, Engine};
use rsigma_parser::{Detection, LogSource, Modifier, SigmaCollection, SigmaRule, SigmaValue};
use serde::Serialize;

use crate::event_map::{field_slot, field_slot_count, SigmaView};
use crate::hit::{tag_labels, truncate, RuleHit};
use crate::placeholders::{substitute, Placeholders};
use crate::prefilter::{rule_witness, Prefilter, Witness};
use crate::source::{taxonomy_fields, SourceClass};
use crate::RulesError;
use rsigma_eval::event::Event as _;

/// The file name of a directory's placeholder values.
pub const PLACEHOLDERS_FILE: &str = "placeholders.yml";

/// Custom attribute carrying a compiled rule's index into [`RuleSet::rules`].
const INDEX_ATTRIBUTE: &str = "goshawk.rule_index";

/// Longest value shown in a hit's evidence.
const EVIDENCE_CHARS: usize = 120;

/// What loading found: how many rules, how many load, and why the others do not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoadReport {
    /// Rule documents found (a file that cannot be read as YAML counts as one).
    pub rules: usize,
    /// Rules that parsed, compiled and name only fields their source provides.
    pub loaded: usize,
    pub failed: Vec<LoadFailure>,
    /// Loaded rules whose logsource is none of goshawk's sources (proxy, firewall, Zeek
    /// dns...): valid, but no goshawk event is ever evaluated against them.
    pub not_routed: Vec<RuleRef>,
    /// Non-fatal remarks from the parser (an invalid `date`, a malformed `related` entry).
    pub warnings: Vec<LoadFailure>,
}

/// A rule that cannot be evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadFailure {
    pub path: String,
    pub reason: String,
}

/// Names a rule in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub path: String,
    pub title: String,
    pub logsource: String,
}

/// What goshawk keeps of a loaded rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// The file (or embedded source name) the rule came from.
    pub path: String,
    /// The rule's `id`, or its file name when it has none.
    pub id: String,
    pub title: String,
    pub level: String,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub techniques: Vec<String>,
    pub tactics: Vec<String>,
    pub stride: Option<String>,
    pub logsource: String,
    /// The goshawk source it is evaluated on; `None` = never evaluated (see
    /// [`LoadReport::not_routed`]).
    #[serde(skip)]
    pub source: Option<SourceClass>,
}

/// Compiled rules, ready to evaluate events. `Send + Sync`: share one across threads.
pub struct RuleSet {
    rules: Vec<RuleInfo>,
    /// Per [`SourceClass`] (by its index); `None` when no rule applies to it.
    classes: [Option<ClassRules>; 4],
}

/// The compiled rules of one source class and the literal pre-filter in front of them.
struct ClassRules {
    engine: Engine,
    prefilter: Prefilter,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// One rule file's text, by name.
struct Source {
    name: String,
    text: String,
}

impl RuleSet {
    /// Loads every `*.yml`/`*.yaml` file under `dirs` (recursively; a path may also name one
    /// file), with `placeholders.yml` files and the caller's `placeholders` applied.
    /// Errors only when a path cannot be read; bad rules are reported in the [`LoadReport`].
    pub fn load(
        dirs: &[PathBuf],
        placeholders: &Placeholders,
    ) -> Result<(RuleSet, LoadReport), RulesError> {
        let mut files = Vec::new();
        for dir in dirs {
            collect_files(dir, &mut files)?;
        }
        files.sort();
        files.dedup();
        let mut sources = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(|source| RulesError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push(Source {
                name: path.display().to_string(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(Self::build(sources, placeholders))
    }

    /// Loads rules given as `(name, yaml)` pairs (packs embedded in the binary). Names are
    /// paths (`web/sqli.yml`); a `.../placeholders.yml` entry applies to the names under its
    /// directory, as on disk.
    pub fn from_sources(sources: Vec<(String, String)>) -> (RuleSet, LoadReport) {
        Self::from_sources_with(sources, &Placeholders::new())
    }

    /// [`RuleSet::from_sources`] with the caller's placeholder values.
    pub fn from_sources_with(
        sources: Vec<(String, String)>,
        placeholders: &Placeholders,
    ) -> (RuleSet, LoadReport) {
        let sources = sources
            .into_iter()
            .map(|(name, text)| Source { name, text })
            .collect();
        Self::build(sources, placeholders)
    }

    /// Every loaded rule (routed or not), in load order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// How many loaded rules apply to events of `class`.
    pub fn rule_count_for(&self, class: SourceClass) -> usize {
        self.classes[class.index()]
            .as_ref()
            .map_or(0, |c| c.engine.rule_count())
    }

    /// How many rules of `class` have no literal witness and so are evaluated on every event
    /// (the others only when one of their literals occurs in the event).
    pub fn always_evaluated_for(&self, class: SourceClass) -> usize {
        self.classes[class.index()]
            .as_ref()
            .map_or(0, |c| c.prefilter.always_evaluated())
    }

    /// The rules that match `event`. `raw_line` is the event's original log line, which
    /// keyword (fieldless) rules search; for an HTTP event without one, a combined-log line
    /// is built from the request.
    pub fn evaluate(&self, event: &Event, raw_line: Option<&str>) -> Vec<RuleHit> {
        self.with_candidates(event, raw_line, |view, candidates| {
            candidates
                .filter_map(|rule| rsigma_eval::evaluate_rule(rule, view))
                .filter_map(|result| self.hit(&result))
                .collect()
        })
        .unwrap_or_default()
    }

    /// The titles of the rules [`RuleSet::evaluate`] hands to rsigma for `event` (those the
    /// literal pre-filter lets through), matching or not: how well the pre-filter works.
    pub fn rules_evaluated(&self, event: &Event, raw_line: Option<&str>) -> Vec<String> {
        self.with_candidates(event, raw_line, |_, candidates| {
            candidates.map(|rule| rule.title.clone()).collect()
        })
        .unwrap_or_default()
    }

    /// `use_them` with the event's Sigma view and the compiled rules the pre-filter lets
    /// through; `None` when no rule applies to the event's class.
    fn with_candidates<T>(
        &self,
        event: &Event,
        raw_line: Option<&str>,
        use_them: impl FnOnce(&SigmaView, &mut dyn Iterator<Item = &CompiledRule>) -> T,
    ) -> Option<T> {
        let class = SourceClass::of(event.kind());
        let rules = self.classes[class.index()].as_ref()?;
        let view = SigmaView::new(event, raw_line);
        let candidates = rules.prefilter.candidates(
            |visit| view.visit_field_text(visit),
            |visit| view.visit_string_values(visit),
        );
        let compiled = rules.engine.rules();
        let mut candidates = candidates
            .into_iter()
            .filter_map(|index| compiled.get(index as usize));
        Some(use_them(&view, &mut candidates))
    }

    /// [`RuleSet::evaluate`] by rsigma's engine alone, without goshawk's literal pre-filter:
    /// the reference the pre-filter is tested and measured against.
    pub fn evaluate_unfiltered(&self, event: &Event, raw_line: Option<&str>) -> Vec<RuleHit> {
        let class = SourceClass::of(event.kind());
        let Some(rules) = &self.classes[class.index()] else {
            return Vec::new();
        };
        let view = SigmaView::new(event, raw_line);
        rules
            .engine
            .evaluate(&view)
            .into_iter()
            .filter_map(|result| self.hit(&result))
            .collect()
    }

    fn hit(&self, result: &rsigma_eval::EvaluationResult) -> Option<RuleHit> {
        let index = result
            .header
            .custom_attributes
            .get(INDEX_ATTRIBUTE)?
            .as_u64()?;
        let info = self.rules.get(usize::try_from(index).ok()?)?;
        let matched = result
            .as_detection()
            .map(|d| {
                d.matched_fields
                    .iter()
                    .map(|m| {
                        let value = match &m.value {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        format!("{}={}", m.field, truncate(&value, EVIDENCE_CHARS))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(RuleHit {
            rule_id: info.id.clone(),
            title: info.title.clone(),
            level: info.level.clone(),
            tags: info.tags.clone(),
            techniques: info.techniques.clone(),
            tactics: info.tactics.clone(),
            stride: info.stride.clone(),
            matched,
        })
    }

    fn build(sources: Vec<Source>, caller: &Placeholders) -> (RuleSet, LoadReport) {
        let mut report = LoadReport::default();
        // Directory → its placeholders.yml (or why it could not be read).
        let mut placeholder_files: HashMap<String, Result<Placeholders, String>> = HashMap::new();
        let mut rule_sources = Vec::new();
        for source in sources {
            if file_name(&source.name) == PLACEHOLDERS_FILE {
                placeholder_files.insert(
                    parent_dir(&source.name).to_string(),
                    Placeholders::parse_file(&source.text),
                );
            } else {
                rule_sources.push(source);
            }
        }

        let mut rules: Vec<RuleInfo> = Vec::new();
        let mut batches: [Vec<CompiledRule>; 4] = Default::default();
        let mut witnesses: [Vec<Witness>; 4] = Default::default();
        let mut filters = Vec::new();
        for source in &rule_sources {
            let collection = match parse_source(source, &placeholder_files, caller, &mut report) {
                Some(c) => c,
                None => continue,
            };
            // A file with a correlation rule is goshawk-correlate's, base rules included.
            if !collection.correlations.is_empty() {
                continue;
            }
            for rule in &collection.rules {
                report.rules += 1;
                match check_and_compile(rule) {
                    Err(reason) => report.failed.push(LoadFailure {
                        path: source.name.clone(),
                        reason: format!("{}: {reason}", rule.title),
                    }),
                    Ok((class, mut compiled)) => {
                        let index = rules.len();
                        let mut attributes = (*compiled.custom_attributes).clone();
                        attributes.insert(INDEX_ATTRIBUTE.to_string(), index.into());
                        compiled.custom_attributes = Arc::new(attributes);
                        rules.push(rule_info(&source.name, rule, class));
                        report.loaded += 1;
                        match class {
                            Some(class) => {
                                batches[class.index()].push(compiled);
                                witnesses[class.index()].push(rule_witness(rule));
                            }
                            None => report.not_routed.push(RuleRef {
                                path: source.name.clone(),
                                title: rule.title.clone(),
                                logsource: describe_logsource(&rule.logsource),
                            }),
                        }
                    }
                }
            }
            for filter in &collection.filters {
                report.rules += 1;
                filters.push((source.name.clone(), filter.clone()));
            }
        }

        let mut classes: [Option<ClassRules>; 4] = Default::default();
        for class in SourceClass::ALL {
            let batch = std::mem::take(&mut batches[class.index()]);
            if batch.is_empty() {
                continue;
            }
            let mut engine = Engine::new();
            // One batch: the engine's indexes are rebuilt once (per-rule adds are quadratic).
            engine.extend_compiled_rules(batch);
            let prefilter = Prefilter::build(
                std::mem::take(&mut witnesses[class.index()]),
                |field| field_slot(class, field),
                field_slot_count(class),
            );
            classes[class.index()] = Some(ClassRules { engine, prefilter });
        }
        for (path, filter) in filters {
            let targets: Vec<SourceClass> = match &filter.logsource {
                Some(ls) => SourceClass::route(ls).into_iter().collect(),
                None => SourceClass::ALL.to_vec(),
            };
            let mut applied = false;
            let mut error = None;
            for class in targets {
                if let Some(rules) = classes[class.index()].as_mut() {
                    // A filter only adds `and not ...` to a rule's condition: the rule's
                    // witness stays sound.
                    match rules.engine.apply_filter(&filter) {
                        Ok(()) => applied = true,
                        Err(e) => error = Some(e.to_string()),
                    }
                }
            }
            match (applied, error) {
                (_, Some(e)) => report.failed.push(LoadFailure {
                    path,
                    reason: format!("{}: filter: {e}", filter.title),
                }),
                (false, None) => report.failed.push(LoadFailure {
                    path,
                    reason: format!(
                        "{}: filter applies to no loaded rule of a goshawk source",
                        filter.title
                    ),
                }),
                (true, None) => report.loaded += 1,
            }
        }
        (RuleSet { rules, classes }, report)
    }
}

/// Parses one file (placeholders substituted), recording failures and warnings; `None` when
/// nothing in it parsed.
fn parse_source(
    source: &Source,
    placeholder_files: &HashMap<String, Result<Placeholders, String>>,
    caller: &Placeholders,
    report: &mut LoadReport,
) -> Option<SigmaCollection> {
    let fail = |report: &mut LoadReport, count: usize, reason: String| {
        report.rules += count.max(1);
        for _ in 0..count.max(1) {
            report.failed.push(LoadFailure {
                path: source.name.clone(),
                reason: reason.clone(),
            });
        }
    };
    let (values, strict) = match nearest_placeholders(&source.name, placeholder_files) {
        Some(Ok(file_values)) => (file_values.overlaid(caller), true),
        Some(Err(reason)) => {
            fail(report, 1, format!("{PLACEHOLDERS_FILE}: {reason}"));
            return None;
        }
        None => (caller.clone(), false),
    };
    let substituted = match substitute(&source.text, &values, strict) {
        Ok(s) => s,
        Err(reason) => {
            fail(report, 1, reason);
            return None;
        }
    };
    let text = substituted.as_deref().unwrap_or(&source.text);
    let expected = count_documents(text);
    let collection = match rsigma_parser::parse_sigma_yaml(text) {
        Ok(c) => c,
        Err(e) => {
            fail(report, expected, e.to_string());
            return None;
        }
    };
    let parsed = collection.rules.len() + collection.correlations.len() + collection.filters.len();
    let missing = expected.saturating_sub(parsed);
    if missing > 0 || (parsed == 0 && !collection.errors.is_empty()) {
        let reason = if collection.errors.is_empty() {
            "document is not a Sigma rule".to_string()
        } else {
            collection.errors.join("; ")
        };
        fail(report, missing, reason);
    } else {
        for warning in &collection.errors {
            report.warnings.push(LoadFailure {
                path: source.name.clone(),
                reason: warning.clone(),
            });
        }
    }
    (parsed > 0).then_some(collection)
}

/// YAML documents that should each give a rule (collection `action: global/reset` documents
/// give none). A document that is not valid YAML counts and ends the count.
fn count_documents(text: &str) -> usize {
    let mut count = 0;
    for doc in yaml_serde::Deserializer::from_str(text) {
        let value: yaml_serde::Value = match serde::Deserialize::deserialize(doc) {
            Ok(v) => v,
            Err(_) => return count + 1,
        };
        let action = value.get("action").and_then(|a| a.as_str());
        if !matches!(action, Some("global") | Some("reset")) && !value.is_null() {
            count += 1;
        }
    }
    count
}

/// Checks that the rule can be evaluated where it applies, and compiles it.
fn check_and_compile(rule: &SigmaRule) -> Result<(Option<SourceClass>, CompiledRule), String> {
    let class = SourceClass::route(&rule.logsource);
    let mut fields = Vec::new();
    for detection in rule.detection.named.values() {
        collect_fields(detection, &mut fields);
    }
    let unknown: Vec<&str> = match class {
        Some(class) => fields
            .iter()
            .filter(|f| !class.fields().contains(&f.as_str()))
            .map(String::as_str)
            .collect(),
        None => match taxonomy_fields(&rule.logsource) {
            Some(known) => fields
                .iter()
                .filter(|f| !known.contains(f.as_str()))
                .map(String::as_str)
                .collect(),
            None => Vec::new(),
        },
    };
    if !unknown.is_empty() {
        let mut unknown = unknown;
        unknown.sort_unstable();
        unknown.dedup();
        let source = match class {
            Some(class) => format!("goshawk {} events", class.describe()),
            None => format!(
                "SigmaHQ's taxonomy for {}",
                describe_logsource(&rule.logsource)
            ),
        };
        return Err(format!(
            "unknown field(s) {} (not provided by {source})",
            unknown
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for detection in rule.detection.named.values() {
        check_modifiers(detection)?;
    }
    let compiled = rsigma_eval::compile_rule(rule).map_err(|e| e.to_string())?;
    Ok((class, compiled))
}

/// Refuses modifier combinations rsigma 0.23 accepts but does not apply, so that such a rule
/// is reported by `rules check` instead of silently matching something else.
fn check_modifiers(detection: &Detection) -> Result<(), String> {
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                let has = |m: Modifier| item.field.modifiers.contains(&m);
                let utf16 = [Modifier::Wide, Modifier::Utf16be, Modifier::Utf16]
                    .into_iter()
                    .find(|m| has(*m));
                // rsigma applies the UTF-16 encoding only on the way to base64; alone it
                // matches the plain (not re-encoded) value.
                let base64 = has(Modifier::Base64) || has(Modifier::Base64Offset);
                let field = item.field.name.as_deref().unwrap_or("(keyword)");
                // rsigma encodes to base64 before it would expand the dashes.
                if has(Modifier::WindAsh) && base64 {
                    return Err(format!(
                        "unsupported modifier combination on `{field}`: `windash` with \
                         `base64`/`base64offset` (the engine would not expand the dashes)"
                    ));
                }
                if let Some(encoding) = utf16 {
                    if !base64 {
                        return Err(format!(
                            "unsupported modifier combination on `{field}`: `{}` without                              `base64`/`base64offset` (the engine would match the value                              without the UTF-16 encoding)",
                            modifier_name(encoding)
                        ));
                    }
                }
            }
            Ok(())
        }
        Detection::AnyOf(list) | Detection::And(list) => list.iter().try_for_each(check_modifiers),
        Detection::Conditional { named, .. } => named.values().try_for_each(check_modifiers),
        Detection::Keywords(_) | Detection::ArrayMatch { .. } => Ok(()),
    }
}

fn modifier_name(modifier: Modifier) -> &'static str {
    match modifier {
        Modifier::Wide => "utf16le/wide",
        Modifier::Utf16be => "utf16be",
        Modifier::Utf16 => "utf16",
        _ => "modifier",
    }
}

/// Every field name a detection reads, including `|fieldref` targets.
fn collect_fields(detection: &Detection, out: &mut Vec<String>) {
    match detection {
        Detection::AllOf(items) => {
            for item in items {
                if let Some(name) = &item.field.name {
                    out.push(name.clone());
                }
                if item.field.modifiers.contains(&Modifier::FieldRef) {
                    for value in &item.values {
                        if let SigmaValue::String(s) = value {
                            out.push(s.original.clone());
                        }
                    }
                }
            }
        }
        Detection::AnyOf(list) | Detection::And(list) => {
            for d in list {
                collect_fields(d, out);
            }
        }
        Detection::Keywords(_) => {}
        // Fields inside an array block name parts of each member, not event fields.
        Detection::ArrayMatch { field, .. } => out.push(field.clone()),
        Detection::Conditional { named, .. } => {
            for d in named.values() {
                collect_fields(d, out);
            }
        }
    }
}

fn rule_info(path: &str, rule: &SigmaRule, source: Option<SourceClass>) -> RuleInfo {
    let labels = tag_labels(&rule.tags);
    RuleInfo {
        path: path.to_string(),
        id: rule
            .id
            .clone()
            .unwrap_or_else(|| file_stem(path).to_string()),
        title: rule.title.clone(),
        level: rule.level.map_or("medium", |l| l.as_str()).to_string(),
        status: rule.status.map(|s| format!("{s:?}").to_ascii_lowercase()),
        tags: rule.tags.clone(),
        techniques: labels.techniques,
        tactics: labels.tactics,
        stride: labels.stride,
        logsource: describe_logsource(&rule.logsource),
        source,
    }
}

pub(crate) fn describe_logsource(ls: &LogSource) -> String {
    let parts: Vec<String> = [
        ("product", &ls.product),
        ("category", &ls.category),
        ("service", &ls.service),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
    .collect();
    if parts.is_empty() {
        "(no logsource)".to_string()
    } else {
        parts.join(", ")
    }
}

/// Appends the `*.yml`/`*.yaml` files under `path` (recursively), or `path` itself if a file.
pub fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), RulesError> {
    let io = |source| RulesError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let child = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() {
            collect_files(&child, out)?;
        } else if child
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(child);
        }
    }
    Ok(())
}

fn file_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn file_stem(name: &str) -> &str {
    let file = file_name(name);
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

fn parent_dir(name: &str) -> &str {
    name.rfind(['/', '\\']).map_or("", |i| &name[..i])
}

/// The placeholders.yml of the file's directory or its nearest ancestor.
fn nearest_placeholders<'a>(
    name: &str,
    files: &'a HashMap<String, Result<Placeholders, String>>,
) -> Option<&'a Result<Placeholders, String>> {
    if files.is_empty() {
        return None;
    }
    let mut dir = parent_dir(name);
    loop {
        if let Some(found) = files.get(dir) {
            return Some(found);
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn rule_set_is_shareable_across_threads() {
        assert_send_sync::<RuleSet>();
    }

    #[test]
    fn nearest_placeholders_file_wins() {
        let mut files = HashMap::new();
        files.insert("rules".to_string(), Ok(Placeholders::new()));
        let mut sub = Placeholders::new();
        sub.set_number("x", 1.0);
        files.insert("rules/sessions".to_string(), Ok(sub.clone()));
        assert_eq!(
            nearest_placeholders("rules/sessions/a.yml", &files),
            Some(&Ok(sub))
        );
        assert_eq!(
            nearest_placeholders("rules/web/deep/b.yml", &files),
            Some(&Ok(Placeholders::new()))
        );
        assert_eq!(nearest_placeholders("other/c.yml", &files), None);
    }

    #[test]
    fn only_the_rules_the_prefilter_lets_through_are_evaluated() {
        let rule = |title: &str, needle: &str| {
            format!(
                "title: {title}\nlogsource: {{category: webserver}}\ndetection:\n  sel:\n    cs-uri-query|contains: '{needle}'\n  condition: sel\n"
            )
        };
        let (rules, report) = RuleSet::from_sources(vec![
            ("web/a.yml".into(), rule("passwd", "/etc/passwd")),
            ("web/b.yml".into(), rule("admin", "/wp-admin")),
        ]);
        assert_eq!(report.loaded, 2);
        let event = |url: &str| Event::Http(goshawk_core::HttpRequest::from_target(url));
        assert!(rules
            .rules_evaluated(&event("/index.html"), None)
            .is_empty());
        let evaluated = rules.rules_evaluated(&event("/x?f=../../etc/passwd"), None);
        assert_eq!(evaluated, vec!["passwd".to_string()]);
        assert_eq!(
            rules.evaluate(&event("/x?f=../../etc/passwd"), None).len(),
            1
        );
    }

    #[test]
    fn documents_are_counted_without_collection_actions() {
        assert_eq!(count_documents("title: a\n---\ntitle: b\n"), 2);
        assert_eq!(
            count_documents("action: global\nlogsource: {}\n---\ntitle: b\n"),
            1
        );
        assert_eq!(count_documents("title: [unclosed\n"), 1);
    }
}
