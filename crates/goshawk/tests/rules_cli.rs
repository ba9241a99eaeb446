//! End-to-end tests of `goshawk rules`: the `check --json` contract (`{"rules", "loaded",
//! "failed": [{"path", "reason"}]}`) on good and broken rules, exit codes, `rules test` output
//! and the STRIDE × ATT&CK matrix of `rules report` on the shipped sessions pack.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod support;
use support::goshawk;

/// The goshawk-rules fixtures: `check/` (one good rule, four broken ones), `sigma/` (real
/// SigmaHQ web rules) and `access_sample.log` (real access-log lines).
fn rules_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../goshawk-rules/tests/fixtures")
        .join(name)
}

fn repo_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name)
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_json_lists_each_broken_rule_with_what_is_wrong() {
    let dir = rules_fixture("check");
    let out = goshawk(&["rules", "check", "--json", text(&dir)]);
    // Broken rules are findings, not a failure of the command.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
    assert_eq!(report["rules"], 5, "{report}");
    assert_eq!(report["loaded"], 1, "{report}");
    let failed = report["failed"].as_array().expect("failed array");
    assert_eq!(failed.len(), 4, "{report}");
    let reason_of = |file: &str| -> String {
        let entry = failed
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(file)))
            .unwrap_or_else(|| panic!("{file} not listed: {report}"));
        entry["reason"].as_str().expect("reason text").to_string()
    };
    // Each reason names what is wrong.
    let yaml = reason_of("bad_yaml.yml").to_lowercase();
    assert!(yaml.contains("yaml") || yaml.contains("quoted"), "{yaml}");
    let modifier = reason_of("unsupported_modifier.yml");
    assert!(modifier.contains("sounds_like"), "{modifier}");
    let condition = reason_of("unknown_condition_identifier.yml");
    assert!(condition.contains("selection_missing"), "{condition}");
    let field = reason_of("unknown_field.yml");
    assert!(field.contains("`CommandLine`"), "{field}");
    // Only these keys: the contract.
    let mut keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["failed", "loaded", "rules"]);
}

#[test]
fn check_text_and_a_missing_directory() {
    let out = goshawk(&["rules", "check", text(&rules_fixture("check"))]);
    assert!(out.status.success());
    let printed = stdout(&out);
    assert!(
        printed.starts_with("5 rule(s), 1 loaded (20.0 %), 4 failed"),
        "{printed}"
    );
    assert_eq!(printed.matches("FAILED  ").count(), 4, "{printed}");

    let out = goshawk(&["rules", "check", "--json", "/no/such/rules/dir"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/no/such/rules/dir"), "{err}");
}

#[test]
fn check_of_the_shipped_packs_loads_everything() {
    let out = goshawk(&["rules", "check", "--json", text(&repo_path("rules"))]);
    assert!(out.status.success());
    let report: Value = serde_json::from_str(stdout(&out).trim()).expect("JSON");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    assert_eq!(report["rules"], report["loaded"]);
}

#[test]
fn test_prints_which_rules_hit_which_lines() {
    let out = goshawk(&[
        "rules",
        "test",
        text(&rules_fixture("sigma")),
        text(&rules_fixture("access_sample.log")),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(hits.len() >= 50, "{} hits", hits.len());
    for hit in &hits {
        for key in ["index", "line", "rule_id", "title", "level", "matched"] {
            assert!(hit.get(key).is_some(), "{key} missing: {hit}");
        }
    }
    // The same (line, rule) set as the golden file of the goshawk-rules tests.
    let golden = std::fs::read_to_string(rules_fixture("access_sample.hits")).expect("golden");
    let mut expected: Vec<(u64, String)> = golden
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (line, id) = l.split_once('\t').expect("LINE<TAB>ID");
            (line.parse().expect("number"), id.to_string())
        })
        .collect();
    let mut got: Vec<(u64, String)> = hits
        .iter()
        .map(|h| {
            (
                h["line"].as_u64().expect("line"),
                h["rule_id"].as_str().expect("id").to_string(),
            )
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // The summary on stderr counts events and hits.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{} hit(s)", hits.len())), "{err}");
}

#[test]
fn test_on_a_sessions_table_uses_the_sessions_pack() {
    let table = "session_id,network_packet_size,protocol_type,login_attempts,session_duration,encryption_used,ip_reputation_score,failed_logins,browser_type,unusual_time_access,attack_detected\n\
                 SID_1,500,TCP,3,600.0,AES,0.8,0,Chrome,0,0\n\
                 SID_2,500,TCP,3,600.0,AES,0.8,5,Chrome,1,1\n";
    let path = std::env::temp_dir().join(format!("goshawk_rules_cli_{}.csv", std::process::id()));
    std::fs::write(&path, table).expect("temp file");
    let out = goshawk(&[
        "rules",
        "test",
        text(&repo_path("rules/sessions")),
        text(&path),
    ]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: Vec<(u64, String)> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .map(|h| {
            (
                h["index"].as_u64().expect("index"),
                h["title"].as_str().expect("title").to_string(),
            )
        })
        .collect();
    got.sort();
    // Row 2: failed_logins=5 at an unusual time: brute force and the temporal anomaly.
    assert_eq!(
        got,
        [
            (
                1,
                "Brute Force - More Than 3 Failed Logins In A Session".to_string()
            ),
            (
                1,
                "Temporal Anomaly - Unusual Time Access With Another Indicator".to_string()
            ),
        ]
    );
}

#[test]
fn report_prints_the_stride_attack_matrix_of_the_sessions_pack() {
    let out = goshawk(&[
        "rules",
        "report",
        "--json",
        text(&repo_path("rules/sessions")),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let matrix: Value = serde_json::from_str(stdout(&out).trim()).expect("JSON matrix");
    assert_eq!(matrix["rules"], 8);
    let techniques: Vec<&str> = matrix["techniques"]
        .as_array()
        .expect("techniques")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in ["T1041", "T1078", "T1087", "T1110", "T1499"] {
        assert!(techniques.contains(&t), "{t} missing: {techniques:?}");
    }
    let stride: Vec<&str> = matrix["stride"]
        .as_array()
        .expect("stride")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(&stride[..6], crate_stride());
    let mut cells: Vec<(String, String, usize)> = matrix["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            (
                c["stride"].as_str().expect("stride").to_string(),
                c["technique"].as_str().expect("technique").to_string(),
                c["rules"].as_array().expect("rule ids").len(),
            )
        })
        .collect();
    cells.sort();
    let cell = |s: &str, t: &str, n: usize| (s.to_string(), t.to_string(), n);
    assert_eq!(
        cells,
        [
            cell("denial_of_service", "T1499", 1),
            cell("information_disclosure", "T1041", 1),
            cell("spoofing", "T1078", 3),
            cell("spoofing", "T1110", 1),
            cell("tampering", "T1078", 1),
            cell("tampering", "T1087", 1),
        ]
    );

    let out = goshawk(&["rules", "report", text(&repo_path("rules/sessions"))]);
    assert!(out.status.success());
    let table = stdout(&out);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in:\n{table}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        table.starts_with("STRIDE x ATT&CK matrix of 8 rule(s)"),
        "{table}"
    );
    assert_eq!(row("spoofing"), "T1078 (3), T1110 (1)");
    assert_eq!(row("tampering"), "T1078 (1), T1087 (1)");
    assert_eq!(row("repudiation"), "-");
    assert_eq!(row("denial_of_service"), "T1499 (1)");
}

fn crate_stride() -> [&'static str; 6] {
    [
        "spoofing",
        "tampering",
        "repudiation",
        "information_disclosure",
        "denial_of_service",
        "elevation_of_privilege",
    ]
}
