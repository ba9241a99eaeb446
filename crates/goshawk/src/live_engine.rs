//! The detection engine as `goshawk serve` runs it: an [`Engine`] that can be retrained while
//! it serves. Requests read the current engine through an `Arc`; training builds a new engine
//! beside it and swaps the `Arc`, so calls in flight finish on the old models. Trained models
//! are written to `<data-dir>/models/<kind>.gsk` (atomically) and loaded from there at start,
//! so a restart keeps what was trained.

use std::cell::RefCell;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use goshawk_anomaly::pipeline::{
    train::{train, TrainOptions, TrainingReport},
    AnomalyModel, FeatureRecord, TableKind,
};
use goshawk_core::{
    parse_label, Action, AttackType, Event, EventKind, IotReading, NetSession, Verdict, ZeekConn,
};
use goshawk_engine::{AnomalyDetector, Detectors, Engine, Scratch, WebDetector};
use goshawk_server::Analyzer;
use goshawk_web::{Example, WebModel, WebParams};

use crate::cli::DecisionArgs;
use crate::setup::Models;

/// Batches at least this large are scored on every core (smaller ones are not worth the
/// hand-off).
const PARALLEL_BATCH: usize = 64;

/// Rows of training data kept for `GET /dataset/sample`.
const SAMPLE_ROWS: usize = 1000;

/// Device types the IoT telemetry is known to have (the seed's list); a loaded IoT model adds
/// the ones it learnt.
const KNOWN_DEVICE_TYPES: &[&str] = &[
    "appliance",
    "camera",
    "hub",
    "lock",
    "sensor",
    "smart",
    "thermostat",
    "wearable",
];

thread_local! {
    /// Per-thread buffers of the web model: the server calls `analyze` from many threads.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// What is known about one loaded model: where it came from and the data it was built from.
#[derive(Clone)]
struct ModelFacts {
    kind: EventKind,
    /// First 16 hex digits of the SHA-256 of the model file.
    version: String,
    checksum: String,
    source: String,
    algorithm: String,
    trained_at: Option<String>,
    dataset: Option<Value>,
    sample: Vec<Value>,
}

impl ModelFacts {
    fn new(kind: EventKind, bytes: &[u8], source: String) -> ModelFacts {
        let digest = hex(&Sha256::digest(bytes));
        ModelFacts {
            kind,
            version: digest[..16].to_string(),
            checksum: format!("sha256:{digest}"),
            source,
            algorithm: String::new(),
            trained_at: None,
            dataset: None,
            sample: Vec::new(),
        }
    }

    fn summary(&self) -> Value {
        json!({
            "kind": self.kind,
            "version": self.version,
            "checksum": self.checksum,
            "source": self.source,
            "algorithm": self.algorithm,
            "trained_at": self.trained_at,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The serving engine: see the module documentation.
pub struct LiveEngine {
    engine: RwLock<Arc<Engine>>,
    facts: RwLock<BTreeMap<EventKind, ModelFacts>>,
    models_dir: PathBuf,
    /// One training at a time: two concurrent runs for one kind would race on the swap.
    training: Mutex<()>,
}

/// The files an engine is built from: the web model (the built-in one when `None`), anomaly
/// model files, and the rules and policy.
pub struct EngineFiles {
    pub web_model: Option<PathBuf>,
    pub models: Vec<PathBuf>,
    pub decision: DecisionArgs,
}

/// Data directory when neither the flag nor the configuration file sets one.
const DEFAULT_DATA_DIR: &str = "goshawk-data";

/// The flags of a long-running engine, shared by `serve` and `consume`.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// Directory of the alert store (`alerts.db`) and of trained models (`models/<kind>.gsk`,
    /// loaded at start) [default: ./goshawk-data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Web model file (the built-in model when absent).
    #[arg(long)]
    pub web_model: Option<PathBuf>,
    /// Anomaly model files (sessions, IoT, Zeek; repeatable). Models trained through the API
    /// and saved in the data directory replace these at start.
    #[arg(long = "model", value_name = "FILE")]
    pub models: Vec<PathBuf>,
    #[command(flatten)]
    pub decision: DecisionArgs,
}

/// The same settings as keys of a configuration file (`serve --config`, `consume --config`).
#[derive(Debug, Default)]
pub struct EngineKeys {
    pub data_dir: Option<PathBuf>,
    pub web_model: Option<PathBuf>,
    pub models: Vec<PathBuf>,
    pub rules: Vec<String>,
    pub policy: Option<PathBuf>,
}

impl EngineArgs {
    /// The flags over the file's keys (a flag given wins; a list flag given replaces the
    /// file's list): the data directory and the engine's files.
    pub fn over(self, file: EngineKeys) -> (PathBuf, EngineFiles) {
        let data_dir = self
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let files = EngineFiles {
            web_model: self.web_model.or(file.web_model),
            models: given_or(self.models, file.models),
            decision: DecisionArgs {
                rules: given_or(self.decision.rules, file.rules),
                policy: self.decision.policy.or(file.policy),
            },
        };
        (data_dir, files)
    }
}

/// A list flag when given, else the file's list.
fn given_or<T>(flag: Vec<T>, key: Vec<T>) -> Vec<T> {
    if flag.is_empty() {
        key
    } else {
        flag
    }
}

impl LiveEngine {
    /// The engine of `files`, with the models trained earlier and saved under
    /// `<data_dir>/models` in place of the ones of their kind. Shared by `serve` and `consume`.
    pub fn from_files(files: &EngineFiles, data_dir: &Path) -> Result<LiveEngine> {
        let (web, web_source) = match &files.web_model {
            Some(path) => {
                let bytes =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                let model = WebModel::from_bytes(&bytes)
                    .with_context(|| format!("loading {}", path.display()))?;
                (model, (bytes, path.display().to_string()))
            }
            None => (
                crate::builtin::web_model()?,
                (crate::builtin::WEB_MODEL.to_vec(), "builtin".to_string()),
            ),
        };
        let anomaly = files
            .models
            .iter()
            .map(|path| crate::cmd::anomaly::load_model(path))
            .collect::<Result<Vec<_>>>()?;
        let engine = crate::setup::engine(
            Models {
                web: Some(web),
                anomaly,
            },
            &files.decision,
        )?;
        let live = LiveEngine::new(
            engine,
            Some((&web_source.0, web_source.1)),
            data_dir.join("models"),
        );
        let saved = live.load_saved_models()?;
        if saved > 0 {
            tracing::info!(
                saved,
                dir = %data_dir.join("models").display(),
                "loaded trained models"
            );
        }
        Ok(live)
    }

    /// Verdicts of `events`, in order; `raw_lines[i]`, when present, is event `i` as it was
    /// logged (keyword rules match it). Batches of [`PARALLEL_BATCH`] events or more go through
    /// [`Engine::analyze_batch`] (every core; windows in input order); an invalid event gets a
    /// refusal verdict saying why.
    pub fn analyze_lines(&self, events: &[Event], raw_lines: &[Option<&str>]) -> Vec<Verdict> {
        let engine = self.current();
        let verdict = |result: Result<Verdict, goshawk_core::InvalidField>| {
            result.unwrap_or_else(|invalid| refused(format!("{invalid}")))
        };
        if events.len() < PARALLEL_BATCH {
            return SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                events
                    .iter()
                    .enumerate()
                    .map(|(i, event)| {
                        let raw = raw_lines.get(i).copied().flatten();
                        verdict(engine.analyze(event, raw, &mut scratch))
                    })
                    .collect()
            });
        }
        engine
            .analyze_batch(events, raw_lines)
            .into_iter()
            .map(verdict)
            .collect()
    }

    /// Wraps `engine`; `builtin_web` is the bytes of the web model it holds when that is the
    /// built-in one (for its version), and models found in `models_dir` replace those of the
    /// engine.
    pub fn new(engine: Engine, web_source: Option<(&[u8], String)>, models_dir: PathBuf) -> Self {
        let mut facts = BTreeMap::new();
        if let (Some(web), Some((bytes, source))) = (&engine.detectors().web, web_source) {
            facts.insert(EventKind::Http, web_facts(web.model(), bytes, source));
        }
        for detector in &engine.detectors().anomaly {
            if let Ok(bytes) = detector.model().to_bytes() {
                let source = "--model".to_string();
                facts.insert(
                    detector.kind(),
                    anomaly_facts(detector.model(), &bytes, source, Vec::new()),
                );
            }
        }
        LiveEngine {
            engine: RwLock::new(Arc::new(engine)),
            facts: RwLock::new(facts),
            models_dir,
            training: Mutex::new(()),
        }
    }

    /// Loads every model saved in the models directory by an earlier training, replacing the
    /// engine's model of that kind. A file that cannot be loaded is an error: serving silently
    /// without a model that was trained would be worse.
    pub fn load_saved_models(&self) -> Result<usize> {
        let mut loaded = 0;
        for kind in EventKind::ALL {
            let path = self.model_path(kind);
            if !path.exists() {
                continue;
            }
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let source = path.display().to_string();
            if kind == EventKind::Http {
                let model = WebModel::from_bytes(&bytes)
                    .with_context(|| format!("loading {}", path.display()))?;
                let facts = web_facts(&model, &bytes, source);
                self.install_web(model, facts);
            } else {
                let model = AnomalyModel::from_bytes(&bytes)
                    .with_context(|| format!("loading {}", path.display()))?;
                let facts = anomaly_facts(&model, &bytes, source, Vec::new());
                self.install_anomaly(model, facts);
            }
            tracing::info!("loaded the {kind} model saved in {}", path.display());
            loaded += 1;
        }
        Ok(loaded)
    }

    fn model_path(&self, kind: EventKind) -> PathBuf {
        self.models_dir.join(format!("{}.gsk", kind.as_str()))
    }

    /// The engine requests are analysed with now.
    pub fn current(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn swap(&self, build: impl FnOnce(&Engine) -> Engine) {
        let mut slot = self.engine.write().unwrap_or_else(|p| p.into_inner());
        let next = build(&slot);
        *slot = Arc::new(next);
    }

    fn set_facts(&self, facts: ModelFacts) {
        self.facts
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(facts.kind, facts);
    }

    fn install_web(&self, model: WebModel, facts: ModelFacts) {
        self.swap(|old| {
            let mut detectors = old.detectors().clone();
            detectors.web = Some(WebDetector::new(model));
            Engine::new(detectors, old.policy().clone())
        });
        self.set_facts(facts);
    }

    fn install_anomaly(&self, model: AnomalyModel, facts: ModelFacts) {
        self.swap(|old| {
            let mut detectors: Detectors = old.detectors().clone();
            let detector = AnomalyDetector::new(model);
            detectors.anomaly.retain(|d| d.kind() != detector.kind());
            detectors.anomaly.push(detector);
            Engine::new(detectors, old.policy().clone())
        });
        self.set_facts(facts);
    }

    /// Writes a trained model next to the store, atomically (a crash leaves the old file).
    fn persist(&self, kind: EventKind, bytes: &[u8]) -> Result<String, String> {
        let path = self.model_path(kind);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.models_dir)?;
            let tmp = path.with_extension("gsk.tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("cannot save the model to {}: {e}", path.display()))?;
        Ok(path.display().to_string())
    }

    fn train_web(&self, examples: Vec<Example>) -> Result<Value, String> {
        let model = WebParams::default()
            .fit(&examples)
            .map_err(|e| format!("records: {e}"))?;
        let bytes = model.to_bytes().map_err(|e| e.to_string())?;
        let source = self.persist(EventKind::Http, &bytes)?;
        let mut facts = web_facts(&model, &bytes, source);
        facts.trained_at = Some(now_rfc3339());
        let attacks = examples.iter().filter(|e| e.label).count();
        facts.dataset = Some(label_facts(
            examples.len(),
            examples.len(),
            attacks,
            vec![
                "method".into(),
                "url".into(),
                "headers".into(),
                "body".into(),
            ],
        ));
        facts.sample = examples
            .iter()
            .take(SAMPLE_ROWS)
            .map(|e| {
                let mut row = serde_json::to_value(&e.request).unwrap_or_default();
                row["label"] = json!(if e.label { "attack" } else { "normal" });
                row
            })
            .collect();
        let summary = facts.summary();
        self.install_web(model, facts);
        Ok(summary)
    }

    fn train_anomaly<R>(&self, records: Vec<R>) -> Result<Value, String>
    where
        R: FeatureRecord + serde::Serialize,
    {
        let (model, report) =
            train(&records, &TrainOptions::default()).map_err(|e| format!("records: {e}"))?;
        let bytes = model.to_bytes().map_err(|e| e.to_string())?;
        let kind = event_kind(R::KIND);
        let source = self.persist(kind, &bytes)?;
        let sample = records
            .iter()
            .take(SAMPLE_ROWS)
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
        let mut facts = anomaly_facts(&model, &bytes, source, sample);
        facts.trained_at = Some(now_rfc3339());
        let mut summary = facts.summary();
        summary["report"] = training_summary(&report);
        self.install_anomaly(model, facts);
        Ok(summary)
    }
}

impl LiveEngine {
    /// Trains on the valid records of a file; the invalid ones were set aside, and the
    /// answer says how many.
    fn train_file_records<R>(&self, records: Vec<R>, set_aside: u64) -> Result<Value, String>
    where
        R: FeatureRecord + serde::Serialize,
    {
        let mut summary = self.train_anomaly(records)?;
        summary["set_aside"] = json!(set_aside);
        Ok(summary)
    }
}

fn event_kind(kind: TableKind) -> EventKind {
    match kind {
        TableKind::Sessions => EventKind::Sessions,
        TableKind::Iot => EventKind::Iot,
        TableKind::Zeek => EventKind::Zeek,
    }
}

fn now_rfc3339() -> String {
    let ms = goshawk_server::goshawk_store::now_ms();
    goshawk_sim::bank::wire::rfc3339_ms(ms)
}

fn web_facts(model: &WebModel, bytes: &[u8], source: String) -> ModelFacts {
    let mut facts = ModelFacts::new(EventKind::Http, bytes, source);
    facts.algorithm = format!("web-linear ({:?})", model.mode).to_lowercase();
    let metadata = model.header().metadata;
    facts.trained_at = metadata
        .get("trained_at")
        .and_then(Value::as_str)
        .map(str::to_string);
    facts.dataset = Some(json!({ "training": metadata }));
    facts
}

fn anomaly_facts(
    model: &AnomalyModel,
    bytes: &[u8],
    source: String,
    sample: Vec<Value>,
) -> ModelFacts {
    let kind = event_kind(model.kind());
    let mut facts = ModelFacts::new(kind, bytes, source);
    facts.algorithm = model.algorithm().name().to_string();
    let columns = model
        .schema()
        .features
        .iter()
        .map(|f| f.name.clone())
        .collect();
    facts.dataset = serde_json::from_value::<TrainingReport>(model.metadata().clone())
        .ok()
        .map(|report| {
            let mut info = label_facts(
                report.rows,
                report.labelled_rows,
                report.attack_rows,
                columns,
            );
            info["training"] = training_summary(&report);
            info
        });
    facts.sample = sample;
    facts
}

/// The `GET /dataset/info` facts every kind shares.
fn label_facts(rows: usize, labelled: usize, attacks: usize, columns: Vec<String>) -> Value {
    json!({
        "rows": rows,
        "labelled": labelled,
        "unlabelled": rows - labelled.min(rows),
        "label_distribution": {"normal": labelled - attacks.min(labelled), "attack": attacks},
        "anomaly_ratio": if labelled > 0 { attacks as f64 / labelled as f64 } else { 0.0 },
        "columns": columns,
    })
}

fn training_summary(report: &TrainingReport) -> Value {
    json!({
        "algorithm": report.chosen.name(),
        "reason": report.reason,
        "threshold_source": report.threshold_source,
        "calibration": report.calibration,
        "training_rows": report.training_rows,
        "calibration_rows": report.calibration_rows,
        "warnings": report.warnings,
    })
}

/// The verdict of an event the engine refused (the server validates first, so this is a
/// safety net, not a path requests take).
fn refused(reason: String) -> Verdict {
    Verdict {
        trace_id: String::new(),
        score: 0.0,
        is_threat: false,
        action: Action::Monitor,
        confidence: 0.0,
        attack_type: None,
        explanation: vec![format!("not analysed: {reason}")],
        findings: Vec::new(),
    }
}

impl Analyzer for LiveEngine {
    fn analyze(&self, events: &[Event]) -> Vec<Verdict> {
        self.analyze_lines(events, &[])
    }

    fn analyze_lines(&self, events: &[Event], raw_lines: &[Option<&str>]) -> Vec<Verdict> {
        LiveEngine::analyze_lines(self, events, raw_lines)
    }

    fn window_secs(&self) -> u64 {
        self.current().window_secs()
    }

    fn window_count(&self) -> usize {
        self.current().window_count()
    }

    fn replay_windows(&self, events: &[Event], raw_lines: &[Option<&str>]) {
        self.current().replay_windows(events, raw_lines);
    }

    fn score_only(&self, events: &[Event]) -> Vec<Option<f64>> {
        let engine = self.current();
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            events
                .iter()
                .map(|event| {
                    engine
                        .model_finding(event, &mut scratch)
                        .map(|finding| finding.score)
                })
                .collect()
        })
    }

    fn train(&self, kind: EventKind, records: Vec<Value>) -> Result<Value, String> {
        let mut events = Vec::with_capacity(records.len());
        let mut labels = Vec::with_capacity(records.len());
        for (index, record) in records.into_iter().enumerate() {
            let parsed = goshawk_server::ingest::parse_training_record(kind, record)
                .map_err(|(field, reason)| format!("records[{index}].{field}: {reason}"))?;
            events.push(parsed.event);
            labels.push((parsed.label, parsed.attack_type));
        }
        let _one_at_a_time = self.training.lock().unwrap_or_else(|p| p.into_inner());
        match kind {
            EventKind::Http => {
                let examples = events
                    .into_iter()
                    .zip(labels)
                    .filter_map(|(event, (label, attack_type))| match event {
                        Event::Http(request) => Some((request, label, attack_type)),
                        _ => None,
                    })
                    .map(|(request, label, attack_type)| {
                        let label = label.as_deref().and_then(parse_label).unwrap_or(false);
                        Example {
                            request,
                            label,
                            attack_type: attack_type
                                .as_deref()
                                .and_then(AttackType::parse)
                                .filter(|_| label),
                        }
                    })
                    .collect();
                self.train_web(examples)
            }
            EventKind::Sessions => self.train_anomaly(only::<NetSession>(events)),
            EventKind::Iot => self.train_anomaly(only::<IotReading>(events)),
            EventKind::Zeek => self.train_anomaly(only::<ZeekConn>(events)),
        }
    }

    fn train_from_file(&self, kind: EventKind, path: &Path) -> Result<Value, String> {
        let paths = [path.display().to_string()];
        let _one_at_a_time = self.training.lock().unwrap_or_else(|p| p.into_inner());
        let result = match kind {
            EventKind::Http => {
                let args = crate::cli::LabelledHttpArgs {
                    labeled: paths.to_vec(),
                    ..Default::default()
                };
                crate::inputs::load_examples(&args).map(|examples| self.train_web(examples))
            }
            EventKind::Sessions => {
                crate::cmd::anomaly::read_all::<NetSession>(&paths, None, "training")
                    .map(|(records, set_aside)| self.train_file_records(records, set_aside.count))
            }
            EventKind::Iot => crate::cmd::anomaly::read_all::<IotReading>(&paths, None, "training")
                .map(|(records, set_aside)| self.train_file_records(records, set_aside.count)),
            EventKind::Zeek => crate::cmd::anomaly::read_all::<ZeekConn>(&paths, None, "training")
                .map(|(records, set_aside)| self.train_file_records(records, set_aside.count)),
        };
        result.map_err(|e| format!("{e:#}"))?
    }

    fn info(&self) -> Value {
        let engine = self.current();
        let facts = self.facts.read().unwrap_or_else(|p| p.into_inner());
        let models: Vec<Value> = facts.values().map(ModelFacts::summary).collect();
        let rules = engine.detectors().rules.as_ref().map(|rules| {
            let by_kind: BTreeMap<&str, usize> = EventKind::ALL
                .iter()
                .map(|&kind| (kind.as_str(), rules.rule_count_for(kind)))
                .collect();
            json!({"total": rules.rule_count(), "by_kind": by_kind})
        });
        let mut device_types: Vec<String> =
            KNOWN_DEVICE_TYPES.iter().map(|s| s.to_string()).collect();
        if let Some(iot) = engine.anomaly(EventKind::Iot) {
            for vocabulary in &iot.model().schema().vocabularies {
                if vocabulary.column == "device_type" {
                    device_types.extend(vocabulary.values.iter().cloned());
                }
            }
        }
        device_types.sort();
        device_types.dedup();
        json!({
            "models": models,
            "rules": rules.unwrap_or_else(|| json!({"total": 0, "by_kind": {}})),
            "device_types": device_types,
            "policy": {
                "threat_threshold": engine.policy().threat_threshold,
            },
        })
    }

    fn dataset_info(&self, kind: EventKind) -> Option<Value> {
        let facts = self.facts.read().unwrap_or_else(|p| p.into_inner());
        facts.get(&kind).and_then(|f| f.dataset.clone())
    }

    fn dataset_sample(&self, kind: EventKind, size: usize) -> Option<Value> {
        let facts = self.facts.read().unwrap_or_else(|p| p.into_inner());
        let facts = facts.get(&kind)?;
        if facts.sample.is_empty() {
            return None;
        }
        Some(Value::Array(
            facts.sample.iter().take(size).cloned().collect::<Vec<_>>(),
        ))
    }
}

/// The records of one kind among parsed events (all of them: the parser was told the kind).
fn only<R: TryFrom<Event>>(events: Vec<Event>) -> Vec<R> {
    events
        .into_iter()
        .filter_map(|e| R::try_from(e).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_flags_win_over_the_files_keys_and_lists_replace_lists() {
        let keys = || EngineKeys {
            data_dir: Some("from-file".into()),
            web_model: Some("file-web.gsk".into()),
            models: vec!["file-iot.gsk".into()],
            rules: vec!["file-rules".into()],
            policy: Some("file-policy.toml".into()),
        };
        let none = EngineArgs {
            data_dir: None,
            web_model: None,
            models: Vec::new(),
            decision: DecisionArgs {
                rules: Vec::new(),
                policy: None,
            },
        };
        let (dir, files) = none.clone().over(keys());
        assert_eq!(dir, PathBuf::from("from-file"));
        assert_eq!(files.web_model, Some("file-web.gsk".into()));
        assert_eq!(files.models, [PathBuf::from("file-iot.gsk")]);
        assert_eq!(files.decision.rules, ["file-rules"]);
        assert_eq!(files.decision.policy, Some("file-policy.toml".into()));

        let flags = EngineArgs {
            data_dir: Some("flag-dir".into()),
            web_model: None,
            models: vec!["a.gsk".into(), "b.gsk".into()],
            decision: DecisionArgs {
                rules: vec!["none".into()],
                policy: None,
            },
        };
        let (dir, files) = flags.over(keys());
        assert_eq!(dir, PathBuf::from("flag-dir"));
        assert_eq!(files.web_model, Some("file-web.gsk".into()), "unset flag");
        assert_eq!(files.models, [PathBuf::from("a.gsk"), "b.gsk".into()]);
        assert_eq!(files.decision.rules, ["none"]);

        let (dir, files) = none.over(EngineKeys::default());
        assert_eq!(dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(files.web_model.is_none() && files.models.is_empty());
    }
}
