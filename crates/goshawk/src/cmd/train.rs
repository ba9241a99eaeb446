//! `goshawk train web`: fit a web model on labelled requests and write its model file.

use std::time::Instant;

use anyhow::{bail, Context, Result};

use goshawk_web::{linear::SgdParams, FeatureSchema, WebMode, WebParams};

use crate::cli::TrainWebArgs;
use crate::inputs::load_examples;

pub fn web(args: TrainWebArgs) -> Result<()> {
    let started = Instant::now();
    let examples = load_examples(&args.data)?;
    if examples.is_empty() {
        bail!("no training data: give --normal, --attack or --labeled files");
    }
    let attack = examples.iter().filter(|e| e.label).count();
    eprintln!(
        "loaded {} requests ({} normal, {attack} attack) in {:.1}s",
        examples.len(),
        examples.len() - attack,
        started.elapsed().as_secs_f64()
    );
    let params = WebParams {
        schema: FeatureSchema {
            hash_bits: args.hash_bits,
            novelty: !args.no_novelty,
            ..FeatureSchema::default()
        },
        sgd: SgdParams {
            epochs: args.epochs,
            seed: args.seed,
            ..SgdParams::default()
        },
        mode: if args.one_class {
            WebMode::OneClass
        } else {
            WebMode::Supervised
        },
        target_fpr: args.target_fpr,
        ..WebParams::default()
    };
    let progress = super::spinner("training");
    let fit_started = Instant::now();
    let model = params.fit(&examples).context("training the web model")?;
    progress.finish_and_clear();
    model
        .save(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "trained a {:?} web model in {:.1}s; wrote {}",
        model.mode,
        fit_started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
