//! The simulated "unsafe bank" of the seed (OctoMatrix): customers logging in, checking
//! balances, transferring and writing to support, with attack campaigns mixed in as bursts
//! (SQL injection, XSS, path traversal, command injection, `/etc/passwd`, the admin export of
//! `credit_cards`, scanners, brute force, credential stuffing, password spraying).
//!
//! It exists so that the whole running system (API, stream consumer, window detectors, alert
//! store) can be fed realistic traffic and measured end to end: every [`SimEvent`] carries its
//! ground truth in a [`Truth`] that travels apart from the event (see [`wire`]).
//!
//! [`BankSimulator`] is a seeded discrete-event simulation: customer sessions and attack
//! campaigns start as Poisson arrivals, each actor has its own think times, and events come out
//! in time order. Simulated time advances at [`BankParams::events_per_second`] on average, so
//! per-IP counts over 60 s windows mean what they would on a real site. Customers are held to
//! [`NORMAL_LIMITS`] per IP and 60 s; attackers are built to exceed them (see [`campaigns`]).
//! Same seed and parameters, same events, on every platform.

pub mod campaigns;
mod customers;
pub mod http;
mod limits;
pub mod wire;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use goshawk_core::HttpRequest;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use campaigns::{
    BRUTE_FORCE_MIN_FAILURES_PER_MINUTE, SPRAYING_MIN_ACCOUNTS_PER_MINUTE,
    STUFFING_MIN_ACCOUNTS_PER_MINUTE,
};
pub use limits::{NormalLimits, NORMAL_LIMITS, WINDOW_MS};

use customers::{Population, Session};
use limits::Ledger;

/// The `Host` of every request.
pub const BANK_HOST: &str = "bank.example.com";

/// Simulated time run before the start and not emitted, so that traffic is steady from the
/// first event.
const WARM_UP_MS: i64 = 300_000;

/// Errors of the bank simulator and its outputs.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("attack_ratio must be a number in [0, 1], got {0}")]
    InvalidAttackRatio(f64),
    #[error("events_per_second must be a positive number, got {0}")]
    InvalidEventRate(f64),
    #[error("invalid start time '{0}': expected RFC 3339, e.g. 2026-01-01T00:00:00Z")]
    InvalidStartTime(String),
    #[error("invalid server address '{0}': expected http://HOST:PORT")]
    InvalidServerUrl(String),
}

/// Settings of a [`BankSimulator`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankParams {
    /// Seed of the random stream: equal parameters give equal events.
    pub seed: u64,
    /// Expected share of attack events, in [0, 1]. Campaigns are bursts, so a short run can
    /// be off by a few points; over 100,000 events it is within about 0.02.
    pub attack_ratio: f64,
    /// Time of the simulation's start, in milliseconds since the Unix epoch.
    pub start_time_ms: i64,
    /// Average events per simulated second: how fast the simulated clock runs relative to the
    /// traffic. Per-actor pacing (think times, attack intervals) does not depend on it.
    pub events_per_second: f64,
    /// Customers in the bank. Raised automatically when `events_per_second` needs more people
    /// to be busy at once (about 25 per event per second).
    pub customers: usize,
    /// When the first attack campaign starts, in simulated milliseconds after the start;
    /// `None`: like every later one, after a random gap (tens of seconds at 20 events/s). A
    /// demo sets it so that a new user sees an attack at once.
    pub first_campaign_after_ms: Option<f64>,
}

impl Default for BankParams {
    fn default() -> Self {
        BankParams {
            seed: 0,
            attack_ratio: 0.1,
            // 2026-01-01T00:00:00Z
            start_time_ms: 1_767_225_600_000,
            events_per_second: 20.0,
            customers: 500,
            first_campaign_after_ms: None,
        }
    }
}

/// What kind of traffic an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// A customer's session.
    Customer,
    Sqli,
    Xss,
    PathTraversal,
    Cmdi,
    /// Requests for `/etc/passwd`, directly or by traversal.
    EtcPasswd,
    /// `/api/admin/export?table=credit_cards` and friends.
    AdminExport,
    /// Nikto, sqlmap, gobuster...: many probes for well-known files, mostly 404.
    Scanner,
    /// Many passwords against one account from one IP.
    BruteForce,
    /// Leaked username/password pairs tried from a few IPs: many accounts, few successes.
    CredentialStuffing,
    /// One common password tried across many accounts.
    PasswordSpraying,
}

impl Scenario {
    /// Every attack scenario.
    pub const ATTACKS: [Scenario; 10] = [
        Scenario::Sqli,
        Scenario::Xss,
        Scenario::PathTraversal,
        Scenario::Cmdi,
        Scenario::EtcPasswd,
        Scenario::AdminExport,
        Scenario::Scanner,
        Scenario::BruteForce,
        Scenario::CredentialStuffing,
        Scenario::PasswordSpraying,
    ];

    /// The name used in truth files.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Customer => "customer",
            Scenario::Sqli => "sqli",
            Scenario::Xss => "xss",
            Scenario::PathTraversal => "path-traversal",
            Scenario::Cmdi => "cmdi",
            Scenario::EtcPasswd => "etc-passwd",
            Scenario::AdminExport => "admin-export",
            Scenario::Scanner => "scanner",
            Scenario::BruteForce => "brute-force",
            Scenario::CredentialStuffing => "credential-stuffing",
            Scenario::PasswordSpraying => "password-spraying",
        }
    }

    /// The attack type of its events (`None` for customers). Web attacks use goshawk's
    /// [`goshawk_core::AttackType`] names; the behavioural ones are `brute-force`,
    /// `credential-stuffing` and `password-spraying`.
    pub fn attack_type(self) -> &'static str {
        match self {
            Scenario::Customer => "",
            Scenario::Sqli => "sqli",
            Scenario::Xss => "xss",
            Scenario::PathTraversal | Scenario::EtcPasswd => "path-traversal",
            Scenario::Cmdi => "cmdi",
            Scenario::AdminExport => "sensitive-resource",
            Scenario::Scanner => "scanner",
            Scenario::BruteForce => "brute-force",
            Scenario::CredentialStuffing => "credential-stuffing",
            Scenario::PasswordSpraying => "password-spraying",
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ground truth of one event. Detectors never see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// `normal` or `attack`.
    pub label: String,
    /// The attack type (see [`Scenario::attack_type`]); `None` for normal events.
    pub attack_type: Option<String>,
    /// The scenario ([`Scenario::as_str`]): `customer` or the campaign's kind.
    pub scenario: String,
}

impl Truth {
    pub fn is_attack(&self) -> bool {
        self.label == "attack"
    }
}

/// One simulated request with its ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEvent {
    /// Unique within a run (and across seeds): `{seed}-{sequence}`.
    pub id: String,
    /// Simulated time, in milliseconds since the Unix epoch (also in `request.timestamp`).
    pub time_ms: i64,
    /// The request as the bank logged it, with the status it answered, the client IP, and in
    /// `user` the account acted as: the logged-in customer, or on `POST /login/auth` the
    /// username tried.
    pub request: HttpRequest,
    pub truth: Truth,
}

impl SimEvent {
    /// The event as every detector takes it.
    pub fn to_event(&self) -> goshawk_core::Event {
        goshawk_core::Event::Http(self.request.clone())
    }
}

/// A request an actor produced, before the scheduler stamps it.
#[derive(Debug)]
pub(crate) struct Emitted {
    pub(crate) request: HttpRequest,
    pub(crate) attack_type: Option<&'static str>,
}

#[derive(Debug)]
enum Actor {
    Customer(Session),
    Attacker(campaigns::Attacker),
}

/// A running mean with a prior, for the arrival rates.
#[derive(Debug, Clone, Copy)]
struct Mean {
    sum: f64,
    count: f64,
}

impl Mean {
    fn with_prior(value: f64) -> Mean {
        Mean {
            sum: value * 10.0,
            count: 10.0,
        }
    }
    fn add(&mut self, value: f64) {
        self.sum += value;
        self.count += 1.0;
    }
    fn get(&self) -> f64 {
        (self.sum / self.count).max(1.0)
    }
}

/// The bank's traffic as an endless, time-ordered stream. Use `.take(n)` or stop on time.
#[derive(Debug)]
pub struct BankSimulator {
    rng: ChaCha8Rng,
    seed: u64,
    population: Population,
    ledger: Ledger,
    /// Actors by id, and when each acts next (`(time, tie-breaker, id)`).
    actors: HashMap<u64, Actor>,
    due: BinaryHeap<Reverse<(i64, u64, u64)>>,
    next_actor: u64,
    next_tie: u64,
    emitted: u64,
    now_ms: i64,
    /// Events before this time are simulated but not emitted (the warm-up).
    start_ms: i64,
    /// Next arrival of a customer session / of an attack campaign (fractional ms).
    next_session_ms: f64,
    next_campaign_ms: f64,
    normal_events_per_ms: f64,
    attack_events_per_ms: f64,
    session_length: Mean,
    campaign_length: Mean,
}

impl BankSimulator {
    /// A simulator for these settings; fails on a ratio outside [0, 1] or a non-positive rate.
    pub fn new(params: BankParams) -> Result<BankSimulator, BankError> {
        let ratio = params.attack_ratio;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(BankError::InvalidAttackRatio(ratio));
        }
        let rate = params.events_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(BankError::InvalidEventRate(rate));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        // A session occupies its customer for about 90 s plus a 120 s pause; keep at most
        // half of the customers busy.
        let needed = (rate * (1.0 - ratio) * 25.0).ceil() as usize;
        let population = Population::new(&mut rng, params.customers.max(needed).max(10));
        // Sessions last minutes: starting the clock early and discarding the first minutes
        // makes the first emitted event already part of steady traffic.
        let start = (params.start_time_ms - WARM_UP_MS) as f64;
        let mut sim = BankSimulator {
            rng,
            seed: params.seed,
            population,
            ledger: Ledger::default(),
            actors: HashMap::new(),
            due: BinaryHeap::new(),
            next_actor: 0,
            next_tie: 0,
            emitted: 0,
            now_ms: params.start_time_ms,
            start_ms: params.start_time_ms,
            next_session_ms: start,
            // Campaigns start only after the warm-up, so every attack is seen from its first request.
            next_campaign_ms: params.start_time_ms as f64,
            normal_events_per_ms: rate * (1.0 - ratio) / 1000.0,
            attack_events_per_ms: rate * ratio / 1000.0,
            session_length: Mean::with_prior(12.0),
            campaign_length: Mean::with_prior(55.0),
        };
        sim.next_session_ms += sim.session_gap_ms();
        sim.next_campaign_ms += match params.first_campaign_after_ms {
            Some(delay) if delay.is_finite() && delay >= 0.0 => delay,
            _ => sim.campaign_gap_ms(),
        };
        Ok(sim)
    }

    /// Customers in the simulated bank.
    pub fn customer_count(&self) -> usize {
        self.population.customers.len()
    }

    /// The simulated clock: the time of the last event (the start before the first).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    fn exponential_gap(&mut self, events_per_ms: f64, mean_length: f64) -> f64 {
        if events_per_ms <= 0.0 {
            return f64::INFINITY;
        }
        let arrivals_per_ms = events_per_ms / mean_length;
        let u: f64 = self.rng.gen_range(f64::EPSILON..1.0);
        -u.ln() / arrivals_per_ms
    }

    fn session_gap_ms(&mut self) -> f64 {
        self.exponential_gap(self.normal_events_per_ms, self.session_length.get())
    }

    fn campaign_gap_ms(&mut self) -> f64 {
        self.exponential_gap(self.attack_events_per_ms, self.campaign_length.get())
    }

    fn schedule(&mut self, at_ms: i64, actor: u64) {
        self.next_tie += 1;
        self.due.push(Reverse((at_ms, self.next_tie, actor)));
    }

    fn add_actor(&mut self, at_ms: i64, actor: Actor) {
        let id = self.next_actor;
        self.next_actor += 1;
        self.actors.insert(id, actor);
        self.schedule(at_ms, id);
    }

    fn start_session(&mut self, at_ms: i64) {
        let Some(customer) = self.population.pick_free(&mut self.rng, at_ms) else {
            return;
        };
        let session = Session::plan(&mut self.rng, customer);
        self.session_length.add(session.len() as f64);
        // Busy until the session ends; the pause after it is set then.
        self.population.customers[customer].free_at_ms = i64::MAX;
        self.add_actor(at_ms, Actor::Customer(session));
    }

    fn start_campaign(&mut self, at_ms: i64) {
        let attackers = campaigns::start(&mut self.rng, &self.population);
        let planned: u32 = attackers.iter().map(|(_, a)| a.planned()).sum();
        self.campaign_length.add(f64::from(planned));
        for (offset, attacker) in attackers {
            self.add_actor(at_ms + offset, Actor::Attacker(attacker));
        }
    }

    /// Lets actor `id` act at `at_ms`: `Some` with its request, or `None` when it was held
    /// back or has finished. The actor acts in place: taking it out of the map and putting it
    /// back moved it, a few hundred bytes, twice a request.
    fn act(&mut self, id: u64, at_ms: i64) -> Option<(Emitted, Scenario)> {
        let (emitted, next_at) = match self.actors.get_mut(&id)? {
            Actor::Customer(session) => 'customer: {
                let customer = session.customer;
                let ip = self.population.customers[customer].ip;
                let Some(facts) = session.next_facts() else {
                    self.population.customers[customer].free_at_ms = at_ms;
                    break 'customer (None, None);
                };
                if let Err(retry_at) = self.ledger.admit(ip, at_ms, facts) {
                    break 'customer (None, Some(retry_at.max(at_ms + 1)));
                }
                let emitted = session.take_step(&mut self.rng, &self.population);
                let next_at = session.next_delay_ms().map(|delay| at_ms + delay);
                if next_at.is_none() {
                    self.population.customers[customer].free_at_ms =
                        at_ms + customers::PAUSE_BETWEEN_SESSIONS_MS;
                }
                (emitted.map(|e| (e, Scenario::Customer)), next_at)
            }
            Actor::Attacker(attacker) => {
                let scenario = attacker.scenario;
                let emitted = attacker.take_step(&mut self.rng, &self.population);
                let next_at = attacker
                    .next_delay_ms(&mut self.rng)
                    .map(|delay| at_ms + delay);
                (emitted.map(|e| (e, scenario)), next_at)
            }
        };
        match next_at {
            Some(at) => self.schedule(at, id),
            None => {
                self.actors.remove(&id);
            }
        }
        emitted
    }
}

impl Iterator for BankSimulator {
    type Item = SimEvent;

    fn next(&mut self) -> Option<SimEvent> {
        loop {
            let next_due = self.due.peek().map_or(i64::MAX, |Reverse((at, _, _))| *at);
            let arrival = self.next_session_ms.min(self.next_campaign_ms);
            if arrival < next_due as f64 {
                let at_ms = arrival.ceil() as i64;
                if self.next_session_ms <= self.next_campaign_ms {
                    self.start_session(at_ms);
                    self.next_session_ms += self.session_gap_ms();
                } else {
                    self.start_campaign(at_ms);
                    self.next_campaign_ms += self.campaign_gap_ms();
                }
                continue;
            }
            let Reverse((at_ms, _, id)) = self.due.pop()?;
            let Some((emitted, scenario)) = self.act(id, at_ms) else {
                continue;
            };
            if at_ms < self.start_ms {
                continue;
            }
            self.now_ms = self.now_ms.max(at_ms);
            return Some(self.stamp(emitted, scenario));
        }
    }
}

impl BankSimulator {
    fn stamp(&mut self, emitted: Emitted, scenario: Scenario) -> SimEvent {
        let Emitted {
            mut request,
            attack_type,
        } = emitted;
        request.timestamp = Some(wire::rfc3339_ms(self.now_ms));
        let id = format!("{}-{}", self.seed, self.emitted);
        self.emitted += 1;
        let truth = Truth {
            label: if attack_type.is_some() {
                "attack"
            } else {
                "normal"
            }
            .to_string(),
            attack_type: attack_type.map(str::to_string),
            scenario: scenario.as_str().to_string(),
        };
        SimEvent {
            id,
            time_ms: self.now_ms,
            request,
            truth,
        }
    }
}

#[cfg(test)]
mod tests;
