//! `goshawk generate web`: synthetic labelled traffic for audits, tests and training.

use anyhow::{Context, Result};

use crate::cli::GenerateWebArgs;

pub fn web(args: GenerateWebArgs) -> Result<()> {
    let params = goshawk_sim::GeneratorParams {
        seed: args.seed,
        attack_ratio: args.attack_ratio,
    };
    let rows = goshawk_sim::WebGenerator::new(params)?.take(args.rows);
    if args.out == "-" {
        let stdout = std::io::stdout();
        goshawk_sim::write_csv(rows, stdout.lock()).context("writing CSV to stdout")?;
    } else {
        let file =
            std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out))?;
        goshawk_sim::write_csv(rows, std::io::BufWriter::new(file))
            .with_context(|| format!("writing {}", args.out))?;
        eprintln!("wrote {} rows to {}", args.rows, args.out);
    }
    Ok(())
}
