//! Rule detectors as the engine sees them: anything that, given an event (and the line it was
//! logged as), says which rules match. The Sigma rule set implements it; the engine weights each
//! hit by the decision policy, so a matcher only reports what matched.

use goshawk_core::{Event, EventKind, Finding};

/// Matches rules against events.
pub trait RuleMatcher: Send + Sync {
    /// Appends one finding per matching rule, with `rule_id`, `title`, `level`, `tags`, labels
    /// (ATT&CK techniques, STRIDE) and the matched fields as evidence. The score is set by the
    /// engine from the policy.
    fn matches(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>);
    /// How many rules are loaded (for `/info` and the dashboard).
    fn rule_count(&self) -> usize;
    /// How many of them apply to events of `kind` (rules route by logsource).
    fn rule_count_for(&self, kind: EventKind) -> usize;
    /// Whether the matcher keeps state across events (correlation windows) and so must see
    /// events one at a time in event-time order: callers then run it sequentially.
    fn needs_event_order(&self) -> bool {
        false
    }
    /// The longest span of event time a window looks back over, in seconds (0: no windows).
    /// A consumer taking over a stream rebuilds its windows from at least this much of the
    /// stream's history before the point it resumes from.
    fn window_secs(&self) -> u64 {
        0
    }
    /// Behaviour windows held now (one per correlation rule and group-by key): the state that
    /// grows with traffic, for `/metrics`.
    fn window_count(&self) -> usize {
        0
    }
    /// The part of [`RuleMatcher::matches`] that judges each event alone: callers may run it
    /// on many threads at once, in any order.
    fn matches_each(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        if !self.needs_event_order() {
            self.matches(event, raw_line, out);
        }
    }
    /// The part that keeps state across events: callers run it one event at a time, in event
    /// order. [`RuleMatcher::matches`] is this and [`RuleMatcher::matches_each`] together.
    fn matches_in_order(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        if self.needs_event_order() {
            self.matches(event, raw_line, out);
        }
    }
}

impl RuleMatcher for goshawk_rules::RuleSet {
    fn matches(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        out.extend(
            self.evaluate(event, raw_line)
                .into_iter()
                .map(Finding::from),
        );
    }

    fn rule_count(&self) -> usize {
        self.rules().len()
    }

    fn rule_count_for(&self, kind: EventKind) -> usize {
        goshawk_rules::RuleSet::rule_count_for(self, goshawk_rules::SourceClass::of(kind))
    }
}

/// Several rule sets (the shipped packs and a directory of the user's) as one matcher.
impl<M: RuleMatcher> RuleMatcher for Vec<M> {
    fn matches(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        for set in self {
            set.matches(event, raw_line, out);
        }
    }

    fn rule_count(&self) -> usize {
        self.iter().map(RuleMatcher::rule_count).sum()
    }

    fn rule_count_for(&self, kind: EventKind) -> usize {
        self.iter().map(|set| set.rule_count_for(kind)).sum()
    }

    fn needs_event_order(&self) -> bool {
        self.iter().any(RuleMatcher::needs_event_order)
    }

    fn window_secs(&self) -> u64 {
        self.iter().map(RuleMatcher::window_secs).max().unwrap_or(0)
    }

    fn window_count(&self) -> usize {
        self.iter().map(RuleMatcher::window_count).sum()
    }

    fn matches_each(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        for set in self {
            set.matches_each(event, raw_line, out);
        }
    }

    fn matches_in_order(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        for set in self {
            set.matches_in_order(event, raw_line, out);
        }
    }
}

/// Matchers of different types in one list (stateless rule sets next to correlation windows).
impl<M: RuleMatcher + ?Sized> RuleMatcher for Box<M> {
    fn matches(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        (**self).matches(event, raw_line, out);
    }

    fn rule_count(&self) -> usize {
        (**self).rule_count()
    }

    fn rule_count_for(&self, kind: EventKind) -> usize {
        (**self).rule_count_for(kind)
    }

    fn needs_event_order(&self) -> bool {
        (**self).needs_event_order()
    }

    fn window_secs(&self) -> u64 {
        (**self).window_secs()
    }

    fn window_count(&self) -> usize {
        (**self).window_count()
    }

    fn matches_each(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        (**self).matches_each(event, raw_line, out);
    }

    fn matches_in_order(&self, event: &Event, raw_line: Option<&str>, out: &mut Vec<Finding>) {
        (**self).matches_in_order(event, raw_line, out);
    }
}
