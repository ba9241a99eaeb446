//! Web requests through the web model: a finding per request, with its reasons.

use std::sync::Arc;

use goshawk_core::{AttackType, Finding, HttpRequest};
use goshawk_web::{Featurizer, Scratch, WebModel};

/// How many reasons a web-model finding lists.
const EXPLANATION_ITEMS: usize = 3;

/// The detector name in findings.
pub const WEB_MODEL: &str = "web-model";

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

    /// Scores one request. `scratch` holds per-thread buffers reused between calls. Reasons
    /// are worked out only for requests the model flags (they cost a second look).
    pub fn finding(&self, req: &HttpRequest, scratch: &mut Scratch) -> Finding {
        let s = self.model.score(&self.featurizer, req, scratch);
        let evidence = if s.attack {
            self.model
                .explain(&self.featurizer, scratch, EXPLANATION_ITEMS)
        } else {
            Vec::new()
        };
        Finding {
            detector: WEB_MODEL.into(),
            score: f64::from(s.score),
            attack_type: s.attack_type.as_deref().and_then(AttackType::parse),
            evidence,
            ..Default::default()
        }
    }

    /// Raw score only (no explanation), for evaluation over many requests.
    pub fn score(&self, req: &HttpRequest, scratch: &mut Scratch) -> f32 {
        self.model.score(&self.featurizer, req, scratch).score
    }
}
