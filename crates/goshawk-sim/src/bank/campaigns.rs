//! Attack campaigns against the bank: bursts of requests from attacker addresses, each burst one
//! [`Scenario`]. Injection payloads come from the web generator's grammars
//! (`attacks::slot_payload`), placed on the bank's own endpoints; the behavioural campaigns
//! (brute force, credential stuffing, password spraying) are sequences of ordinary-looking
//! logins whose *pattern* is the attack.
//!
//! Structure guaranteed per attacker IP (what a 60 s window detector can rely on), counted from
//! the IP's first request:
//! - brute force: one account, one IP, an attempt every 0.3–2.5 s, 40–200 attempts, all 401
//!   but possibly the last: at least [`BRUTE_FORCE_MIN_FAILURES_PER_MINUTE`] failures in the
//!   first 60 s;
//! - credential stuffing: 1–3 IPs, each trying a new account every 0.4–3 s (25–120 tries),
//!   success rate at most 10 %: at least [`STUFFING_MIN_ACCOUNTS_PER_MINUTE`] distinct accounts
//!   per IP in the first 60 s;
//! - password spraying: 1–2 IPs, one password, a new existing account every 1–3.5 s (20–80
//!   tries), success rate at most 5 %: at least [`SPRAYING_MIN_ACCOUNTS_PER_MINUTE`] distinct
//!   accounts per IP in the first 60 s.

use std::collections::{HashSet, VecDeque};

use goshawk_core::{AttackType, HttpRequest};
use rand::Rng;

use crate::attacks::{attacker_ip, slot_payload, SlotContext, SENSITIVE_FILES};
use crate::draft::{Draft, SlotKind, SlotRef};
use crate::vocab::{self as v, chance, pick, weighted, Rng8};

use super::customers::Population;
use super::{Emitted, Scenario, BANK_HOST};

/// Least failed logins a brute-force IP makes in the first 60 s of its campaign.
pub const BRUTE_FORCE_MIN_FAILURES_PER_MINUTE: usize = 20;
/// Least distinct accounts a credential-stuffing IP tries in the first 60 s of its campaign.
pub const STUFFING_MIN_ACCOUNTS_PER_MINUTE: usize = 15;
/// Least distinct accounts a password-spraying IP tries in the first 60 s of its campaign.
pub const SPRAYING_MIN_ACCOUNTS_PER_MINUTE: usize = 15;

/// How often each scenario starts, relative to the others.
const SCENARIO_WEIGHTS: &[(u32, Scenario)] = &[
    (18, Scenario::Sqli),
    (14, Scenario::Xss),
    (9, Scenario::PathTraversal),
    (8, Scenario::Cmdi),
    (6, Scenario::EtcPasswd),
    (7, Scenario::AdminExport),
    (8, Scenario::Scanner),
    (10, Scenario::BruteForce),
    (12, Scenario::CredentialStuffing),
    (8, Scenario::PasswordSpraying),
];

/// One attacking address working through its part of a campaign.
#[derive(Debug)]
pub(crate) struct Attacker {
    pub(crate) scenario: Scenario,
    ip: String,
    /// `None`: a new browser User-Agent on every request (stuffing tools rotate them).
    user_agent: Option<String>,
    /// Requests left in the plan (follow-ups after a successful login come on top).
    remaining: u32,
    gap_ms: (i64, i64),
    /// Brute force: the account attacked.
    target: String,
    /// Brute force: the customer whose username `target` is, if any: looked up once, since a
    /// scan of the population on every attempt was a tenth of a wall-clock-paced simulation.
    target_customer: Option<usize>,
    /// Password spraying: the one password tried everywhere.
    password: String,
    tried: HashSet<String>,
    attempts: u32,
    successes: u32,
    /// Requests made with a taken-over account, sent before the next attempt.
    follow_ups: VecDeque<Draft>,
}

/// Starts a campaign: its attackers with the delay before each one's first request.
pub(crate) fn start(rng: &mut Rng8, population: &Population) -> Vec<(i64, Attacker)> {
    let scenario = *weighted(rng, SCENARIO_WEIGHTS);
    let ips = match scenario {
        Scenario::CredentialStuffing => rng.gen_range(1..=3),
        Scenario::PasswordSpraying => rng.gen_range(1..=2),
        _ => 1,
    };
    let spray_password = pick(
        rng,
        &[
            "Winter2025!",
            "Spring2026!",
            "Welcome1!",
            "Password123",
            "Banco2025",
            "Qwerty123!",
            "Summer2026",
            "Changeme1",
        ],
    )
    .to_string();
    (0..ips)
        .map(|i| {
            let offset = if i == 0 { 0 } else { rng.gen_range(500..8_000) };
            let mut attacker = Attacker::new(rng, scenario, population);
            attacker.password = spray_password.clone();
            (offset, attacker)
        })
        .collect()
}

impl Attacker {
    fn new(rng: &mut Rng8, scenario: Scenario, population: &Population) -> Attacker {
        let automated = chance(rng, 0.5);
        let (remaining, gap_ms) = match scenario {
            Scenario::Sqli | Scenario::Cmdi if automated => (rng.gen_range(15..=60), (200, 1_500)),
            Scenario::Sqli | Scenario::Xss | Scenario::PathTraversal | Scenario::Cmdi => {
                (rng.gen_range(3..=15), (1_500, 9_000))
            }
            Scenario::EtcPasswd => (rng.gen_range(1..=6), (800, 6_000)),
            Scenario::AdminExport => (rng.gen_range(1..=8), (1_000, 10_000)),
            Scenario::Scanner => (rng.gen_range(30..=150), (50, 600)),
            Scenario::BruteForce => (rng.gen_range(40..=200), (300, 2_500)),
            Scenario::CredentialStuffing => (rng.gen_range(25..=120), (400, 3_000)),
            Scenario::PasswordSpraying => (rng.gen_range(20..=80), (1_000, 3_500)),
            Scenario::Customer => (1, (1_000, 2_000)),
        };
        let user_agent = match scenario {
            Scenario::Sqli if automated => Some(sqlmap_agent(rng)),
            Scenario::Scanner => Some(scanner_agent(rng)),
            Scenario::CredentialStuffing => None,
            Scenario::BruteForce | Scenario::PasswordSpraying => Some(
                pick(
                    rng,
                    &[
                        "Mozilla/4.0 (Hydra)",
                        "python-requests/2.31.0",
                        "curl/8.5.0",
                        "Go-http-client/1.1",
                        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                    ],
                )
                .to_string(),
            ),
            _ => Some(v::user_agent(rng)),
        };
        let target = if chance(rng, 0.7) {
            pick(rng, &population.customers).username.clone()
        } else {
            pick(rng, &["admin", "administrator", "root", "test", "support"]).to_string()
        };
        let target_customer = population
            .customers
            .iter()
            .position(|c| c.username == target);
        Attacker {
            scenario,
            ip: attacker_ip(rng),
            user_agent,
            remaining,
            gap_ms,
            target,
            target_customer,
            password: String::new(),
            tried: HashSet::new(),
            attempts: 0,
            successes: 0,
            follow_ups: VecDeque::new(),
        }
    }

    /// Requests this attacker plans to make (for the scheduler's rate estimate).
    pub(crate) fn planned(&self) -> u32 {
        self.remaining
    }

    /// Wait before the next request; `None` when done.
    pub(crate) fn next_delay_ms(&self, rng: &mut Rng8) -> Option<i64> {
        if !self.follow_ups.is_empty() {
            return Some(rng.gen_range(800..3_000));
        }
        (self.remaining > 0).then(|| rng.gen_range(self.gap_ms.0..=self.gap_ms.1))
    }

    /// The next request of the campaign.
    pub(crate) fn take_step(&mut self, rng: &mut Rng8, population: &Population) -> Option<Emitted> {
        if let Some(draft) = self.follow_ups.pop_front() {
            return Some(self.finish(rng, draft, 200, Some(self.target.clone())));
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let emitted = match self.scenario {
            Scenario::Sqli => self.injection(rng, population, &AttackType::Sqli),
            Scenario::Xss => self.injection(rng, population, &AttackType::Xss),
            Scenario::PathTraversal => self.injection(rng, population, &AttackType::PathTraversal),
            Scenario::Cmdi => self.injection(rng, population, &AttackType::Cmdi),
            Scenario::EtcPasswd => self.etc_passwd(rng),
            Scenario::AdminExport => self.admin_export(rng),
            Scenario::Scanner => self.scan(rng),
            Scenario::BruteForce => self.brute_force(rng, population),
            Scenario::CredentialStuffing => self.stuff(rng, population),
            Scenario::PasswordSpraying => self.spray(rng, population),
            Scenario::Customer => return None,
        };
        Some(emitted)
    }

    /// Headers, address and status of an attacker request.
    fn finish(
        &self,
        rng: &mut Rng8,
        mut draft: Draft,
        status: u16,
        user: Option<String>,
    ) -> Emitted {
        draft.client_ip = self.ip.clone();
        let agent = match &self.user_agent {
            Some(agent) => agent.clone(),
            None => v::user_agent(rng),
        };
        draft = draft.header("User-Agent", agent).header("Accept", "*/*");
        let mut request: HttpRequest = draft.render();
        request.status = Some(status);
        request.user = user;
        Emitted {
            request,
            attack_type: Some(self.scenario.attack_type()),
        }
    }

    /// An injection payload of `attack` in a parameter of one of the bank's endpoints.
    fn injection(
        &mut self,
        rng: &mut Rng8,
        population: &Population,
        attack: &AttackType,
    ) -> Emitted {
        let customer = pick(rng, &population.customers);
        let account = customer.accounts[0].clone();
        let (draft, field, status_login) = match (attack, rng.gen_range(0..5)) {
            (AttackType::Sqli, 0) | (AttackType::Sqli, 1) => (
                Draft::new("GET", BANK_HOST, "/api/balance/check").query(
                    "account",
                    account,
                    SlotKind::Id,
                ),
                "account",
                false,
            ),
            (AttackType::Sqli, 2) => (
                login_form(customer.username.clone(), v::password(rng)),
                "username",
                true,
            ),
            (AttackType::Sqli, 3) => (
                Draft::new("GET", BANK_HOST, "/api/transactions")
                    .query("account", account, SlotKind::Id)
                    .query("sort", "-date", SlotKind::Choice),
                "sort",
                false,
            ),
            (AttackType::Sqli, _) => (transfer_form(rng, account), "to_account", false),
            (AttackType::Xss, 0..=2) => (ticket_form(rng, &customer.email), "message", false),
            (AttackType::Xss, 3) => (
                Draft::new("GET", BANK_HOST, "/help/search").query(
                    "q",
                    "reset password",
                    SlotKind::Text,
                ),
                "q",
                false,
            ),
            (AttackType::Xss, _) => (transfer_form(rng, account), "memo", false),
            (AttackType::PathTraversal, 0..=3) => (
                Draft::new("GET", BANK_HOST, "/download").query(
                    "file",
                    "statement_2026_03.pdf",
                    SlotKind::File,
                ),
                "file",
                false,
            ),
            (AttackType::PathTraversal, _) => (
                Draft::new("GET", BANK_HOST, "/statements").seg("2026-03.pdf", SlotKind::File),
                "",
                false,
            ),
            (AttackType::Cmdi, 0 | 1) => (
                Draft::new("GET", BANK_HOST, "/download").query(
                    "file",
                    "statement_2026_03.pdf",
                    SlotKind::File,
                ),
                "file",
                false,
            ),
            (AttackType::Cmdi, 2) => (ticket_form(rng, &customer.email), "message", false),
            (_, _) => (
                Draft::new("GET", BANK_HOST, "/api/balance/check").query(
                    "account",
                    account,
                    SlotKind::Id,
                ),
                "account",
                false,
            ),
        };
        let draft = inject(rng, draft, field, attack);
        let status = if status_login {
            *pick(rng, &[401, 401, 302, 500])
        } else {
            *pick(rng, &[200, 200, 200, 500, 403, 400])
        };
        let user = status_login.then(|| customer.username.clone());
        self.finish(rng, draft, status, user)
    }

    fn etc_passwd(&mut self, rng: &mut Rng8) -> Emitted {
        let depth = rng.gen_range(3..=8);
        let draft = match rng.gen_range(0..6) {
            0 => Draft::new("GET", BANK_HOST, "/etc/passwd"),
            1 => {
                let up = "../".repeat(depth);
                Draft::new("GET", BANK_HOST, "/download").query(
                    "file",
                    format!("{up}etc/passwd"),
                    SlotKind::File,
                )
            }
            2 => Draft::new("GET", BANK_HOST, "/download").query(
                "file",
                "/etc/passwd",
                SlotKind::File,
            ),
            3 => {
                let mut d = Draft::new("GET", BANK_HOST, "/statements");
                d.path.push(crate::draft::Segment {
                    value: crate::draft::Value::Wire(format!(
                        "{}etc%2fpasswd",
                        "..%2f".repeat(depth)
                    )),
                    kind: Some(SlotKind::File),
                });
                d
            }
            4 => {
                let up = "....//".repeat(depth);
                Draft::new("GET", BANK_HOST, "/download").query(
                    "file",
                    format!("{up}etc/passwd"),
                    SlotKind::File,
                )
            }
            _ => {
                let mut d = Draft::new("GET", BANK_HOST, "/static");
                d.path.push(crate::draft::Segment {
                    value: crate::draft::Value::Wire(format!("{}etc/passwd", "../".repeat(depth))),
                    kind: Some(SlotKind::File),
                });
                d
            }
        };
        let status = *pick(rng, &[404, 404, 403, 400, 200]);
        self.finish(rng, draft, status, None)
    }

    fn admin_export(&mut self, rng: &mut Rng8) -> Emitted {
        let table = *pick(
            rng,
            &[
                "credit_cards",
                "credit_cards",
                "credit_cards",
                "users",
                "accounts",
                "transactions",
                "customers",
            ],
        );
        let mut draft =
            Draft::new("GET", BANK_HOST, "/api/admin/export").query_fixed("table", table);
        if chance(rng, 0.5) {
            draft = draft.query_fixed("format", *pick(rng, &["csv", "json", "sql"]));
        }
        // The unsafe bank sometimes hands the data over.
        let status = *pick(rng, &[403, 403, 401, 200]);
        self.finish(rng, draft, status, None)
    }

    fn scan(&mut self, rng: &mut Rng8) -> Emitted {
        let path = if chance(rng, 0.4) {
            pick(rng, SCANNER_PATHS).to_string()
        } else {
            format!("/{}", pick(rng, SENSITIVE_FILES))
        };
        let status = match path.as_str() {
            "/robots.txt" | "/login" => 200,
            "/admin/" | "/server-status" | "/.htaccess" => 403,
            _ => 404,
        };
        let method = *pick(rng, &["GET", "GET", "GET", "GET", "HEAD", "POST"]);
        let draft = Draft::new(method, BANK_HOST, &path);
        self.finish(rng, draft, status, None)
    }

    fn brute_force(&mut self, rng: &mut Rng8, population: &Population) -> Emitted {
        self.attempts += 1;
        let guess = if chance(rng, 0.6) {
            pick(rng, COMMON_PASSWORDS).to_string()
        } else {
            v::password(rng)
        };
        let real = self.target_customer.map(|i| &population.customers[i]);
        // The last attempt on a real account sometimes finds the password.
        let cracked = self.remaining == 0 && real.is_some() && chance(rng, 0.15);
        let password = match (cracked, real) {
            (true, Some(customer)) => customer.password.clone(),
            _ => guess,
        };
        if let (true, Some(customer)) = (cracked, real) {
            self.take_over(rng, &customer.accounts[0].clone());
        }
        let draft = login_form(self.target.clone(), password);
        let status = if cracked { 302 } else { 401 };
        self.finish(rng, draft, status, Some(self.target.clone()))
    }

    fn stuff(&mut self, rng: &mut Rng8, population: &Population) -> Emitted {
        self.attempts += 1;
        let (username, real) = loop {
            let candidate = if chance(rng, 0.55) {
                let customer = rng.gen_range(0..population.customers.len());
                (
                    population.customers[customer].username.clone(),
                    Some(customer),
                )
            } else {
                (v::email(rng), None)
            };
            if self.tried.insert(candidate.0.clone())
                || self.tried.len() > 5 * population.customers.len()
            {
                break candidate;
            }
        };
        // Reused passwords work now and then, at most one attempt in ten.
        let cracked =
            real.is_some() && (self.successes + 1) * 10 <= self.attempts && chance(rng, 0.08);
        let password = match real {
            Some(i) if cracked => population.customers[i].password.clone(),
            _ => v::password(rng),
        };
        if let (true, Some(i)) = (cracked, real) {
            self.successes += 1;
            self.target = username.clone();
            self.take_over(rng, &population.customers[i].accounts[0].clone());
        }
        let draft = login_form(username.clone(), password);
        let status = if cracked { 302 } else { 401 };
        self.finish(rng, draft, status, Some(username))
    }

    fn spray(&mut self, rng: &mut Rng8, population: &Population) -> Emitted {
        self.attempts += 1;
        let mut customer = rng.gen_range(0..population.customers.len());
        for _ in 0..64 {
            if !self
                .tried
                .contains(&population.customers[customer].username)
            {
                break;
            }
            customer = rng.gen_range(0..population.customers.len());
        }
        let username = population.customers[customer].username.clone();
        self.tried.insert(username.clone());
        // One customer in fifty uses the season's password; at most one success in twenty.
        let cracked = (self.successes + 1) * 20 <= self.attempts && chance(rng, 0.02);
        if cracked {
            self.successes += 1;
        }
        let draft = login_form(username.clone(), self.password.clone());
        let status = if cracked { 302 } else { 401 };
        self.finish(rng, draft, status, Some(username))
    }

    /// What an attacker does with an account once in: look at the money, move some.
    fn take_over(&mut self, rng: &mut Rng8, account: &str) {
        self.follow_ups
            .push_back(Draft::new("GET", BANK_HOST, "/api/balance/check").query(
                "account",
                account,
                SlotKind::Id,
            ));
        if chance(rng, 0.5) {
            let mule = v::iban(rng, false);
            self.follow_ups.push_back(
                Draft::new("POST", BANK_HOST, "/transfer/internal")
                    .form("from_account", account, SlotKind::Id)
                    .form("to_account", mule, SlotKind::Id)
                    .form(
                        "amount",
                        format!("{}.00", rng.gen_range(900..9_900)),
                        SlotKind::Amount,
                    ),
            );
        }
    }
}

/// Writes a payload of `attack` into the slot named `field` (`""`: the first path slot).
fn inject(rng: &mut Rng8, mut draft: Draft, field: &str, attack: &AttackType) -> Draft {
    let found = draft
        .slots()
        .into_iter()
        .find(|(at, _)| draft.slot_name(*at) == field && !matches!(at, SlotRef::Header(_)));
    if let Some((at, kind)) = found {
        let slot = SlotContext {
            kind,
            original: draft.slot_text(at).to_string(),
            name: field.to_string(),
            in_path: matches!(at, SlotRef::Path(_)),
        };
        if let Some((value, _payload)) = slot_payload(rng, attack, &slot, at.is_url_encoded()) {
            draft.set_slot(at, value);
        }
    }
    draft
}

fn login_form(username: String, password: String) -> Draft {
    Draft::new("POST", BANK_HOST, "/login/auth")
        .form("username", username, SlotKind::Name)
        .form("password", password, SlotKind::Secret)
}

fn transfer_form(rng: &mut Rng8, from: String) -> Draft {
    Draft::new("POST", BANK_HOST, "/transfer/internal")
        .form("from_account", from, SlotKind::Id)
        .form("to_account", v::digits(rng, 10), SlotKind::Id)
        .form("amount", v::amount(rng), SlotKind::Amount)
        .form("memo", v::memo(rng), SlotKind::Text)
}

fn ticket_form(rng: &mut Rng8, email: &str) -> Draft {
    Draft::new("POST", BANK_HOST, "/support/ticket")
        .form("subject", v::subject(rng), SlotKind::Text)
        .form("message", v::support_message(rng), SlotKind::Text)
        .form("category", "other", SlotKind::Choice)
        .form("email", email, SlotKind::Email)
}

fn sqlmap_agent(rng: &mut Rng8) -> String {
    format!(
        "sqlmap/1.{}.{}#stable (https://sqlmap.org)",
        rng.gen_range(6..=8),
        rng.gen_range(1..=12)
    )
}

fn scanner_agent(rng: &mut Rng8) -> String {
    match rng.gen_range(0..8) {
        0 => format!(
            "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{:06})",
            rng.gen_range(1..9_999)
        ),
        1 => sqlmap_agent(rng),
        2 => "gobuster/3.6".to_string(),
        3 => "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))".to_string(),
        4 => "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)".to_string(),
        5 => "Fuzz Faster U Fool v2.1.0-dev".to_string(),
        6 => "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)".to_string(),
        _ => "Mozilla/5.0 zgrab/0.x".to_string(),
    }
}

const SCANNER_PATHS: &[&str] = &[
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/wp-login.php",
    "/wp-admin/",
    "/xmlrpc.php",
    "/admin/",
    "/administrator/index.php",
    "/phpmyadmin/index.php",
    "/cgi-bin/test.cgi",
    "/server-status",
    "/.htaccess",
    "/solr/admin/",
    "/HNAP1/",
    "/boaform/admin/formLogin",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/api/swagger.json",
    "/robots.txt",
    "/login",
    "/backup.zip",
];

const COMMON_PASSWORDS: &[&str] = &[
    "123456",
    "password",
    "123456789",
    "qwerty",
    "12345678",
    "111111",
    "letmein",
    "admin",
    "welcome",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "abc123",
    "Password1",
    "P@ssw0rd",
    "sunshine",
    "princess",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn web_attack_types_are_named_goshawk_types() {
        for (_, scenario) in SCENARIO_WEIGHTS {
            let name = scenario.attack_type();
            let parsed = AttackType::parse(name).expect("an attack");
            let behavioural = matches!(
                scenario,
                Scenario::BruteForce | Scenario::CredentialStuffing | Scenario::PasswordSpraying
            );
            assert_eq!(
                AttackType::NAMED.contains(&parsed),
                !behavioural,
                "{name} parses as {parsed:?}"
            );
        }
    }

    #[test]
    fn injections_change_the_named_slot_only() {
        let mut rng = Rng8::seed_from_u64(9);
        for attack in [
            AttackType::Sqli,
            AttackType::Xss,
            AttackType::PathTraversal,
            AttackType::Cmdi,
        ] {
            for _ in 0..200 {
                let clean = Draft::new("GET", BANK_HOST, "/download")
                    .query("file", "statement_2026_03.pdf", SlotKind::File)
                    .query("lang", "en", SlotKind::Choice);
                let before = clean.render();
                let after = inject(&mut rng, clean, "file", &attack).render();
                assert_ne!(before.url, after.url, "{attack}");
                assert!(after.url.starts_with("/download?file="), "{}", after.url);
                assert!(after.url.ends_with("&lang=en"), "{}", after.url);
            }
        }
    }

    #[test]
    fn campaign_requests_carry_the_attacker_address_and_truth() {
        let mut rng = Rng8::seed_from_u64(10);
        let population = Population::new(&mut rng, 30);
        for scenario in Scenario::ATTACKS {
            let mut attacker = Attacker::new(&mut rng, scenario, &population);
            let mut seen = 0;
            while let Some(emitted) = attacker.take_step(&mut rng, &population) {
                seen += 1;
                assert_eq!(
                    emitted.request.client_ip.as_deref(),
                    Some(attacker.ip.as_str())
                );
                assert_eq!(emitted.attack_type, Some(scenario.attack_type()));
                assert_eq!(emitted.request.header("host"), Some(BANK_HOST));
            }
            assert!(seen >= 1, "{scenario}");
        }
    }
}
