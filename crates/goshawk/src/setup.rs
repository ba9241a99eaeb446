//! Building the engine the commands share from their options: which models (built-in or from
//! files), which rules (`--rules`), which policy (`--policy`). One place, so `scan`, `check`,
//! `serve` and `consume` decide the same way.

use std::sync::Arc;

use anyhow::{Context, Result};

use goshawk_anomaly::pipeline::AnomalyModel;
use goshawk_engine::{AnomalyDetector, Detectors, Engine, Policy, RuleMatcher, WebDetector};
use goshawk_web::WebModel;

use crate::cli::DecisionArgs;

/// The models an engine is built with.
#[derive(Default)]
pub struct Models {
    pub web: Option<WebModel>,
    pub anomaly: Vec<AnomalyModel>,
}

/// The decision policy of `--policy`, or the default one.
pub fn policy(args: &DecisionArgs) -> Result<Policy> {
    match &args.policy {
        Some(path) => Policy::load(path).context("loading the decision policy"),
        None => Ok(Policy::default()),
    }
}

/// The rules `--rules` names (the shipped packs when it names none).
pub fn rules(args: &DecisionArgs) -> Result<Option<Arc<dyn RuleMatcher>>> {
    crate::builtin::load_rules(&args.rules)
}

/// An engine with `models`, the rules and the policy of `args`.
pub fn engine(models: Models, args: &DecisionArgs) -> Result<Engine> {
    let detectors = Detectors {
        web: models.web.map(WebDetector::new),
        anomaly: models
            .anomaly
            .into_iter()
            .map(AnomalyDetector::new)
            .collect(),
        rules: rules(args)?,
    };
    Ok(Engine::new(detectors, policy(args)?))
}
