//! Golden tests on real rules and real log lines: nine SigmaHQ web rules
//! (`tests/fixtures/sigma/*.yml`, as published) over real access-log lines
//! (`tests/fixtures/access_sample.log`) must give exactly the (line, rule id) hits in
//! `tests/fixtures/access_sample.hits`. That file was written by an independent implementation
//! (pySigma 2.0.1 compiled to SQLite by `bench/sigma_agreement.py`, see the fixtures README),
//! not by goshawk, so this test fails when goshawk disagrees with it.
//!
//! Also: the literal pre-filter never changes a hit (`evaluate` = `evaluate_unfiltered`) on
//! every fixture line, for these rules and for the shipped web pack.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use goshawk_core::Event;
use goshawk_io::http::{read_http, HttpRecord};
use goshawk_rules::{Placeholders, RuleSet, SourceClass};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn records() -> Vec<HttpRecord> {
    let path = fixture("access_sample.log");
    let reader = read_http(path.to_str().expect("utf-8 path"), None).expect("fixture opens");
    let records: Vec<HttpRecord> = reader.map(|r| r.expect("every line parses")).collect();
    assert!(records.len() >= 150, "{} records", records.len());
    records
}

fn load(dirs: &[PathBuf]) -> RuleSet {
    let (rules, report) = RuleSet::load(dirs, &Placeholders::new()).expect("rules readable");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    rules
}

#[test]
fn sigmahq_web_rules_give_the_independently_computed_hits() {
    let rules = load(&[fixture("sigma")]);
    assert_eq!(rules.rule_count_for(SourceClass::Webserver), 9);
    let mut got = BTreeSet::new();
    for record in records() {
        let event = Event::Http(record.request);
        for hit in rules.evaluate(&event, Some(&record.raw)) {
            got.insert((record.line, hit.rule_id));
        }
    }
    let text = std::fs::read_to_string(fixture("access_sample.hits")).expect("golden file");
    let expected: BTreeSet<(u64, String)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (line, id) = l.split_once('\t').expect("LINE<TAB>RULE_ID");
            (line.parse().expect("line number"), id.to_string())
        })
        .collect();
    assert!(expected.len() >= 50, "golden too small: {}", expected.len());
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
}

#[test]
fn prefilter_never_changes_a_hit_on_the_fixtures() {
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/web");
    for dirs in [vec![fixture("sigma")], vec![rules_dir]] {
        let rules = load(&dirs);
        let mut lines_hit = 0;
        for record in records() {
            let event = Event::Http(record.request);
            let filtered = rules.evaluate(&event, Some(&record.raw));
            let unfiltered = rules.evaluate_unfiltered(&event, Some(&record.raw));
            let ids = |hits: &[goshawk_rules::RuleHit]| {
                hits.iter()
                    .map(|h| h.rule_id.clone())
                    .collect::<BTreeSet<_>>()
            };
            assert_eq!(ids(&filtered), ids(&unfiltered), "line {}", record.line);
            lines_hit += usize::from(!filtered.is_empty());
        }
        // Not vacuous: the fixture was chosen to hold hits for both rule sets.
        assert!(lines_hit >= 30, "{dirs:?}: only {lines_hit} lines hit");
    }
}
