//! Reading event messages, one thread: `parse_message` (HTTP events read straight into the
//! typed request) against the general way it falls back to (a `serde_json::Value` tree, then
//! `parse_event`), over simulated bank traffic (the correlate crate's fixture, 1,000+ events as
//! the simulator writes them). Run: `cargo bench -p goshawk-server --bench ingest`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goshawk_server::ingest::{parse_event, parse_message};

fn bench_ingest(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../goshawk-correlate/tests/fixtures/bank_seed4.jsonl");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    let messages: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("parse_message", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(parse_message(message).expect("valid"));
            }
        })
    });
    group.bench_function("value_then_parse_event", |b| {
        b.iter(|| {
            for message in &messages {
                let value = serde_json::from_str(message).expect("json");
                black_box(parse_event(value).expect("valid"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
