//! One module per subcommand.

pub mod anomaly;
mod check;
#[cfg(feature = "kafka")]
pub mod consume;
mod convert;
mod evaluate;
mod generate;
mod model_info;
pub mod rules;
mod run;
mod scan;
pub mod serve;
pub mod simulate;
mod train;

use anyhow::Result;

use crate::cli::{Command, GenerateCommand, KindArg, TrainCommand};

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Scan(a) => scan::run(a),
        Command::Check(a) => check::run(a),
        Command::Train(TrainCommand::Web(a)) => train::web(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Generate(GenerateCommand::Web(a)) => generate::web(a),
        Command::Model(a) => model_info::run(a),
        Command::Train(TrainCommand::Sessions(a)) => anomaly::train_command(KindArg::Sessions, a),
        Command::Train(TrainCommand::Iot(a)) => anomaly::train_command(KindArg::Iot, a),
        Command::Train(TrainCommand::Zeek(a)) => anomaly::train_command(KindArg::Zeek, a),
        Command::Convert(a) => convert::run(a),
        Command::Run(a) => run::run(a),
        Command::Rules(c) => rules::run(c),
        Command::Serve(a) => serve::run(a),
        Command::Simulate(a) => simulate::run(a),
        #[cfg(feature = "kafka")]
        Command::Consume(a) => consume::run(a),
    }
}

/// A progress spinner on stderr that stays silent when stderr is not a terminal.
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
