//! Synthetic, labelled traffic: normal users of a small online bank, a web shop, a blog and a
//! REST API, mixed with OWASP Top-10 attacks, for training, tests, audits and the live demo.
//!
//! [`WebGenerator`] is an endless, seeded iterator of [`GeneratedRequest`]s (same seed, same
//! rows, on every platform: it draws only from `ChaCha8Rng`). [`write_csv`] writes them in the
//! `method,url,body,label,attack_type,payload` format of `goshawk generate web`.
//!
//! Design: normal requests are built from typed slots ([`draft`]); an attack is a normal request
//! with one slot overwritten by a payload from a combinatorial grammar ([`attacks`]). Escaping is
//! chosen per request independently of the label, and only attacks carry evasions ([`encode`]),
//! so neither the endpoint, the headers nor "is it percent-encoded" gives the label away.
//!
//! [`bank::BankSimulator`] reuses those grammars for the simulated bank of the live demo and
//! the end-to-end evaluation: customers' sessions over time with attack campaigns as bursts,
//! each event with its ground truth.

mod attacks;
pub mod bank;
mod draft;
mod encode;
mod normal;
mod vocab;

use std::borrow::Borrow;
use std::io;

use goshawk_core::{AttackType, HttpRequest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("attack_ratio must be a number in [0, 1], got {0}")]
    InvalidAttackRatio(f64),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing CSV: {0}")]
    Io(#[from] io::Error),
}

/// Settings of a [`WebGenerator`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorParams {
    /// Seed of the random stream: equal seeds give equal rows.
    pub seed: u64,
    /// Probability that a row is an attack, in [0, 1].
    pub attack_ratio: f64,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        GeneratorParams {
            seed: 0,
            attack_ratio: 0.3,
        }
    }
}

/// One generated request with its ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedRequest {
    pub request: HttpRequest,
    /// `true` for an attack.
    pub label: bool,
    /// The attack family; `None` for normal rows.
    pub attack_type: Option<AttackType>,
    /// The injected text as the attacker wrote it (after payload-level evasions such as mixed
    /// case or `/**/`, before URL escaping); for XXE the DOCTYPE, for sensitive-resource probes
    /// the requested path. `None` for normal rows.
    pub payload: Option<String>,
}

/// An endless, deterministic stream of labelled web requests. Use `.take(n)`.
#[derive(Debug, Clone)]
pub struct WebGenerator {
    rng: ChaCha8Rng,
    attack_ratio: f64,
}

impl WebGenerator {
    /// A generator for these settings; fails if `attack_ratio` is not in [0, 1].
    pub fn new(params: GeneratorParams) -> Result<WebGenerator, SimError> {
        let ratio = params.attack_ratio;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(SimError::InvalidAttackRatio(ratio));
        }
        Ok(WebGenerator {
            rng: ChaCha8Rng::seed_from_u64(params.seed),
            attack_ratio: ratio,
        })
    }

    /// The attack families this generator produces.
    pub fn attack_types() -> impl Iterator<Item = AttackType> {
        attacks::FAMILIES.iter().map(|f| f.attack.clone())
    }

    /// One normal request.
    pub fn normal(&mut self) -> GeneratedRequest {
        let draft = normal::normal_draft(&mut self.rng);
        GeneratedRequest {
            request: draft.render(),
            label: false,
            attack_type: None,
            payload: None,
        }
    }

    /// One attack, of a family drawn by weight.
    pub fn attack(&mut self) -> GeneratedRequest {
        let total: u32 = attacks::FAMILIES.iter().map(|f| f.weight).sum();
        let mut roll = self.rng.gen_range(0..total);
        let mut chosen = &attacks::FAMILIES[0];
        for family in attacks::FAMILIES {
            if roll < family.weight {
                chosen = family;
                break;
            }
            roll -= family.weight;
        }
        self.attack_of_family(chosen)
    }

    /// One attack of the given type, or `None` if this generator has no grammar for it (see
    /// [`WebGenerator::attack_types`]).
    pub fn attack_of(&mut self, attack_type: &AttackType) -> Option<GeneratedRequest> {
        let family = attacks::FAMILIES
            .iter()
            .find(|f| &f.attack == attack_type)?;
        Some(self.attack_of_family(family))
    }

    fn attack_of_family(&mut self, family: &attacks::Family) -> GeneratedRequest {
        let built = attacks::build(&mut self.rng, family);
        GeneratedRequest {
            request: built.draft.render(),
            label: true,
            attack_type: Some(family.attack.clone()),
            payload: Some(built.payload),
        }
    }
}

impl Iterator for WebGenerator {
    type Item = GeneratedRequest;

    fn next(&mut self) -> Option<GeneratedRequest> {
        if self.rng.gen_bool(self.attack_ratio) {
            Some(self.attack())
        } else {
            Some(self.normal())
        }
    }
}

/// One row of the CSV format: `method,url,body,label,attack_type,payload`. `label` is `normal`
/// or `attack`; `attack_type` and `payload` are empty for normal rows. Headers are not part of
/// the format, so an attack placed in a header (about 3 % of attacks, mostly JNDI) shows only in
/// `payload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub method: String,
    pub url: String,
    pub body: String,
    pub label: String,
    pub attack_type: String,
    pub payload: String,
}

impl From<&GeneratedRequest> for CsvRow {
    fn from(row: &GeneratedRequest) -> CsvRow {
        CsvRow {
            method: row.request.method.clone(),
            url: row.request.url.clone(),
            body: row.request.body.clone(),
            label: if row.label { "attack" } else { "normal" }.to_string(),
            attack_type: row
                .attack_type
                .as_ref()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            payload: row.payload.clone().unwrap_or_default(),
        }
    }
}

/// Writes rows as CSV with a header line; returns the number of data rows written.
pub fn write_csv<R, W>(rows: impl IntoIterator<Item = R>, writer: W) -> Result<u64, SimError>
where
    R: Borrow<GeneratedRequest>,
    W: io::Write,
{
    let mut out = csv::Writer::from_writer(writer);
    let mut count = 0u64;
    for row in rows {
        out.serialize(CsvRow::from(row.borrow()))?;
        count += 1;
    }
    if count == 0 {
        out.write_record(["method", "url", "body", "label", "attack_type", "payload"])?;
    }
    out.flush()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_ratios_outside_unit_interval() {
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let params = GeneratorParams {
                seed: 1,
                attack_ratio: bad,
            };
            assert!(matches!(
                WebGenerator::new(params),
                Err(SimError::InvalidAttackRatio(_))
            ));
        }
    }

    #[test]
    fn attack_of_unknown_type_is_none() {
        let mut g = WebGenerator::new(GeneratorParams::default()).expect("valid params");
        assert!(g.attack_of(&AttackType::Scanner).is_none());
        let sqli = g.attack_of(&AttackType::Sqli).expect("sqli is generated");
        assert_eq!(sqli.attack_type, Some(AttackType::Sqli));
        assert!(sqli.label);
    }

    #[test]
    fn empty_csv_still_has_a_header() {
        let mut buf = Vec::new();
        let n = write_csv(Vec::<GeneratedRequest>::new(), &mut buf).expect("write");
        assert_eq!(n, 0);
        assert_eq!(
            String::from_utf8_lossy(&buf),
            "method,url,body,label,attack_type,payload\n"
        );
    }
}
