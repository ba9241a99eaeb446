//! The decision policy: how findings (model scores, rule hits) become one verdict with an action,
//! a confidence and plain-words reasons. It is data, not code, so an operator can change it in a
//! TOML file (`goshawk scan --policy FILE`, `serve --config`); `Policy::default()` is the
//! documented default and `docs/policy.md` explains every key.
//!
//! How findings combine: every finding is evidence that the event is an attack with the
//! probability its score says (a model's calibrated score; a rule hit's weight for its level), and
//! the pieces are combined as independent evidence (noisy-OR: `1 - Π(1 - s)`). Two weak
//! indicators together are worth more than either; one strong one decides alone. The combined
//! score picks the action band, rule levels can raise the action to a floor, and a model alone
//! never blocks unless the policy allows it (blocking is a decision analysts want a readable rule
//! behind).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use goshawk_core::{Action, Finding};

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {source}")]
    Parse {
        path: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{path}: reading: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("policy: {field}: {reason}")]
    Invalid { field: String, reason: String },
}

/// Score bands: the combined score at or above each value raises the action to that band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bands {
    pub investigate: f64,
    pub alert: f64,
    pub block: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            investigate: 0.3,
            alert: 0.5,
            block: 0.9,
        }
    }
}

/// What a rule hit of one level is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelPolicy {
    /// The hit's score in the combination (how often a hit of this level is a real attack).
    pub weight: f64,
    /// The least action a hit of this level leads to.
    pub action: Action,
}

/// The whole policy. Every field has a default; a TOML file sets only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The combined score at or above which an event is a threat (`"verdict": "attack"`).
    pub threat_threshold: f64,
    pub bands: Bands,
    /// Rule level (`informational`, `low`, `medium`, `high`, `critical`) → weight and floor.
    pub levels: BTreeMap<String, LevelPolicy>,
    /// Per-rule weight overrides by rule id (a rule measured better or worse than its level).
    pub rule_weights: BTreeMap<String, f64>,
    /// The highest action a model score alone (no rule hit of level medium or above) may lead
    /// to. `alert` by default: blocking needs a rule an analyst can read.
    pub model_only_max_action: Action,
}

impl Default for Policy {
    fn default() -> Self {
        let level = |weight, action| LevelPolicy { weight, action };
        Policy {
            threat_threshold: 0.5,
            bands: Bands::default(),
            levels: BTreeMap::from([
                ("informational".into(), level(0.05, Action::Monitor)),
                ("low".into(), level(0.2, Action::Monitor)),
                ("medium".into(), level(0.4, Action::Investigate)),
                ("high".into(), level(0.7, Action::Alert)),
                ("critical".into(), level(0.95, Action::Block)),
            ]),
            rule_weights: BTreeMap::new(),
            model_only_max_action: Action::Alert,
        }
    }
}

/// Weight given to a rule whose level the policy does not list.
const UNKNOWN_LEVEL_WEIGHT: f64 = 0.2;

impl Policy {
    /// Parses a TOML policy (missing keys keep their defaults) and checks it.
    pub fn from_toml(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|source| PolicyError::Parse {
            path: path.to_string(),
            source: Box::new(source),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Reads and checks a TOML policy file.
    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: shown.clone(),
            source,
        })?;
        Policy::from_toml(&text, &shown)
    }

    /// Checks that every score is in [0, 1] and the bands are ordered.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let unit = |field: String, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(PolicyError::Invalid {
                    field,
                    reason: format!("{v} is outside [0, 1]"),
                })
            }
        };
        unit("threat_threshold".into(), self.threat_threshold)?;
        unit("bands.investigate".into(), self.bands.investigate)?;
        unit("bands.alert".into(), self.bands.alert)?;
        unit("bands.block".into(), self.bands.block)?;
        if !(self.bands.investigate <= self.bands.alert && self.bands.alert <= self.bands.block) {
            return Err(PolicyError::Invalid {
                field: "bands".into(),
                reason: "investigate <= alert <= block must hold".into(),
            });
        }
        for (name, level) in &self.levels {
            unit(format!("levels.{name}.weight"), level.weight)?;
        }
        for (id, w) in &self.rule_weights {
            unit(format!("rule_weights.{id}"), *w)?;
        }
        Ok(())
    }

    /// The score a rule hit carries: its per-rule override, else its level's weight.
    pub fn rule_weight(&self, rule_id: &str, level: &str) -> f64 {
        self.rule_weights.get(rule_id).copied().unwrap_or_else(|| {
            self.levels
                .get(level)
                .map_or(UNKNOWN_LEVEL_WEIGHT, |l| l.weight)
        })
    }

    fn level_floor(&self, level: &str) -> Action {
        self.levels.get(level).map_or(Action::Monitor, |l| l.action)
    }

    fn band(&self, combined: f64) -> Action {
        if combined >= self.bands.block {
            Action::Block
        } else if combined >= self.bands.alert {
            Action::Alert
        } else if combined >= self.bands.investigate {
            Action::Investigate
        } else {
            Action::Monitor
        }
    }

    /// Decides from the findings of one event. Rule findings must already carry their weight
    /// as `score` (see [`Policy::rule_weight`]).
    pub fn decide(&self, findings: &[Finding]) -> Decision {
        let combined = 1.0
            - findings
                .iter()
                .map(|f| 1.0 - f.score.clamp(0.0, 1.0))
                .product::<f64>();
        let is_threat = combined >= self.threat_threshold;
        let mut action = self.band(combined);
        let rule_floor = findings
            .iter()
            .filter_map(|f| f.level.as_deref())
            .map(|level| self.level_floor(level))
            .max();
        if rule_floor.is_none_or(|floor| floor < Action::Investigate) {
            action = action.min(self.model_only_max_action);
        }
        if let Some(floor) = rule_floor {
            action = action.max(floor);
        }
        let confidence = if is_threat { combined } else { 1.0 - combined };
        Decision {
            combined,
            is_threat,
            action,
            confidence,
        }
    }
}

/// The outcome of [`Policy::decide`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// The combined score of all findings (noisy-OR).
    pub combined: f64,
    pub is_threat: bool,
    pub action: Action,
    /// How sure the decision is: the combined score for a threat, its complement otherwise.
    pub confidence: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(score: f64) -> Finding {
        Finding {
            detector: "web-model".into(),
            score,
            ..Default::default()
        }
    }

    fn rule(policy: &Policy, level: &str) -> Finding {
        Finding {
            detector: "sigma".into(),
            rule_id: Some(format!("rule-{level}")),
            level: Some(level.into()),
            score: policy.rule_weight(&format!("rule-{level}"), level),
            ..Default::default()
        }
    }

    #[test]
    fn no_findings_is_a_confident_monitor() {
        let d = Policy::default().decide(&[]);
        assert!(!d.is_threat);
        assert_eq!(d.action, Action::Monitor);
        assert_eq!(d.confidence, 1.0);
    }

    #[test]
    fn model_scores_follow_the_bands_but_never_block_alone() {
        let p = Policy::default();
        assert_eq!(p.decide(&[model(0.1)]).action, Action::Monitor);
        assert_eq!(p.decide(&[model(0.4)]).action, Action::Investigate);
        let d = p.decide(&[model(0.6)]);
        assert!(d.is_threat);
        assert_eq!(d.action, Action::Alert);
        assert_eq!(p.decide(&[model(0.999)]).action, Action::Alert);
        let permissive = Policy {
            model_only_max_action: Action::Block,
            ..Policy::default()
        };
        assert_eq!(permissive.decide(&[model(0.999)]).action, Action::Block);
    }

    #[test]
    fn weak_evidence_adds_up_and_rule_levels_set_floors() {
        let p = Policy::default();
        // A model just under its threshold plus a low-level rule: together a threat.
        let alone = p.decide(&[model(0.45)]);
        assert!(!alone.is_threat);
        let both = p.decide(&[model(0.45), rule(&p, "low")]);
        assert!(both.is_threat, "{both:?}");
        assert!(both.combined > alone.combined);
        // A critical rule blocks even with a benign model score.
        let d = p.decide(&[model(0.01), rule(&p, "critical")]);
        assert_eq!(d.action, Action::Block);
        // A high rule alerts on its own.
        assert_eq!(p.decide(&[rule(&p, "high")]).action, Action::Alert);
    }

    #[test]
    fn toml_overrides_only_what_it_names_and_is_checked() {
        let p = Policy::from_toml(
            "threat_threshold = 0.6\n[rule_weights]\nabc = 0.9\n",
            "policy.toml",
        )
        .expect("valid");
        assert_eq!(p.threat_threshold, 0.6);
        assert_eq!(p.bands, Bands::default());
        assert_eq!(p.rule_weight("abc", "low"), 0.9);
        assert_eq!(p.rule_weight("other", "low"), 0.2);
        let err = Policy::from_toml("threat_threshold = 1.5", "p.toml").expect_err("out of range");
        assert!(err.to_string().contains("threat_threshold"), "{err}");
        let err = Policy::from_toml("[bands]\nalert = 0.95\n", "p.toml").expect_err("unordered");
        assert!(err.to_string().contains("bands"), "{err}");
        let err = Policy::from_toml("thret = 1", "p.toml").expect_err("typo");
        assert!(err.to_string().contains("p.toml"), "{err}");
    }
}
