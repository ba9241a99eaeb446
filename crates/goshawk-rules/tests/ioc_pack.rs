//! The shipped sessions IoC pack (`rules/sessions`) on hand-built sessions: each of the eight
//! indicators fires on the session it describes and stays quiet on an ordinary one. Guards the
//! field mapping the pack depends on (`unusual_time_access` is the dataset's 0/1 number).

use std::collections::BTreeSet;
use std::path::PathBuf;

use goshawk_core::{Event, NetSession};
use goshawk_rules::{Placeholders, RuleSet};

const BRUTE_FORCE: &str = "76398aae-7318-4a79-bf60-9d11665efe70";
const EXFILTRATION: &str = "43b3bf2c-18da-43a2-ab09-353f44245e30";
const IP_SPOOFING: &str = "27038b7c-391b-41ab-a18b-d640e4fbf8a2";
const ICMP_ABUSE: &str = "1dacd93f-6107-4c0e-a0de-9cca8d42487e";
const RECONNAISSANCE: &str = "60252339-7e0c-4c04-92ba-5099f8fabd84";
const HIJACKING: &str = "116c6b03-02dc-4180-9151-687fbe7fe23f";
const TEMPORAL: &str = "0f9d9722-e11f-43a7-b60d-b4edfd1d7512";
const UA_SPOOFING: &str = "ceecb5b1-731b-4fce-93e6-8ae468c2b76f";

fn sessions_pack() -> RuleSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules/sessions");
    let (rules, report) = RuleSet::load(&[dir], &Placeholders::new()).expect("pack readable");
    assert_eq!((report.rules, report.loaded), (8, 8), "{:?}", report.failed);
    rules
}

/// A session no indicator should flag (thresholds in rules/sessions/placeholders.yml:
/// packet p95 833, duration p5 41.9 and p95 2322.6).
fn ordinary() -> NetSession {
    NetSession {
        session_id: "SID_1".into(),
        network_packet_size: 500,
        protocol_type: "TCP".into(),
        login_attempts: 3,
        session_duration: 600.0,
        encryption_used: "AES".into(),
        ip_reputation_score: 0.8,
        failed_logins: 0,
        browser_type: "Chrome".into(),
        unusual_time_access: false,
        label: None,
    }
}

fn hits(rules: &RuleSet, session: NetSession) -> BTreeSet<String> {
    let event = Event::Sessions(session);
    let filtered: BTreeSet<String> = rules
        .evaluate(&event, None)
        .into_iter()
        .map(|h| h.rule_id)
        .collect();
    let unfiltered: BTreeSet<String> = rules
        .evaluate_unfiltered(&event, None)
        .into_iter()
        .map(|h| h.rule_id)
        .collect();
    assert_eq!(filtered, unfiltered, "pre-filter changed the hits");
    filtered
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn an_ordinary_session_matches_nothing() {
    let rules = sessions_pack();
    assert_eq!(hits(&rules, ordinary()), set(&[]));
    // Unusual time alone, or Unknown browser alone, is not an indicator.
    let alone = NetSession {
        unusual_time_access: true,
        browser_type: "Unknown".into(),
        ..ordinary()
    };
    assert_eq!(hits(&rules, alone), set(&[]));
}

#[test]
fn temporal_anomaly_fires_on_unusual_time_with_another_indicator() {
    let rules = sessions_pack();
    let unusual_brute_force = NetSession {
        unusual_time_access: true,
        failed_logins: 5,
        ..ordinary()
    };
    assert_eq!(
        hits(&rules, unusual_brute_force.clone()),
        set(&[BRUTE_FORCE, TEMPORAL])
    );
    let usual_brute_force = NetSession {
        unusual_time_access: false,
        ..unusual_brute_force
    };
    assert_eq!(hits(&rules, usual_brute_force), set(&[BRUTE_FORCE]));
    let unusual_low_reputation = NetSession {
        unusual_time_access: true,
        ip_reputation_score: 0.1,
        ..ordinary()
    };
    assert_eq!(
        hits(&rules, unusual_low_reputation),
        set(&[IP_SPOOFING, TEMPORAL])
    );
}

#[test]
fn each_standalone_indicator_fires_on_its_own_session() {
    let rules = sessions_pack();
    let cases: Vec<(NetSession, &[&str])> = vec![
        (
            NetSession {
                failed_logins: 4,
                ..ordinary()
            },
            &[BRUTE_FORCE],
        ),
        (
            NetSession {
                failed_logins: 3,
                ..ordinary()
            },
            &[],
        ),
        (
            NetSession {
                network_packet_size: 900,
                ..ordinary()
            },
            &[EXFILTRATION],
        ),
        (
            NetSession {
                network_packet_size: 900,
                protocol_type: "ICMP".into(),
                ..ordinary()
            },
            &[EXFILTRATION, ICMP_ABUSE],
        ),
        (
            NetSession {
                protocol_type: "ICMP".into(),
                ..ordinary()
            },
            &[],
        ),
        (
            NetSession {
                login_attempts: 6,
                ..ordinary()
            },
            &[RECONNAISSANCE],
        ),
        (
            NetSession {
                session_duration: 10.0,
                ..ordinary()
            },
            &[HIJACKING],
        ),
        (
            NetSession {
                session_duration: 5000.0,
                ..ordinary()
            },
            &[HIJACKING],
        ),
        (
            NetSession {
                ip_reputation_score: 0.29,
                ..ordinary()
            },
            &[IP_SPOOFING],
        ),
        (
            NetSession {
                browser_type: "Unknown".into(),
                login_attempts: 9,
                ..ordinary()
            },
            &[RECONNAISSANCE, UA_SPOOFING],
        ),
    ];
    for (session, expected) in cases {
        let described = format!("{session:?}");
        assert_eq!(hits(&rules, session), set(expected), "{described}");
    }
}
