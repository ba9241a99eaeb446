//! The STRIDE × ATT&CK matrix of a rule set (`goshawk rules report`): which rules cover which
//! technique under which threat category, so an analyst sees coverage and gaps at a glance.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ruleset::RuleSet;

/// STRIDE categories in their usual order, as the `stride.<category>` tags name them.
pub const STRIDE: [&str; 6] = [
    "spoofing",
    "tampering",
    "repudiation",
    "information_disclosure",
    "denial_of_service",
    "elevation_of_privilege",
];

/// Row name for rules without a STRIDE tag; column name for rules without a technique.
pub const UNASSIGNED: &str = "(none)";

/// Rules per (STRIDE category, ATT&CK technique).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RulesMatrix {
    /// Row names: the six STRIDE categories, then any other tagged category, then `(none)`.
    pub stride: Vec<String>,
    /// Column names: techniques in order, then `(none)` if some rule has no technique.
    pub techniques: Vec<String>,
    /// Non-empty cells.
    pub cells: Vec<MatrixCell>,
    /// Loaded rules counted.
    pub rules: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixCell {
    pub stride: String,
    pub technique: String,
    /// Ids of the rules in this cell.
    pub rules: Vec<String>,
}

/// Builds the matrix of every loaded rule.
pub fn rules_matrix(rules: &RuleSet) -> RulesMatrix {
    let mut cells: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for rule in rules.rules() {
        let stride = rule
            .stride
            .clone()
            .unwrap_or_else(|| UNASSIGNED.to_string());
        let techniques = if rule.techniques.is_empty() {
            vec![UNASSIGNED.to_string()]
        } else {
            rule.techniques.clone()
        };
        for technique in techniques {
            cells
                .entry((stride.clone(), technique))
                .or_default()
                .push(rule.id.clone());
        }
    }
    let mut stride: Vec<String> = STRIDE.iter().map(|s| s.to_string()).collect();
    let mut extra: Vec<String> = cells
        .keys()
        .map(|(s, _)| s.clone())
        .filter(|s| !STRIDE.contains(&s.as_str()) && s != UNASSIGNED)
        .collect();
    extra.dedup();
    stride.extend(extra);
    stride.push(UNASSIGNED.to_string());
    let mut techniques: Vec<String> = cells.keys().map(|(_, t)| t.clone()).collect();
    techniques.sort_by(|a, b| (a == UNASSIGNED, a).cmp(&(b == UNASSIGNED, b)));
    techniques.dedup();
    RulesMatrix {
        stride,
        techniques,
        cells: cells
            .into_iter()
            .map(|((stride, technique), rules)| MatrixCell {
                stride,
                technique,
                rules,
            })
            .collect(),
        rules: rules.rules().len(),
    }
}

impl RulesMatrix {
    /// A text table: one line per STRIDE category, its techniques with rule counts.
    pub fn to_text(&self) -> String {
        let width = self.stride.iter().map(String::len).max().unwrap_or(0);
        let mut out = format!(
            "STRIDE x ATT&CK matrix of {} rule(s) (cells: technique (rules))\n",
            self.rules
        );
        for row in &self.stride {
            let cells: Vec<String> = self
                .techniques
                .iter()
                .filter_map(|t| {
                    self.cells
                        .iter()
                        .find(|c| &c.stride == row && &c.technique == t)
                        .map(|c| format!("{t} ({})", c.rules.len()))
                })
                .collect();
            let shown = if cells.is_empty() {
                "-".to_string()
            } else {
                cells.join(", ")
            };
            out.push_str(&format!("{row:<width$}  {shown}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, tags: &[&str]) -> (String, String) {
        let tags = tags.join(", ");
        (
            format!("{id}.yml"),
            format!(
                "title: {id}\nid: {id}\nlogsource: {{product: goshawk, category: network_session}}\n\
                 detection:\n  sel:\n    failed_logins|gt: 3\n  condition: sel\ntags: [{tags}]\n"
            ),
        )
    }

    #[test]
    fn rules_land_in_their_stride_and_technique_cells() {
        let (rules, report) = RuleSet::from_sources(vec![
            rule("bf", &["attack.t1110", "stride.spoofing"]),
            rule("spoof", &["attack.t1078", "stride.spoofing"]),
            rule("both", &["attack.t1078", "attack.t1110", "stride.spoofing"]),
            rule("exfil", &["attack.t1041", "stride.information_disclosure"]),
            rule("plain", &[]),
        ]);
        assert_eq!(report.loaded, 5, "{report:?}");
        let m = rules_matrix(&rules);
        assert_eq!(m.rules, 5);
        assert_eq!(m.techniques, vec!["T1041", "T1078", "T1110", "(none)"]);
        let cell = |s: &str, t: &str| {
            m.cells
                .iter()
                .find(|c| c.stride == s && c.technique == t)
                .map(|c| c.rules.clone())
        };
        assert_eq!(
            cell("spoofing", "T1110"),
            Some(vec!["bf".into(), "both".into()])
        );
        assert_eq!(
            cell("spoofing", "T1078"),
            Some(vec!["spoof".into(), "both".into()])
        );
        assert_eq!(
            cell("information_disclosure", "T1041"),
            Some(vec!["exfil".into()])
        );
        assert_eq!(cell("(none)", "(none)"), Some(vec!["plain".into()]));
        assert_eq!(cell("tampering", "T1110"), None);
        let text = m.to_text();
        assert!(text.contains("spoofing"), "{text}");
        assert!(text.contains("T1110 (2)"), "{text}");
    }
}
