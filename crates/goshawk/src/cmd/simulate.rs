//! `goshawk simulate`: the simulated bank's traffic (customers and attack campaigns, see
//! `goshawk_sim::bank`) written as JSON Lines to a file or stdout, or posted in batches to a
//! running server's `/analyze`, with the ground truth in a separate file. It is the producer for
//! demos, load tests and end-to-end evaluation of the whole system.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use goshawk_sim::bank::http::AnalyzeClient;
use goshawk_sim::bank::wire::{event_json, parse_rfc3339_ms, rfc3339_ms, truth_json};
use goshawk_sim::bank::{BankParams, BankSimulator, SimEvent};

/// Events written when neither --count, --duration nor --rate is given.
const DEFAULT_COUNT: u64 = 10_000;
/// Wall-clock rate when --duration is given without --rate.
const DEFAULT_DURATION_RATE: f64 = 100.0;
/// Simulated events per simulated second unless --sim-rate or --rate says otherwise.
const DEFAULT_SIM_RATE: f64 = 20.0;
/// How far ahead of its --rate the simulator runs before it sleeps. Sleeping whenever it was
/// ahead at all meant a sleep, a flush of the outputs and of the truth file per event: at
/// 50,000 events/s to Kafka the simulator took ~0.6 of a core, the consumer's rival on a 2-core
/// machine. With this slack it sleeps about once per 2 ms and sends the events due meanwhile
/// in a burst; the rate over any longer span is the same.
const PACING_SLACK: Duration = Duration::from_millis(2);
/// Highest --rate that also sets the simulated clock (a higher one would need a huge
/// population to keep that many customers busy at once).
const MAX_WALL_CLOCK_SIM_RATE: f64 = 2_000.0;
/// A partly filled HTTP batch is posted once its oldest event is this old.
const BATCH_MAX_AGE: Duration = Duration::from_millis(250);
/// Stop posting when this many batches in a row failed and none ever succeeded.
const GIVE_UP_AFTER_FAILURES: u64 = 20;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Where to send events: a file, `-` for stdout, or `http://HOST:PORT` (POST /analyze in
    /// batches of `{"events":[...]}`). `kafka://HOST:PORT/TOPIC` needs the `kafka` feature.
    #[arg(long)]
    pub to: String,
    /// Events per second of real time (`500` or `500/s`); 0 or absent: as fast as possible
    /// (100/s with --duration). With a rate and no --count/--duration, runs until stopped.
    /// Paced to within 2 ms: the events due are sent in small bursts.
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Run for this long in real time: `30s`, `5m`, `1h`.
    #[arg(long, value_parser = parse_duration, conflicts_with = "count")]
    pub duration: Option<Duration>,
    /// Number of events (default 10,000 when no --duration or --rate is given).
    #[arg(long)]
    pub count: Option<u64>,
    /// Expected share of attack events, in [0, 1].
    #[arg(long, default_value_t = 0.1)]
    pub attack_ratio: f64,
    /// Random seed; the same seed and --start give the same events.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the ground truth here: one `{"id","label","attack_type","scenario"}` per event.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// A librdkafka producer property for kafka:// output, KEY=VALUE (repeatable); it wins over
    /// goshawk's defaults (e.g. `batch.num.messages=10000` to batch again, see docs/kafka.md).
    #[arg(long = "kafka-property", value_name = "KEY=VALUE", value_parser = parse_property)]
    pub kafka_properties: Vec<(String, String)>,
    /// Simulated time of the first event: RFC 3339 (`2026-01-01T00:00:00Z`) or `now`.
    #[arg(long, default_value = "now")]
    pub start: String,
    /// Simulated events per simulated second (how fast event timestamps advance). Default:
    /// the --rate when given (up to 2000), so timestamps follow the wall clock; else 20.
    #[arg(long)]
    pub sim_rate: Option<f64>,
    /// Events per POST for http:// outputs.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub batch: u64,
}

/// `500`, `500/s` or `0.5/s`.
fn parse_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("'{text}': expected KEY=VALUE")),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err(format!(
            "'{text}' is not a rate: expected events per second, e.g. 500 or 500/s"
        )),
    }
}

/// `30s`, `5m`, `1h`, `250ms` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration: expected e.g. 30s, 5m or 1h"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "'{text}': unknown unit '{unit}' (use ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{text}': {e}"))
}

/// Where events go.
enum Output {
    Lines(Box<dyn Write>),
    Http(HttpOutput),
    #[cfg(feature = "kafka")]
    Kafka(goshawk_kafka::KafkaSink),
}

/// How long the end of a run waits for Kafka to acknowledge what was sent.
#[cfg(feature = "kafka")]
const KAFKA_FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

/// `kafka://HOST:PORT[,HOST:PORT...]/TOPIC` as brokers and topic.
#[cfg(feature = "kafka")]
fn kafka_target(to: &str) -> Result<(String, String)> {
    let rest = to.trim_start_matches("kafka://");
    match rest.split_once('/') {
        Some((brokers, topic))
            if !brokers.is_empty() && !topic.is_empty() && !topic.contains('/') =>
        {
            Ok((brokers.to_string(), topic.to_string()))
        }
        _ => bail!("--to {to}: expected kafka://HOST:PORT/TOPIC"),
    }
}

struct HttpOutput {
    client: AnalyzeClient,
    batch_size: usize,
    pending: Vec<String>,
    pending_since: Option<Instant>,
    posted_batches: u64,
    failed_batches: u64,
    failed_events: u64,
    failures_in_a_row: u64,
    first_error: Option<String>,
}

impl HttpOutput {
    fn post_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        match self.client.post(&self.pending) {
            Ok(()) => {
                self.posted_batches += 1;
                self.failures_in_a_row = 0;
            }
            Err(e) => {
                self.failed_batches += 1;
                self.failed_events += self.pending.len() as u64;
                self.failures_in_a_row += 1;
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
        self.pending.clear();
        self.pending_since = None;
    }

    /// Whether the server has never accepted a batch and keeps refusing.
    fn hopeless(&self) -> bool {
        self.posted_batches == 0 && self.failures_in_a_row >= GIVE_UP_AFTER_FAILURES
    }
}

impl Output {
    fn open(to: &str, batch: u64, kafka_properties: &[(String, String)]) -> Result<Output> {
        if to.starts_with("kafka://") {
            #[cfg(feature = "kafka")]
            {
                let (brokers, topic) = kafka_target(to)?;
                let sink = goshawk_kafka::KafkaSinkConfig {
                    brokers,
                    topic,
                    properties: goshawk_kafka::ONE_MESSAGE_PER_BATCH
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .chain(kafka_properties.iter().cloned())
                        .collect(),
                }
                .build()?;
                return Ok(Output::Kafka(sink));
            }
            #[cfg(not(feature = "kafka"))]
            let _ = kafka_properties;
            #[cfg(not(feature = "kafka"))]
            bail!("kafka output needs the `kafka` feature (build goshawk with --features kafka); {to} was not written to");
        }
        if to.starts_with("http://") {
            let client = AnalyzeClient::new(to, Duration::from_secs(10))?;
            return Ok(Output::Http(HttpOutput {
                client,
                batch_size: batch as usize,
                pending: Vec::with_capacity(batch as usize),
                pending_since: None,
                posted_batches: 0,
                failed_batches: 0,
                failed_events: 0,
                failures_in_a_row: 0,
                first_error: None,
            }));
        }
        if to.starts_with("https://") {
            bail!("https is not supported for --to; use http://HOST:PORT");
        }
        let writer: Box<dyn Write> = if to == "-" {
            Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock()))
        } else {
            let file = File::create(to).with_context(|| format!("creating {to}"))?;
            Box::new(BufWriter::with_capacity(1 << 16, file))
        };
        Ok(Output::Lines(writer))
    }

    /// Sends one event. `Ok(false)` when the output is gone (stdout closed) or hopeless.
    fn send(&mut self, event: &SimEvent) -> Result<bool> {
        match self {
            Output::Lines(writer) => {
                let mut line = event_json(event);
                line.push('\n');
                match writer.write_all(line.as_bytes()) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
                    Err(e) => Err(e).context("writing events"),
                }
            }
            Output::Http(http) => {
                http.pending.push(event_json(event));
                http.pending_since.get_or_insert_with(Instant::now);
                if http.pending.len() >= http.batch_size {
                    http.post_pending();
                }
                Ok(!http.hopeless())
            }
            // Keyed by client address: one client's requests stay in order on one partition,
            // as the behaviour rules' time windows need.
            #[cfg(feature = "kafka")]
            Output::Kafka(sink) => {
                let key = event.request.client_ip.as_deref().unwrap_or(&event.id);
                sink.send(key.as_bytes(), event_json(event).as_bytes(), &[])?;
                Ok(true)
            }
        }
    }

    /// Called when the producer is about to wait: pushes out what a live reader should see.
    fn idle(&mut self) -> Result<()> {
        match self {
            Output::Lines(writer) => match writer.flush() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("writing events"),
                _ => Ok(()),
            },
            Output::Http(http) => {
                if http
                    .pending_since
                    .is_some_and(|since| since.elapsed() >= BATCH_MAX_AGE)
                {
                    http.post_pending();
                }
                Ok(())
            }
            #[cfg(feature = "kafka")]
            Output::Kafka(_) => Ok(()),
        }
    }

    fn finish(&mut self) -> Result<()> {
        match self {
            Output::Lines(writer) => match writer.flush() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("writing events"),
                _ => Ok(()),
            },
            Output::Http(http) => {
                http.post_pending();
                Ok(())
            }
            #[cfg(feature = "kafka")]
            Output::Kafka(sink) => sink
                .flush(KAFKA_FLUSH_TIMEOUT)
                .with_context(|| format!("sending events to Kafka topic {}", sink.topic())),
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn run(args: SimulateArgs) -> Result<()> {
    let rate = args
        .rate
        .filter(|r| *r > 0.0)
        .or(if args.duration.is_some() {
            Some(DEFAULT_DURATION_RATE)
        } else {
            None
        });
    let count = match (args.count, args.duration, rate) {
        (Some(n), _, _) => Some(n),
        (None, None, None) => Some(DEFAULT_COUNT),
        _ => None,
    };
    let start_time_ms = if args.start.trim().eq_ignore_ascii_case("now") {
        now_ms()
    } else {
        parse_rfc3339_ms(&args.start)?
    };
    let sim_rate = args.sim_rate.unwrap_or_else(|| {
        rate.map_or(DEFAULT_SIM_RATE, |r| r.clamp(1.0, MAX_WALL_CLOCK_SIM_RATE))
    });
    let simulator = BankSimulator::new(BankParams {
        seed: args.seed,
        attack_ratio: args.attack_ratio,
        start_time_ms,
        events_per_second: sim_rate,
        ..Default::default()
    })?;
    let mut output = Output::open(&args.to, args.batch, &args.kafka_properties)?;
    let mut truth = match &args.truth {
        Some(path) => Some(BufWriter::with_capacity(
            1 << 16,
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };

    let started = Instant::now();
    let mut written: u64 = 0;
    let mut by_scenario: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_time = None;
    let mut last_time = start_time_ms;
    let mut stopped_early = None;
    for event in simulator {
        if count.is_some_and(|n| written >= n)
            || args.duration.is_some_and(|d| started.elapsed() >= d)
        {
            break;
        }
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(written as f64 / rate);
            let now = Instant::now();
            if due > now + PACING_SLACK {
                output.idle()?;
                if let Some(t) = truth.as_mut() {
                    t.flush().context("writing the truth file")?;
                }
                std::thread::sleep(due - now);
            }
        }
        if !output.send(&event)? {
            stopped_early = Some(match &output {
                Output::Http(_) => "the server refused every batch",
                Output::Lines(_) => "the output was closed",
                #[cfg(feature = "kafka")]
                Output::Kafka(_) => "the output was closed",
            });
            break;
        }
        if let Some(t) = truth.as_mut() {
            t.write_all(truth_json(&event).as_bytes())
                .and_then(|()| t.write_all(b"\n"))
                .context("writing the truth file")?;
        }
        written += 1;
        first_time.get_or_insert(event.time_ms);
        last_time = event.time_ms;
        if event.truth.is_attack() {
            match by_scenario.get_mut(&event.truth.scenario) {
                Some(n) => *n += 1,
                None => {
                    by_scenario.insert(event.truth.scenario.clone(), 1);
                }
            }
        }
    }
    output.finish()?;
    if let Some(mut t) = truth {
        t.flush().context("writing the truth file")?;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let attacks: u64 = by_scenario.values().sum();
    let share = if written > 0 {
        100.0 * attacks as f64 / written as f64
    } else {
        0.0
    };
    eprintln!(
        "simulate: {written} events ({attacks} attacks, {share:.1} %) in {elapsed:.2} s = {:.0} events/s to {}",
        written as f64 / elapsed.max(1e-9),
        args.to
    );
    eprintln!(
        "  simulated time {} .. {}",
        rfc3339_ms(first_time.unwrap_or(start_time_ms)),
        rfc3339_ms(last_time)
    );
    if !by_scenario.is_empty() {
        let parts: Vec<String> = by_scenario
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        eprintln!("  attacks by scenario: {}", parts.join(", "));
    }
    if let Some(reason) = stopped_early {
        eprintln!("  stopped early: {reason}");
    }
    if let Output::Http(http) = &output {
        let total = http.posted_batches + http.failed_batches;
        eprintln!(
            "  http {}: {total} batches, {} failed ({} events lost){}",
            http.client.url(),
            http.failed_batches,
            http.failed_events,
            http.first_error
                .as_ref()
                .map(|e| format!("; first error: {e}"))
                .unwrap_or_default()
        );
        if total > 0 && http.posted_batches == 0 {
            bail!(
                "every batch to {} failed ({})",
                http.client.url(),
                http.first_error.as_deref().unwrap_or("no answer")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_parse_with_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        for bad in ["", "5x", "m", "-1s", "1e400s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_rate("500/s"), Ok(500.0));
        assert_eq!(parse_rate("0"), Ok(0.0));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("-3").is_err());
    }
}
