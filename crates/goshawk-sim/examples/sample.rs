//! Prints generated rows as CSV: `cargo run -p goshawk-sim --example sample -- ROWS SEED [RATIO]`.

use goshawk_sim::{write_csv, GeneratorParams, WebGenerator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args.first().map_or(Ok(20), |s| s.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let attack_ratio: f64 = args.get(2).map_or(Ok(0.3), |s| s.parse())?;
    let generator = WebGenerator::new(GeneratorParams { seed, attack_ratio })?;
    write_csv(generator.take(rows), std::io::stdout().lock())?;
    Ok(())
}
