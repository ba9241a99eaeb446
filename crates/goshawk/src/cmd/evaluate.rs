//! `goshawk evaluate`: a model measured on labelled data — the figures and, optionally, an HTML
//! report with ROC/PR curves and score histograms.

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use goshawk_engine::WebDetector;
use goshawk_eval::{render_report, ModelEvaluation, Report};
use goshawk_web::Scratch;

use crate::builtin::load_web_model;
use crate::cli::EvaluateArgs;
use crate::inputs::load_examples;

pub fn run(args: EvaluateArgs) -> Result<()> {
    if let (Some(truth), Some(verdicts)) = (&args.truth, &args.verdicts) {
        return system(truth, verdicts, &args);
    }
    if let Some(path) = &args.model {
        if super::anomaly::is_anomaly_model_file(path) {
            return super::anomaly::evaluate(&args);
        }
    }
    if !args.input.is_empty() || !args.compare.is_empty() {
        bail!("--input and --compare are for anomaly models (sessions, IoT, Zeek): give --model with one; web data goes in --normal/--attack/--labeled");
    }
    let detector = WebDetector::new(load_web_model(args.model.as_deref())?);
    let examples = load_examples(&args.data)?;
    if examples.is_empty() {
        bail!("no evaluation data: give --normal, --attack or --labeled files");
    }
    let scores: Vec<f64> = examples
        .par_iter()
        .map_init(Scratch::default, |s, e| {
            detector.score(&e.request, s) as f64
        })
        .collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.label).collect();
    let groups: Vec<String> = examples
        .iter()
        .map(|e| match (&e.attack_type, e.label) {
            (Some(t), true) => t.as_str().to_string(),
            (None, true) => "attack".to_string(),
            (_, false) => "normal".to_string(),
        })
        .collect();
    let model_name = args
        .model
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "builtin web model".to_string());
    let evaluation =
        ModelEvaluation::new(model_name.clone(), scores, labels, 0.5).with_groups(groups);
    let mut data: Vec<String> = Vec::new();
    for (flag, paths) in [
        ("normal", &args.data.normal),
        ("attack", &args.data.attack),
        ("labeled", &args.data.labeled),
    ] {
        data.extend(paths.iter().map(|p| format!("{flag}: {p}")));
    }
    let meta = vec![
        ("model".to_string(), model_name),
        ("data".to_string(), data.join("; ")),
        ("rows".to_string(), examples.len().to_string()),
        (
            "command".to_string(),
            std::env::args().collect::<Vec<_>>().join(" "),
        ),
    ];
    print_report("goshawk web model evaluation", &meta, evaluation, &args)
}

/// Prints the figures (text or JSON) and writes the HTML report when asked.
fn print_report(
    title: &str,
    meta: &[(String, String)],
    evaluation: ModelEvaluation,
    args: &EvaluateArgs,
) -> Result<()> {
    let report = Report::build(title, meta, std::slice::from_ref(&evaluation))
        .context("computing metrics")?;
    if args.json {
        outln!("{}", report.to_json()?);
    } else {
        outln!("{}", report.to_text());
    }
    if let Some(path) = &args.report {
        let html = render_report(title, meta, &[evaluation]).context("rendering the report")?;
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// One line of a truth file.
#[derive(serde::Deserialize)]
struct TruthLine {
    id: String,
    label: serde_json::Value,
    #[serde(default)]
    attack_type: Option<String>,
}

/// What a verdict line must carry.
#[derive(serde::Deserialize)]
struct VerdictLine {
    id: serde_json::Value,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    is_threat: Option<bool>,
    #[serde(default)]
    action: Option<String>,
}

/// A JSON value as text: a string as is, anything else (`7`, `true`) as written.
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads JSON Lines, naming the file and line of anything unreadable.
fn read_json_lines<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a valid line", path.display(), n + 1))
        })
        .collect()
}

/// The whole running system measured on a simulated run: verdicts joined to the ground truth
/// by event id. An event without a verdict counts as missed (not flagged) and is reported;
/// an event scored twice (at-least-once delivery) counts once, flagged if any verdict flagged it.
fn system(
    truth_path: &std::path::Path,
    verdicts_path: &std::path::Path,
    args: &EvaluateArgs,
) -> Result<()> {
    use std::collections::HashMap;
    let truth: Vec<TruthLine> = read_json_lines(truth_path)?;
    if truth.is_empty() {
        bail!("{}: no ground truth", truth_path.display());
    }
    let verdict_lines: Vec<VerdictLine> = read_json_lines(verdicts_path)?;
    let mut by_id: HashMap<String, (f64, bool)> = HashMap::with_capacity(verdict_lines.len());
    let mut repeated = 0usize;
    for (n, line) in verdict_lines.iter().enumerate() {
        let id = value_text(&line.id);
        let flagged = match (line.is_threat, &line.action) {
            (Some(t), _) => t,
            (None, Some(action)) => action
                .parse::<goshawk_core::Action>()
                .map(goshawk_core::Action::is_alert)
                .map_err(|e| anyhow::anyhow!("{}:{}: {e}", verdicts_path.display(), n + 1))?,
            (None, None) => bail!(
                "{}:{}: a verdict needs is_threat or action",
                verdicts_path.display(),
                n + 1
            ),
        };
        let score = line.score.unwrap_or(if flagged { 1.0 } else { 0.0 });
        match by_id.get_mut(&id) {
            Some(seen) => {
                repeated += 1;
                seen.0 = seen.0.max(score);
                seen.1 |= flagged;
            }
            None => {
                by_id.insert(id, (score, flagged));
            }
        }
    }
    let mut scores = Vec::with_capacity(truth.len());
    let mut labels = Vec::with_capacity(truth.len());
    let mut verdicts = Vec::with_capacity(truth.len());
    let mut groups = Vec::with_capacity(truth.len());
    let mut missing = 0usize;
    for (n, t) in truth.iter().enumerate() {
        let label = goshawk_core::parse_label(&value_text(&t.label)).ok_or_else(|| {
            anyhow::anyhow!(
                "{}:{}: unknown label {}",
                truth_path.display(),
                n + 1,
                t.label
            )
        })?;
        let (score, flagged) = by_id.get(&t.id).copied().unwrap_or_else(|| {
            missing += 1;
            (0.0, false)
        });
        scores.push(score);
        labels.push(label);
        verdicts.push(flagged);
        groups.push(match (&t.attack_type, label) {
            (Some(kind), true) => kind.clone(),
            (None, true) => "attack".to_string(),
            (_, false) => "normal".to_string(),
        });
    }
    let evaluation = ModelEvaluation::new("goshawk (whole system)", scores, labels, 0.5)
        .with_groups(groups)
        .with_verdicts(verdicts);
    let meta = vec![
        ("truth".to_string(), truth_path.display().to_string()),
        ("verdicts".to_string(), verdicts_path.display().to_string()),
        ("events".to_string(), truth.len().to_string()),
        (
            "events without a verdict (counted as missed)".to_string(),
            missing.to_string(),
        ),
        (
            "verdicts repeated (at-least-once redelivery)".to_string(),
            repeated.to_string(),
        ),
        (
            "command".to_string(),
            std::env::args().collect::<Vec<_>>().join(" "),
        ),
    ];
    if missing > 0 {
        eprintln!("warning: {missing} event(s) of the truth file have no verdict");
    }
    print_report("goshawk end-to-end evaluation", &meta, evaluation, args)
}
