//! One connection from a Zeek `conn.log`. It exists so that every Zeek source — TSV with its
//! `#` header, JSON lines, the Stratosphere and IoT-23 labelled variants, Parquet — decodes
//! into the same typed record, and detectors and Sigma field mapping read Zeek's own names.
//!
//! Serde names are Zeek's (`id.orig_h`, ...), so a Zeek JSON line deserialises directly.
//! Fields Zeek may leave unset (`-` in TSV, an absent key in JSON) are `Option`s.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::event::InvalidField;
use crate::label::parse_label;
use crate::sessions::{require_non_negative, require_text};

/// A Zeek connection record (`conn.log`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeekConn {
    /// Start of the connection in seconds: since the Unix epoch, or since the start of the
    /// capture in logs rewritten with relative times (Stratosphere 001/005). Never negative.
    pub ts: f64,
    /// Zeek's connection identifier. Never a feature.
    pub uid: String,
    #[serde(rename = "id.orig_h")]
    pub orig_h: IpAddr,
    /// Originator port (for ICMP, the message type).
    #[serde(rename = "id.orig_p")]
    pub orig_p: u16,
    #[serde(rename = "id.resp_h")]
    pub resp_h: IpAddr,
    /// Responder port (for ICMP, the message code).
    #[serde(rename = "id.resp_p")]
    pub resp_p: u16,
    /// Transport: `tcp`, `udp`, `icmp`, `unknown_transport`.
    pub proto: String,
    /// Application protocol(s) Zeek recognised, comma-separated (`dns`, `ssl`, `http,ssl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Payload bytes sent by the originator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orig_bytes: Option<u64>,
    /// Payload bytes sent by the responder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp_bytes: Option<u64>,
    /// Connection state (`S0`, `SF`, `REJ`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_state: Option<String>,
    /// The originator is inside the sensor's configured local networks. Kept for display;
    /// it must NEVER become a model feature: in the labelled datasets it separates the
    /// monitored host from everyone else, and so leaks the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_orig: Option<bool>,
    /// As [`ZeekConn::local_orig`], for the responder. Never a feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_resp: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_bytes: Option<u64>,
    /// Zeek's state history string (`ShADadFf`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orig_pkts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orig_ip_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp_pkts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp_ip_bytes: Option<u64>,
    /// Uids of encapsulating tunnel connections (`set[string]`; `(empty)` / unset = none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tunnel_parents: Vec<String>,
    /// IP protocol number (Zeek 6.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_proto: Option<u64>,
    /// Originator MAC address (`mac-logging` policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orig_l2_addr: Option<String>,
    /// Responder MAC address (`mac-logging` policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resp_l2_addr: Option<String>,
    /// Outer VLAN tag (`vlan-logging` policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u64>,
    /// Inner VLAN tag (`vlan-logging` policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_vlan: Option<u64>,
    /// Community ID flow hash (`community-id` policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
    /// Ground truth added by the labelled datasets (`Benign`, `Malicious`, `Background`), kept
    /// for evaluation only. Detectors never read it: it is the answer, not a feature. Read it
    /// with [`ZeekConn::is_attack`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The labelled datasets' finer label (`CC`, `FileDownload`, ...). Evaluation only, like
    /// `label`.
    #[serde(
        default,
        rename = "detailedlabel",
        alias = "detailed-label",
        alias = "detailed_label",
        skip_serializing_if = "Option::is_none"
    )]
    pub detailed_label: Option<String>,
}

impl ZeekConn {
    /// A TCP connection between two addresses with every optional field unset: the starting
    /// point for tests and generated traffic.
    pub fn new(ts: f64, uid: impl Into<String>, orig: (IpAddr, u16), resp: (IpAddr, u16)) -> Self {
        ZeekConn {
            ts,
            uid: uid.into(),
            orig_h: orig.0,
            orig_p: orig.1,
            resp_h: resp.0,
            resp_p: resp.1,
            proto: "tcp".to_string(),
            service: None,
            duration: None,
            orig_bytes: None,
            resp_bytes: None,
            conn_state: None,
            local_orig: None,
            local_resp: None,
            missed_bytes: None,
            history: None,
            orig_pkts: None,
            orig_ip_bytes: None,
            resp_pkts: None,
            resp_ip_bytes: None,
            tunnel_parents: Vec::new(),
            ip_proto: None,
            orig_l2_addr: None,
            resp_l2_addr: None,
            vlan: None,
            inner_vlan: None,
            community_id: None,
            label: None,
            detailed_label: None,
        }
    }

    /// The label read by [`parse_label`]: `Benign` and `Background` are `Some(false)`,
    /// `Malicious` is `Some(true)`, `None` = unlabelled.
    pub fn is_attack(&self) -> Option<bool> {
        self.label.as_deref().and_then(parse_label)
    }

    /// Checks what the types cannot: `ts` and `duration` are finite and not negative, `uid`
    /// and `proto` are not empty.
    pub fn validate(&self) -> Result<(), InvalidField> {
        require_non_negative("ts", self.ts)?;
        require_text("uid", &self.uid)?;
        require_text("proto", &self.proto)?;
        if let Some(duration) = self.duration {
            require_non_negative("duration", duration)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn conn() -> ZeekConn {
        ZeekConn::new(
            273.503417,
            "Cx8yQ24GZlNRG5vl94",
            (IpAddr::V4(Ipv4Addr::new(192, 168, 1, 115)), 49158),
            (IpAddr::V4(Ipv4Addr::new(85, 31, 204, 81)), 443),
        )
    }

    #[test]
    fn zeek_json_deserialises_with_zeek_names_and_absent_keys() {
        let line = r#"{"ts":1664462456.755299,"uid":"C5xh","id.orig_h":"172.16.1.11","id.orig_p":40042,"id.resp_h":"8.8.8.8","id.resp_p":53,"proto":"udp","conn_state":"S0","local_orig":true,"detailed-label":"CC"}"#;
        let parsed: ZeekConn = serde_json::from_str(line).expect("valid Zeek JSON");
        assert_eq!(parsed.resp_p, 53);
        assert_eq!(parsed.orig_h, IpAddr::V4(Ipv4Addr::new(172, 16, 1, 11)));
        assert_eq!(parsed.duration, None);
        assert_eq!(parsed.local_orig, Some(true));
        assert_eq!(parsed.detailed_label.as_deref(), Some("CC"));
        let back = serde_json::to_value(&parsed).expect("serialisable");
        assert_eq!(back["id.resp_h"], "8.8.8.8");
        assert!(back.get("duration").is_none(), "unset fields stay absent");
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(conn().validate(), Ok(()));
        let negative = ZeekConn {
            duration: Some(-0.5),
            ..conn()
        };
        assert_eq!(negative.validate().expect_err("negative").field, "duration");
        let nan_ts = ZeekConn {
            ts: f64::NAN,
            ..conn()
        };
        assert_eq!(nan_ts.validate().expect_err("nan").field, "ts");
        let no_uid = ZeekConn {
            uid: String::new(),
            ..conn()
        };
        assert_eq!(no_uid.validate().expect_err("empty").field, "uid");
    }

    #[test]
    fn background_and_benign_are_negative_labels() {
        for (label, attack) in [
            ("Background", false),
            ("benign", false),
            ("Malicious", true),
        ] {
            let c = ZeekConn {
                label: Some(label.into()),
                ..conn()
            };
            assert_eq!(c.is_attack(), Some(attack), "{label}");
        }
    }
}
