//! `goshawk simulate`: the simulated bank's traffic.

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Where to send events: a file, `-` for stdout, or `http://HOST:PORT`.
    #[arg(long)]
    pub to: String,
}

pub fn run(args: SimulateArgs) -> Result<()> {
    anyhow::bail!("simulate to {}: being built", args.to)
}
