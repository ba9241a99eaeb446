//! What a rule hit says, in goshawk's terms: the rule, its level, its ATT&CK techniques and
//! tactics and its STRIDE category (read from the rule's tags), and the field values that
//! matched. It exists so every consumer (scan output, decision policy, reports) reads rule
//! hits the same way, and so a hit becomes a [`Finding`] in one place.

use goshawk_core::Finding;
use serde::Serialize;

/// One rule that matched one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHit {
    /// The rule's `id` (or, for a rule without one, its file name).
    pub rule_id: String,
    pub title: String,
    /// `informational`, `low`, `medium`, `high` or `critical` (`medium` when unset).
    pub level: String,
    /// The rule's tags as written.
    pub tags: Vec<String>,
    /// ATT&CK techniques, upper-case (`T1190`, `T1059.007`).
    pub techniques: Vec<String>,
    /// ATT&CK tactics as tagged (`initial-access`).
    pub tactics: Vec<String>,
    /// STRIDE category from a `stride.<category>` tag (`spoofing`, `information_disclosure`).
    pub stride: Option<String>,
    /// `field=value` evidence (values truncated), `keyword=...` for keyword matches.
    pub matched: Vec<String>,
}

impl From<RuleHit> for Finding {
    /// A rule finding: detector `sigma`, the rule's id, title, level and tags, labels =
    /// techniques then `stride.<category>`. The score is the decision policy's to set (0 here).
    /// By value: a hit's strings move into the finding (a flagged request can have several).
    fn from(hit: RuleHit) -> Finding {
        let mut labels = hit.techniques;
        if let Some(stride) = &hit.stride {
            labels.push(format!("stride.{stride}"));
        }
        Finding {
            detector: "sigma".to_string(),
            score: 0.0,
            attack_type: None,
            rule_id: Some(hit.rule_id),
            title: Some(hit.title),
            level: Some(hit.level),
            tags: hit.tags,
            labels,
            evidence: hit.matched,
        }
    }
}

/// ATT&CK and STRIDE labels read from a rule's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagLabels {
    pub techniques: Vec<String>,
    pub tactics: Vec<String>,
    pub stride: Option<String>,
}

/// Reads `attack.t1190` (technique), `attack.initial-access` (tactic), `stride.spoofing`.
/// Group (`attack.g0001`) and software (`attack.s0002`) tags are neither.
pub fn tag_labels(tags: &[String]) -> TagLabels {
    let mut out = TagLabels::default();
    for tag in tags {
        let lower = tag.trim().to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("attack.") {
            let bytes = rest.as_bytes();
            let is_id =
                |prefix: u8| bytes.len() > 1 && bytes[0] == prefix && bytes[1].is_ascii_digit();
            if is_id(b't') {
                push_unique(&mut out.techniques, rest.to_ascii_uppercase());
            } else if !(is_id(b'g') || is_id(b's') || rest.is_empty()) {
                push_unique(&mut out.tactics, rest.to_string());
            }
        } else if let Some(rest) = lower.strip_prefix("stride.") {
            if out.stride.is_none() && !rest.is_empty() {
                out.stride = Some(rest.replace(['-', ' '], "_"));
            }
        }
    }
    out
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Shortens evidence text to `max` characters, marking the cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_give_techniques_tactics_and_stride() {
        let tags: Vec<String> = [
            "attack.initial-access",
            "attack.t1190",
            "attack.T1059.007",
            "attack.g0032",
            "attack.s0154",
            "cve.2021-44228",
            "stride.Information-Disclosure",
            "detection.emerging-threats",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let labels = tag_labels(&tags);
        assert_eq!(labels.techniques, vec!["T1190", "T1059.007"]);
        assert_eq!(labels.tactics, vec!["initial-access"]);
        assert_eq!(labels.stride.as_deref(), Some("information_disclosure"));
    }

    #[test]
    fn a_hit_becomes_a_sigma_finding() {
        let hit = RuleHit {
            rule_id: "abc".into(),
            title: "Brute force".into(),
            level: "high".into(),
            tags: vec!["attack.t1110".into(), "stride.spoofing".into()],
            techniques: vec!["T1110".into()],
            tactics: vec![],
            stride: Some("spoofing".into()),
            matched: vec!["failed_logins=5".into()],
        };
        let finding = Finding::from(hit);
        assert_eq!(finding.detector, "sigma");
        assert_eq!(finding.rule_id.as_deref(), Some("abc"));
        assert_eq!(finding.level.as_deref(), Some("high"));
        assert_eq!(finding.labels, vec!["T1110", "stride.spoofing"]);
        assert_eq!(finding.evidence, vec!["failed_logins=5"]);
        assert_eq!(finding.score, 0.0);
        assert!(finding.is_rule_hit());
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("ñañ", 3), "ñañ");
        assert_eq!(truncate("ñañx", 2), "ña…");
    }
}
