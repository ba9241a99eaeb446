//! The built-in models, compiled into the binary so `scan` and `check` work with no `--model`.
//! `models/README.md` gives the command that reproduces each from its training data.

use anyhow::{Context, Result};
use goshawk_web::WebModel;

/// The default web model (see `models/README.md`).
pub static WEB_MODEL: &[u8] = include_bytes!("../../../models/web-default.gsk");

/// Loads the built-in web model.
pub fn web_model() -> Result<WebModel> {
    WebModel::from_bytes(WEB_MODEL).context("the built-in web model could not be loaded")
}

/// Loads a web model from a file, or the built-in one.
pub fn load_web_model(path: Option<&std::path::Path>) -> Result<WebModel> {
    match path {
        Some(p) => WebModel::load(p).with_context(|| format!("loading model {}", p.display())),
        None => web_model(),
    }
}

/// The shipped rule packs (`rules/` in the repository), compiled into the binary.
static RULE_PACKS: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../rules");

/// The shipped packs as `(path, yaml)` pairs, `placeholders.yml` files included.
pub fn rule_pack_sources() -> Vec<(String, String)> {
    fn walk(dir: &include_dir::Dir<'static>, out: &mut Vec<(String, String)>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy().into_owned();
            let is_yaml = path.ends_with(".yml") || path.ends_with(".yaml");
            if let (true, Some(text)) = (is_yaml, file.contents_utf8()) {
                out.push((path, text.to_string()));
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&RULE_PACKS, &mut out);
    out.sort();
    out
}

/// The rule sets `--rules` names: directories, `builtin` for the shipped packs, `none` for no
/// rules. No names means the shipped packs. Rules that cannot be evaluated are reported on
/// stderr (with `goshawk rules check` for the details); they never fail silently.
pub fn load_rules(
    specs: &[String],
) -> Result<Option<std::sync::Arc<dyn goshawk_engine::RuleMatcher>>> {
    use goshawk_correlate::{CorrelationSet, StateLimits};
    use goshawk_rules::{Placeholders, RuleSet};
    if specs.iter().any(|s| s == "none") {
        if specs.len() > 1 {
            anyhow::bail!("--rules none cannot be combined with other rule sets");
        }
        return Ok(None);
    }
    let builtin = specs.is_empty() || specs.iter().any(|s| s == "builtin");
    let dirs: Vec<std::path::PathBuf> = specs
        .iter()
        .filter(|s| *s != "builtin")
        .map(std::path::PathBuf::from)
        .collect();
    // Stateless rules and correlation windows read the same sources and each takes its own
    // files (a file with a correlation rule is goshawk-correlate's).
    let mut loaded: Vec<Box<dyn goshawk_engine::RuleMatcher>> = Vec::new();
    let mut correlations = Vec::new();
    if builtin {
        let packs = rule_pack_sources();
        correlations.push(CorrelationSet::from_sources(
            packs.clone(),
            StateLimits::default(),
        ));
        let (rules, report) = RuleSet::from_sources(packs);
        report_failures(&report);
        loaded.push(Box::new(rules));
    }
    if !dirs.is_empty() {
        let (rules, report) =
            RuleSet::load(&dirs, &Placeholders::new()).context("loading --rules")?;
        report_failures(&report);
        loaded.push(Box::new(rules));
        correlations
            .push(CorrelationSet::load(&dirs, StateLimits::default()).context("loading --rules")?);
    }
    for (set, report) in correlations {
        report_failures(&report);
        if !set.rules().is_empty() {
            loaded.push(Box::new(set));
        }
    }
    Ok(Some(std::sync::Arc::new(loaded)))
}

fn report_failures(report: &goshawk_rules::LoadReport) {
    for failure in &report.failed {
        tracing::warn!("rule {} not loaded: {}", failure.path, failure.reason);
    }
    if !report.failed.is_empty() {
        eprintln!(
            "goshawk: {} of {} rules could not be loaded (see `goshawk rules check`)",
            report.failed.len(),
            report.rules
        );
    }
}
