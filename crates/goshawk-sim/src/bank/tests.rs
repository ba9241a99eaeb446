//! The simulator's promises, checked on long runs: determinism, the attack share, every
//! scenario, the shape of the behavioural campaigns, and customers staying under the limits a
//! window detector relies on.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::*;

fn run(seed: u64, attack_ratio: f64, n: usize) -> Vec<SimEvent> {
    BankSimulator::new(BankParams {
        seed,
        attack_ratio,
        ..Default::default()
    })
    .expect("valid params")
    .take(n)
    .collect()
}

fn ip(e: &SimEvent) -> &str {
    e.request.client_ip.as_deref().unwrap_or("")
}

fn is_login(e: &SimEvent) -> bool {
    e.request.method == "POST" && e.request.path() == "/login/auth"
}

/// Events of each IP, in time order.
fn by_ip<'a>(events: impl Iterator<Item = &'a SimEvent>) -> BTreeMap<&'a str, Vec<&'a SimEvent>> {
    let mut map: BTreeMap<&str, Vec<&SimEvent>> = BTreeMap::new();
    for e in events {
        map.entry(ip(e)).or_default().push(e);
    }
    map
}

#[test]
fn rejects_bad_parameters() {
    for ratio in [-0.1, 1.1, f64::NAN] {
        let params = BankParams {
            attack_ratio: ratio,
            ..Default::default()
        };
        assert!(matches!(
            BankSimulator::new(params),
            Err(BankError::InvalidAttackRatio(_))
        ));
    }
    for rate in [0.0, -1.0, f64::INFINITY] {
        let params = BankParams {
            events_per_second: rate,
            ..Default::default()
        };
        assert!(matches!(
            BankSimulator::new(params),
            Err(BankError::InvalidEventRate(_))
        ));
    }
}

#[test]
fn same_seed_same_events_other_seed_other_events() {
    let a = run(11, 0.2, 5000);
    assert_eq!(a, run(11, 0.2, 5000));
    let b = run(12, 0.2, 5000);
    let same = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.request == y.request)
        .count();
    assert!(same < 50, "{same} identical requests across seeds");
}

#[test]
fn ids_are_unique_and_time_only_moves_forward() {
    let events = run(5, 0.3, 20_000);
    let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
    assert!(events.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
    let start = BankParams::default().start_time_ms;
    assert!(events[0].time_ms >= start);
    for e in &events {
        assert_eq!(
            e.request.timestamp.as_deref(),
            Some(wire::rfc3339_ms(e.time_ms).as_str())
        );
        assert_eq!(e.request.header("host"), Some(BANK_HOST));
        assert!(e.request.header("user-agent").is_some());
        assert!(e.request.status.is_some());
        assert_eq!(e.truth.is_attack(), e.truth.attack_type.is_some());
        assert_eq!(e.truth.is_attack(), e.truth.scenario != "customer");
    }
    // The clock runs at about 20 events per simulated second.
    let seconds = (events[events.len() - 1].time_ms - events[0].time_ms) as f64 / 1000.0;
    let rate = events.len() as f64 / seconds;
    assert!(
        (14.0..28.0).contains(&rate),
        "{rate} events per simulated second"
    );
}

#[test]
fn attack_share_follows_the_ratio() {
    for ratio in [0.0, 0.05, 0.2, 0.5, 1.0] {
        let events = run(21, ratio, 100_000);
        let attacks = events.iter().filter(|e| e.truth.is_attack()).count();
        let share = attacks as f64 / events.len() as f64;
        assert!(
            (share - ratio).abs() <= 0.03,
            "ratio {ratio}: got {share:.3}"
        );
    }
}

#[test]
fn every_scenario_shows_up_and_campaigns_are_bursts() {
    let events = run(31, 0.15, 60_000);
    let mut per_scenario: HashMap<&str, usize> = HashMap::new();
    for e in &events {
        *per_scenario.entry(e.truth.scenario.as_str()).or_default() += 1;
    }
    for scenario in Scenario::ATTACKS.iter().chain([&Scenario::Customer]) {
        assert!(
            per_scenario.get(scenario.as_str()).copied().unwrap_or(0) > 0,
            "{scenario} missing: {per_scenario:?}"
        );
    }
    // Attacks are interleaved with customer traffic, not a block at the end.
    let first_half = events[..30_000]
        .iter()
        .filter(|e| e.truth.is_attack())
        .count();
    assert!((2_000..7_000).contains(&first_half), "{first_half}");
    let mixed_minutes = events
        .chunk_by(|a, b| a.time_ms / 60_000 == b.time_ms / 60_000)
        .filter(|minute| {
            minute.iter().any(|e| e.truth.is_attack())
                && minute.iter().any(|e| !e.truth.is_attack())
        })
        .count();
    assert!(mixed_minutes > 20, "{mixed_minutes} minutes with both");
    // The seed's signature requests are there.
    assert!(events.iter().any(|e| e
        .request
        .url
        .contains("/api/admin/export?table=credit_cards")));
    assert!(events.iter().any(|e| e.request.url.contains("etc/passwd")));
}

#[test]
fn customers_stay_within_the_normal_limits_and_never_share_an_attacker_ip() {
    let events = run(41, 0.2, 120_000);
    let attacker_ips: HashSet<&str> = events
        .iter()
        .filter(|e| e.truth.is_attack())
        .map(ip)
        .collect();
    let normal: Vec<&SimEvent> = events.iter().filter(|e| !e.truth.is_attack()).collect();
    let limits = NORMAL_LIMITS;
    let mut busiest = [0usize; 5];
    for (address, mine) in by_ip(normal.into_iter()) {
        assert!(!attacker_ips.contains(address), "{address} is both");
        for (i, first) in mine.iter().enumerate() {
            let window: Vec<&&SimEvent> = mine[i..]
                .iter()
                .take_while(|e| e.time_ms - first.time_ms < WINDOW_MS)
                .collect();
            let logins: Vec<&&&SimEvent> = window.iter().filter(|e| is_login(e)).collect();
            let failed = logins
                .iter()
                .filter(|e| e.request.status == Some(401))
                .count();
            let accounts: HashSet<&str> = logins
                .iter()
                .filter_map(|e| e.request.user.as_deref())
                .collect();
            let errors = window
                .iter()
                .filter(|e| e.request.status.is_some_and(|s| s >= 400))
                .count();
            let counts = [window.len(), logins.len(), failed, accounts.len(), errors];
            let caps = [
                limits.requests,
                limits.login_attempts,
                limits.failed_logins,
                limits.distinct_accounts,
                limits.errors,
            ];
            for k in 0..5 {
                assert!(counts[k] <= caps[k], "{address}: {counts:?} over {caps:?}");
                busiest[k] = busiest[k].max(counts[k]);
            }
        }
    }
    // The limits bind: customers do get near them (so they are not vacuous).
    assert!(
        busiest[0] >= 10 && busiest[2] >= 1 && busiest[3] >= 2,
        "{busiest:?}"
    );
}

/// Attackers of `scenario` whose first request is at least a minute before the run's end,
/// with their events of the first 60 s.
fn first_minutes(events: &[SimEvent], scenario: Scenario) -> Vec<Vec<&SimEvent>> {
    let end = events[events.len() - 1].time_ms;
    by_ip(
        events
            .iter()
            .filter(|e| e.truth.scenario == scenario.as_str()),
    )
    .into_values()
    .filter(|mine| mine[0].time_ms + WINDOW_MS <= end)
    .map(|mine| {
        let start = mine[0].time_ms;
        mine.into_iter()
            .take_while(|e| e.time_ms - start < WINDOW_MS)
            .collect()
    })
    .collect()
}

#[test]
fn brute_force_hammers_one_account_from_one_ip() {
    let events = run(51, 0.3, 150_000);
    let attackers = first_minutes(&events, Scenario::BruteForce);
    assert!(attackers.len() >= 10, "{} brute-force IPs", attackers.len());
    for minute in attackers {
        let failures: Vec<_> = minute
            .iter()
            .filter(|e| is_login(e) && e.request.status == Some(401))
            .collect();
        assert!(
            failures.len() >= BRUTE_FORCE_MIN_FAILURES_PER_MINUTE,
            "{} failures in the first minute from {}",
            failures.len(),
            ip(minute[0])
        );
        let accounts: HashSet<_> = failures.iter().map(|e| e.request.user.clone()).collect();
        assert_eq!(accounts.len(), 1, "one target");
    }
}

#[test]
fn stuffing_and_spraying_try_many_accounts_with_few_successes() {
    let events = run(61, 0.3, 150_000);
    for (scenario, min_accounts, max_success) in [
        (
            Scenario::CredentialStuffing,
            STUFFING_MIN_ACCOUNTS_PER_MINUTE,
            0.10,
        ),
        (
            Scenario::PasswordSpraying,
            SPRAYING_MIN_ACCOUNTS_PER_MINUTE,
            0.05,
        ),
    ] {
        let attackers = first_minutes(&events, scenario);
        assert!(attackers.len() >= 10, "{} {scenario} IPs", attackers.len());
        for minute in attackers {
            let accounts: HashSet<_> = minute
                .iter()
                .filter(|e| is_login(e))
                .filter_map(|e| e.request.user.as_deref())
                .collect();
            assert!(
                accounts.len() >= min_accounts,
                "{scenario}: {} accounts",
                accounts.len()
            );
        }
        // Success rate over each IP's whole campaign.
        for (address, mine) in by_ip(
            events
                .iter()
                .filter(|e| e.truth.scenario == scenario.as_str()),
        ) {
            let logins = mine.iter().filter(|e| is_login(e)).count();
            let successes = mine
                .iter()
                .filter(|e| is_login(e) && e.request.status == Some(302))
                .count();
            assert!(
                successes as f64 <= max_success * logins as f64,
                "{scenario} {address}: {successes} of {logins}"
            );
        }
    }
    // Spraying uses one password per campaign; check on the form bodies.
    let spray_passwords: HashSet<String> = events
        .iter()
        .filter(|e| e.truth.scenario == "password-spraying")
        .filter_map(|e| {
            e.request
                .body
                .split('&')
                .find(|p| p.starts_with("password="))
                .map(String::from)
        })
        .collect();
    let spray_ips = by_ip(
        events
            .iter()
            .filter(|e| e.truth.scenario == "password-spraying"),
    )
    .len();
    assert!(spray_passwords.len() <= spray_ips, "{spray_passwords:?}");
}

#[test]
fn scanners_mostly_hit_missing_pages_with_tool_agents() {
    let events = run(71, 0.3, 60_000);
    let scans: Vec<&SimEvent> = events
        .iter()
        .filter(|e| e.truth.scenario == "scanner")
        .collect();
    assert!(scans.len() > 100);
    let not_found = scans
        .iter()
        .filter(|e| e.request.status == Some(404))
        .count();
    assert!(
        not_found * 10 >= scans.len() * 7,
        "{not_found} of {}",
        scans.len()
    );
    assert!(scans.iter().any(|e| e.request.url == "/.env"));
    assert!(scans.iter().any(|e| e.request.url == "/.git/config"));
    assert!(scans.iter().any(|e| e.request.url == "/wp-login.php"));
    let agents: HashSet<&str> = scans
        .iter()
        .filter_map(|e| e.request.header("user-agent"))
        .collect();
    assert!(
        agents.iter().any(|a| a.contains("Nikto")) && agents.iter().any(|a| a.contains("sqlmap"))
    );
}

#[test]
fn customer_traffic_is_a_bank_session_with_awkward_but_benign_text() {
    let events = run(81, 0.0, 30_000);
    let mut paths: HashMap<&str, usize> = HashMap::new();
    for e in &events {
        *paths.entry(e.request.path()).or_default() += 1;
    }
    for path in [
        "/login",
        "/login/auth",
        "/api/balance/check",
        "/transfer/internal",
        "/support/ticket",
        "/logout",
        "/static/css/app.css",
    ] {
        assert!(
            paths.get(path).copied().unwrap_or(0) > 50,
            "{path}: {paths:?}"
        );
    }
    let logins: Vec<&SimEvent> = events.iter().filter(|e| is_login(e)).collect();
    let failed = logins
        .iter()
        .filter(|e| e.request.status == Some(401))
        .count();
    let share = failed as f64 / logins.len() as f64;
    assert!(
        (0.02..0.12).contains(&share),
        "{share} of customer logins fail"
    );
    let tickets: Vec<&str> = events
        .iter()
        .filter(|e| e.request.path() == "/support/ticket")
        .map(|e| e.request.body.as_str())
        .collect();
    for bait in ["%27", "%22", "%3C3", "https%3A%2F%2F"] {
        assert!(
            tickets.iter().any(|b| b.contains(bait)),
            "no {bait} in tickets"
        );
    }
    // Stable identities: one User-Agent per customer.
    let mut agents: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in events.iter().filter(|e| is_login(e)) {
        if let (Some(user), Some(agent)) =
            (e.request.user.as_deref(), e.request.header("user-agent"))
        {
            agents.entry(user).or_default().insert(agent);
        }
    }
    assert!(agents.values().all(|a| a.len() == 1));
}

#[test]
fn population_grows_with_the_event_rate() {
    let small = BankSimulator::new(BankParams::default()).expect("valid");
    assert_eq!(small.customer_count(), 500);
    let big = BankSimulator::new(BankParams {
        events_per_second: 1000.0,
        ..Default::default()
    })
    .expect("valid");
    assert!(big.customer_count() >= 20_000);
    // Many customers, still within the limits and at the requested density.
    let events: Vec<SimEvent> = big.take(30_000).collect();
    let seconds = (events[events.len() - 1].time_ms - events[0].time_ms) as f64 / 1000.0;
    let rate = events.len() as f64 / seconds;
    assert!((700.0..1400.0).contains(&rate), "{rate}/s");
}

#[test]
fn a_first_campaign_delay_starts_the_first_attack_then() {
    for seed in 0..20 {
        let params = BankParams {
            seed,
            first_campaign_after_ms: Some(1_000.0),
            ..Default::default()
        };
        let start = params.start_time_ms;
        let first_attack = BankSimulator::new(params)
            .expect("valid params")
            .take(5_000)
            .find(|e| e.truth.is_attack())
            .expect("an attack in 5,000 events");
        let after = first_attack.time_ms - start;
        assert!(
            (1_000..1_100).contains(&after),
            "seed {seed}: first attack {after} ms after the start"
        );
    }
}
