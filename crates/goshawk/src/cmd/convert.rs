//! `goshawk convert`: any supported sessions, IoT or Zeek log normalised into a typed table
//! (Parquet, JSON Lines or CSV) — the replaced pipeline's `normalized/zeek.parquet` step. Records
//! with a bad field are set aside, counted and the first few named; they are not written.

use anyhow::{Context, Result};

use goshawk_io::table::{convert_with, TableFormat, TableOptions};

use crate::cli::{ConvertArgs, TableFormatArg};
use crate::cmd::anomaly::{event_kind, table_kind};

pub fn run(args: ConvertArgs) -> Result<()> {
    let to = match args.to {
        TableFormatArg::Parquet => TableFormat::Parquet,
        TableFormatArg::Jsonl => TableFormat::Jsonl,
        TableFormatArg::Csv => TableFormat::Csv,
    };
    let options = match &args.label_column {
        Some(column) => TableOptions::default().with_label_column(column.clone()),
        None => TableOptions::default(),
    };
    let kind = args.kind.map(|k| event_kind(table_kind(k)));
    let summary = convert_with(&args.input, kind, to, &args.out, &options)
        .with_context(|| format!("converting {}", args.input))?;
    for error in &summary.errors {
        eprintln!("goshawk: set aside {error}");
    }
    eprintln!(
        "converted {} {} records from {} to {} ({}): {} written, {} set aside",
        args.input,
        summary.kind,
        summary.input_format,
        summary.output_format.name(),
        args.out.display(),
        summary.rows_written,
        summary.set_aside
    );
    Ok(())
}
