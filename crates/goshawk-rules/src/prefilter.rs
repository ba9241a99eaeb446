//! A literal pre-filter in front of rsigma: most access-log lines match no web rule, and a
//! single Aho-Corasick pass over the event's text proves it for nearly all of them.
//!
//! Measured (bench/README-sigma.md, 71 SigmaHQ web rules, 1,000,000 real access-log lines,
//! one core): rsigma's own engine evaluates ~93,000 lines/s; with this pre-filter in front
//! the same rules run at the rate given there, with identical hits (tested differentially).
//!
//! For each rule, load time derives a *witness*: a set of literal needles at least one of
//! which occurs (case-insensitively) in some value of every event the rule matches, each
//! needle tied to the field it must be in. Rules without a sound witness (regexes, numeric
//! comparisons, `not`-only conditions, encodings) are always evaluated. At run time one
//! automaton over all needles scans the event's keyword text and field values; only the rules
//! whose needles were found *in their own field*, plus the always-evaluated ones, go to
//! rsigma. The field matters: a rule gated on `;` or `(` in the URI would otherwise be
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

/// Needles of which at least one must occur; `None` = no sound witness.
pub(crate) type Witness = Option<Vec<Needle>>;

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
    rule_count: usize,
}

/// An automaton and, per pattern, the rules (indexes into the class's compiled rules) that
/// need it.
struct Automaton {
    automaton: AhoCorasick,
    pattern_rules: Vec<Vec<u32>>,
}

impl Automaton {
    /// Over the distinct texts of `needles` (text, rule); `None` without needles.
    fn build<'a>(
        needles: impl IntoIterator<Item = (&'a str, u32)>,
    ) -> Result<Option<Self>, aho_corasick::BuildError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut pattern_rules: Vec<Vec<u32>> = Vec::new();
        let mut by_text = std::collections::HashMap::new();
        for (text, rule) in needles {
            let id = *by_text.entry(text).or_insert_with(|| {
                patterns.push(text);
                pattern_rules.push(Vec::new());
                patterns.len() - 1
            });
            if !pattern_rules[id].contains(&rule) {
                pattern_rules[id].push(rule);
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
            pattern_rules,
        }))
    }

    /// Marks the rules whose needles occur in `text`.
    fn scan(&self, text: &str, hit: &mut Vec<bool>, rule_count: usize) {
        for m in self.automaton.find_overlapping_iter(text) {
            if hit.is_empty() {
                *hit = vec![false; rule_count];
            }
            for &rule in &self.pattern_rules[m.pattern().as_usize()] {
                hit[rule as usize] = true;
            }
        }
    }
}

/// A field needle placed: its text, its rule, and the slot its field is shown in (`None`:
/// unknown, so it is looked for in every slot).
struct Placed {
    text: String,
    rule: u32,
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
        let rule_count = witnesses.len();
        for (index, witness) in witnesses.into_iter().enumerate() {
            let rule = index as u32;
            match witness {
                None => always.push(rule),
                Some(list) => {
                    for Needle { field, text } in list {
                        match field {
                            None => keywords.push((text, rule)),
                            Some(field) => fields.push(Placed {
                                text,
                                rule,
                                slot: slot_of(&field),
                            }),
                        }
                    }
                }
            }
        }
        let in_slot = |slot: u8| {
            Automaton::build(
                fields
                    .iter()
                    .filter(|p| p.slot.is_none_or(|s| s == slot))
                    .map(|p| (p.text.as_str(), p.rule)),
            )
        };
        let built = (|| {
            let slots = (0..slot_count)
                .map(|slot| in_slot(u8::try_from(slot).unwrap_or(u8::MAX)))
                .collect::<Result<Vec<_>, _>>()?;
            let any_slot = Automaton::build(fields.iter().map(|p| (p.text.as_str(), p.rule)))?;
            let keywords = Automaton::build(keywords.iter().map(|(t, r)| (t.as_str(), *r)))?;
            Ok::<_, aho_corasick::BuildError>((slots, any_slot, keywords))
        })();
        match built {
            Ok((slots, any_slot, keywords)) => Prefilter {
                slots,
                any_slot,
                keywords,
                always,
                rule_count,
            },
            // Cannot happen for plain literals; stay correct (evaluate everything) if it does.
            Err(_) => Prefilter {
                slots: Vec::new(),
                any_slot: None,
                keywords: None,
                always: (0..rule_count as u32).collect(),
                rule_count,
            },
        }
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
        let mut hit: Vec<bool> = Vec::new();
        let mut scan = |automaton: Option<&Automaton>, text: &str| {
            if !ascii {
                return;
            }
            if !text.is_ascii() {
                ascii = false;
                return;
            }
            if let Some(automaton) = automaton {
                automaton.scan(text, &mut hit, self.rule_count);
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
            return (0..self.rule_count as u32).collect();
        }
        if hit.is_empty() {
            return self.always.clone();
        }
        for &rule in &self.always {
            hit[rule as usize] = true;
        }
        hit.iter()
            .enumerate()
            .filter(|(_, h)| **h)
            .map(|(i, _)| i as u32)
            .collect()
    }
}

/// Some needle of the witness must occur wherever the rule matches.
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

/// The longest literal run of a value, lower-cased, to be found in `field` (`None`: the
/// keyword text); `None` when it has none; no needle at all (`Some([])`, never found) when it
/// is not ASCII once lower-cased.
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
        return Some(Vec::new());
    }
    Some(vec![Needle {
        field: field.map(str::to_string),
        text: lower,
    }])
}

/// Witness of an OR: every branch needs one, and any of their needles may occur.
fn any_of(witnesses: Vec<Witness>) -> Witness {
    if witnesses.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for w in witnesses {
        out.extend(w?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Witness of an AND: any branch's witness will do; take the most selective (a branch that can
/// never be found, then the longest shortest needle, then fewest needles).
fn all_of(witnesses: Vec<Witness>) -> Witness {
    witnesses.into_iter().flatten().max_by_key(|needles| {
        let shortest = needles
            .iter()
            .map(|n| n.text.len())
            .min()
            .unwrap_or(usize::MAX);
        (shortest.min(8), std::cmp::Reverse(needles.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The witness's needle texts.
    fn witness(yaml: &str) -> Option<Vec<String>> {
        let collection = rsigma_parser::parse_sigma_yaml(yaml).expect("valid yaml");
        rule_witness(&collection.rules[0]).map(|w| w.into_iter().map(|n| n.text).collect())
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
        // AND: the most selective side.
        let w = witness(&rule(
            "  a:\n    cs-method: 'POST'\n  b:\n    cs-uri-query|contains: '/wp-admin/'\n  condition: a and b",
        ));
        assert_eq!(w, Some(vec!["/wp-admin/".to_string()]));
        // NOT, regexes and numbers have no literal witness.
        assert_eq!(
            witness(&rule("  a:\n    cs-method: 'POST'\n  condition: not a")),
            None
        );
        assert_eq!(
            witness(&rule("  a:\n    c-uri|re: 'a.*b'\n  condition: a")),
            None
        );
        assert_eq!(
            witness(&rule("  a:\n    cs-bytes|gt: 5\n  condition: a")),
            None
        );
        // OR with one unwitnessed side is unwitnessed.
        assert_eq!(
            witness(&rule(
                "  a:\n    cs-method: 'POST'\n  b:\n    c-uri|re: 'x'\n  condition: a or b"
            )),
            None
        );
        // 1 of / all of.
        let w = witness(&rule(
            "  s_1:\n    c-uri|contains: 'aaa'\n  s_2:\n    c-uri|contains: 'bbbb'\n  condition: 1 of s_*",
        ));
        assert_eq!(w, Some(vec!["aaa".to_string(), "bbbb".to_string()]));
        let w = witness(&rule(
            "  s_1:\n    c-uri|contains: 'aaa'\n  s_2:\n    c-uri|contains: 'bbbb'\n  condition: all of them",
        ));
        assert_eq!(w, Some(vec!["bbbb".to_string()]));
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
                rule("  a:\n    c-uri|re: 'x'\n  condition: a"),
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
        assert!(witnesses[0].as_ref().expect("witness")[0].field.is_none());
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
