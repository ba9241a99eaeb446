//! The promise the simulator makes about its customers, and the bookkeeping that keeps it.
//!
//! A window detector (failed logins per IP, distinct accounts per IP, request and error rate per
//! IP) needs thresholds that no honest customer reaches, or it flags them. Rather than hoping
//! the random think times stay low, the simulator holds every customer request against a
//! per-IP ledger of the last 60 s and postpones the request when it would break one of the
//! [`NORMAL_LIMITS`]. Attack campaigns are never held back, and are built to exceed them (see
//! `campaigns`).

use std::collections::{HashMap, VecDeque};

/// The length of the sliding window every limit is counted over, in milliseconds.
pub const WINDOW_MS: i64 = 60_000;

/// Most a customer IP ever does in any 60 s of simulated time (every half-open interval
/// `[t, t + 60 s)`). Several customers may share an IP (an office behind one NAT), so the
/// limits are per IP, and hold for every account on it as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalLimits {
    /// Requests of any kind.
    pub requests: usize,
    /// `POST /login/auth` attempts, successful or not.
    pub login_attempts: usize,
    /// Failed logins (status 401).
    pub failed_logins: usize,
    /// Distinct usernames tried on `POST /login/auth`.
    pub distinct_accounts: usize,
    /// Responses with status >= 400 (failed logins included).
    pub errors: usize,
}

/// The limits customers are held to. A window detector that alerts only strictly above these
/// never flags a simulated customer.
pub const NORMAL_LIMITS: NormalLimits = NormalLimits {
    requests: 30,
    login_attempts: 4,
    failed_logins: 2,
    distinct_accounts: 3,
    errors: 3,
};

/// Whether a ledger entry counts towards one limit.
type Counts = fn(&Facts) -> bool;

/// What a planned customer request counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The customer index of the username tried, for a login attempt.
    pub(crate) login_as: Option<usize>,
    pub(crate) failed_login: bool,
    pub(crate) error: bool,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at_ms: i64,
    facts: Facts,
}

/// Recent customer requests per IP.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    by_ip: HashMap<u32, VecDeque<Entry>>,
}

impl Ledger {
    /// Records the request if it keeps the IP within [`NORMAL_LIMITS`] at `now_ms` and returns
    /// `Ok`; otherwise records nothing and returns the earliest time worth trying again.
    pub(crate) fn admit(&mut self, ip: u32, now_ms: i64, facts: Facts) -> Result<(), i64> {
        let recent = self.by_ip.entry(ip).or_default();
        while recent
            .front()
            .is_some_and(|e| now_ms - e.at_ms >= WINDOW_MS)
        {
            recent.pop_front();
        }
        let limits = NORMAL_LIMITS;
        // The time at which the oldest entry matching `counts` leaves the window.
        let retry_when = |recent: &VecDeque<Entry>, counts: &dyn Fn(&Facts) -> bool| {
            recent
                .iter()
                .find(|e| counts(&e.facts))
                .map_or(now_ms + 1, |e| e.at_ms + WINDOW_MS)
        };
        let count =
            |counts: &dyn Fn(&Facts) -> bool| recent.iter().filter(|e| counts(&e.facts)).count();

        let checks: [(bool, Counts, usize); 4] = [
            (true, |_| true, limits.requests),
            (
                facts.login_as.is_some(),
                |f| f.login_as.is_some(),
                limits.login_attempts,
            ),
            (facts.failed_login, |f| f.failed_login, limits.failed_logins),
            (facts.error, |f| f.error, limits.errors),
        ];
        for (applies, counts, limit) in checks {
            if applies && count(&counts) >= limit {
                return Err(retry_when(recent, &counts));
            }
        }
        if let Some(account) = facts.login_as {
            let mut seen: Vec<usize> = recent.iter().filter_map(|e| e.facts.login_as).collect();
            seen.sort_unstable();
            seen.dedup();
            if !seen.contains(&account) && seen.len() >= limits.distinct_accounts {
                return Err(retry_when(recent, &|f| f.login_as.is_some()));
            }
        }
        recent.push_back(Entry {
            at_ms: now_ms,
            facts,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Facts = Facts {
        login_as: None,
        failed_login: false,
        error: false,
    };

    #[test]
    fn request_cap_defers_until_the_oldest_leaves_the_window() {
        let mut ledger = Ledger::default();
        for i in 0..NORMAL_LIMITS.requests as i64 {
            assert_eq!(ledger.admit(7, i * 100, PLAIN), Ok(()));
        }
        assert_eq!(ledger.admit(7, 5_000, PLAIN), Err(WINDOW_MS));
        assert_eq!(
            ledger.admit(8, 5_000, PLAIN),
            Ok(()),
            "other IPs unaffected"
        );
        assert_eq!(ledger.admit(7, WINDOW_MS, PLAIN), Ok(()));
    }

    #[test]
    fn failed_logins_and_distinct_accounts_are_capped() {
        let mut ledger = Ledger::default();
        let failed = |who| Facts {
            login_as: Some(who),
            failed_login: true,
            error: true,
        };
        assert!(ledger.admit(1, 0, failed(1)).is_ok());
        assert!(ledger.admit(1, 10, failed(1)).is_ok());
        assert_eq!(ledger.admit(1, 20, failed(1)), Err(WINDOW_MS));
        let success = |who| Facts {
            login_as: Some(who),
            failed_login: false,
            error: false,
        };
        assert!(ledger.admit(1, 30, success(2)).is_ok());
        assert!(ledger.admit(1, 40, success(3)).is_ok());
        assert_eq!(ledger.admit(1, 50, success(4)), Err(WINDOW_MS), "5 logins");
        assert_eq!(ledger.admit(1, WINDOW_MS, success(4)), Err(WINDOW_MS + 10));
        assert_eq!(ledger.admit(1, WINDOW_MS + 10, success(4)), Ok(()));
        let mut ledger = Ledger::default();
        for who in 0..3 {
            assert!(ledger.admit(2, who as i64, success(who)).is_ok());
        }
        assert_eq!(ledger.admit(2, 50, success(9)), Err(WINDOW_MS));
    }
}
