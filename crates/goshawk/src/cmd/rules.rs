//! `goshawk rules`: check, test and report Sigma rule packs. Thin wiring over goshawk-rules:
//! `check` prints the load report (its `--json` object is a contract: `{"rules", "loaded",
//! "failed": [{"path", "reason"}]}`), `test` prints which rules hit which events of an input,
//! `report` prints the STRIDE x ATT&CK matrix.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use goshawk_core::{Event, EventKind};
use goshawk_io::table::{detect_table_kind, read_events, TableOptions};
use goshawk_rules::{rules_matrix, LoadReport, Placeholders, RuleSet};

use crate::cli::FormatArg;

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Validate every rule under DIR(s) and list each rule that cannot be evaluated, and why.
    /// Exits 0 whatever the rules; `--json` prints one object
    /// `{"rules": N, "loaded": M, "failed": [{"path": ..., "reason": ...}]}`.
    Check {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        placeholders: PlaceholderArgs,
        /// Rule directories (or files), searched recursively for *.yml / *.yaml.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Evaluate the rules in DIR on every record of INPUT and print the hits as JSON Lines
    /// (`index`, `line`, `rule_id`, `title`, `level`, `matched`); a summary goes to stderr.
    Test {
        /// Rule directory (or file).
        dir: PathBuf,
        /// HTTP requests (access log, CSIC, lines, JSON Lines) or a sessions / IoT / Zeek
        /// table; `-` = stdin.
        input: String,
        /// HTTP input format (default: detected). Giving it reads INPUT as HTTP requests.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        #[command(flatten)]
        placeholders: PlaceholderArgs,
    },
    /// Print the STRIDE x ATT&CK matrix of the loaded rules.
    Report {
        /// Print JSON instead of a text table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        placeholders: PlaceholderArgs,
        /// Rule directories (default: ./rules, the shipped packs, when present).
        dirs: Vec<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct PlaceholderArgs {
    /// Placeholder value for `%NAME%` in the rules, overriding placeholders.yml (repeatable).
    #[arg(long = "placeholder", value_name = "NAME=VALUE")]
    values: Vec<String>,
}

impl PlaceholderArgs {
    fn parse(&self) -> Result<Placeholders> {
        let mut out = Placeholders::new();
        for item in &self.values {
            let (name, value) = item
                .split_once('=')
                .with_context(|| format!("--placeholder {item}: expected NAME=VALUE"))?;
            match value.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => out.set_number(name.trim(), number),
                _ => out.set_text(name.trim(), value),
            };
        }
        Ok(out)
    }
}

pub fn run(command: RulesCommand) -> Result<()> {
    match command {
        RulesCommand::Check {
            json,
            placeholders,
            dirs,
        } => check(&dirs, &placeholders.parse()?, json),
        RulesCommand::Test {
            dir,
            input,
            format,
            placeholders,
        } => test(&dir, &input, format, &placeholders.parse()?),
        RulesCommand::Report {
            json,
            placeholders,
            dirs,
        } => report(dirs, &placeholders.parse()?, json),
    }
}

fn load(dirs: &[PathBuf], placeholders: &Placeholders) -> Result<(RuleSet, LoadReport)> {
    Ok(RuleSet::load(dirs, placeholders)?)
}

fn check(dirs: &[PathBuf], placeholders: &Placeholders, json: bool) -> Result<()> {
    let (_, mut report) = load(dirs, placeholders)?;
    // Files holding correlation rules are goshawk-correlate's: checked there, counted here.
    let (_, correlations) =
        goshawk_correlate::CorrelationSet::load(dirs, goshawk_correlate::StateLimits::default())?;
    report.rules += correlations.rules;
    report.loaded += correlations.loaded;
    report.failed.extend(correlations.failed);
    report.warnings.extend(correlations.warnings);
    if json {
        let object = serde_json::json!({
            "rules": report.rules,
            "loaded": report.loaded,
            "failed": report.failed,
        });
        outln!("{object}");
        return Ok(());
    }
    let percent = if report.rules == 0 {
        0.0
    } else {
        100.0 * report.loaded as f64 / report.rules as f64
    };
    outln!(
        "{} rule(s), {} loaded ({percent:.1} %), {} failed",
        report.rules,
        report.loaded,
        report.failed.len()
    );
    for failure in &report.failed {
        outln!("FAILED  {}: {}", failure.path, failure.reason);
    }
    if !report.not_routed.is_empty() {
        outln!(
            "{} loaded rule(s) are for log sources goshawk does not read (never evaluated):",
            report.not_routed.len()
        );
        let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
        for rule in &report.not_routed {
            *by_source.entry(rule.logsource.as_str()).or_default() += 1;
        }
        for (source, count) in by_source {
            outln!("  {count:>4}  {source}");
        }
    }
    for warning in &report.warnings {
        outln!("warning {}: {}", warning.path, warning.reason);
    }
    Ok(())
}

/// Counts of what `test` saw, for the stderr summary.
#[derive(Default)]
struct TestSummary {
    events: u64,
    unreadable: u64,
    events_hit: u64,
    hits: BTreeMap<String, (String, u64)>,
}

fn test(
    dir: &PathBuf,
    input: &str,
    format: Option<FormatArg>,
    placeholders: &Placeholders,
) -> Result<()> {
    let (rules, report) = load(std::slice::from_ref(dir), placeholders)?;
    if !report.failed.is_empty() {
        eprintln!(
            "{} of {} rule(s) could not be loaded (see `goshawk rules check`)",
            report.failed.len(),
            report.rules
        );
    }
    let table_kind = if format.is_some() || input == "-" {
        None
    } else {
        detect_table_kind(input)
            .with_context(|| format!("reading {input}"))?
            .filter(|k| *k != EventKind::Http)
    };
    let mut summary = TestSummary::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |index: u64,
                    line: u64,
                    event: &Event,
                    raw: Option<&str>,
                    s: &mut TestSummary|
     -> Result<()> {
        s.events += 1;
        let hits = rules.evaluate(event, raw);
        if !hits.is_empty() {
            s.events_hit += 1;
        }
        for hit in hits {
            let entry = s
                .hits
                .entry(hit.rule_id.clone())
                .or_insert_with(|| (hit.title.clone(), 0));
            entry.1 += 1;
            let object = serde_json::json!({
                "index": index,
                "line": line,
                "rule_id": hit.rule_id,
                "title": hit.title,
                "level": hit.level,
                "matched": hit.matched,
            });
            writeln!(out, "{object}")?;
        }
        Ok(())
    };
    match table_kind {
        Some(kind) => {
            let reader = read_events(input, Some(kind), &TableOptions::default())
                .with_context(|| format!("opening {input}"))?;
            for (index, item) in reader.enumerate() {
                match item {
                    Ok(record) => emit(
                        index as u64,
                        record.line,
                        &record.record,
                        None,
                        &mut summary,
                    )?,
                    Err(e) => {
                        summary.unreadable += 1;
                        eprintln!("{e}");
                    }
                }
            }
        }
        None => {
            for (index, item) in crate::inputs::open_http(input, format)?.enumerate() {
                match item {
                    Ok(record) => {
                        let event = Event::Http(record.request);
                        emit(
                            index as u64,
                            record.line,
                            &event,
                            Some(&record.raw),
                            &mut summary,
                        )?
                    }
                    Err(e) => {
                        summary.unreadable += 1;
                        eprintln!("{e}");
                    }
                }
            }
        }
    }
    out.flush()?;
    drop(out);
    let total_hits: u64 = summary.hits.values().map(|(_, n)| n).sum();
    eprintln!(
        "{} event(s), {} unreadable, {} with a hit, {total_hits} hit(s) of {} rule(s)",
        summary.events,
        summary.unreadable,
        summary.events_hit,
        summary.hits.len()
    );
    let mut ranked: Vec<_> = summary.hits.iter().collect();
    ranked.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
    for (id, (title, count)) in ranked {
        eprintln!("  {count:>8}  {id}  {title}");
    }
    Ok(())
}

fn report(dirs: Vec<PathBuf>, placeholders: &Placeholders, json: bool) -> Result<()> {
    let dirs = if dirs.is_empty() {
        let shipped = PathBuf::from("rules");
        if !shipped.is_dir() {
            bail!("no rule directory given and no ./rules directory (the shipped packs) here");
        }
        vec![shipped]
    } else {
        dirs
    };
    let (rules, report) = load(&dirs, placeholders)?;
    if !report.failed.is_empty() {
        eprintln!(
            "{} of {} rule(s) could not be loaded and are not in the matrix (see `goshawk rules check`)",
            report.failed.len(),
            report.rules
        );
    }
    let matrix = rules_matrix(&rules);
    if json {
        outln!("{}", serde_json::to_string(&matrix)?);
    } else {
        let text = matrix.to_text();
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    Ok(())
}
