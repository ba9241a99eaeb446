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
    let title = "goshawk web model evaluation";
    let report = Report::build(title, &meta, std::slice::from_ref(&evaluation))
        .context("computing metrics")?;
    if args.json {
        outln!("{}", report.to_json()?);
    } else {
        outln!("{}", report.to_text());
    }
    if let Some(path) = &args.report {
        let html = render_report(title, &meta, &[evaluation]).context("rendering the report")?;
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
