//! Anomaly models on the command line: `train sessions|iot|zeek`, and the sessions/IoT/Zeek side
//! of `scan`, `evaluate` and `run` (chosen from the model file's kind). One generic path serves the
//! three record kinds; only the record type differs.
//!
//! Every input is checked against the model's kind before anything is read (a Zeek log scanned
//! with a sessions model is a clear error, not a screen of bad records), and every bad record is
//! set aside, counted and reported with its file and line — in `scan` as an `"error"` line in its
//! place, so output lines stay aligned with input records.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use goshawk_anomaly::pipeline::{
    fit_with_schema, train, Algorithm, AnomalyModel, FeatureRecord, FitOn, TableKind, TrainOptions,
    TrainingReport, EXPLANATION_ITEMS,
};
use goshawk_core::{EventKind, IotReading, NetSession, ZeekConn};
use goshawk_eval::{render_report, ModelEvaluation, Report};
use goshawk_io::table::{
    detect_table_kind, read_table_with, RecordError, TableOptions, TableRecord, TableRow,
};

use crate::cli::{
    AlgorithmArg, AnomalyTrainingArgs, EvaluateArgs, FitOnArg, KindArg, ScanArgs, TrainTableArgs,
};

/// Records scored per block (bounded memory whatever the input size).
const BLOCK: usize = 8192;
/// Bad records reported one by one on stderr before only counting.
const REPORTED_ERRORS: u64 = 10;

pub fn table_kind(kind: KindArg) -> TableKind {
    match kind {
        KindArg::Sessions => TableKind::Sessions,
        KindArg::Iot => TableKind::Iot,
        KindArg::Zeek => TableKind::Zeek,
    }
}

pub fn event_kind(kind: TableKind) -> EventKind {
    match kind {
        TableKind::Sessions => EventKind::Sessions,
        TableKind::Iot => EventKind::Iot,
        TableKind::Zeek => EventKind::Zeek,
    }
}

/// Whether the model file at `path` holds an anomaly model (a file that cannot be read or
/// checked is left to the caller's own loading, which reports why).
pub fn is_anomaly_model_file(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| goshawk_model::peek_header(&bytes).ok())
        .is_some_and(|header| TableKind::from_model_kind(&header.kind).is_some())
}

pub fn load_model(path: &Path) -> Result<AnomalyModel> {
    AnomalyModel::load(path).with_context(|| format!("loading model {}", path.display()))
}

/// A record kind the command line reads, scores and writes.
pub trait Record:
    FeatureRecord + TableRow + Serialize + Clone + Into<goshawk_core::Event> + Send + Sync + 'static
{
    /// The finer ground truth for per-group tables: attack type or detailed label.
    fn group(&self) -> String;
}

fn group_of(attack: Option<bool>, detail: Option<&str>) -> String {
    match (attack, detail.map(str::trim)) {
        (Some(false), _) => "normal".to_string(),
        (_, Some(d)) if !d.is_empty() && d != "-" && d != "(empty)" => d.to_string(),
        _ => "attack".to_string(),
    }
}

impl Record for NetSession {
    fn group(&self) -> String {
        group_of(self.is_attack(), None)
    }
}

impl Record for IotReading {
    fn group(&self) -> String {
        group_of(self.is_attack(), self.label.as_deref())
    }
}

impl Record for ZeekConn {
    fn group(&self) -> String {
        group_of(self.is_attack(), self.detailed_label.as_deref())
    }
}

fn table_options(label_column: Option<&str>) -> TableOptions {
    match label_column {
        Some(column) => TableOptions::default().with_label_column(column),
        None => TableOptions::default(),
    }
}

/// Refuses an input that holds another kind of records than `expected` (stdin is not sniffed:
/// that would consume it).
fn check_input_kind(path: &str, expected: TableKind, what: &str) -> Result<()> {
    if path == "-" {
        return Ok(());
    }
    if let Ok(Some(found)) = detect_table_kind(path) {
        if found != event_kind(expected) {
            bail!(
                "{path} holds {found} records, but {what} is for {expected} records \
                 (an anomaly-{expected} model); train a model on {found} data for it"
            );
        }
    }
    Ok(())
}

/// Counts bad records and reports the first few on stderr.
#[derive(Default)]
pub(crate) struct SetAside {
    pub count: u64,
}

impl SetAside {
    fn note(&mut self, error: &RecordError) {
        self.count += 1;
        if self.count <= REPORTED_ERRORS {
            eprintln!("goshawk: set aside {error}");
        }
    }

    fn summary(&self) -> String {
        if self.count > REPORTED_ERRORS {
            format!(
                "{} records set aside (first {REPORTED_ERRORS} shown)",
                self.count
            )
        } else {
            format!("{} records set aside", self.count)
        }
    }
}

/// Every valid record of `paths`, in order; bad ones are reported and counted.
pub(crate) fn read_all<R: Record>(
    paths: &[String],
    label_column: Option<&str>,
    what: &str,
) -> Result<(Vec<R>, SetAside)> {
    for path in paths {
        check_input_kind(path, <R as FeatureRecord>::KIND, what)?;
    }
    let options = table_options(label_column);
    let mut records = Vec::new();
    let mut set_aside = SetAside::default();
    for path in paths {
        let reader = read_table_with::<R>(path, &options)
            .with_context(|| format!("opening {path} as {} records", <R as FeatureRecord>::KIND))?;
        for item in reader {
            match item {
                Ok(row) => records.push(row.record),
                Err(e) => set_aside.note(&e),
            }
        }
    }
    Ok((records, set_aside))
}

fn training_options(args: &AnomalyTrainingArgs) -> TrainOptions {
    TrainOptions {
        algorithm: match args.algorithm {
            AlgorithmArg::Auto => None,
            AlgorithmArg::Iforest => Some(Algorithm::Iforest),
            AlgorithmArg::Lof => Some(Algorithm::Lof),
            AlgorithmArg::Ocsvm => Some(Algorithm::Ocsvm),
            AlgorithmArg::Supervised => Some(Algorithm::Supervised),
        },
        fit_on: match args.fit_on {
            FitOnArg::All => FitOn::All,
            FitOnArg::Normal => FitOn::Normal,
        },
        calibrate_fraction: args.calibrate_fraction,
        seed: args.seed,
    }
}

/// `goshawk train sessions|iot|zeek`.
pub fn train_command(kind: KindArg, args: TrainTableArgs) -> Result<()> {
    train_kind(table_kind(kind), &args.input, &args.training, &args.out).map(|_| ())
}

/// Trains a model of `kind` on `inputs`, writes it to `out`, and prints what was decided.
pub fn train_kind(
    kind: TableKind,
    inputs: &[String],
    training: &AnomalyTrainingArgs,
    out: &Path,
) -> Result<AnomalyModel> {
    match kind {
        TableKind::Sessions => train_records::<NetSession>(inputs, training, out),
        TableKind::Iot => train_records::<IotReading>(inputs, training, out),
        TableKind::Zeek => train_records::<ZeekConn>(inputs, training, out),
    }
}

fn train_records<R: Record>(
    inputs: &[String],
    training: &AnomalyTrainingArgs,
    out: &Path,
) -> Result<AnomalyModel> {
    let started = Instant::now();
    let (records, set_aside) = read_all::<R>(
        inputs,
        training.label_column.as_deref(),
        "`train` (this kind)",
    )?;
    if records.is_empty() {
        bail!(
            "no valid {} records in {}",
            <R as FeatureRecord>::KIND,
            inputs.join(", ")
        );
    }
    let progress = super::spinner("training");
    let result = train(&records, &training_options(training));
    progress.finish_and_clear();
    let (model, report) = result.context("training")?;
    model
        .save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    print_training(&report, &set_aside);
    eprintln!(
        "wrote {} ({:.1}s)",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(model)
}

fn print_training(report: &TrainingReport, set_aside: &SetAside) {
    eprintln!(
        "trained an anomaly-{} model: {} — {}",
        report.kind, report.chosen, report.reason
    );
    eprintln!(
        "rows: {} valid ({}), {} labelled ({} attacks); training {}, calibration {} ({} attacks); fit on {}",
        report.rows,
        set_aside.summary(),
        report.labelled_rows,
        report.attack_rows,
        report.training_rows,
        report.calibration_rows,
        report.calibration_attack_rows,
        match report.fit_on {
            FitOn::All => "all training rows",
            FitOn::Normal => "training rows labelled normal",
        }
    );
    for candidate in &report.candidates {
        match (&candidate.calibration, &candidate.error) {
            (Some(c), _) => eprintln!(
                "  {:<10} F1 {:.3}  precision {:.3}  recall {:.3}  ROC-AUC {}  ({} rows, {:.2}s)",
                candidate.algorithm.name(),
                c.f1,
                c.precision,
                c.recall,
                c.roc_auc.map_or("-".to_string(), |a| format!("{a:.3}")),
                candidate.fit_rows,
                candidate.fit_seconds
            ),
            (None, Some(e)) => eprintln!("  {:<10} failed: {e}", candidate.algorithm.name()),
            (None, None) => eprintln!(
                "  {:<10} fitted on {} rows in {:.2}s (no calibration)",
                candidate.algorithm.name(),
                candidate.fit_rows,
                candidate.fit_seconds
            ),
        }
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    match &report.calibration {
        Some(c) => eprintln!(
            "threshold: raw {:.4} → 0.5, {}; there: precision {:.3}, recall {:.3}, F1 {:.3}",
            report.threshold, report.threshold_source, c.precision, c.recall, c.f1
        ),
        None => eprintln!(
            "threshold: raw {:.4} → 0.5, {}",
            report.threshold, report.threshold_source
        ),
    }
}

/// One scored record handed to a sink: its global index, and the record with its result or why
/// it could not be read.
pub enum Outcome<'a, R> {
    Scored {
        record: &'a R,
        score: f64,
        attack: bool,
        explanation: Vec<String>,
    },
    Unreadable(&'a RecordError),
}

/// Streams every record of `inputs` through `model` in blocks, in input order.
fn score_stream<R: Record>(
    model: &AnomalyModel,
    inputs: &[String],
    what: &str,
    mut sink: impl FnMut(u64, Outcome<'_, R>) -> Result<()>,
) -> Result<(u64, u64, u64)> {
    for path in inputs {
        check_input_kind(path, model.kind(), what)?;
    }
    // Open every input first, so a missing file fails before any output.
    let options = TableOptions::default();
    let mut readers = Vec::new();
    for path in inputs {
        readers.push(read_table_with::<R>(path, &options).with_context(|| {
            format!("opening {path} as {} records", <R as FeatureRecord>::KIND)
        })?);
    }
    let (mut total, mut attacks, mut errors) = (0u64, 0u64, 0u64);
    let mut block: Vec<Result<TableRecord<R>, RecordError>> = Vec::with_capacity(BLOCK);
    for reader in readers {
        let mut reader = reader.peekable();
        while reader.peek().is_some() {
            block.clear();
            block.extend(reader.by_ref().take(BLOCK));
            let valid: Vec<&R> = block
                .iter()
                .filter_map(|item| item.as_ref().ok().map(|row| &row.record))
                .collect();
            let matrix = model.features(&valid)?;
            let scored = model.score_matrix(&matrix.view())?;
            let view = matrix.view();
            let mut next = 0;
            for item in &block {
                let index = total;
                total += 1;
                match item {
                    Ok(row) => {
                        let s = &scored[next];
                        let explanation = if s.attack {
                            let why = model.explain(view.row(next), EXPLANATION_ITEMS);
                            if why.is_empty() {
                                vec![format!(
                                    "score {:.3} at or above the attack threshold 0.5",
                                    s.score
                                )]
                            } else {
                                why
                            }
                        } else {
                            vec![format!(
                                "score {:.3} below the attack threshold 0.5",
                                s.score
                            )]
                        };
                        next += 1;
                        attacks += u64::from(s.attack);
                        sink(
                            index,
                            Outcome::Scored {
                                record: &row.record,
                                score: s.score,
                                attack: s.attack,
                                explanation,
                            },
                        )?;
                    }
                    Err(e) => {
                        errors += 1;
                        sink(index, Outcome::Unreadable(e))?;
                    }
                }
            }
        }
    }
    Ok((total, attacks, errors))
}

/// `goshawk scan --model ANOMALY_MODEL INPUT...`: the scan contract, through the whole pipeline
/// (the model's score, the rules for this kind of record, the decision).
pub fn scan(args: &ScanArgs) -> Result<()> {
    let path = args.model.as_deref().context("scan needs --model")?;
    let model = load_model(path)?;
    let kind = model.kind();
    let models = crate::setup::Models {
        web: None,
        anomaly: vec![model],
    };
    let engine = crate::setup::engine(models, &args.decision)?;
    match kind {
        TableKind::Sessions => scan_records::<NetSession>(&engine, args),
        TableKind::Iot => scan_records::<IotReading>(&engine, args),
        TableKind::Zeek => scan_records::<ZeekConn>(&engine, args),
    }
}

fn scan_records<R: Record>(engine: &goshawk_engine::Engine, args: &ScanArgs) -> Result<()> {
    let detector = engine
        .anomaly(event_kind(<R as FeatureRecord>::KIND))
        .context("the engine has no model for these records")?;
    let model = detector.model();
    let mut sink = super::scan::ScanSink::new(args.alerts.as_deref())?;
    let progress = super::spinner("scanning");
    score_stream::<R>(model, &args.inputs, "this model", |index, outcome| {
        let line = match outcome {
            Outcome::Scored {
                record,
                score,
                attack,
                explanation,
            } => {
                let finding = goshawk_core::Finding {
                    detector: detector.name().to_string(),
                    score,
                    evidence: if attack { explanation } else { Vec::new() },
                    ..Default::default()
                };
                let event: goshawk_core::Event = record.clone().into();
                let verdict = engine.analyze_scored(&event, None, Some(finding));
                goshawk_engine::ScanLine::from_verdict(index, verdict)
            }
            Outcome::Unreadable(e) => goshawk_engine::ScanLine::unreadable(index, e.to_string()),
        };
        sink.write(&line)?;
        if index % BLOCK as u64 == 0 {
            progress.set_position(index);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    sink.finish(&format!("{} records", model.kind()))
}

pub fn run_alerts(model: &AnomalyModel, inputs: &[String], alerts: &Path) -> Result<()> {
    match model.kind() {
        TableKind::Sessions => alerts_for::<NetSession>(model, inputs, alerts),
        TableKind::Iot => alerts_for::<IotReading>(model, inputs, alerts),
        TableKind::Zeek => alerts_for::<ZeekConn>(model, inputs, alerts),
    }
}

fn alerts_for<R: Record>(model: &AnomalyModel, inputs: &[String], alerts: &Path) -> Result<()> {
    let started = Instant::now();
    let file =
        std::fs::File::create(alerts).with_context(|| format!("creating {}", alerts.display()))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut header = vec!["index", "score", "explanation"];
    header.extend(R::COLUMNS.iter().map(|c| c.name));
    header.push(R::DEFAULT_LABEL);
    writer.write_record(&header)?;
    let mut fields: Vec<String> = Vec::with_capacity(header.len());
    let (total, attacks, errors) =
        score_stream::<R>(model, inputs, "this model", |index, outcome| {
            let Outcome::Scored {
                record,
                score,
                attack: true,
                explanation,
            } = outcome
            else {
                return Ok(());
            };
            fields.clear();
            fields.push(index.to_string());
            fields.push(format!("{score:.6}"));
            fields.push(explanation.join("; "));
            let value = serde_json::to_value(record)?;
            for column in R::COLUMNS {
                fields.push(cell_text(value.get(column.name)));
            }
            fields.push(cell_text(value.get("label")));
            writer.write_record(&fields)?;
            Ok(())
        })?;
    writer.flush()?;
    eprintln!(
        "run: {total} {} records scored with {} ({}): {attacks} alerts ({:.1}%), {errors} set aside → {} ({:.2}s)",
        model.kind(),
        model.kind().model_kind(),
        model.algorithm(),
        if total > 0 { 100.0 * attacks as f64 / total as f64 } else { 0.0 },
        alerts.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn cell_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| cell_text(Some(v)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// `goshawk evaluate --model ANOMALY_MODEL --input PATH...`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let path = args.model.as_deref().context("evaluate needs --model")?;
    let model = load_model(path)?;
    if args.input.is_empty() {
        bail!(
            "give the labelled {} data to evaluate on with --input",
            model.kind()
        );
    }
    match model.kind() {
        TableKind::Sessions => evaluate_records::<NetSession>(&model, path, args),
        TableKind::Iot => evaluate_records::<IotReading>(&model, path, args),
        TableKind::Zeek => evaluate_records::<ZeekConn>(&model, path, args),
    }
}

fn evaluate_records<R: Record>(
    model: &AnomalyModel,
    model_path: &Path,
    args: &EvaluateArgs,
) -> Result<()> {
    let (records, set_aside) =
        read_all::<R>(&args.input, args.label_column.as_deref(), "this model")?;
    let labelled: Vec<&R> = records.iter().filter(|r| r.label().is_some()).collect();
    let unlabelled = records.len() - labelled.len();
    if labelled.is_empty() {
        bail!(
            "no labelled rows in {} (label column: {}); name it with --label-column",
            args.input.join(", "),
            args.label_column.as_deref().unwrap_or(R::DEFAULT_LABEL)
        );
    }
    let labels: Vec<bool> = labelled.iter().map(|r| r.label() == Some(true)).collect();
    let groups: Vec<String> = labelled.iter().map(|r| r.group()).collect();
    let scores = |m: &AnomalyModel| -> Result<Vec<f64>> {
        Ok(m.score_records(&labelled)?
            .into_iter()
            .map(|s| s.score)
            .collect())
    };
    let model_name = format!("{} ({})", model_path.display(), model.algorithm());
    let mut evaluations =
        vec![
            ModelEvaluation::new(model_name.clone(), scores(model)?, labels.clone(), 0.5)
                .with_groups(groups.clone()),
        ];
    let mut compare_note = String::new();
    if !args.compare.is_empty() {
        let fit_on = match model.metadata()["fit_on"].as_str() {
            Some("normal") => FitOn::Normal,
            _ => FitOn::All,
        };
        let training = if args.compare_train.is_empty() {
            compare_note =
                "compare models fitted label-blind on the evaluation data, default cut-offs"
                    .to_string();
            None
        } else {
            compare_note = format!(
                "compare models trained on {} (fit on {}, calibrated as `train` does)",
                args.compare_train.join(", "),
                if fit_on == FitOn::Normal {
                    "normal rows"
                } else {
                    "all rows"
                }
            );
            Some(
                read_all::<R>(
                    &args.compare_train,
                    args.label_column.as_deref(),
                    "this model",
                )?
                .0,
            )
        };
        let all: Vec<&R> = records.iter().collect();
        for name in &args.compare {
            let Some(algorithm) = Algorithm::from_name(name) else {
                bail!("--compare: unknown algorithm `{name}` (iforest, lof, ocsvm, supervised)");
            };
            let compared = match &training {
                Some(train_records) => {
                    let options = TrainOptions {
                        algorithm: Some(algorithm),
                        fit_on,
                        calibrate_fraction: None,
                        seed: 42,
                    };
                    train(train_records, &options)
                        .with_context(|| format!("training {algorithm} for --compare"))?
                        .0
                }
                None if algorithm.is_supervised() => {
                    bail!("--compare supervised needs labelled training data: give --compare-train")
                }
                None => fit_with_schema(algorithm, model.schema(), &all, 42)
                    .with_context(|| format!("fitting {algorithm} for --compare"))?,
            };
            evaluations.push(
                ModelEvaluation::new(
                    format!("compare: {algorithm}"),
                    scores(&compared)?,
                    labels.clone(),
                    0.5,
                )
                .with_groups(groups.clone()),
            );
        }
    }
    let metadata = model.metadata();
    let mut meta = vec![
        ("model".to_string(), model_name),
        ("kind".to_string(), model.kind().model_kind().to_string()),
        ("algorithm".to_string(), model.algorithm().to_string()),
        (
            "why this algorithm".to_string(),
            metadata["reason"].as_str().unwrap_or("-").to_string(),
        ),
        (
            "threshold".to_string(),
            format!(
                "raw {:.4} → 0.5 ({})",
                model.raw_threshold(),
                metadata["threshold_source"].as_str().unwrap_or("-")
            ),
        ),
        ("data".to_string(), args.input.join("; ")),
        (
            "rows".to_string(),
            format!(
                "{} labelled ({} attacks); {unlabelled} unlabelled skipped; {}",
                labelled.len(),
                labels.iter().filter(|&&l| l).count(),
                set_aside.summary()
            ),
        ),
    ];
    if !compare_note.is_empty() {
        meta.push(("compare".to_string(), compare_note));
    }
    meta.push((
        "command".to_string(),
        std::env::args().collect::<Vec<_>>().join(" "),
    ));
    let title = format!("goshawk anomaly-{} model evaluation", model.kind());
    let report = Report::build(&title, &meta, &evaluations).context("computing metrics")?;
    if args.json {
        outln!("{}", report.to_json()?);
    } else {
        outln!("{}", report.to_text());
    }
    if let Some(path) = &args.report {
        let html = render_report(&title, &meta, &evaluations).context("rendering the report")?;
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
