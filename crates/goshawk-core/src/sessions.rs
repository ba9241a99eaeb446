//! One network session as the intrusion-sessions dataset describes it (a login-centred summary
//! of a connection: packet size, protocol, login attempts, duration, encryption, IP reputation,
//! browser, time of access). It exists so the anomaly and window detectors have one typed record
//! to read, whatever file format the sessions came from, and so that a bad value is rejected
//! once, here, with the field named.

use serde::{Deserialize, Serialize};

use crate::event::InvalidField;
use crate::label::parse_label;

/// A network session. Field names are the dataset's column names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetSession {
    /// Identifier as logged (`SID_00002`); empty when the source had none. Never a feature.
    #[serde(default)]
    pub session_id: String,
    /// Average packet size in bytes.
    pub network_packet_size: u32,
    /// Transport as logged: `TCP`, `UDP`, `ICMP` (an open set; compare case-insensitively).
    pub protocol_type: String,
    pub login_attempts: u32,
    /// Seconds, finite and not negative.
    pub session_duration: f64,
    /// Cipher as logged: `AES`, `DES`, or the literal string `None` for no encryption (a real
    /// category, not a missing value).
    pub encryption_used: String,
    /// Reputation of the client address, 0 (bad) to 1 (good).
    pub ip_reputation_score: f64,
    pub failed_logins: u32,
    /// Browser as logged (`Chrome`, `Unknown`, ...; an open set).
    pub browser_type: String,
    /// The session happened at an unusual hour for this user.
    pub unusual_time_access: bool,
    /// Ground truth as written in the source (`attack_detected` = `0`/`1` in the dataset), kept
    /// for evaluation only. Detectors never read it: it is the answer, not a feature. Read it
    /// with [`NetSession::is_attack`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl NetSession {
    /// The label read by [`parse_label`]: `Some(true)` = attack, `None` = unlabelled.
    pub fn is_attack(&self) -> Option<bool> {
        self.label.as_deref().and_then(parse_label)
    }

    /// Checks what the types cannot: required text is not empty, numbers are finite, the
    /// duration is not negative and the reputation score lies in [0, 1].
    pub fn validate(&self) -> Result<(), InvalidField> {
        require_text("protocol_type", &self.protocol_type)?;
        require_text("encryption_used", &self.encryption_used)?;
        require_text("browser_type", &self.browser_type)?;
        require_non_negative("session_duration", self.session_duration)?;
        require_non_negative("ip_reputation_score", self.ip_reputation_score)?;
        if self.ip_reputation_score > 1.0 {
            return Err(InvalidField::new(
                "ip_reputation_score",
                format!("{} is over 1 (a score in [0, 1])", self.ip_reputation_score),
            ));
        }
        Ok(())
    }
}

/// `Err` naming `field` when `value` is empty or only whitespace.
pub(crate) fn require_text(field: &'static str, value: &str) -> Result<(), InvalidField> {
    if value.trim().is_empty() {
        return Err(InvalidField::new(field, "empty"));
    }
    Ok(())
}

/// `Err` naming `field` when `value` is NaN, infinite or negative.
pub(crate) fn require_non_negative(field: &'static str, value: f64) -> Result<(), InvalidField> {
    if !value.is_finite() {
        return Err(InvalidField::new(
            field,
            format!("{value} is not a finite number"),
        ));
    }
    if value < 0.0 {
        return Err(InvalidField::new(field, format!("{value} is negative")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> NetSession {
        NetSession {
            session_id: "SID_00002".into(),
            network_packet_size: 472,
            protocol_type: "TCP".into(),
            login_attempts: 3,
            session_duration: 1557.99,
            encryption_used: "None".into(),
            ip_reputation_score: 0.3,
            failed_logins: 0,
            browser_type: "Firefox".into(),
            unusual_time_access: false,
            label: Some("1".into()),
        }
    }

    #[test]
    fn a_plausible_session_is_valid_and_none_encryption_is_a_value() {
        let s = session();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.is_attack(), Some(true));
        let unlabelled = NetSession {
            label: None,
            ..session()
        };
        assert_eq!(unlabelled.is_attack(), None);
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (
                NetSession {
                    session_duration: -1.0,
                    ..session()
                },
                "session_duration",
            ),
            (
                NetSession {
                    session_duration: f64::NAN,
                    ..session()
                },
                "session_duration",
            ),
            (
                NetSession {
                    ip_reputation_score: 1.5,
                    ..session()
                },
                "ip_reputation_score",
            ),
            (
                NetSession {
                    encryption_used: " ".into(),
                    ..session()
                },
                "encryption_used",
            ),
        ];
        for (bad, field) in cases {
            let err = bad.validate().expect_err(field);
            assert_eq!(err.field, field);
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
        }
    }
}
