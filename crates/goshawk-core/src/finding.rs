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

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Monitor,
        Action::Investigate,
        Action::Alert,
        Action::Block,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Monitor => "monitor",
            Action::Investigate => "investigate",
            Action::Alert => "alert",
            Action::Block => "block",
        }
    }

    /// Whether this action is worth an alert (stored, streamed, shown on the dashboard).
    pub fn is_alert(self) -> bool {
        self >= Action::Alert
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown action '{s}' (expected monitor, investigate, alert or block)")
            })
    }
}

/// One detector's opinion of one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Which detector (`web-model`, `anomaly-iforest`, `sigma`, ...).
    pub detector: String,
    /// Score in [0, 1]; higher = more likely an attack. For a rule hit, the weight its level
    /// carries in the decision policy.
    pub score: f64,
    /// The attack type, when the detector can tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<AttackType>,
    /// For a rule hit: the rule's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// For a rule hit: the rule's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// For a rule hit: the rule's level (`informational`, `low`, `medium`, `high`, `critical`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// For a rule hit: the rule's tags as written (`attack.t1190`, `attack.initial-access`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Further labels: ATT&CK techniques (`T1110`), STRIDE categories (`stride.spoofing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Human-readable evidence: top features, matched patterns, the fields a rule matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Finding {
    /// Whether this finding came from a rule (it then names the rule).
    pub fn is_rule_hit(&self) -> bool {
        self.rule_id.is_some()
    }
}

/// The engine's decision about one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Identifies this decision in logs, alerts and API responses.
    pub trace_id: String,
    /// The combined score of every finding, in [0, 1] (see the decision policy); the event is a
    /// threat when it reaches the policy's threshold (0.5 by default).
    pub score: f64,
    pub is_threat: bool,
    pub action: Action,
    /// How sure the decision is, in [0, 1].
    pub confidence: f64,
    /// The attack type the strongest finding names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack_type: Option<AttackType>,
    /// Plain-words reasons, most important first, e.g. `failed_logins=5 matched Brute Force
    /// (T1110)`, `anomaly-iforest score 0.83 >= threshold 0.50: ...`.
    pub explanation: Vec<String>,
    pub findings: Vec<Finding>,
}

/// A verdict worth telling someone about (action alert or block), with its event and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Unique per source record, so a record delivered twice (a restarted Kafka consumer) stores
    /// one alert: `topic/partition/offset`, `file:line`, or the trace id for API calls.
    pub idempotency_key: String,
    /// When the alert was raised, Unix milliseconds.
    pub time_ms: i64,
    /// Where the event came from (client IP, device id, Zeek originator), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub kind: crate::EventKind,
    pub verdict: Verdict,
    /// The event as received (attacker-controlled text: escape it wherever it is displayed).
    pub event: crate::Event,
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
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!(!Action::Investigate.is_alert() && Action::Alert.is_alert());
        assert!("panic".parse::<Action>().is_err());
    }
}
