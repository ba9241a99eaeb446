//! What a detector says about one event (a [`Finding`]) and what the engine decides from all of
//! them (a [`Verdict`]). Scores are in [0, 1] and calibrated, so thresholds mean the same for
//! every detector.

use serde::{Deserialize, Serialize};

/// Attack families goshawk names. `Other` keeps a label it has no variant for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum AttackType {
    Sqli,
    Xss,
    PathTraversal,
    Cmdi,
    Xxe,
    Ssrf,
    Ssti,
    Ldap,
    Nosqli,
    Jndi,
    OpenRedirect,
    Crlf,
    Ssi,
    FormatString,
    SensitiveResource,
    Scanner,
    Anomalous,
    Other(String),
}

impl AttackType {
    /// Every named variant, in a fixed order (used for model heads and reports).
    pub const NAMED: [AttackType; 17] = [
        AttackType::Sqli,
        AttackType::Xss,
        AttackType::PathTraversal,
        AttackType::Cmdi,
        AttackType::Xxe,
        AttackType::Ssrf,
        AttackType::Ssti,
        AttackType::Ldap,
        AttackType::Nosqli,
        AttackType::Jndi,
        AttackType::OpenRedirect,
        AttackType::Crlf,
        AttackType::Ssi,
        AttackType::FormatString,
        AttackType::SensitiveResource,
        AttackType::Scanner,
        AttackType::Anomalous,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            AttackType::Sqli => "sqli",
            AttackType::Xss => "xss",
            AttackType::PathTraversal => "path-traversal",
            AttackType::Cmdi => "cmdi",
            AttackType::Xxe => "xxe",
            AttackType::Ssrf => "ssrf",
            AttackType::Ssti => "ssti",
            AttackType::Ldap => "ldap",
            AttackType::Nosqli => "nosqli",
            AttackType::Jndi => "jndi",
            AttackType::OpenRedirect => "open-redirect",
            AttackType::Crlf => "crlf",
            AttackType::Ssi => "ssi",
            AttackType::FormatString => "format-string",
            AttackType::SensitiveResource => "sensitive-resource",
            AttackType::Scanner => "scanner",
            AttackType::Anomalous => "anomalous",
            AttackType::Other(s) => s,
        }
    }

    /// Parses the names used by goshawk and by the public datasets (`path_traversal`, `lfi`,
    /// `sql-injection`, ...). Returns `None` for labels that mean "no attack".
    pub fn parse(label: &str) -> Option<AttackType> {
        let l = label.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match l.as_str() {
            "" | "norm" | "normal" | "benign" | "none" | "0" | "false" | "background" => {
                return None
            }
            "sqli" | "sql-injection" | "sql" => AttackType::Sqli,
            "xss" | "cross-site-scripting" => AttackType::Xss,
            "path-traversal" | "traversal" | "lfi" | "directory-traversal" | "file-inclusion" => {
                AttackType::PathTraversal
            }
            "cmdi" | "command-injection" | "os-cmd-execution" | "rce" => AttackType::Cmdi,
            "xxe" | "xml" => AttackType::Xxe,
            "ssrf" => AttackType::Ssrf,
            "ssti" | "template-injection" => AttackType::Ssti,
            "ldap" | "ldap-injection" => AttackType::Ldap,
            "nosqli" | "nosql" | "no-sql-injection" => AttackType::Nosqli,
            "jndi" | "log4shell" => AttackType::Jndi,
            "open-redirect" | "redirect" => AttackType::OpenRedirect,
            "crlf" | "crlf-injection" => AttackType::Crlf,
            "ssi" | "server-side-include" => AttackType::Ssi,
            "format-string" | "format-strings" => AttackType::FormatString,
            "sensitive-resource" | "sensitive" => AttackType::SensitiveResource,
            "scanner" | "scan" => AttackType::Scanner,
            "anomalous" | "anom" | "attack" | "1" | "true" | "malicious" => AttackType::Anomalous,
            _ => AttackType::Other(l),
        })
    }
}

impl std::fmt::Display for AttackType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do about an event, in increasing order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Monitor,
    Investigate,
    Alert,
    Block,
}

/// One detector's opinion of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Which detector (`web-model`, `iforest`, `sigma`, ...).
    pub detector: String,
    /// Score in [0, 1]; higher = more likely an attack.
    pub score: f64,
    /// The attack type, when the detector can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<AttackType>,
    /// Further labels: ATT&CK techniques, STRIDE categories, rule tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Human-readable evidence: top features, matched patterns, the rule that hit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The engine's decision about one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub is_threat: bool,
    pub action: Action,
    pub confidence: f64,
    pub explanation: String,
    pub findings: Vec<Finding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_type_parses_dataset_names() {
        assert_eq!(
            AttackType::parse("path_traversal"),
            Some(AttackType::PathTraversal)
        );
        assert_eq!(AttackType::parse("LFI"), Some(AttackType::PathTraversal));
        assert_eq!(AttackType::parse("norm"), None);
        assert_eq!(AttackType::parse("Benign"), None);
        assert_eq!(
            AttackType::parse("weird thing"),
            Some(AttackType::Other("weird-thing".into()))
        );
        for t in AttackType::NAMED {
            assert_eq!(AttackType::parse(t.as_str()), Some(t.clone()), "{t}");
        }
    }

    #[test]
    fn actions_are_ordered_by_severity() {
        assert!(Action::Monitor < Action::Investigate);
        assert!(Action::Alert < Action::Block);
    }
}
