//! The JSON Lines contract of `goshawk scan` (and of stream outputs): one object per input
//! record, in order. `verdict` is `attack`/`normal`; `action`, `confidence`, `trace_id` and
//! `findings` carry the decision; a record that could not be read keeps its line with `error`.

use serde::Serialize;

use goshawk_core::{Action, AttackType, Finding, Verdict};

/// One output line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanLine {
    /// 0-based position of the record across all inputs.
    pub index: u64,
    /// Combined score in [0, 1]; higher = more likely an attack. Absent for unreadable records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// `attack` or `normal`; absent for unreadable records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<AttackType>,
    /// Why, in plain words, most important first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explanation: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Why the record could not be read or was refused (file, line, field, reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ScanLine {
    pub fn from_verdict(index: u64, mut v: Verdict) -> ScanLine {
        for f in &mut v.findings {
            f.score = round4(f.score);
        }
        ScanLine {
            index,
            score: Some(round4(v.score)),
            verdict: Some(if v.is_threat { "attack" } else { "normal" }),
            attack_type: v.attack_type,
            explanation: v.explanation,
            action: Some(v.action),
            confidence: Some(round4(v.confidence)),
            trace_id: Some(v.trace_id),
            findings: v.findings,
            error: None,
        }
    }

    /// The line for a record that could not be read or was refused.
    pub fn unreadable(index: u64, reason: String) -> ScanLine {
        ScanLine {
            index,
            score: None,
            verdict: None,
            attack_type: None,
            explanation: Vec::new(),
            action: None,
            confidence: None,
            trace_id: None,
            findings: Vec::new(),
            error: Some(reason),
        }
    }

    pub fn is_attack(&self) -> bool {
        self.verdict == Some("attack")
    }
}

/// Four decimals are plenty for a score and keep lines short and stable.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
