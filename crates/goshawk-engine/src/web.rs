//! Web requests through the web model: one verdict per request, with its reasons.

use std::sync::Arc;

use serde::Serialize;

use goshawk_core::HttpRequest;
use goshawk_web::{Featurizer, Scratch, WebModel};

/// How many reasons an explanation lists.
const EXPLANATION_ITEMS: usize = 3;

/// The result for one input record: the JSON Lines contract of `goshawk scan`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// 0-based position of the record across all inputs.
    pub index: u64,
    /// Calibrated score in [0, 1]; higher = more likely an attack. Absent for unreadable records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// `attack` or `normal`; absent for unreadable records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<String>,
    /// Why: matched patterns and the features that pushed the score most.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
    /// Why the record could not be read (file, line, reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Verdict {
    /// The line for a record that could not be read.
    pub fn unreadable(index: u64, reason: String) -> Self {
        Verdict {
            index,
            score: None,
            verdict: None,
            attack_type: None,
            explanation: Vec::new(),
            error: Some(reason),
        }
    }

    pub fn is_attack(&self) -> bool {
        self.verdict == Some("attack")
    }
}

/// The web-model detector, shareable across threads.
#[derive(Clone)]
pub struct WebDetector {
    model: Arc<WebModel>,
    featurizer: Featurizer,
}

impl WebDetector {
    pub fn new(model: WebModel) -> Self {
        let featurizer = model.featurizer();
        WebDetector {
            model: Arc::new(model),
            featurizer,
        }
    }

    pub fn model(&self) -> &WebModel {
        &self.model
    }

    /// Scores one request. `scratch` holds per-thread buffers reused between calls.
    pub fn analyze(&self, index: u64, req: &HttpRequest, scratch: &mut Scratch) -> Verdict {
        let s = self.model.score(&self.featurizer, req, scratch);
        let explanation = if s.attack {
            self.model
                .explain(&self.featurizer, scratch, EXPLANATION_ITEMS)
        } else {
            vec![format!(
                "score {:.3} below the attack threshold 0.5",
                s.score
            )]
        };
        Verdict {
            index,
            score: Some(s.score),
            verdict: Some(if s.attack { "attack" } else { "normal" }),
            attack_type: s.attack_type,
            explanation,
            error: None,
        }
    }

    /// Raw score only (no explanation), for evaluation over many requests.
    pub fn score(&self, req: &HttpRequest, scratch: &mut Scratch) -> f32 {
        self.model.score(&self.featurizer, req, scratch).score
    }
}
