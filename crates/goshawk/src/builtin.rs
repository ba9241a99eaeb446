//! The built-in models, compiled into the binary so `scan` and `check` work with no `--model`.
//! `models/README.md` gives the command that reproduces each from its training data.

use anyhow::{Context, Result};
use goshawk_web::WebModel;

/// The default web model (see `models/README.md`).
static WEB_MODEL: &[u8] = include_bytes!("../../../models/web-default.gsk");

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

/// The rule sets `--rules` names: directories, `builtin` for the shipped packs, `none` for no
/// rules. No names means the shipped packs.
pub fn load_rules(
    specs: &[String],
) -> Result<Option<std::sync::Arc<dyn goshawk_engine::RuleMatcher>>> {
    if specs.iter().any(|s| s == "none") {
        return Ok(None);
    }
    // Rules arrive with the Sigma engine (goshawk-rules); until then no rule applies.
    Ok(None)
}
