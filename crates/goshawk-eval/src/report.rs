//! The evaluation report: every metric of one or more models on the same labelled data, in one
//! serializable value that prints as a human table (`to_text`) or as JSON (`to_json`).
//!
//! `goshawk evaluate` builds a [`Report`] from [`ModelEvaluation`]s (raw scores, labels and the
//! operating threshold of each model), prints it, and hands the same inputs to
//! [`crate::html::render_report`] for the page. Data the metric cannot be computed on (an AUC
//! with only one class) yields `None` plus a note rather than an error, so a report is produced
//! for any labelled input that is structurally sound.

use crate::metrics::{
    best_f1_threshold, check_scores, f64_or_nan, group_breakdown, metrics_from_verdicts, pr_auc,
    roc_auc, GroupStats, MetricsAtThreshold, MetricsError,
};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One model's output on labelled data: the input of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEvaluation {
    /// Display name (may come from a file name; it is escaped wherever it is shown).
    pub name: String,
    /// One score per row, higher = more malicious.
    pub scores: Vec<f64>,
    /// One label per row, `true` = attack.
    pub labels: Vec<bool>,
    /// Optional group per row (attack type, or e.g. "normal"), for the per-group table.
    pub groups: Option<Vec<String>>,
    /// Operating threshold: rows with `score >= threshold` are flagged.
    pub threshold: f64,
    /// Operating decisions, when they are not simply `score >= threshold` (e.g. the engine's
    /// verdict, which also weighs rules). The threshold is then only drawn on the histogram.
    pub verdicts: Option<Vec<bool>>,
}

impl ModelEvaluation {
    /// A model flagging `score >= threshold`, without groups.
    pub fn new(
        name: impl Into<String>,
        scores: Vec<f64>,
        labels: Vec<bool>,
        threshold: f64,
    ) -> Self {
        ModelEvaluation {
            name: name.into(),
            scores,
            labels,
            groups: None,
            threshold,
            verdicts: None,
        }
    }

    /// Adds a group per row (attack type) for the per-group breakdown.
    pub fn with_groups(mut self, groups: Vec<String>) -> Self {
        self.groups = Some(groups);
        self
    }

    /// Uses these verdicts as the operating decisions instead of `score >= threshold`.
    pub fn with_verdicts(mut self, verdicts: Vec<bool>) -> Self {
        self.verdicts = Some(verdicts);
        self
    }

    /// The operating decisions: the explicit verdicts, or `score >= threshold`.
    pub fn predicted(&self) -> Vec<bool> {
        match &self.verdicts {
            Some(verdicts) => verdicts.clone(),
            None => self.scores.iter().map(|&s| s >= self.threshold).collect(),
        }
    }

    /// Computes this model's part of the report.
    ///
    /// Errors only for structurally bad input (mismatched lengths, no rows, NaN score or
    /// threshold); metrics the data cannot support are `None` with a note.
    pub fn summarize(&self) -> Result<ModelReport, MetricsError> {
        check_scores(&self.scores, &self.labels)?;
        if self.threshold.is_nan() && self.verdicts.is_none() {
            return Err(MetricsError::NanThreshold);
        }
        let predicted = self.predicted();
        let operating = metrics_from_verdicts(&predicted, &self.labels)?;
        let groups = match &self.groups {
            Some(groups) => group_breakdown(&predicted, &self.labels, groups)?,
            None => Vec::new(),
        };
        let mut notes = Vec::new();
        let roc_auc = undefined_as_note(roc_auc(&self.scores, &self.labels), &mut notes)?;
        let pr_auc = undefined_as_note(pr_auc(&self.scores, &self.labels), &mut notes)?;
        let best_f1 = undefined_as_note(best_f1_threshold(&self.scores, &self.labels), &mut notes)?
            .map(|(threshold, metrics)| OperatingPoint { threshold, metrics });
        let positives = operating.confusion.positives();
        let negatives = operating.confusion.negatives();
        if positives == 0 {
            notes.push("no attack rows: recall and F1 are reported as 0".to_owned());
        }
        if negatives == 0 {
            notes.push("no normal rows: the false-positive rate is reported as 0".to_owned());
        }
        if !self.threshold.is_finite() {
            notes.push(format!("operating threshold is {}", self.threshold));
        }
        Ok(ModelReport {
            name: self.name.clone(),
            rows: self.labels.len(),
            positives,
            negatives,
            threshold: self.threshold,
            threshold_decides: self.verdicts.is_none(),
            operating,
            roc_auc,
            pr_auc,
            best_f1,
            groups,
            notes,
        })
    }
}

/// `Ok(None)` plus a note when the metric is undefined for this data; other errors pass through.
fn undefined_as_note<T>(
    result: Result<T, MetricsError>,
    notes: &mut Vec<String>,
) -> Result<Option<T>, MetricsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error @ (MetricsError::NoPositives { .. } | MetricsError::NoNegatives { .. })) => {
            notes.push(error.to_string());
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// A threshold and the metrics it gives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    #[serde(deserialize_with = "f64_or_nan")]
    pub threshold: f64,
    pub metrics: MetricsAtThreshold,
}

/// Everything the report says about one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    pub name: String,
    pub rows: usize,
    /// Attack rows.
    pub positives: usize,
    /// Normal rows.
    pub negatives: usize,
    /// The operating threshold (non-finite values serialize as `null`).
    #[serde(deserialize_with = "f64_or_nan")]
    pub threshold: f64,
    /// Whether `score >= threshold` made the decisions (false: explicit verdicts did).
    pub threshold_decides: bool,
    /// Metrics at the operating point.
    pub operating: MetricsAtThreshold,
    /// `None` when the data lacks one class (see `notes`).
    pub roc_auc: Option<f64>,
    /// Average precision; `None` when the data has no attack rows.
    pub pr_auc: Option<f64>,
    /// The threshold that would maximise F1 on this data; `None` without attack rows.
    pub best_f1: Option<OperatingPoint>,
    /// Per-group breakdown at the operating point (empty without groups), sorted by name.
    pub groups: Vec<GroupStats>,
    /// Why some metric is missing or reported by convention.
    pub notes: Vec<String>,
}

/// One entry of the run metadata (model, data, date, command, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaEntry {
    pub key: String,
    pub value: String,
}

/// The evaluation of one or more models on the same labelled data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub meta: Vec<MetaEntry>,
    pub models: Vec<ModelReport>,
}

impl Report {
    /// Summarizes every model. Fails on the first structurally bad model input.
    pub fn build(
        title: &str,
        meta: &[(String, String)],
        models: &[ModelEvaluation],
    ) -> Result<Report, MetricsError> {
        Ok(Report {
            title: title.to_owned(),
            meta: meta
                .iter()
                .map(|(key, value)| MetaEntry {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            models: models
                .iter()
                .map(ModelEvaluation::summarize)
                .collect::<Result<_, _>>()?,
        })
    }

    /// The report as pretty-printed JSON. Floats are written with full precision; reading
    /// them back bit-exactly needs serde_json's `float_roundtrip` feature. Non-finite values
    /// (an infinite threshold) are written as `null` and read back as NaN.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// A plain-text table, models side by side, for a terminal. Control characters in names
    /// and metadata are escaped so hostile labels cannot drive the terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", terminal_safe(&self.title));
        let key_width = self
            .meta
            .iter()
            .map(|m| terminal_safe(&m.key).chars().count())
            .max()
            .unwrap_or(0);
        for entry in &self.meta {
            let _ = writeln!(
                out,
                "  {:<key_width$}  {}",
                terminal_safe(&entry.key),
                terminal_safe(&entry.value)
            );
        }
        if self.models.is_empty() {
            out.push_str("\n(no models)\n");
            return out;
        }
        out.push('\n');
        out.push_str(&self.summary_table().render());
        if self.models.iter().any(|m| !m.groups.is_empty()) {
            out.push_str("\nPer group at the operating point (flagged / rows; for attack groups this is the detection rate):\n");
            out.push_str(&self.group_table().render());
        }
        for model in &self.models {
            for note in &model.notes {
                let _ = writeln!(
                    out,
                    "note [{}]: {}",
                    terminal_safe(&model.name),
                    terminal_safe(note)
                );
            }
        }
        out
    }

    fn summary_table(&self) -> TextTable {
        let mut header = vec!["metric".to_owned()];
        header.extend(self.models.iter().map(|m| terminal_safe(&m.name)));
        let mut table = TextTable::new(header);
        let mut row = |label: &str, cell: &dyn Fn(&ModelReport) -> String| {
            let mut cells = vec![label.to_owned()];
            cells.extend(self.models.iter().map(cell));
            table.rows.push(cells);
        };
        row("rows", &|m| m.rows.to_string());
        row("attack rows", &|m| m.positives.to_string());
        row("threshold", &|m| {
            let value = format_number(m.threshold);
            if m.threshold_decides {
                value
            } else {
                format!("{value} (verdicts)")
            }
        });
        row("precision", &|m| format_number(m.operating.precision));
        row("recall", &|m| format_number(m.operating.recall));
        row("F1", &|m| format_number(m.operating.f1));
        row("FPR", &|m| format_number(m.operating.fpr));
        row("accuracy", &|m| format_number(m.operating.accuracy));
        row("TP / FP", &|m| {
            format!(
                "{} / {}",
                m.operating.confusion.tp, m.operating.confusion.fp
            )
        });
        row("TN / FN", &|m| {
            format!(
                "{} / {}",
                m.operating.confusion.tn, m.operating.confusion.fn_
            )
        });
        row("ROC-AUC", &|m| format_optional(m.roc_auc));
        row("PR-AUC (AP)", &|m| format_optional(m.pr_auc));
        row("best-F1 threshold", &|m| {
            format_optional(m.best_f1.map(|b| b.threshold))
        });
        row("best F1", &|m| {
            format_optional(m.best_f1.map(|b| b.metrics.f1))
        });
        table
    }

    fn group_table(&self) -> TextTable {
        let mut header = vec!["group".to_owned(), "rows".to_owned()];
        header.extend(self.models.iter().map(|m| terminal_safe(&m.name)));
        let mut table = TextTable::new(header);
        for (name, rows) in self.group_names() {
            let mut cells = vec![terminal_safe(&name), rows.to_string()];
            for model in &self.models {
                cells.push(match model.groups.iter().find(|g| g.group == name) {
                    Some(g) => format!(
                        "{}/{} ({:.1}%)",
                        g.flagged,
                        g.rows,
                        100.0 * g.flagged as f64 / g.rows.max(1) as f64
                    ),
                    None => "-".to_owned(),
                });
            }
            table.rows.push(cells);
        }
        table
    }

    /// Every group name over all models, sorted, with its row count (from the first model
    /// that has it).
    pub fn group_names(&self) -> Vec<(String, usize)> {
        let mut names: Vec<(String, usize)> = Vec::new();
        for model in &self.models {
            for group in &model.groups {
                if !names.iter().any(|(name, _)| *name == group.group) {
                    names.push((group.group.clone(), group.rows));
                }
            }
        }
        names.sort();
        names
    }
}

/// Four significant decimals, `n/a` for NaN, `inf` for infinities.
pub(crate) fn format_number(value: f64) -> String {
    if value.is_nan() {
        "n/a".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{value:.4}")
    }
}

pub(crate) fn format_optional(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), format_number)
}

/// Replaces control characters (ANSI escapes, newlines, ...) with visible escapes.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A left-aligned first column and right-aligned value columns.
struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    fn new(header: Vec<String>) -> Self {
        TextTable {
            header,
            rows: Vec::new(),
        }
    }

    fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths = vec![0; columns];
        for line in std::iter::once(&self.header).chain(&self.rows) {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut write_line = |line: &[String]| {
            for (index, (cell, &width)) in line.iter().zip(&widths).enumerate() {
                if index == 0 {
                    let _ = write!(out, "{cell:<width$}");
                } else {
                    let _ = write!(out, "  {cell:>width$}");
                }
            }
            out.push('\n');
        };
        write_line(&self.header);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        write_line(&rule);
        for row in &self.rows {
            write_line(row);
        }
        out
    }
}
