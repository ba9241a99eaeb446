//! `goshawk model`: what a model file holds, without trusting it (the checksum is verified).

use anyhow::{Context, Result};

use crate::cli::ModelArgs;

pub fn run(args: ModelArgs) -> Result<()> {
    let bytes = if args.path == "builtin" {
        crate::builtin::web_model()?.to_bytes()?
    } else {
        std::fs::read(&args.path).with_context(|| format!("reading {}", args.path))?
    };
    let header = goshawk_model::peek_header(&bytes).with_context(|| args.path.clone())?;
    let out = serde_json::json!({
        "path": args.path,
        "bytes": bytes.len(),
        "format_version": goshawk_model::FORMAT_VERSION,
        "checksum": "ok",
        "kind": header.kind,
        "schema": header.schema,
        "metadata": header.metadata,
    });
    outln!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
