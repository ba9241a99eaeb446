//! Times the web rules over an access log, single thread: `sigma_speed [--check] INPUT
//! RULE_DIR...`. INPUT is any format `goshawk scan` detects (access log, CSIC raw requests...).
//! Prints lines/s for evaluation alone (requests parsed beforehand) and for read + parse +
//! evaluate, the hit count, and how many rules the literal pre-filter let through to rsigma per
//! record (with the rules let through most often), as one JSON object. With `--check` it also
//! evaluates every line by rsigma alone (no pre-filter) and counts the lines whose hits differ
//! (must be 0). Commands and figures: bench/README-sigma.md.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use goshawk_core::Event;
use goshawk_rules::{Placeholders, RuleSet, SourceClass};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.first().is_some_and(|a| a == "--check");
    if check {
        args.remove(0);
    }
    let (input, dirs) = args
        .split_first()
        .ok_or("usage: sigma_speed [--check] INPUT RULE_DIR...")?;
    let dirs: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    let started = Instant::now();
    let (rules, report) = RuleSet::load(&dirs, &Placeholders::new())?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    // Any format goshawk reads (detected from the content): access logs, CSIC raw requests...
    let started = Instant::now();
    let mut parsed = Vec::new();
    let mut unreadable = 0usize;
    for record in goshawk_io::http::read_http(input, None)? {
        match record {
            Ok(record) => parsed.push((Event::Http(record.request), record.raw)),
            Err(_) => unreadable += 1,
        }
    }
    let parse_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut hits = 0usize;
    let mut lines_hit = 0usize;
    for (event, line) in &parsed {
        let found = rules.evaluate(event, Some(line.as_str())).len();
        hits += found;
        lines_hit += usize::from(found > 0);
    }
    let eval_s = started.elapsed().as_secs_f64();

    // After the timing: which rules the pre-filter let through, and how often.
    let mut evaluated: HashMap<String, usize> = HashMap::new();
    let mut evaluations = 0usize;
    for (event, line) in &parsed {
        for title in rules.rules_evaluated(event, Some(line.as_str())) {
            evaluations += 1;
            *evaluated.entry(title).or_default() += 1;
        }
    }
    let mut most_evaluated: Vec<(String, usize)> = evaluated.into_iter().collect();
    most_evaluated.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    most_evaluated.truncate(5);

    let mut lines_differing = 0usize;
    if check {
        for (event, line) in &parsed {
            let ids = |hits: Vec<goshawk_rules::RuleHit>| {
                let mut ids: Vec<String> = hits.into_iter().map(|h| h.rule_id).collect();
                ids.sort();
                ids
            };
            let filtered = ids(rules.evaluate(event, Some(line.as_str())));
            if filtered != ids(rules.evaluate_unfiltered(event, Some(line.as_str()))) {
                lines_differing += 1;
            }
        }
    }
    let summary = serde_json::json!({
        "records": parsed.len() + unreadable,
        "parsed": parsed.len(),
        "rules_loaded": report.loaded,
        "web_rules": rules.rule_count_for(SourceClass::Webserver),
        "web_rules_always_evaluated": rules.always_evaluated_for(SourceClass::Webserver),
        "load_ms": load_ms,
        "hits": hits,
        "lines_hit": lines_hit,
        "eval_seconds": eval_s,
        "eval_lines_per_s": parsed.len() as f64 / eval_s,
        "parse_plus_eval_lines_per_s": parsed.len() as f64 / (parse_s + eval_s),
        "rule_evaluations_per_record": evaluations as f64 / parsed.len().max(1) as f64,
        "most_evaluated": most_evaluated
            .iter()
            .map(|(title, n)| serde_json::json!({"rule": title, "records": n}))
            .collect::<Vec<_>>(),
        "checked_against_unfiltered": check,
        "lines_differing_from_unfiltered": lines_differing,
    });
    println!("{summary}");
    Ok(())
}
