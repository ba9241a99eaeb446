//! `goshawk run`: the replaced pipeline's one-shot `run_pipeline` — optionally train on the
//! input, then score it and write the alerting records with their scores to a CSV file.

use anyhow::{bail, Context, Result};

use goshawk_anomaly::pipeline::TableKind;
use goshawk_core::EventKind;
use goshawk_io::table::detect_table_kind;

use crate::cli::RunArgs;
use crate::cmd::anomaly::{load_model, run_alerts, table_kind, train_kind};

pub fn run(args: RunArgs) -> Result<()> {
    let model = if args.train {
        let kind = match args.kind {
            Some(kind) => table_kind(kind),
            None => detect_kind(&args.input)?,
        };
        train_kind(kind, &args.input, &args.training, &args.model)?
    } else {
        load_model(&args.model)?
    };
    run_alerts(&model, &args.input, &args.alerts)
}

/// The kind of the first input, from its header.
fn detect_kind(inputs: &[String]) -> Result<TableKind> {
    let first = inputs.first().context("run needs --input")?;
    let found = detect_table_kind(first).with_context(|| format!("reading {first}"))?;
    Ok(match found {
        Some(EventKind::Sessions) => TableKind::Sessions,
        Some(EventKind::Iot) => TableKind::Iot,
        Some(EventKind::Zeek) => TableKind::Zeek,
        Some(EventKind::Http) => {
            bail!("{first} holds HTTP requests; `run` is for sessions, IoT or Zeek records")
        }
        None => bail!("cannot tell which kind of records {first} holds; give --kind"),
    })
}
