//! Throughput of web rules over real access-log lines, one thread: the shipped web pack plus the
//! nine SigmaHQ fixture rules over `tests/fixtures/access_sample.log` (156 real lines, a third
//! of them hits, so this is a hit-heavy mix; the 1,000,000-line figure of mostly benign traffic
//! is `examples/sigma_speed.rs`, see bench/README-sigma.md). Compares goshawk's path (literal
//! pre-filter, then rsigma) with rsigma's engine alone.
//! Run: `cargo bench -p goshawk-rules --bench web_rules`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goshawk_core::Event;
use goshawk_io::http::parse_combined;
use goshawk_rules::{Placeholders, RuleSet};

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bench_web_rules(c: &mut Criterion) {
    let dirs = [
        crate_path("../../rules/web"),
        crate_path("tests/fixtures/sigma"),
    ];
    let (rules, report) =
        RuleSet::load(&dirs, &Placeholders::new()).expect("rule directories readable");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let text = std::fs::read_to_string(crate_path("tests/fixtures/access_sample.log"))
        .expect("fixture readable");
    let events: Vec<(Event, &str)> = text
        .lines()
        .filter_map(|line| Some((Event::Http(parse_combined(line).ok()?), line)))
        .collect();

    let mut group = c.benchmark_group("web_rules");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("prefiltered", |b| {
        b.iter(|| {
            let mut hits = 0;
            for (event, line) in &events {
                hits += rules.evaluate(black_box(event), Some(line)).len();
            }
            hits
        })
    });
    group.bench_function("rsigma_engine_only", |b| {
        b.iter(|| {
            let mut hits = 0;
            for (event, line) in &events {
                hits += rules
                    .evaluate_unfiltered(black_box(event), Some(line))
                    .len();
            }
            hits
        })
    });
    group.finish();
}

criterion_group!(benches, bench_web_rules);
criterion_main!(benches);
