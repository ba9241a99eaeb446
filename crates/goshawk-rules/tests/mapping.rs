//! The Sigma field names of an access-log line, checked through rules (what a rule author
//! sees), and logsource routing: a rule for another log source (proxy, Apache error log) is
//! never evaluated on a web-server event.

use goshawk_core::{Event, HttpRequest};
use goshawk_io::http::parse_combined;
use goshawk_rules::{RuleSet, SourceClass};

/// A real line of the ocatak scanner logs (wrapped in quotes as there), with a query string.
const LINE: &str = "\"192.168.4.25 - - [22/Dec/2016:16:36:37 +0300] \"GET /DVWA/vulnerabilities/sqli/?id=%27+OR+1%3D1--&Submit=Submit HTTP/1.1\" 200 4729 \"http://192.168.4.161/DVWA/vulnerabilities/sqli/\" \"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.21 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.21\"\"";

fn web_rule(id: &str, field: &str, value: &str) -> (String, String) {
    (
        format!("map/{id}.yml"),
        format!(
            "title: {id}\nid: {id}\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    {field}: {value}\n  condition: sel\n"
        ),
    )
}

fn hit_ids(rules: &RuleSet, event: &Event, line: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = rules
        .evaluate(event, line)
        .into_iter()
        .map(|h| h.rule_id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn access_log_fields_under_their_sigma_names() {
    let request = parse_combined(LINE).expect("real line parses");
    let uri = "'/DVWA/vulnerabilities/sqli/?id=%27+OR+1%3D1--&Submit=Submit'";
    let path = "'/DVWA/vulnerabilities/sqli/'";
    let query = "'id=%27+OR+1%3D1--&Submit=Submit'";
    let ua = "'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.21 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.21'";
    let expected: Vec<(&str, &str)> = vec![
        // The URI as logged (not decoded), path and query, as SigmaHQ's web rules assume.
        ("cs-uri-query", uri),
        ("c-uri", uri),
        ("cs-uri", uri),
        ("cs-uri-stem", path),
        ("c-uri-path", path),
        ("c-uri-query", query),
        ("sc-status", "200"),
        ("cs-bytes", "4729"),
        ("cs-method", "'GET'"),
        ("cs-version", "'HTTP/1.1'"),
        ("cs-user-agent", ua),
        ("c-useragent", ua),
        ("cs(User-Agent)", ua),
        (
            "cs-referer",
            "'http://192.168.4.161/DVWA/vulnerabilities/sqli/'",
        ),
        ("c-ip", "'192.168.4.25'"),
    ];
    let sources: Vec<(String, String)> = expected
        .iter()
        .enumerate()
        .map(|(i, (field, value))| web_rule(&format!("f{i:02}"), field, value))
        .collect();
    let (rules, report) = RuleSet::from_sources(sources);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let event = Event::Http(request.clone());
    let all: Vec<String> = (0..expected.len()).map(|i| format!("f{i:02}")).collect();
    assert_eq!(hit_ids(&rules, &event, Some(LINE)), all);

    // sc-status is a number: numeric comparisons work on it.
    let (rules, _) = RuleSet::from_sources(vec![
        web_rule("ok", "sc-status|lt", "300"),
        web_rule("err", "sc-status|gte", "400"),
    ]);
    assert_eq!(hit_ids(&rules, &event, Some(LINE)), ["ok"]);

    // The extension of the last path segment, and the Host header as cs-host.
    let mut with_host = HttpRequest {
        url: "/shop/Item.ASPX?id=3".into(),
        ..request
    };
    with_host
        .headers
        .push(("Host".into(), "shop.example".into()));
    let (rules, _) = RuleSet::from_sources(vec![
        web_rule("ext", "c-uri-extension", "'aspx'"),
        web_rule("host", "cs-host", "'shop.example'"),
        web_rule("noext", "c-uri-extension", "'php'"),
    ]);
    assert_eq!(
        hit_ids(&rules, &Event::Http(with_host), None),
        ["ext", "host"]
    );
}

#[test]
fn a_line_without_referer_or_agent_has_no_such_fields() {
    let line =
        "10.0.0.1 - bob [01/Jan/2020:00:00:00 +0000] \"POST /login HTTP/1.0\" 302 - \"-\" \"-\"";
    let event = Event::Http(parse_combined(line).expect("parses"));
    let (rules, _) = RuleSet::from_sources(vec![
        web_rule("noref", "cs-referer", "null"),
        web_rule("noua", "c-useragent", "null"),
        web_rule("nobytes", "cs-bytes", "null"),
        web_rule("user", "cs-username", "'bob'"),
        web_rule("noquery", "c-uri-query", "null"),
    ]);
    assert_eq!(
        hit_ids(&rules, &event, Some(line)),
        ["nobytes", "noquery", "noref", "noua", "user"]
    );
}

#[test]
fn rules_for_other_log_sources_never_see_web_events() {
    let detection = "detection:\n  sel:\n    c-uri|contains: 'sqli'\n  condition: sel\n";
    let rule = |id: &str, logsource: &str| {
        (
            format!("route/{id}.yml"),
            format!("title: {id}\nid: {id}\nlogsource:\n{logsource}{detection}"),
        )
    };
    let (rules, report) = RuleSet::from_sources(vec![
        rule("web", "  category: webserver\n"),
        rule("apache-web", "  category: webserver\n  product: apache\n"),
        rule("proxy", "  category: proxy\n"),
        rule("apache-error", "  product: apache\n  service: apache\n"),
        rule("zeek-http", "  product: zeek\n  service: http\n"),
    ]);
    // All load (valid rules), but only the webserver ones are evaluated on HTTP events.
    assert_eq!((report.rules, report.loaded), (5, 5), "{:?}", report.failed);
    let mut not_routed: Vec<&str> = report.not_routed.iter().map(|r| r.title.as_str()).collect();
    not_routed.sort();
    assert_eq!(not_routed, ["apache-error", "proxy", "zeek-http"]);
    assert_eq!(rules.rule_count_for(SourceClass::Webserver), 2);
    let event = Event::Http(parse_combined(LINE).expect("parses"));
    assert_eq!(hit_ids(&rules, &event, Some(LINE)), ["apache-web", "web"]);
    assert_eq!(hit_ids(&rules, &event, Some(LINE)), {
        let mut unfiltered: Vec<String> = rules
            .evaluate_unfiltered(&event, Some(LINE))
            .into_iter()
            .map(|h| h.rule_id)
            .collect();
        unfiltered.sort();
        unfiltered
    });
}

#[test]
fn a_web_rule_naming_a_field_goshawk_lacks_is_refused_with_the_field() {
    let (rules, report) = RuleSet::from_sources(vec![web_rule("cmd", "CommandLine", "'x'")]);
    assert_eq!((report.rules, report.loaded), (1, 0));
    assert!(
        report.failed[0].reason.contains("`CommandLine`"),
        "{:?}",
        report.failed
    );
    assert_eq!(rules.rule_count_for(SourceClass::Webserver), 0);
}
