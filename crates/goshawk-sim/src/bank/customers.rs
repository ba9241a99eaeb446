//! The bank's customers: a fixed population with stable addresses, browsers and accounts, and
//! the sessions they run (log in, look at balances, transfer, write to support, log out).
//!
//! A session is planned in full when it starts (every step with its think time and its
//! outcome), so the scheduler knows what a step counts towards before it sends it and can hold
//! it back to keep the IP within [`super::limits::NORMAL_LIMITS`].

use std::collections::{HashSet, VecDeque};

use rand::Rng;

use crate::draft::{Draft, SlotKind};
use crate::encode::UrlStyle;
use crate::vocab::{self as v, chance, pick, Rng8};

use super::limits::Facts;
use super::{Emitted, BANK_HOST};

/// One customer of the bank.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) email: String,
    /// Index into [`Population::ips`]; office customers share one.
    pub(crate) ip: u32,
    pub(crate) user_agent: String,
    pub(crate) accept_language: &'static str,
    /// How this customer's client escapes forms: browsers form-encode, the app is strict.
    pub(crate) style: UrlStyle,
    pub(crate) accounts: Vec<String>,
    /// No new session before this time (a session running, or a pause after one).
    pub(crate) free_at_ms: i64,
}

/// Everyone who banks here.
#[derive(Debug)]
pub(crate) struct Population {
    pub(crate) customers: Vec<Customer>,
    pub(crate) ips: Vec<String>,
}

/// Least pause between two sessions of one customer.
pub(crate) const PAUSE_BETWEEN_SESSIONS_MS: i64 = 120_000;

impl Population {
    /// `size` customers with distinct usernames; about one in ten shares an office IP with up
    /// to two colleagues.
    pub(crate) fn new(rng: &mut Rng8, size: usize) -> Population {
        let size = size.max(1);
        let mut usernames = HashSet::with_capacity(size);
        let mut ip_set = HashSet::with_capacity(size);
        let mut ips: Vec<String> = Vec::with_capacity(size);
        let mut customers = Vec::with_capacity(size);
        while customers.len() < size {
            let username = v::username(rng);
            if !usernames.insert(username.clone()) {
                continue;
            }
            let share_office = !ips.is_empty() && chance(rng, 0.1);
            let ip = if share_office {
                // Offices are the last few IPs handed out: at most three people per IP.
                let last = ips.len() - 1;
                let sharing = customers
                    .iter()
                    .filter(|c: &&Customer| c.ip as usize == last)
                    .count();
                if sharing < 3 {
                    last as u32
                } else {
                    new_ip(rng, &mut ip_set, &mut ips)
                }
            } else {
                new_ip(rng, &mut ip_set, &mut ips)
            };
            let user_agent = customer_user_agent(rng);
            let style = if user_agent.starts_with("BankApp") {
                UrlStyle::Strict
            } else {
                UrlStyle::Form
            };
            let accounts = (0..rng.gen_range(1..=3))
                .map(|_| v::digits(rng, 10))
                .collect();
            customers.push(Customer {
                username,
                password: v::password(rng),
                email: v::email(rng),
                ip,
                user_agent,
                accept_language: language(rng),
                style,
                accounts,
                free_at_ms: i64::MIN,
            });
        }
        Population { customers, ips }
    }

    /// A customer free to start a session at `now_ms`, if one is found in a few draws.
    pub(crate) fn pick_free(&mut self, rng: &mut Rng8, now_ms: i64) -> Option<usize> {
        (0..8)
            .map(|_| rng.gen_range(0..self.customers.len()))
            .find(|&i| self.customers[i].free_at_ms <= now_ms)
    }
}

/// A public address a home or office connection would have: IPv4 from consumer ISP ranges,
/// some IPv6. Distinct from the attacker ranges of `attacks::attacker_ip`.
fn new_ip(rng: &mut Rng8, seen: &mut HashSet<String>, ips: &mut Vec<String>) -> u32 {
    loop {
        let ip = if chance(rng, 0.15) {
            format!(
                "2a02:{:x}:{:x}::{:x}",
                rng.gen_range(0x1000..0xffff),
                rng.gen_range(0..0xffff),
                rng.gen_range(1..0xffff)
            )
        } else {
            format!(
                "{}.{}.{}.{}",
                pick(
                    rng,
                    &[31, 46, 62, 79, 81, 83, 88, 90, 152, 176, 181, 186, 190, 201, 213]
                ),
                rng.gen_range(0..256),
                rng.gen_range(0..256),
                rng.gen_range(1..255)
            )
        };
        if seen.insert(ip.clone()) {
            ips.push(ip);
            return (ips.len() - 1) as u32;
        }
    }
}

/// A browser or the bank's app; never a bot or an HTTP library.
fn customer_user_agent(rng: &mut Rng8) -> String {
    loop {
        let ua = v::user_agent(rng);
        let browser = ua.starts_with("Mozilla/5.0 (") && !ua.contains("compatible;");
        if browser || ua.starts_with("BankApp/") {
            return ua;
        }
    }
}

fn language(rng: &mut Rng8) -> &'static str {
    let language = *pick(
        rng,
        &[
            "en-US,en;q=0.9",
            "es-ES,es;q=0.9,en;q=0.8",
            "de-DE,de;q=0.9,en-US;q=0.8",
            "fr-FR,fr;q=0.9",
            "pt-BR,pt;q=0.9,en;q=0.7",
            "es-CO,es;q=0.9",
            "en-GB,en;q=0.9",
        ],
    );
    language
}

/// One thing a customer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    LoginPage,
    Asset(&'static str),
    /// `typo`: the password is mistyped (401).
    LoginAuth {
        typo: bool,
    },
    Dashboard,
    Balance,
    Transactions,
    Transfer {
        over_limit: bool,
    },
    Ticket,
    HelpSearch,
    Statement,
    /// A stale bookmark (404).
    StaleLink,
    Logout,
}

impl Action {
    fn status(self) -> u16 {
        match self {
            Action::LoginAuth { typo: true } => 401,
            Action::LoginAuth { typo: false } | Action::Logout => 302,
            Action::Transfer { over_limit: true } => 403,
            Action::StaleLink => 404,
            _ => 200,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Step {
    /// Think time before this step.
    delay_ms: i64,
    action: Action,
}

/// A customer's visit, planned up front.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) customer: usize,
    steps: VecDeque<Step>,
    session_cookie: String,
    logged_in: bool,
}

const ASSETS: &[&str] = &[
    "/static/css/app.css",
    "/static/js/app.js",
    "/static/js/vendor.js",
    "/static/img/logo.svg",
    "/favicon.ico",
];

const STALE_LINKS: &[&str] = &[
    "/promo/summer-2025",
    "/help/old-faq.html",
    "/accounts/overview.php",
    "/static/img/banner-2024.png",
];

impl Session {
    /// Plans a visit of `customer`: login page, login (rarely a mistyped password first), a few
    /// actions, usually a logout.
    pub(crate) fn plan(rng: &mut Rng8, customer: usize) -> Session {
        let mut steps = VecDeque::with_capacity(16);
        let think = |rng: &mut Rng8| rng.gen_range(2_000..20_000);
        let page_assets = |rng: &mut Rng8, steps: &mut VecDeque<Step>| {
            for _ in 0..rng.gen_range(0..=3) {
                let asset = *pick(rng, ASSETS);
                steps.push_back(Step {
                    delay_ms: rng.gen_range(20..300),
                    action: Action::Asset(asset),
                });
            }
        };
        steps.push_back(Step {
            delay_ms: 0,
            action: Action::LoginPage,
        });
        page_assets(rng, &mut steps);
        let typos = if chance(rng, 0.06) {
            if chance(rng, 0.15) {
                2
            } else {
                1
            }
        } else {
            0
        };
        for _ in 0..typos {
            steps.push_back(Step {
                delay_ms: rng.gen_range(4_000..15_000),
                action: Action::LoginAuth { typo: true },
            });
        }
        steps.push_back(Step {
            delay_ms: rng.gen_range(4_000..15_000),
            action: Action::LoginAuth { typo: false },
        });
        steps.push_back(Step {
            delay_ms: rng.gen_range(200..800),
            action: Action::Dashboard,
        });
        page_assets(rng, &mut steps);
        for _ in 0..rng.gen_range(1..=5) {
            let action = match rng.gen_range(0..100) {
                0..=34 => Action::Balance,
                35..=54 => Action::Transactions,
                55..=74 => Action::Transfer {
                    over_limit: chance(rng, 0.03),
                },
                75..=84 => Action::Ticket,
                85..=91 => Action::HelpSearch,
                92..=97 => Action::Statement,
                _ => Action::StaleLink,
            };
            steps.push_back(Step {
                delay_ms: think(rng),
                action,
            });
        }
        if chance(rng, 0.7) {
            steps.push_back(Step {
                delay_ms: think(rng),
                action: Action::Logout,
            });
        }
        Session {
            customer,
            steps,
            session_cookie: v::hex(rng, 32),
            logged_in: false,
        }
    }

    /// Steps left, the next one included.
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    /// Think time before the next step; `None` when the visit is over.
    pub(crate) fn next_delay_ms(&self) -> Option<i64> {
        self.steps.front().map(|s| s.delay_ms)
    }

    /// What the next step counts towards, for the ledger.
    pub(crate) fn next_facts(&self) -> Option<Facts> {
        self.steps.front().map(|s| Facts {
            login_as: matches!(s.action, Action::LoginAuth { .. }).then_some(self.customer),
            failed_login: matches!(s.action, Action::LoginAuth { typo: true }),
            error: s.action.status() >= 400,
        })
    }

    /// Takes the next step and renders its request (without timestamp or id).
    pub(crate) fn take_step(&mut self, rng: &mut Rng8, population: &Population) -> Option<Emitted> {
        let step = self.steps.pop_front()?;
        let who = &population.customers[self.customer];
        let mut draft = match step.action {
            Action::LoginPage => Draft::new("GET", BANK_HOST, "/login"),
            Action::Asset(path) => Draft::new("GET", BANK_HOST, path),
            Action::LoginAuth { typo } => {
                let password = if typo {
                    mistype(rng, &who.password)
                } else {
                    who.password.clone()
                };
                let d = Draft::new("POST", BANK_HOST, "/login/auth")
                    .form("username", who.username.clone(), SlotKind::Name)
                    .form("password", password, SlotKind::Secret);
                d.form_fixed("csrf_token", v::hex(rng, 32))
            }
            Action::Dashboard => Draft::new("GET", BANK_HOST, "/dashboard"),
            Action::Balance => Draft::new("GET", BANK_HOST, "/api/balance/check").query(
                "account",
                pick(rng, &who.accounts).clone(),
                SlotKind::Id,
            ),
            Action::Transactions => {
                let d = Draft::new("GET", BANK_HOST, "/api/transactions").query(
                    "account",
                    pick(rng, &who.accounts).clone(),
                    SlotKind::Id,
                );
                if chance(rng, 0.4) {
                    d.query("page", rng.gen_range(2..6).to_string(), SlotKind::Id)
                } else {
                    d
                }
            }
            Action::Transfer { over_limit } => {
                let to = pick(rng, &population.customers);
                let amount = if over_limit {
                    format!("{}.00", rng.gen_range(20_000..90_000))
                } else {
                    v::amount(rng)
                };
                Draft::new("POST", BANK_HOST, "/transfer/internal")
                    .form(
                        "from_account",
                        pick(rng, &who.accounts).clone(),
                        SlotKind::Id,
                    )
                    .form("to_account", pick(rng, &to.accounts).clone(), SlotKind::Id)
                    .form("amount", amount, SlotKind::Amount)
                    .form("memo", v::memo(rng), SlotKind::Text)
                    .form_fixed("csrf_token", v::hex(rng, 32))
            }
            Action::Ticket => Draft::new("POST", BANK_HOST, "/support/ticket")
                .form("subject", v::subject(rng), SlotKind::Text)
                .form("message", ticket_text(rng), SlotKind::Text)
                .form(
                    "category",
                    *pick(rng, &["cards", "transfers", "login", "fees", "other"]),
                    SlotKind::Choice,
                )
                .form("email", who.email.clone(), SlotKind::Email),
            Action::HelpSearch => Draft::new("GET", BANK_HOST, "/help/search").query(
                "q",
                *pick(rng, HELP_QUERIES),
                SlotKind::Text,
            ),
            Action::Statement => {
                let (y, m) = (rng.gen_range(2024..=2026), rng.gen_range(1..=12));
                Draft::new("GET", BANK_HOST, "/download").query(
                    "file",
                    format!("statement_{y}_{m:02}.pdf"),
                    SlotKind::File,
                )
            }
            Action::StaleLink => {
                let link = *pick(rng, STALE_LINKS);
                Draft::new("GET", BANK_HOST, link)
            }
            Action::Logout => Draft::new("GET", BANK_HOST, "/logout"),
        };
        draft.style = who.style;
        draft.client_ip = population.ips[who.ip as usize].clone();
        draft = draft
            .header("User-Agent", who.user_agent.clone())
            .header("Accept", accept_for(step.action))
            .header("Accept-Language", who.accept_language);
        if self.logged_in {
            draft = draft.header("Cookie", format!("session={}", self.session_cookie));
        }
        if !matches!(step.action, Action::LoginPage) && chance(rng, 0.8) {
            let from = if self.logged_in {
                "/dashboard"
            } else {
                "/login"
            };
            draft = draft.header("Referer", format!("https://{BANK_HOST}{from}"));
        }
        let mut request = draft.render();
        let status = step.action.status();
        request.status = Some(status);
        let user = match step.action {
            Action::LoginAuth { .. } => Some(who.username.clone()),
            _ if self.logged_in => Some(who.username.clone()),
            _ => None,
        };
        request.user = user;
        match step.action {
            Action::LoginAuth { typo: false } => self.logged_in = true,
            Action::Logout => self.logged_in = false,
            _ => {}
        }
        Some(Emitted {
            request,
            attack_type: None,
        })
    }
}

fn accept_for(action: Action) -> &'static str {
    match action {
        Action::Asset(path) if path.ends_with(".css") => "text/css,*/*;q=0.1",
        Action::Asset(path) if path.ends_with(".js") => "*/*",
        Action::Asset(_) => "image/avif,image/webp,*/*",
        Action::Balance | Action::Transactions => "application/json",
        _ => "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    }
}

/// The password with one slip: a dropped, doubled or neighbouring character, or caps lock.
fn mistype(rng: &mut Rng8, password: &str) -> String {
    let chars: Vec<char> = password.chars().collect();
    if chars.is_empty() {
        return "x".to_string();
    }
    let at = rng.gen_range(0..chars.len());
    let mut out = chars.clone();
    match rng.gen_range(0..4) {
        0 if chars.len() > 1 => {
            out.remove(at);
        }
        1 => out.insert(at, chars[at]),
        2 => out[at] = if chars[at] == 'a' { 's' } else { 'a' },
        _ => {
            out = password
                .chars()
                .map(|c| {
                    if c.is_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect()
        }
    }
    let typed: String = out.into_iter().collect();
    if typed == password {
        format!("{password}1")
    } else {
        typed
    }
}

const HELP_QUERIES: &[&str] = &[
    "how to change pin",
    "card blocked",
    "transfer limit",
    "what's an IBAN?",
    "export to csv",
    "\"standing order\"",
    "fees abroad",
    "reset password",
    "select account",
    "union pay",
    "drop card",
    "1099 form",
    "joint account",
    "O'Neill branch",
];

/// Things people really write to support, the kind that trip naive filters: apostrophes,
/// quotes, URLs, `<3`, code words, file paths, SQL-ish and shell-ish words in plain prose.
const TICKET_EXTRAS: &[&str] = &[
    "Love the new app <3",
    "Thanks guys <3 <3",
    "I can't find the \"Transfers\" tab since the update; it's just gone.",
    "The page at https://bank.example.com/transfer/internal?step=2 shows an error.",
    "My daughter's account (she's 17) can't receive transfers, why?",
    "It says 'Error: undefined is not a function' when I press Send.",
    "I'm a developer: the response has <div class=\"error\"> in plain text, looks like a bug.",
    "Please don't close the ticket until it's fixed!!!",
    "Why does the URL show ?account=&page=2 when I click \"next\"?",
    "Tried Chrome & Firefox -- same thing.",
    "Can I select which account is the default one?",
    "I typed my password with a ' in it and got logged out?",
    "The CSV export has 'NULL' in the memo column.",
    "Our accountant uses a script to import statements; is there an API?",
    "Is it safe to click links like http://bit.ly/xyz in your SMS?",
    "The app crashed at 3:45 pm; screenshot at C:\\Users\\me\\Pictures\\crash.png",
    "I'd like to drop the overdraft option & close my 2nd account.",
    "Where do I find the /statements page on mobile?",
    "Sent 50% of the rent to the wrong account :( can you help?",
    ">>> urgent <<< my card is stuck in the ATM",
    "I used `echo` in the search box by mistake (I'm a sysadmin, sorry).",
    "Transfer memo said \"Rent; March\" but it shows \"Rent\" only.",
];

fn ticket_text(rng: &mut Rng8) -> String {
    let base = v::support_message(rng);
    if chance(rng, 0.35) {
        format!("{base} {}", pick(rng, TICKET_EXTRAS))
    } else if chance(rng, 0.1) {
        pick(rng, TICKET_EXTRAS).to_string()
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn population_has_distinct_users_and_at_most_three_per_ip() {
        let mut rng = Rng8::seed_from_u64(3);
        let population = Population::new(&mut rng, 600);
        let names: HashSet<&str> = population
            .customers
            .iter()
            .map(|c| c.username.as_str())
            .collect();
        assert_eq!(names.len(), 600);
        let mut per_ip = vec![0usize; population.ips.len()];
        for c in &population.customers {
            per_ip[c.ip as usize] += 1;
        }
        assert!(per_ip.iter().all(|&n| (1..=3).contains(&n)), "{per_ip:?}");
        assert!(per_ip.iter().any(|&n| n > 1), "some offices");
    }

    #[test]
    fn a_mistyped_password_always_differs() {
        let mut rng = Rng8::seed_from_u64(4);
        for _ in 0..2000 {
            let password = v::password(&mut rng);
            assert_ne!(mistype(&mut rng, &password), password);
        }
        assert_ne!(mistype(&mut rng, "1"), "1");
    }

    #[test]
    fn every_session_logs_in_successfully_once() {
        let mut rng = Rng8::seed_from_u64(5);
        let population = Population::new(&mut rng, 50);
        for i in 0..500 {
            let mut session = Session::plan(&mut rng, i % 50);
            let mut statuses = Vec::new();
            while let Some(emitted) = session.take_step(&mut rng, &population) {
                if emitted.request.url.starts_with("/login/auth") {
                    statuses.push(emitted.request.status);
                }
            }
            assert_eq!(statuses.last(), Some(&Some(302)));
            assert_eq!(statuses.iter().filter(|s| **s == Some(302)).count(), 1);
            assert!(statuses.len() <= 3);
        }
    }
}
