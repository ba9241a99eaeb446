//! Network sessions, IoT readings and Zeek connections through their anomaly models: a finding
//! per record. Records can be scored one at a time (the API, a stream) or a block at a time
//! (files: one feature matrix per block is several times faster than a matrix per row).

use std::sync::Arc;

use goshawk_anomaly::pipeline::{AnomalyModel, FeatureRecord, Scored, EXPLANATION_ITEMS};
use goshawk_anomaly::MatrixView;
use goshawk_core::{Event, EventKind, Finding};

/// An anomaly model as a detector, shareable across threads.
#[derive(Clone)]
pub struct AnomalyDetector {
    model: Arc<AnomalyModel>,
    name: String,
}

impl AnomalyDetector {
    pub fn new(model: AnomalyModel) -> Self {
        let name = format!("anomaly-{}", model.algorithm().name());
        AnomalyDetector {
            model: Arc::new(model),
            name,
        }
    }

    pub fn model(&self) -> &AnomalyModel {
        &self.model
    }

    /// The detector name in findings: `anomaly-<algorithm>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The event kind this model scores.
    pub fn kind(&self) -> EventKind {
        use goshawk_anomaly::pipeline::TableKind;
        match self.model.kind() {
            TableKind::Sessions => EventKind::Sessions,
            TableKind::Iot => EventKind::Iot,
            TableKind::Zeek => EventKind::Zeek,
        }
    }

    /// Scores one event; `None` when the event is not of this model's kind.
    pub fn finding(&self, event: &Event) -> Option<Finding> {
        match event {
            Event::Sessions(r) => self.score_one(r),
            Event::Iot(r) => self.score_one(r),
            Event::Zeek(r) => self.score_one(r),
            Event::Http(_) => None,
        }
    }

    fn score_one<R: FeatureRecord>(&self, record: &R) -> Option<Finding> {
        if R::KIND != self.model.kind() {
            return None;
        }
        self.findings(&[record]).ok()?.pop()
    }

    /// Scores a block of records of this model's kind, in order.
    pub fn findings<R: FeatureRecord>(
        &self,
        records: &[&R],
    ) -> Result<Vec<Finding>, goshawk_anomaly::pipeline::PipelineError> {
        let matrix = self.model.features(records)?;
        let view = matrix.view();
        let scored = self.model.score_matrix(&view)?;
        Ok(scored
            .iter()
            .enumerate()
            .map(|(i, s)| self.to_finding(s, &view, i))
            .collect())
    }

    fn to_finding(&self, s: &Scored, view: &MatrixView<'_>, row: usize) -> Finding {
        let evidence = if s.attack {
            self.model.explain(view.row(row), EXPLANATION_ITEMS)
        } else {
            Vec::new()
        };
        Finding {
            detector: self.name.clone(),
            score: s.score,
            evidence,
            ..Default::default()
        }
    }

    /// The calibrated threshold in the model's own raw score units (it maps to 0.5).
    pub fn raw_threshold(&self) -> f64 {
        self.model.raw_threshold()
    }
}
