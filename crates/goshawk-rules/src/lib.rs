//! Sigma rules for goshawk events: loading SigmaHQ YAML, mapping goshawk events to Sigma field
//! names, routing by logsource, and reporting hits with their ATT&CK and STRIDE labels.
//!
//! The matching itself is rsigma's (`rsigma-parser`/`rsigma-eval`, MIT): it parses and
//! compiles every modifier and condition form of the Sigma specification. goshawk's part is the
//! wrapper: which rules load and why the others do not ([`LoadReport`]), stored placeholder
//! values ([`Placeholders`]), the field mapping of each event kind (`event_map`), the routing of
//! rules to the event kinds their logsource names ([`SourceClass`]), and what a hit means
//! ([`RuleHit`], convertible to a [`goshawk_core::Finding`]).
//!
//! ```
//! use goshawk_core::{Event, HttpRequest};
//! use goshawk_rules::RuleSet;
//!
//! let rule = "title: Traversal\nid: t-1\nlogsource: {category: webserver}\n\
//!             detection:\n  sel:\n    cs-uri-query|contains: '../'\n  condition: sel\n\
//!             level: high\ntags: [attack.t1190]\n";
//! let (rules, report) = RuleSet::from_sources(vec![("web/t.yml".into(), rule.into())]);
//! assert_eq!((report.rules, report.loaded), (1, 1));
//! let event = Event::Http(HttpRequest::from_target("/a/../../etc/passwd"));
//! let hits = rules.evaluate(&event, None);
//! assert_eq!(hits[0].rule_id, "t-1");
//! assert_eq!(hits[0].techniques, ["T1190"]);
//! ```

mod event_map;
mod hit;
mod matrix;
mod placeholders;
mod prefilter;
mod ruleset;
mod source;

pub use hit::{tag_labels, RuleHit, TagLabels};
pub use matrix::{rules_matrix, RulesMatrix};
pub use placeholders::Placeholders;
pub use ruleset::{
    collect_files, LoadFailure, LoadReport, RuleInfo, RuleRef, RuleSet, PLACEHOLDERS_FILE,
};
pub use source::SourceClass;

/// `event` under Sigma field names (the mapping [`RuleSet`] uses), for other Sigma engines over
/// goshawk events: goshawk-correlate feeds it to rsigma's correlation engine.
pub fn sigma_event<'a>(
    event: &'a goshawk_core::Event,
    raw_line: Option<&'a str>,
) -> impl rsigma_eval::event::Event + 'a {
    event_map::SigmaView::new(event, raw_line)
}

/// Why rules could not be loaded at all (bad rules are not errors: see [`LoadReport`]).
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}
