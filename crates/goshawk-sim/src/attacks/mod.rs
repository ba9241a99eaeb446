//! Attacks: one entry per OWASP family in [`FAMILIES`], each a payload grammar plus where the
//! payload goes. Most families overwrite one typed slot of an ordinary request drawn from
//! [`crate::normal`] (a traversal lands in a `file=`, an open redirect in a `next=`), so the
//! endpoint, headers and escaping of an attack look exactly like normal traffic. XXE, NoSQL
//! operator injection and sensitive-resource probes reshape the request and have their own
//! placement. Payloads are assembled from tables of pieces, giving many thousands of distinct
//! strings; none is copied from a public payload list.

mod injection;
mod location;
mod markup;

pub(crate) use location::SENSITIVE_FILES;

use goshawk_core::AttackType;
use rand::Rng;

use crate::draft::{Draft, SlotKind, SlotRef, Value};
use crate::encode::Obfuscation;
use crate::normal::{dress, normal_draft};
use crate::vocab::{chance, pick, weighted, Rng8};

/// The slot a payload is written into, as the grammar sees it.
pub(crate) struct SlotContext {
    pub(crate) kind: SlotKind,
    /// The value the slot held in the normal request (attackers often keep it as a prefix).
    pub(crate) original: String,
    /// Parameter or header name; empty for path segments.
    pub(crate) name: String,
    pub(crate) in_path: bool,
}

/// How a family places its payload.
pub(crate) enum Placement {
    /// Overwrite one slot of a normal request.
    Slot {
        /// Weight of each slot kind; kinds not listed are not used.
        prefers: &'static [(SlotKind, u32)],
        /// Parts of the request the payload may go into.
        parts: &'static [Part],
        /// Share of payloads that go into an injectable header instead.
        header_rate: f64,
        make: fn(&mut Rng8, &SlotContext) -> String,
        /// Evasions this family uses (applied to about a quarter of its payloads).
        obfuscations: &'static [Obfuscation],
    },
    /// Builds the whole request.
    Whole(fn(&mut Rng8) -> Built),
}

/// A part of the request a slot lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Path,
    Query,
    Form,
    Json,
}

impl Part {
    fn of(at: SlotRef) -> Option<Part> {
        match at {
            SlotRef::Path(_) => Some(Part::Path),
            SlotRef::Query(_) => Some(Part::Query),
            SlotRef::Form(_) => Some(Part::Form),
            SlotRef::Json(_) => Some(Part::Json),
            SlotRef::Header(_) => None,
        }
    }
}

const ANYWHERE: &[Part] = &[Part::Path, Part::Query, Part::Form, Part::Json];
const PARAMETERS: &[Part] = &[Part::Query, Part::Form, Part::Json];

/// One attack family.
pub(crate) struct Family {
    pub(crate) attack: AttackType,
    pub(crate) weight: u32,
    pub(crate) placement: Placement,
}

/// An attack request before its label is attached.
pub(crate) struct Built {
    pub(crate) draft: Draft,
    pub(crate) payload: String,
}

use Obfuscation as O;
use SlotKind as K;

/// Every family the generator produces, with its share of attacks.
pub(crate) const FAMILIES: &[Family] = &[
    Family {
        attack: AttackType::Sqli,
        weight: 20,
        placement: Placement::Slot {
            prefers: &[
                (K::Id, 10),
                (K::Name, 7),
                (K::Text, 5),
                (K::Choice, 3),
                (K::Secret, 4),
                (K::Email, 2),
                (K::Date, 1),
                (K::Amount, 2),
            ],
            parts: ANYWHERE,
            header_rate: 0.03,
            make: injection::sqli,
            obfuscations: &[
                O::MixedCase,
                O::CommentSpaces,
                O::CommentSpaces,
                O::Percent,
                O::PercentAll,
                O::DoublePercent,
                O::UnicodePercent,
            ],
        },
    },
    Family {
        attack: AttackType::Xss,
        weight: 17,
        placement: Placement::Slot {
            prefers: &[
                (K::Text, 10),
                (K::Name, 5),
                (K::Url, 2),
                (K::Redirect, 1),
                (K::Choice, 2),
                (K::Id, 2),
                (K::Email, 1),
                (K::File, 1),
            ],
            parts: ANYWHERE,
            header_rate: 0.03,
            make: markup::xss,
            obfuscations: &[
                O::MixedCase,
                O::MixedCase,
                O::HtmlEntities,
                O::Percent,
                O::PercentAll,
                O::DoublePercent,
                O::UnicodePercent,
            ],
        },
    },
    Family {
        attack: AttackType::PathTraversal,
        weight: 12,
        placement: Placement::Slot {
            prefers: &[
                (K::File, 12),
                (K::Choice, 2),
                (K::Id, 2),
                (K::Url, 1),
                (K::Text, 1),
            ],
            parts: ANYWHERE,
            header_rate: 0.0,
            make: location::traversal,
            obfuscations: &[
                O::Percent,
                O::DoublePercent,
                O::UnicodePercent,
                O::PercentAll,
            ],
        },
    },
    Family {
        attack: AttackType::Cmdi,
        weight: 10,
        placement: Placement::Slot {
            prefers: &[
                (K::Text, 4),
                (K::Id, 3),
                (K::File, 3),
                (K::Name, 3),
                (K::Url, 1),
                (K::Choice, 2),
                (K::Email, 1),
            ],
            parts: ANYWHERE,
            header_rate: 0.03,
            make: injection::cmdi,
            obfuscations: &[
                O::IfsSpaces,
                O::IfsSpaces,
                O::Percent,
                O::DoublePercent,
                O::MixedCase,
            ],
        },
    },
    Family {
        attack: AttackType::Ssrf,
        weight: 6,
        placement: Placement::Slot {
            prefers: &[(K::Url, 12), (K::Redirect, 1), (K::File, 1)],
            parts: PARAMETERS,
            header_rate: 0.0,
            make: location::ssrf,
            obfuscations: &[O::Percent, O::DoublePercent],
        },
    },
    Family {
        attack: AttackType::Ssti,
        weight: 6,
        placement: Placement::Slot {
            prefers: &[
                (K::Text, 8),
                (K::Name, 5),
                (K::Email, 1),
                (K::Choice, 1),
                (K::Id, 1),
            ],
            parts: ANYWHERE,
            header_rate: 0.02,
            make: injection::ssti,
            obfuscations: &[O::Percent, O::DoublePercent, O::PercentAll],
        },
    },
    Family {
        attack: AttackType::Xxe,
        weight: 4,
        placement: Placement::Whole(markup::xxe),
    },
    Family {
        attack: AttackType::Ldap,
        weight: 4,
        placement: Placement::Slot {
            prefers: &[(K::Name, 10), (K::Text, 3), (K::Secret, 2), (K::Email, 1)],
            parts: PARAMETERS,
            header_rate: 0.0,
            make: injection::ldap,
            obfuscations: &[O::Percent, O::DoublePercent],
        },
    },
    Family {
        attack: AttackType::Nosqli,
        weight: 5,
        placement: Placement::Whole(injection::nosqli),
    },
    Family {
        attack: AttackType::Jndi,
        weight: 4,
        placement: Placement::Slot {
            prefers: &[
                (K::Name, 4),
                (K::Text, 4),
                (K::Id, 1),
                (K::Secret, 1),
                (K::Email, 1),
            ],
            parts: ANYWHERE,
            header_rate: 0.4,
            make: location::jndi,
            obfuscations: &[O::MixedCase, O::Percent],
        },
    },
    Family {
        attack: AttackType::OpenRedirect,
        weight: 4,
        placement: Placement::Slot {
            prefers: &[(K::Redirect, 12), (K::Url, 2)],
            parts: PARAMETERS,
            header_rate: 0.0,
            make: location::open_redirect,
            obfuscations: &[O::Percent, O::DoublePercent],
        },
    },
    Family {
        attack: AttackType::Crlf,
        weight: 3,
        placement: Placement::Slot {
            prefers: &[
                (K::Redirect, 6),
                (K::Choice, 4),
                (K::Text, 1),
                (K::Id, 1),
                (K::File, 1),
            ],
            parts: &[Part::Path, Part::Query, Part::Form],
            header_rate: 0.0,
            make: location::crlf,
            obfuscations: &[O::DoublePercent],
        },
    },
    Family {
        attack: AttackType::SensitiveResource,
        weight: 5,
        placement: Placement::Whole(location::sensitive_resource),
    },
];

/// A payload of `attack`'s grammar for one slot, with the family's evasions applied as
/// [`build`] would: the value to write into the slot and the payload as the attacker wrote it.
/// `None` for families that build the whole request (XXE, NoSQL, sensitive resources). The bank
/// simulator uses it to put the same payloads on its own endpoints.
pub(crate) fn slot_payload(
    rng: &mut Rng8,
    attack: &AttackType,
    slot: &SlotContext,
    url_encoded: bool,
) -> Option<(Value, String)> {
    let family = FAMILIES.iter().find(|f| &f.attack == attack)?;
    match &family.placement {
        Placement::Slot {
            make, obfuscations, ..
        } => {
            let raw = make(rng, slot);
            Some(obfuscate(rng, raw, obfuscations, url_encoded))
        }
        Placement::Whole(_) => None,
    }
}

/// Share of attack payloads that get an evasion layer.
const OBFUSCATION_RATE: f64 = 0.25;

/// Builds one attack of the given family.
pub(crate) fn build(rng: &mut Rng8, family: &Family) -> Built {
    match &family.placement {
        Placement::Whole(make) => make(rng),
        Placement::Slot {
            prefers,
            parts,
            header_rate,
            make,
            obfuscations,
        } => place_in_slot(rng, prefers, parts, *header_rate, *make, obfuscations),
    }
}

fn place_in_slot(
    rng: &mut Rng8,
    prefers: &[(SlotKind, u32)],
    parts: &[Part],
    header_rate: f64,
    make: fn(&mut Rng8, &SlotContext) -> String,
    obfuscations: &[Obfuscation],
) -> Built {
    let to_header = chance(rng, header_rate);
    let mut draft = normal_draft(rng);
    let mut chosen = None;
    for _ in 0..24 {
        chosen = choose_slot(rng, &draft, prefers, parts, to_header);
        if chosen.is_some() {
            break;
        }
        draft = normal_draft(rng);
    }
    // Every slot family accepts Text, so the bank's support form always has a place.
    let (at, kind) = match chosen {
        Some(found) => found,
        None => {
            let name = crate::vocab::full_name(rng);
            let search = Draft::new("GET", "bank.example.com", "/api/users").query(
                "q",
                name,
                SlotKind::Name,
            );
            draft = dress(rng, search);
            (SlotRef::Query(0), SlotKind::Name)
        }
    };
    let context = SlotContext {
        kind,
        original: draft.slot_text(at).to_string(),
        name: draft.slot_name(at).to_string(),
        in_path: matches!(at, SlotRef::Path(_)),
    };
    let raw = make(rng, &context);
    let (value, payload) = obfuscate(rng, raw, obfuscations, at.is_url_encoded());
    draft.set_slot(at, value);
    Built { draft, payload }
}

fn choose_slot(
    rng: &mut Rng8,
    draft: &Draft,
    prefers: &[(SlotKind, u32)],
    parts: &[Part],
    to_header: bool,
) -> Option<(SlotRef, SlotKind)> {
    let candidates: Vec<(u32, (SlotRef, SlotKind))> = draft
        .slots()
        .into_iter()
        .filter_map(|(at, kind)| {
            let weight = if to_header {
                u32::from(kind == SlotKind::Header)
            } else if !Part::of(at).is_some_and(|part| parts.contains(&part)) {
                0
            } else {
                prefers
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(0, |(_, w)| *w)
            };
            (weight > 0).then_some((weight, (at, kind)))
        })
        .collect();
    if candidates.is_empty() {
        None
    } else {
        Some(*weighted(rng, &candidates))
    }
}

/// Applies an evasion to about a quarter of payloads. Returns the slot value and the text for
/// the `payload` column (after payload-level evasions, before wire-level escaping).
pub(crate) fn obfuscate(
    rng: &mut Rng8,
    payload: String,
    obfuscations: &[Obfuscation],
    url_encoded: bool,
) -> (Value, String) {
    let usable: Vec<Obfuscation> = obfuscations
        .iter()
        .copied()
        .filter(|o| url_encoded || !o.is_wire_level())
        .collect();
    if usable.is_empty() || !chance(rng, OBFUSCATION_RATE) {
        return (Value::Plain(payload.clone()), payload);
    }
    let first = *pick(rng, &usable);
    let mut text = payload;
    if first.is_wire_level() {
        // Some evasions stack: mixed case under percent-encoding.
        if usable.contains(&Obfuscation::MixedCase) && chance(rng, 0.2) {
            text = Obfuscation::MixedCase.apply(&text, rng);
        }
        let wire = first.apply(&text, rng);
        return (Value::Wire(wire), text);
    }
    text = first.apply(&text, rng);
    (Value::Plain(text.clone()), text)
}

/// A host an attacker controls: out-of-band collaborator names, throwaway domains, bare IPs.
pub(crate) fn attacker_host(rng: &mut Rng8) -> String {
    const WORDS: &[&str] = &[
        "evil",
        "attacker",
        "exfil",
        "c2",
        "pwn",
        "hax",
        "oob",
        "callback",
        "collab",
        "x",
        "log",
        "cdn-static",
        "update-service",
        "metrics-api",
        "sync",
        "img",
        "stats",
        "r00t",
        "bad",
        "payload",
    ];
    const TLDS: &[&str] = &[
        "com", "net", "io", "xyz", "ru", "cn", "tk", "top", "site", "me", "example", "info",
    ];
    const OAST: &[&str] = &[
        "oast.fun",
        "oast.pro",
        "oast.live",
        "interact.sh",
        "dnslog.cn",
        "requestbin.net",
        "ngrok.io",
        "pipedream.net",
        "burpcollaborator.net",
        "canarytokens.com",
    ];
    match rng.gen_range(0..9) {
        0 => format!("{}.{}", pick(rng, WORDS), pick(rng, TLDS)),
        1 | 2 => format!(
            "{}{}.{}",
            pick(rng, WORDS),
            rng.gen_range(1..999),
            pick(rng, TLDS)
        ),
        3 | 4 => {
            let len = rng.gen_range(8..21);
            format!("{}.{}", crate::vocab::hex(rng, len), pick(rng, OAST))
        }
        5 => format!(
            "{}.{}.{}",
            pick(rng, WORDS),
            pick(rng, WORDS),
            pick(rng, TLDS)
        ),
        6 => attacker_ip(rng),
        7 => format!("evil.{}", pick(rng, &["com", "example", "net"])),
        _ => format!(
            "{}-{}.{}",
            pick(rng, &["secure", "login", "bank", "account", "verify"]),
            pick(rng, WORDS),
            pick(rng, TLDS)
        ),
    }
}

pub(crate) fn attacker_ip(rng: &mut Rng8) -> String {
    format!(
        "{}.{}.{}.{}",
        pick(
            rng,
            &[5, 23, 45, 85, 91, 103, 141, 162, 185, 193, 194, 198, 209]
        ),
        rng.gen_range(0..256),
        rng.gen_range(0..256),
        rng.gen_range(1..255)
    )
}

/// The slot's original value when the grammar should keep it as a prefix (about half the time;
/// never for headers, whose original text is long and unrelated).
pub(crate) fn keep_prefix(rng: &mut Rng8, slot: &SlotContext, p: f64) -> String {
    if slot.kind != SlotKind::Header && !slot.original.is_empty() && chance(rng, p) {
        slot.original.clone()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_family_is_a_distinct_named_attack_type() {
        let mut seen = std::collections::HashSet::new();
        for f in FAMILIES {
            assert!(AttackType::NAMED.contains(&f.attack), "{}", f.attack);
            assert!(seen.insert(f.attack.clone()), "duplicate {}", f.attack);
            assert!(f.weight > 0);
        }
    }

    #[test]
    fn every_slot_family_accepts_a_slot_of_some_normal_endpoint() {
        let mut rng = Rng8::seed_from_u64(11);
        for f in FAMILIES {
            if let Placement::Slot { prefers, parts, .. } = &f.placement {
                let found = (0..400).any(|_| {
                    let d = normal_draft(&mut rng);
                    choose_slot(&mut rng, &d, prefers, parts, false).is_some()
                });
                assert!(found, "{} never finds a slot", f.attack);
            }
        }
    }

    #[test]
    fn obfuscation_rate_is_about_a_quarter_and_wire_forms_only_in_urls() {
        let mut rng = Rng8::seed_from_u64(12);
        let all = [Obfuscation::Percent, Obfuscation::MixedCase];
        let mut changed = 0;
        for _ in 0..4000 {
            let (value, _) = obfuscate(&mut rng, "' or 1=1--".into(), &all, true);
            if value.text() != "' or 1=1--" {
                changed += 1;
            }
            let (value, _) = obfuscate(&mut rng, "x y".into(), &[Obfuscation::Percent], false);
            assert_eq!(value, Value::Plain("x y".into()));
        }
        assert!((800..1200).contains(&changed), "{changed} of 4000");
    }
}
