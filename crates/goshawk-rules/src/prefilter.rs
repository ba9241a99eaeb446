//! A literal pre-filter in front of rsigma: most access-log lines match no web rule, and a
//! single Aho-Corasick pass over the event's text proves it for nearly all of them.
//!
//! Measured (bench/README-sigma.md, 71 SigmaHQ web rules, 1,000,000 real access-log lines,
//! one core): rsigma's own engine evaluates ~93,000 lines/s; with this pre-filter in front
//! the same rules run at the rate given there, with identical hits (tested differentially).
//!
//! For each rule, load time derives a *witness*: clauses that every event the rule matches
//! satisfies, each clause a set of literal needles at least one of which occurs
//! (case-insensitively) in some value of the event, each needle tied to the field it must be
//! in. An AND keeps a clause per side: `cs-method: GET and keywords` needs both, where one
//! clause would have to pick a side (and picking `GET` ran a SigmaHQ rule on 58 % of access-log
//! lines). Rules without a sound witness (regexes without a finite set of literals, numeric
//! comparisons, `not`-only conditions, encodings) are always evaluated. At run time one
//! automaton over all needles scans the event's keyword text and field values; only the rules
//! all of whose clauses had a needle found *in its own field*, plus the always-evaluated ones,
//! go to rsigma. The field matters: a rule gated on `;` or `(` in the URI would otherwise be
//! evaluated on every request whose User-Agent has them (every browser's: measured on the
//! simulated bank traffic, 6 of the 28 shipped web rules ran on every event). Text with non-ASCII characters skips the filter (Unicode case folding
//! could map it onto an ASCII needle), so the filter never loses a hit; for the same reason a
//! literal that is still non-ASCII once lower-cased can never occur in the text the filter
//! scans.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rsigma_parser::{
    detection_name_matches, ConditionExpr, Detection, DetectionItem, Modifier, Quantifier,
    SelectorPattern, SigmaRule, SigmaValue, StringPart,
};

/// Clauses that must all hold, each a set of needles of which at least one must occur;
/// `None` = no sound witness. A clause without needles can never hold (in the ASCII text the
/// filter scans); a witness always has at least one clause.
pub(crate) type Witness = Option<Vec<Clause>>;

/// Needles of which at least one must occur, sorted, without repeats.
pub(crate) type Clause = Vec<Needle>;

/// The most clauses a witness keeps: more cost a little per event and gain nearly nothing.
const MAX_CLAUSES: usize = 4;

/// A lower-case literal, and where it is searched: in the value of a field, or (`field` is
/// `None`) in the keyword text (the log line).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Needle {
    pub field: Option<String>,
    pub text: String,
}

/// The rules of one source class, with their witnesses, as automata.
pub(crate) struct Prefilter {
    /// Per slot, over the needles of the fields shown in that slot (and of fields without a
    /// known slot): each value is scanned for its own field's needles only, and a slot no
    /// rule looks into is not scanned at all (most web rules read only the URI, so the
    /// User-Agent, cookie and referer are skipped).
    slots: Vec<Option<Automaton>>,
    /// Over every field needle: for text of a slot beyond `slots` (none is, but stay sound).
    any_slot: Option<Automaton>,
    /// Over the needles of keyword detections, for the keyword text.
    keywords: Option<Automaton>,
    /// Rules evaluated on every event.
    always: Vec<u32>,
    /// Per rule, its clauses' numbers (empty for an always-evaluated rule): consecutive ranges,
    /// so the last one ends at the number of clauses.
    rule_clauses: Vec<std::ops::Range<u32>>,
}

/// An automaton and, per pattern, the clauses (numbered across the class's rules) it
/// satisfies.
struct Automaton {
    automaton: AhoCorasick,
    pattern_clauses: Vec<Vec<u32>>,
}

impl Automaton {
    /// Over the distinct texts of `needles` (text, clause); `None` without needles.
    fn build<'a>(
        needles: impl IntoIterator<Item = (&'a str, u32)>,
    ) -> Result<Option<Self>, aho_corasick::BuildError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut pattern_clauses: Vec<Vec<u32>> = Vec::new();
        let mut by_text = std::collections::HashMap::new();
        for (text, clause) in needles {
            let id = *by_text.entry(text).or_insert_with(|| {
                patterns.push(text);
                pattern_clauses.push(Vec::new());
                patterns.len() - 1
            });
            if !pattern_clauses[id].contains(&clause) {
                pattern_clauses[id].push(clause);
            }
        }
        if patterns.is_empty() {
            return Ok(None);
        }
        // A DFA: scanning is the hot loop (an NFA was ~3x slower here), and a few hundred
        // needles make a small one.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        Ok(Some(Automaton {
            automaton,
            pattern_clauses,
        }))
    }

    /// Marks the clauses whose needles occur in `text`.
    fn scan(&self, text: &str, held: &mut Vec<bool>, clause_count: usize) {
        for m in self.automaton.find_overlapping_iter(text) {
            if held.is_empty() {
                *held = vec![false; clause_count];
            }
            for &clause in &self.pattern_clauses[m.pattern().as_usize()] {
                held[clause as usize] = true;
            }
        }
    }
}

/// A field needle placed: its text, its clause, and the slot its field is shown in (`None`:
/// unknown, so it is looked for in every slot).
struct Placed {
    text: String,
    clause: u32,
    slot: Option<u8>,
}

impl Prefilter {
    /// Builds the filter from the witnesses of the rules, in the order the rules were compiled
    /// into the class's engine (see [`rule_witness`]). `slot_of` names the slot (below
    /// `slot_count`) a field's value is shown in by `SigmaView::visit_field_text`, `None` for
    /// a field it does not know.
    pub(crate) fn build(
        witnesses: Vec<Witness>,
        slot_of: impl Fn(&str) -> Option<u8>,
        slot_count: usize,
    ) -> Prefilter {
        let mut fields: Vec<Placed> = Vec::new();
        let mut keywords: Vec<(String, u32)> = Vec::new();
        let mut always = Vec::new();
        let mut rule_clauses = Vec::with_capacity(witnesses.len());
        let mut clause_count = 0u32;
        let rule_count = witnesses.len();
        for (index, witness) in witnesses.into_iter().enumerate() {
            let first = clause_count;
            match witness {
                None => always.push(index as u32),
                Some(clauses) => {
                    for needles in clauses {
                        let clause = clause_count;
                        clause_count += 1;
                        for Needle { field, text } in needles {
                            match field {
                                None => keywords.push((text, clause)),
                                Some(field) => fields.push(Placed {
                                    text,
                                    clause,
                                    slot: slot_of(&field),
                                }),
                            }
                        }
                    }
                }
            }
            rule_clauses.push(first..clause_count);
        }
        let in_slot = |slot: u8| {
            Automaton::build(
                fields
                    .iter()
                    .filter(|p| p.slot.is_none_or(|s| s == slot))
                    .map(|p| (p.text.as_str(), p.clause)),
            )
        };
        let built = (|| {
            let slots = (0..slot_count)
                .map(|slot| in_slot(u8::try_from(slot).unwrap_or(u8::MAX)))
                .collect::<Result<Vec<_>, _>>()?;
            let any_slot = Automaton::build(fields.iter().map(|p| (p.text.as_str(), p.clause)))?;
            let keywords = Automaton::build(keywords.iter().map(|(t, r)| (t.as_str(), *r)))?;
            Ok::<_, aho_corasick::BuildError>((slots, any_slot, keywords))
        })();
        match built {
            Ok((slots, any_slot, keywords)) => Prefilter {
                slots,
                any_slot,
                keywords,
                always,
                rule_clauses,
            },
            // Cannot happen for plain literals; stay correct (evaluate everything) if it does.
            Err(_) => Prefilter {
                slots: Vec::new(),
                any_slot: None,
                keywords: None,
                always: (0..rule_count as u32).collect(),
                rule_clauses: vec![0..0; rule_count],
            },
        }
    }

    fn rule_count(&self) -> usize {
        self.rule_clauses.len()
    }

    fn clause_count(&self) -> usize {
        self.rule_clauses.last().map_or(0, |r| r.end as usize)
    }

    /// How many rules are evaluated on every event (no witness).
    pub(crate) fn always_evaluated(&self) -> usize {
        self.always.len()
    }

    /// The rules worth evaluating on an event whose field values are given by `visit_fields`
    /// (with their slots) and whose keyword text (what keyword detections search) by
    /// `visit_keyword_text`, in ascending order.
    pub(crate) fn candidates(
        &self,
        visit_fields: impl Fn(&mut dyn FnMut(u8, &str)),
        visit_keyword_text: impl Fn(&mut dyn FnMut(&str)),
    ) -> Vec<u32> {
        let mut ascii = true;
        let mut held: Vec<bool> = Vec::new();
        let clause_count = self.clause_count();
        let mut scan = |automaton: Option<&Automaton>, text: &str| {
            if !ascii {
                return;
            }
            if !text.is_ascii() {
                ascii = false;
                return;
            }
            if let Some(automaton) = automaton {
                automaton.scan(text, &mut held, clause_count);
            }
        };
        // Visited even without an automaton: non-ASCII text must still be seen, as rules whose
        // literals are non-ASCII have no needle at all.
        visit_fields(&mut |slot, text| {
            let automaton = match self.slots.get(usize::from(slot)) {
                Some(in_slot) => in_slot.as_ref(),
                None => self.any_slot.as_ref(),
            };
            scan(automaton, text);
        });
        visit_keyword_text(&mut |text| scan(self.keywords.as_ref(), text));
        if !ascii {
            return (0..self.rule_count() as u32).collect();
        }
        if held.is_empty() {
            return self.always.clone();
        }
        // An always-evaluated rule has no clauses, so all of them hold.
        (0u32..)
            .zip(&self.rule_clauses)
            .filter(|(_, clauses)| std::ops::Range::clone(clauses).all(|c| held[c as usize]))
            .map(|(rule, _)| rule)
            .collect()
    }
}

/// Clauses every event the rule matches satisfies (see [`Witness`]); each built sorted and
/// without repeats.
pub(crate) fn rule_witness(rule: &SigmaRule) -> Witness {
    let detections = &rule.detection.named;
    let per_condition = rule
        .detection
        .conditions
        .iter()
        .map(|c| condition_witness(c, detections))
        .collect::<Vec<_>>();
    any_of(per_condition)
}

fn condition_witness(
    condition: &ConditionExpr,
    detections: &std::collections::HashMap<String, Detection>,
) -> Witness {
    match condition {
        ConditionExpr::Identifier(name) => detections.get(name).and_then(detection_witness),
        ConditionExpr::And(parts) => all_of(
            parts
                .iter()
                .map(|p| condition_witness(p, detections))
                .collect(),
        ),
        ConditionExpr::Or(parts) => any_of(
            parts
                .iter()
                .map(|p| condition_witness(p, detections))
                .collect(),
        ),
        ConditionExpr::Not(_) => None,
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let selected: Vec<Witness> = detections
                .iter()
                .filter(|(name, _)| match pattern {
                    SelectorPattern::Them => !name.starts_with('_'),
                    SelectorPattern::Pattern(p) => detection_name_matches(p, name),
                })
                .map(|(_, d)| detection_witness(d))
                .collect();
            if selected.is_empty() {
                return None;
            }
            match quantifier {
                Quantifier::All => all_of(selected),
                Quantifier::Any => any_of(selected),
                Quantifier::Count(n) if *n >= 1 => any_of(selected),
                Quantifier::Count(_) => None,
            }
        }
    }
}

fn detection_witness(detection: &Detection) -> Witness {
    match detection {
        Detection::AllOf(items) => all_of(items.iter().map(item_witness).collect()),
        Detection::AnyOf(list) => any_of(list.iter().map(detection_witness).collect()),
        // A keyword number is a numeric comparison with each value (see `item_witness`).
        Detection::Keywords(values) => any_of(
            values
                .iter()
                .map(|v| match v {
                    SigmaValue::Integer(_) => None,
                    _ => value_needle(v, None),
                })
                .collect(),
        ),
        Detection::And(list) => all_of(list.iter().map(detection_witness).collect()),
        Detection::ArrayMatch { .. } | Detection::Conditional { .. } => None,
    }
}

fn item_witness(item: &DetectionItem) -> Witness {
    if item.field.modifiers.contains(&Modifier::Re) {
        return regex_item_witness(item);
    }
    // Only plain literal matching keeps the value as a literal substring of the event.
    let literal = item.field.modifiers.iter().all(|m| {
        matches!(
            m,
            Modifier::Contains
                | Modifier::StartsWith
                | Modifier::EndsWith
                | Modifier::All
                | Modifier::Cased
        )
    });
    if !literal || item.values.is_empty() {
        return None;
    }
    // A fieldless item is a keyword search.
    let field = item.field.name.as_deref();
    // Without a substring modifier a number is compared as a number, and text such as `1e1`
    // equals 10 without containing "10": numbers are literal text only under a substring
    // modifier.
    let numbers_as_text = item.field.modifiers.iter().any(|m| {
        matches!(
            m,
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith
        )
    });
    let needles: Vec<Witness> = item
        .values
        .iter()
        .map(|v| match v {
            SigmaValue::Integer(_) if !numbers_as_text => None,
            _ => value_needle(v, field),
        })
        .collect();
    if item.field.modifiers.contains(&Modifier::All) {
        all_of(needles)
    } else {
        any_of(needles)
    }
}

/// A `re` item: every match of its regexes begins (or ends) with one of the literals regex-syntax
/// extracts from them. Without that, a rule such as "wrapper scheme in a parameter" gated on
/// `://` ran on every request whose URI is in absolute form (all of CSIC 2010's).
fn regex_item_witness(item: &DetectionItem) -> Witness {
    // The flags do not change which literals a match holds; anything else (an encoding, `all`)
    // is not a plain regex search of the value.
    let plain_search = item.field.modifiers.iter().all(|m| {
        matches!(
            m,
            Modifier::Re | Modifier::IgnoreCase | Modifier::Multiline | Modifier::DotAll
        )
    });
    if !plain_search || item.values.is_empty() {
        return None;
    }
    let field = item.field.name.as_deref();
    any_of(
        item.values
            .iter()
            .map(|value| match value {
                // The pattern exactly as rsigma compiles it (`value_to_plain_string`).
                SigmaValue::String(s) => {
                    regex_needles(&s.as_plain().unwrap_or_else(|| s.original.clone()), field)
                }
                _ => None,
            })
            .collect(),
    )
}

/// Literals one of which every match of `pattern` starts with (or ends with: whichever set is
/// more selective), lower-cased; `None` when there is no finite set without an empty literal.
///
/// The pattern is parsed case-sensitively even under the `i` flag: a case-insensitive match of
/// ASCII text is a case-sensitive match of the same text with some letters' case changed, so it
/// holds one of the literals up to ASCII case, which is how needles are searched; non-ASCII text
/// (where Unicode case folding differs) bypasses the filter. A literal with non-ASCII bytes can
/// only occur in non-ASCII text, so it is left out.
fn regex_needles(pattern: &str, field: Option<&str>) -> Witness {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    // At most 64 literals a set (regex-syntax's default is 250): measured with the shipped and
    // SigmaHQ web rules, the automata then build in 91M fewer instructions at every start and
    // scan a CSIC request in 0.4 % more (`bench/scan_instructions.sh`).
    [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .filter_map(|kind| {
            let seq = Extractor::new().kind(kind).limit_total(64).extract(&hir);
            let mut needles = Vec::new();
            for literal in seq.literals()? {
                let bytes = literal.as_bytes();
                if bytes.is_empty() {
                    return None;
                }
                if bytes.is_ascii() {
                    needles.push(Needle {
                        field: field.map(str::to_string),
                        text: String::from_utf8(bytes.to_ascii_lowercase()).ok()?,
                    });
                }
            }
            needles.sort();
            needles.dedup();
            Some(needles)
        })
        .max_by_key(|needles| selectivity(needles))
        .map(|needles| vec![needles])
}

/// The longest literal run of a value, lower-cased, to be found in `field` (`None`: the
/// keyword text); `None` when it has none; a clause without needles (never holds) when it is
/// not ASCII once lower-cased.
fn value_needle(value: &SigmaValue, field: Option<&str>) -> Witness {
    let needle = match value {
        SigmaValue::String(s) => {
            let mut best = String::new();
            let mut run = String::new();
            for part in &s.parts {
                match part {
                    StringPart::Plain(text) => run.push_str(text),
                    StringPart::Special(_) => {
                        if run.len() > best.len() {
                            best = std::mem::take(&mut run);
                        }
                        run.clear();
                    }
                }
            }
            if run.len() > best.len() {
                best = run;
            }
            best
        }
        SigmaValue::Integer(n) => n.to_string(),
        _ => return None,
    };
    if needle.is_empty() {
        return None;
    }
    // Matching folds case with Unicode rules: the needle is what the value lower-cases to
    // (the Kelvin sign `\u{212A}` becomes an ASCII `k`). Still non-ASCII, it can never occur
    // in the ASCII text the filter scans (non-ASCII text bypasses the filter): no needle, and
    // the value can never match there.
    let lower = needle.to_lowercase();
    if !lower.is_ascii() {
        return Some(vec![Vec::new()]);
    }
    Some(vec![vec![Needle {
        field: field.map(str::to_string),
        text: lower,
    }]])
}

/// Witness of an OR: every branch needs one. (A ∧ B) ∨ (C ∧ D) holds exactly when each of
/// A ∨ C, A ∨ D, B ∨ C and B ∨ D does; past [`MAX_CLAUSES`] such products, each branch is first
/// cut to its most selective clause (weaker, still sound).
fn any_of(witnesses: Vec<Witness>) -> Witness {
    if witnesses.is_empty() {
        return None;
    }
    let mut branches = witnesses
        .into_iter()
        .collect::<Option<Vec<Vec<Clause>>>>()?;
    let products = branches
        .iter()
        .try_fold(1usize, |n, clauses| n.checked_mul(clauses.len()));
    if products.is_none_or(|n| n > MAX_CLAUSES) {
        for clauses in &mut branches {
            let best = std::mem::take(clauses)
                .into_iter()
                .max_by_key(|clause| selectivity(clause));
            clauses.extend(best);
        }
    }
    let mut out: Vec<Clause> = vec![Vec::new()];
    for clauses in branches {
        out = out
            .iter()
            .flat_map(|acc| {
                clauses.iter().map(move |clause| {
                    let mut joined: Clause = acc.iter().chain(clause).cloned().collect();
                    joined.sort();
                    joined.dedup();
                    joined
                })
            })
            .collect();
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Witness of an AND: the clauses of every side that has one, the most selective first, at most
/// [`MAX_CLAUSES`] of them (leaving a clause out only weakens the witness).
fn all_of(witnesses: Vec<Witness>) -> Witness {
    let mut clauses: Vec<Clause> = witnesses.into_iter().flatten().flatten().collect();
    if clauses.is_empty() {
        return None;
    }
    clauses.sort();
    clauses.dedup();
    clauses.sort_by_key(|clause| std::cmp::Reverse(selectivity(clause)));
    clauses.truncate(MAX_CLAUSES);
    Some(clauses)
}

/// How selective a set of needles is, as an ordering key: a set that can never be found, then
/// the longest shortest needle (up to 8 bytes), then the fewest needles.
fn selectivity(needles: &[Needle]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = needles
        .iter()
        .map(|n| n.text.len())
        .min()
        .unwrap_or(usize::MAX);
    (shortest.min(8), std::cmp::Reverse(needles.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The witness's clauses, as needle texts (sorted: the order means nothing).
    fn clauses(yaml: &str) -> Option<Vec<Vec<String>>> {
        let collection = rsigma_parser::parse_sigma_yaml(yaml).expect("valid yaml");
        rule_witness(&collection.rules[0]).map(|w| {
            let mut clauses: Vec<Vec<String>> = w
                .into_iter()
                .map(|clause| {
                    let mut texts: Vec<String> = clause.into_iter().map(|n| n.text).collect();
                    texts.sort();
                    texts
                })
                .collect();
            clauses.sort();
            clauses
        })
    }

    /// The needle texts of a one-clause witness.
    fn witness(yaml: &str) -> Option<Vec<String>> {
        clauses(yaml).map(|mut w| {
            assert_eq!(w.len(), 1, "one clause expected: {w:?}");
            w.remove(0)
        })
    }

    fn rule(detection: &str) -> String {
        format!("title: t\nlogsource: {{category: webserver}}\ndetection:\n{detection}\n")
    }

    #[test]
    fn witnesses_follow_the_condition() {
        let w = witness(&rule(
            "  sel:\n    cs-uri-query|contains:\n      - '/etc/Passwd'\n      - 'win*.ini'\n  condition: sel",
        ));
        assert_eq!(w, Some(vec![".ini".to_string(), "/etc/passwd".to_string()]));
        // AND: a clause per side, the most selective first.
        let w = clauses(&rule(
            "  a:\n    cs-method: 'POST'\n  b:\n    cs-uri-query|contains: '/wp-admin/'\n  condition: a and b",
        ));
        assert_eq!(
            w,
            Some(vec![
                vec!["/wp-admin/".to_string()],
                vec!["post".to_string()]
            ])
        );
        // NOT, regexes without a finite literal set and numbers have no literal witness.
        assert_eq!(
            witness(&rule("  a:\n    cs-method: 'POST'\n  condition: not a")),
            None
        );
        assert_eq!(
            witness(&rule("  a:\n    c-uri|re: '\\d+x?'\n  condition: a")),
            None
        );
        assert_eq!(
            witness(&rule("  a:\n    cs-bytes|gt: 5\n  condition: a")),
            None
        );
        // OR with one unwitnessed side is unwitnessed.
        assert_eq!(
            witness(&rule(
                "  a:\n    cs-method: 'POST'\n  b:\n    c-uri|re: '\\w'\n  condition: a or b"
            )),
            None
        );
        // 1 of / all of.
        let w = witness(&rule(
            "  s_1:\n    c-uri|contains: 'aaa'\n  s_2:\n    c-uri|contains: 'bbbb'\n  condition: 1 of s_*",
        ));
        assert_eq!(w, Some(vec!["aaa".to_string(), "bbbb".to_string()]));
        let w = clauses(&rule(
            "  s_1:\n    c-uri|contains: 'aaa'\n  s_2:\n    c-uri|contains: 'bbbb'\n  condition: all of them",
        ));
        assert_eq!(
            w,
            Some(vec![vec!["aaa".to_string()], vec!["bbbb".to_string()]])
        );
        // A number is a needle only as text (`1e1` is 10 to a numeric comparison).
        assert_eq!(
            witness(&rule("  a:\n    sc-status: 404\n  condition: a")),
            None
        );
        assert_eq!(
            witness(&rule("  a:\n    c-uri|contains: 404\n  condition: a")),
            Some(vec!["404".to_string()])
        );
        // A non-ASCII literal cannot occur in ASCII text, unless it lower-cases to ASCII.
        assert_eq!(
            witness(&rule(
                "  a:\n    c-uri|contains: ['script', '\u{17f}cript']\n  condition: a"
            )),
            Some(vec!["script".to_string()])
        );
        assert_eq!(
            witness(&rule(
                "  a:\n    c-uri|contains: '\u{17f}cript'\n  condition: a"
            )),
            Some(vec![])
        );
        assert_eq!(
            witness(&rule(
                "  a:\n    c-uri|contains: '\u{212A}ey'\n  condition: a"
            )),
            Some(vec!["key".to_string()])
        );
        // Escaped wildcards are literal text.
        let w = witness(&rule("  a:\n    c-uri|contains: 'x\\*y'\n  condition: a"));
        assert_eq!(w, Some(vec!["x*y".to_string()]));
    }

    #[test]
    fn an_or_of_ands_is_a_product_of_clauses_up_to_the_cap() {
        let strings = |v: &[&[&str]]| {
            Some(
                v.iter()
                    .map(|c| c.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            )
        };
        // (a ∧ b) ∨ c = (a ∨ c) ∧ (b ∨ c).
        let w = clauses(&rule(
            "  a:\n    c-uri|contains: 'aaaa'\n  b:\n    c-useragent|contains: 'bbbbb'\n  c:\n    c-uri|contains: 'cccccc'\n  condition: (a and b) or c",
        ));
        assert_eq!(w, strings(&[&["aaaa", "cccccc"], &["bbbbb", "cccccc"]]));
        // Three two-clause branches would make eight clauses: each branch keeps its best.
        let w = clauses(&rule(
            "  a1:\n    c-uri|contains: 'a1'\n  a2:\n    c-uri|contains: 'a2xx'\n  b1:\n    c-uri|contains: 'b1'\n  b2:\n    c-uri|contains: 'b2xx'\n  c1:\n    c-uri|contains: 'c1'\n  c2:\n    c-uri|contains: 'c2xx'\n  condition: (a1 and a2) or (b1 and b2) or (c1 and c2)",
        ));
        assert_eq!(w, strings(&[&["a2xx", "b2xx", "c2xx"]]));
        // A side that can never hold (non-ASCII literal) leaves the other side's needles.
        let w = clauses(&rule(
            "  a:\n    c-uri|contains: '\u{17f}x'\n  b:\n    c-uri|contains: 'bb'\n  condition: a or b",
        ));
        assert_eq!(w, strings(&[&["bb"]]));
        // A `cs-method: GET and keywords` rule needs both (the SigmaHQ SSTI rule's shape).
        let w = clauses(&rule(
            "  m:\n    cs-method: 'GET'\n  k:\n    - '={{'\n    - '=${'\n  condition: m and k",
        ));
        assert_eq!(w, strings(&[&["=${", "={{"], &["get"]]));
    }

    #[test]
    fn a_regex_is_witnessed_by_the_literals_its_matches_begin_or_end_with() {
        let re = |pattern: &str| {
            witness(&rule(&format!(
                "  a:\n    cs-uri-query|re|i: '{pattern}'\n  condition: a"
            )))
        };
        let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        // The more selective end, lower-cased: `union` begins every match, `select` ends it.
        assert_eq!(re("UNION\\s+SELECT"), strings(&["select"]));
        // Case variants written into the pattern fold into one needle.
        assert_eq!(re("(?i)Ab"), strings(&["ab"]));
        // Alternatives: one needle each.
        assert_eq!(
            re("(?:php|expect)(?::|%3a)//"),
            strings(&["expect%3a//", "expect://", "php%3a//", "php://"])
        );
        // A match that may be empty, or begin with an unbounded class, has no witness.
        assert_eq!(re("a|"), None);
        assert_eq!(re("[^/]+\\.php"), strings(&[".php"]));
        assert_eq!(re("[^/]+[^x]"), None);
        // A non-ASCII alternative can only match non-ASCII text, which bypasses the filter.
        assert_eq!(re("\u{e9}t\u{e9}|abc"), strings(&["abc"]));
        // An encoding modifier is not a plain search of the value.
        assert_eq!(
            witness(&rule(
                "  a:\n    cs-uri-query|base64|re: 'abc'\n  condition: a"
            )),
            None
        );
    }

    /// Web slots as the rule set uses them.
    fn web_slot(field: &str) -> Option<u8> {
        crate::event_map::field_slot(crate::SourceClass::Webserver, field)
    }

    const WEB_SLOTS: usize = crate::event_map::WEB_SLOT_COUNT;

    fn witnesses(rules: &[String]) -> Vec<Witness> {
        rules
            .iter()
            .map(|y| rule_witness(&rsigma_parser::parse_sigma_yaml(y).expect("yaml").rules[0]))
            .collect()
    }

    #[test]
    fn candidates_are_the_rules_whose_needles_occur_plus_the_unwitnessed() {
        let filter = Prefilter::build(
            witnesses(&[
                rule("  a:\n    c-uri|contains: 'passwd'\n  condition: a"),
                rule("  a:\n    c-uri|re: '^\\d'\n  condition: a"),
                rule("  a:\n    c-uri|contains: 'wp-admin'\n  condition: a"),
            ]),
            web_slot,
            WEB_SLOTS,
        );
        assert_eq!(filter.always_evaluated(), 1);
        let uri = web_slot("c-uri").expect("a web field");
        let candidates = |texts: &[&str]| {
            filter.candidates(
                |visit: &mut dyn FnMut(u8, &str)| {
                    for t in texts {
                        visit(uri, t);
                    }
                },
                |_: &mut dyn FnMut(&str)| {},
            )
        };
        assert_eq!(candidates(&["/index.html"]), vec![1]);
        assert_eq!(candidates(&["/etc/PASSWD", "ua"]), vec![0, 1]);
        assert_eq!(candidates(&["x", "/WP-Admin/passwd"]), vec![0, 1, 2]);
        // Non-ASCII text: every rule, as Unicode case folding is not ASCII's.
        assert_eq!(candidates(&["/\u{212A}"]), vec![0, 1, 2]);
    }

    #[test]
    fn a_rule_is_a_candidate_only_when_every_clause_holds() {
        let filter = Prefilter::build(
            witnesses(&[rule(
                "  m:\n    cs-method: 'GET'\n  k:\n    c-uri|contains: ['={{', '=${']\n  condition: m and k",
            )]),
            web_slot,
            WEB_SLOTS,
        );
        let slot = |f: &str| web_slot(f).expect("a web field");
        let run = |method: &'static str, uri: &'static str| {
            filter.candidates(
                move |visit: &mut dyn FnMut(u8, &str)| {
                    visit(slot("cs-method"), method);
                    visit(slot("c-uri"), uri);
                },
                |_: &mut dyn FnMut(&str)| {},
            )
        };
        assert_eq!(run("GET", "/index.html"), Vec::<u32>::new());
        assert_eq!(run("POST", "/a?q=${x}"), Vec::<u32>::new());
        assert_eq!(run("GET", "/a?q=${x}"), vec![0]);
    }

    #[test]
    fn a_field_needle_counts_only_in_its_own_field() {
        let filter = Prefilter::build(
            witnesses(&[
                rule("  a:\n    cs-uri-query|contains: ';'\n  condition: a"),
                rule("  a:\n    c-useragent|contains: 'nikto'\n  condition: a"),
                // An alias of the URI (the path is part of it) and a field no web event has.
                rule("  a:\n    cs-uri-stem|contains: 'admin'\n  condition: a"),
                rule("  a:\n    x-custom|contains: 'nikto'\n  condition: a"),
            ]),
            web_slot,
            WEB_SLOTS,
        );
        let slot = |f: &str| web_slot(f).expect("a web field");
        let run = |texts: Vec<(u8, &'static str)>| {
            filter.candidates(
                move |visit: &mut dyn FnMut(u8, &str)| {
                    for (slot, text) in &texts {
                        visit(*slot, text);
                    }
                },
                |_: &mut dyn FnMut(&str)| {},
            )
        };
        let browser = "Mozilla/5.0 (X11; Linux x86_64; nikto)";
        assert_eq!(run(vec![(slot("c-useragent"), browser)]), vec![1, 3]);
        assert_eq!(
            run(vec![(slot("cs-uri"), "/admin/a;b"), (slot("cs-host"), "x")]),
            vec![0, 2]
        );
        assert_eq!(run(vec![(slot("cs-referer"), "/admin;nikto")]), vec![3]);
    }

    #[test]
    fn keyword_needles_are_searched_in_the_keyword_text_only() {
        let witnesses = witnesses(&[
            rule("  k:\n    - 'sqlmap'\n  condition: k"),
            rule("  a:\n    c-useragent|contains: 'nikto'\n  condition: a"),
        ]);
        assert!(witnesses[0].as_ref().expect("witness")[0][0]
            .field
            .is_none());
        let filter = Prefilter::build(witnesses, web_slot, WEB_SLOTS);
        let ua = web_slot("c-useragent").expect("a web field");
        let run = |fields: &'static str, line: &'static str| {
            filter.candidates(
                move |visit: &mut dyn FnMut(u8, &str)| visit(ua, fields),
                move |visit: &mut dyn FnMut(&str)| visit(line),
            )
        };
        assert_eq!(run("sqlmap", "nikto"), Vec::<u32>::new());
        assert_eq!(run("nikto", "x sqlmap y"), vec![0, 1]);
    }
}
