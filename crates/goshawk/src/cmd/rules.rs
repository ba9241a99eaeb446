//! `goshawk rules`: check, test and report Sigma rule packs.

use anyhow::Result;

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Validate every rule in DIR and list what cannot be evaluated and why.
    Check { dir: std::path::PathBuf },
}

pub fn run(command: RulesCommand) -> Result<()> {
    match command {
        RulesCommand::Check { dir } => anyhow::bail!("rules check {}: being built", dir.display()),
    }
}
