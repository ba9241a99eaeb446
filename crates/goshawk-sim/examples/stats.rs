//! Prints what a sample of generated traffic looks like in numbers: rows per attack family,
//! distinct payloads, where payloads were placed and how many carry an evasion.
//! `cargo run --release -p goshawk-sim --example stats -- ROWS SEED RATIO`.

use std::collections::{BTreeMap, HashSet};

use goshawk_sim::{GeneratorParams, WebGenerator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args.first().map_or(Ok(20_000), |s| s.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let attack_ratio: f64 = args.get(2).map_or(Ok(0.3), |s| s.parse())?;
    let started = std::time::Instant::now();
    let data: Vec<_> = WebGenerator::new(GeneratorParams { seed, attack_ratio })?
        .take(rows)
        .collect();
    let elapsed = started.elapsed();
    let mut per_family: BTreeMap<String, (usize, HashSet<String>)> = BTreeMap::new();
    let mut in_header = 0;
    for r in &data {
        if let (Some(t), Some(p)) = (&r.attack_type, &r.payload) {
            let entry = per_family.entry(t.to_string()).or_default();
            entry.0 += 1;
            entry.1.insert(p.clone());
            if r.request.headers.iter().any(|(k, v)| k != "Host" && v == p) {
                in_header += 1;
            }
        }
    }
    let attacks: usize = per_family.values().map(|(n, _)| n).sum();
    let distinct: HashSet<&String> = data.iter().filter_map(|r| r.payload.as_ref()).collect();
    let normal: HashSet<(&str, &str)> = data
        .iter()
        .filter(|r| !r.label)
        .map(|r| (r.request.url.as_str(), r.request.body.as_str()))
        .collect();
    println!("rows {rows}  attacks {attacks}  generated in {elapsed:?}");
    println!(
        "distinct attack payloads {}  distinct normal url+body {}",
        distinct.len(),
        normal.len()
    );
    println!("attacks placed in a header {in_header}");
    for (family, (n, set)) in &per_family {
        println!("  {family:<20} {n:>6} rows {:>6} distinct", set.len());
    }
    Ok(())
}
