//! `goshawk scan`: every request of every input, in order, one JSON line each.
//!
//! Records are read sequentially in blocks, scored in parallel (rayon keeps the block's order),
//! and written in order, so memory stays bounded by the block size whatever the input size.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;

use goshawk_engine::{Verdict, WebDetector};
use goshawk_web::Scratch;

use crate::builtin::load_web_model;
use crate::cli::ScanArgs;
use crate::inputs::{open_http, HttpItem};

/// Records scored per parallel block.
const BLOCK: usize = 8192;

pub fn run(args: ScanArgs) -> Result<()> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting the thread count")?;
    }
    if let Some(path) = &args.model {
        if super::anomaly::is_anomaly_model_file(path) {
            return super::anomaly::scan(&args);
        }
    }
    let detector = WebDetector::new(load_web_model(args.model.as_deref())?);
    // Open every input first, so a missing file fails before any output.
    let mut readers = Vec::new();
    for input in &args.inputs {
        readers.push(open_http(input, args.format)?);
    }
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let progress = super::spinner("scanning");
    let (mut total, mut attacks, mut errors) = (0u64, 0u64, 0u64);
    let mut block: Vec<HttpItem> = Vec::with_capacity(BLOCK);
    let mut line = Vec::with_capacity(512);
    for reader in readers {
        let mut reader = reader.peekable();
        while reader.peek().is_some() {
            block.clear();
            block.extend(reader.by_ref().take(BLOCK));
            let base = total;
            let verdicts: Vec<Verdict> = block
                .par_iter()
                .enumerate()
                .map_init(Scratch::default, |scratch, (i, item)| {
                    let index = base + i as u64;
                    match item {
                        Ok(record) => detector.analyze(index, &record.request, scratch),
                        Err(e) => Verdict::unreadable(index, e.to_string()),
                    }
                })
                .collect();
            for v in &verdicts {
                line.clear();
                serde_json::to_writer(&mut line, v)?;
                line.push(b'\n');
                out.write_all(&line)?;
                attacks += v.is_attack() as u64;
                errors += v.error.is_some() as u64;
            }
            total += verdicts.len() as u64;
            progress.set_position(total);
        }
    }
    out.flush()?;
    progress.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "scanned {total} requests: {attacks} attack, {} normal, {errors} unreadable ({:.1}% attack) in {secs:.2}s ({:.0} requests/s)",
        total - attacks - errors,
        if total > 0 { 100.0 * attacks as f64 / total as f64 } else { 0.0 },
        total as f64 / secs.max(1e-9)
    );
    Ok(())
}
