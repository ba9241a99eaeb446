//! `goshawk serve`: the REST API and dashboard.

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(args: ServeArgs) -> Result<()> {
    anyhow::bail!("serve on {}: being built", args.listen)
}
