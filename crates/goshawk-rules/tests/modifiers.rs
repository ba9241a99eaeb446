//! Every Sigma value modifier and condition form the engine must support (issue 4), each with
//! an HTTP event that must match and one that must not. Rules are small inline YAML; events go
//! through the public API. Every evaluation is also checked against rsigma alone
//! (`evaluate_unfiltered`), so the literal pre-filter is exercised on every form too.

use goshawk_core::{Event, HttpRequest};
use goshawk_rules::RuleSet;

/// Builds an HTTP request the way the access-log reader does.
#[derive(Clone)]
struct Req(HttpRequest);

impl Req {
    fn get(target: &str) -> Req {
        Req(HttpRequest {
            method: "GET".into(),
            url: target.into(),
            version: Some("HTTP/1.1".into()),
            client_ip: Some("10.1.2.3".into()),
            status: Some(200),
            bytes: Some(1000),
            ..Default::default()
        })
    }
    fn method(mut self, method: &str) -> Req {
        self.0.method = method.into();
        self
    }
    fn header(mut self, name: &str, value: &str) -> Req {
        self.0.headers.push((name.into(), value.into()));
        self
    }
    fn status(mut self, status: u16) -> Req {
        self.0.status = Some(status);
        self
    }
    fn bytes(mut self, bytes: u64) -> Req {
        self.0.bytes = Some(bytes);
        self
    }
    fn ip(mut self, ip: &str) -> Req {
        self.0.client_ip = Some(ip.into());
        self
    }
}

/// One webserver rule with this `detection:` body (indented two spaces).
fn rule(detection: &str) -> RuleSet {
    let yaml = format!(
        "title: test rule\nid: test-rule\nlogsource:\n  category: webserver\ndetection:\n{detection}\nlevel: high\n"
    );
    let (rules, report) = RuleSet::from_sources(vec![("t/rule.yml".into(), yaml)]);
    assert_eq!(
        (report.rules, report.loaded),
        (1, 1),
        "rule did not load: {:?}\n{detection}",
        report.failed
    );
    rules
}

/// Whether the rule matches the request (with `line` as the raw log line when given), after
/// checking that the pre-filtered and the unfiltered evaluation agree.
fn hits_line(rules: &RuleSet, req: &Req, line: Option<&str>) -> bool {
    let event = Event::Http(req.0.clone());
    let filtered = rules.evaluate(&event, line);
    let unfiltered = rules.evaluate_unfiltered(&event, line);
    assert_eq!(filtered, unfiltered, "pre-filter disagrees on {:?}", req.0);
    !filtered.is_empty()
}

fn hits(rules: &RuleSet, req: &Req) -> bool {
    hits_line(rules, req, None)
}

/// Asserts the rule matches every request of `yes` and none of `no`.
fn check(detection: &str, yes: &[Req], no: &[Req]) {
    let rules = rule(detection);
    for req in yes {
        assert!(hits(&rules, req), "must match: {:?}\n{detection}", req.0);
    }
    for req in no {
        assert!(
            !hits(&rules, req),
            "must not match: {:?}\n{detection}",
            req.0
        );
    }
}

#[test]
fn plain_values_are_exact_and_case_insensitive() {
    check(
        "  sel:\n    cs-uri-stem: '/Admin/Login.php'\n  condition: sel",
        &[Req::get("/admin/login.PHP?x=1")],
        &[
            Req::get("/admin/login.php.bak"),
            Req::get("/x/admin/login.php"),
        ],
    );
}

#[test]
fn contains_startswith_endswith() {
    check(
        "  sel:\n    cs-uri-query|contains: 'etc/passwd'\n  condition: sel",
        &[Req::get("/x?f=../../ETC/PASSWD")],
        &[Req::get("/x?f=etc/shadow")],
    );
    check(
        "  sel:\n    cs-uri-query|startswith: '/wp-admin/'\n  condition: sel",
        &[Req::get("/WP-Admin/x.php")],
        &[Req::get("/blog/wp-admin/x.php")],
    );
    check(
        "  sel:\n    cs-uri-stem|endswith: '.jsp'\n  condition: sel",
        &[Req::get("/a/b.JSP?x=1")],
        &[Req::get("/a/b.jsp.txt")],
    );
}

#[test]
fn all_needs_every_value() {
    check(
        "  sel:\n    cs-uri-query|contains|all:\n      - 'union'\n      - 'select'\n  condition: sel",
        &[Req::get("/p?id=1 UNION ALL SELECT 1")],
        &[Req::get("/p?id=1 union 2"), Req::get("/p?q=select")],
    );
}

#[test]
fn regex_is_case_sensitive_unless_flagged() {
    check(
        "  sel:\n    cs-uri-query|re: 'id=[0-9]+ OR '\n  condition: sel",
        &[Req::get("/p?id=1 OR 1=1")],
        &[Req::get("/p?id=1 or 1=1"), Req::get("/p?id=x OR 1=1")],
    );
    check(
        "  sel:\n    cs-uri-query|re|i: 'id=[0-9]+ OR '\n  condition: sel",
        &[Req::get("/p?id=1 or 1=1")],
        &[Req::get("/p?id=x or 1=1")],
    );
}

#[test]
fn regex_multiline_and_dotall_flags() {
    // m: ^ and $ match at line breaks.
    check(
        "  sel:\n    c-useragent|re|m: '^evil$'\n  condition: sel",
        &[Req::get("/").header("User-Agent", "ok\nevil\nok")],
        &[Req::get("/").header("User-Agent", "ok evil ok")],
    );
    check(
        "  sel:\n    c-useragent|re: '^evil$'\n  condition: sel",
        &[Req::get("/").header("User-Agent", "evil")],
        &[Req::get("/").header("User-Agent", "ok\nevil\nok")],
    );
    // s: the dot matches a line break.
    check(
        "  sel:\n    c-useragent|re|s: 'a.b'\n  condition: sel",
        &[Req::get("/").header("User-Agent", "a\nb")],
        &[Req::get("/").header("User-Agent", "a\n\nb")],
    );
    check(
        "  sel:\n    c-useragent|re: 'a.b'\n  condition: sel",
        &[Req::get("/").header("User-Agent", "axb")],
        &[Req::get("/").header("User-Agent", "a\nb")],
    );
}

#[test]
fn cidr_matches_addresses_in_the_network() {
    check(
        "  sel:\n    c-ip|cidr:\n      - '192.168.0.0/16'\n      - '2001:db8::/32'\n  condition: sel",
        &[Req::get("/").ip("192.168.4.25"), Req::get("/").ip("2001:db8::1")],
        &[
            Req::get("/").ip("192.169.0.1"),
            Req::get("/").ip("10.0.0.1"),
            Req::get("/").ip("not-an-ip"),
        ],
    );
}

#[test]
fn base64_and_base64offset() {
    // base64("whoami") = d2hvYW1p
    check(
        "  sel:\n    cs-uri-query|base64|contains: 'whoami'\n  condition: sel",
        &[Req::get("/x?cmd=d2hvYW1p")],
        &[Req::get("/x?cmd=whoami"), Req::get("/x?cmd=aGVsbG8=")],
    );
    // Like every Sigma value, the encoded text is compared case-insensitively (pySigma's
    // backends do the same); `cased` makes it exact.
    check(
        "  sel:\n    cs-uri-query|base64|contains: 'whoami'\n  condition: sel",
        &[Req::get("/x?cmd=D2HVYW1P")],
        &[],
    );
    check(
        "  sel:\n    cs-uri-query|base64|contains|cased: 'whoami'\n  condition: sel",
        &[Req::get("/x?cmd=d2hvYW1p")],
        &[Req::get("/x?cmd=D2HVYW1P")],
    );
    // base64offset: the three encodings of the text at each offset in a longer payload.
    // base64("xwhoami") = eHdob2FtaQ==, base64("xxwhoami") = eHh3aG9hbWk=
    check(
        "  sel:\n    cs-uri-query|base64offset|contains: 'whoami'\n  condition: sel",
        &[
            Req::get("/x?c=d2hvYW1p"),
            Req::get("/x?c=eHdob2FtaQ=="),
            Req::get("/x?c=eHh3aG9hbWk="),
        ],
        &[Req::get("/x?c=whoami"), Req::get("/x?c=aGVsbG8=")],
    );
}

#[test]
fn utf16le_and_wide_encode_before_base64() {
    // base64(utf16le("cmd")) = YwBtAGQA
    for modifier in ["utf16le", "wide"] {
        check(
            &format!(
                "  sel:\n    cs-uri-query|{modifier}|base64|contains: 'cmd'\n  condition: sel"
            ),
            &[Req::get("/x?p=YwBtAGQA")],
            &[Req::get("/x?p=Y21k"), Req::get("/x?p=cmd")],
        );
    }
    // The three base64 offsets of the UTF-16LE text, as SigmaHQ's PowerShell rules use it.
    // base64(utf16le("xcmd")) = eABjAG0AZAA=
    check(
        "  sel:\n    cs-uri-query|wide|base64offset|contains: 'cmd'\n  condition: sel",
        &[Req::get("/x?p=YwBtAGQA"), Req::get("/x?p=eABjAG0AZAA=")],
        &[Req::get("/x?p=Y21k")],
    );
}

#[test]
fn modifier_combinations_the_engine_would_not_apply_are_refused() {
    // rsigma applies UTF-16 only on the way to base64; alone it would match the plain value.
    for (modifiers, named) in [
        ("wide|contains", "utf16le/wide"),
        ("utf16le", "utf16le/wide"),
        ("utf16be|contains", "utf16be"),
        ("windash|base64offset|contains", "windash"),
    ] {
        let yaml = format!(
            "title: t\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-uri-query|{modifiers}: 'cmd'\n  condition: sel\n"
        );
        let (rules, report) = RuleSet::from_sources(vec![("t/r.yml".into(), yaml)]);
        assert_eq!((report.rules, report.loaded), (1, 0), "{modifiers}");
        let reason = &report.failed[0].reason;
        assert!(
            reason.contains(named) && reason.contains("`cs-uri-query`"),
            "{modifiers}: {reason}"
        );
        assert!(!hits(&rules, &Req::get("/x?p=cmd")));
    }
}

#[test]
fn windash_matches_every_dash_form() {
    check(
        "  sel:\n    cs-uri-query|windash|contains: ' -enc '\n  condition: sel",
        &[
            Req::get("/x?c=powershell -enc abc"),
            Req::get("/x?c=powershell /enc abc"),
            Req::get("/x?c=powershell \u{2013}enc abc"),
        ],
        &[Req::get("/x?c=powershell enc abc")],
    );
}

#[test]
fn exists_tests_presence() {
    check(
        "  sel:\n    cs-referer|exists: true\n  condition: sel",
        &[Req::get("/").header("Referer", "http://a/")],
        &[Req::get("/")],
    );
    check(
        "  sel:\n    cs-referer|exists: false\n  condition: sel",
        &[Req::get("/")],
        &[Req::get("/").header("Referer", "http://a/")],
    );
}

#[test]
fn numeric_comparisons() {
    let status = |s| Req::get("/").status(s);
    check(
        "  sel:\n    sc-status|lt: 400\n  condition: sel",
        &[status(399)],
        &[status(400)],
    );
    check(
        "  sel:\n    sc-status|lte: 400\n  condition: sel",
        &[status(400)],
        &[status(401)],
    );
    check(
        "  sel:\n    sc-status|gt: 499\n  condition: sel",
        &[status(500)],
        &[status(499)],
    );
    check(
        "  sel:\n    cs-bytes|gte: 1048576\n  condition: sel",
        &[Req::get("/").bytes(1_048_576)],
        &[Req::get("/").bytes(1_048_575)],
    );
    // A plain number is numeric equality on a numeric field.
    check(
        "  sel:\n    sc-status: 404\n  condition: sel",
        &[status(404)],
        &[status(4040), status(200)],
    );
}

#[test]
fn fieldref_compares_two_fields() {
    check(
        "  sel:\n    cs-host|fieldref: c-ip\n  condition: sel",
        &[Req::get("/").ip("10.9.9.9").header("Host", "10.9.9.9")],
        &[
            Req::get("/").ip("10.9.9.9").header("Host", "shop.example"),
            Req::get("/").ip("10.9.9.9"),
        ],
    );
    check(
        "  sel:\n    cs-referer|fieldref|contains: cs-host\n  condition: sel",
        &[Req::get("/")
            .header("Host", "shop.example")
            .header("Referer", "https://shop.example/cart")],
        &[Req::get("/")
            .header("Host", "shop.example")
            .header("Referer", "https://evil.example/")],
    );
}

#[test]
fn cased_is_case_sensitive() {
    check(
        "  sel:\n    cs-method|cased: 'GET'\n  condition: sel",
        &[Req::get("/")],
        &[Req::get("/").method("get")],
    );
    check(
        "  sel:\n    cs-uri-query|contains|cased: 'SELECT'\n  condition: sel",
        &[Req::get("/p?q=SELECT 1")],
        &[Req::get("/p?q=select 1")],
    );
}

#[test]
fn wildcards_and_their_escapes() {
    check(
        "  sel:\n    cs-uri-stem: '/a*/b?.php'\n  condition: sel",
        &[Req::get("/a/x/y/b1.php"), Req::get("/A/B2.PHP")],
        &[Req::get("/a/b.php"), Req::get("/a/b12.php")],
    );
    check(
        "  sel:\n    cs-uri-query|contains: 'x\\*y'\n  condition: sel",
        &[Req::get("/p?q=x*y")],
        &[Req::get("/p?q=xzy"), Req::get("/p?q=xy")],
    );
    check(
        "  sel:\n    cs-uri-query|endswith: 'why\\?'\n  condition: sel",
        &[Req::get("/p?q=why?")],
        &[Req::get("/p?q=whyz")],
    );
    // A backslash not before a wildcard is literal.
    check(
        "  sel:\n    cs-uri-query|contains: 'c:\\windows'\n  condition: sel",
        &[Req::get("/p?f=C:\\Windows\\win.ini")],
        &[Req::get("/p?f=c:/windows/win.ini")],
    );
}

#[test]
fn null_matches_an_absent_field() {
    check(
        "  sel:\n    c-useragent: null\n  condition: sel",
        &[Req::get("/")],
        &[Req::get("/").header("User-Agent", "curl/8")],
    );
}

#[test]
fn lists_are_or_maps_are_and_lists_of_maps_are_or_of_ands() {
    check(
        "  sel:\n    cs-uri-stem|endswith:\n      - '.asp'\n      - '.jsp'\n  condition: sel",
        &[Req::get("/a.asp"), Req::get("/a.jsp")],
        &[Req::get("/a.php")],
    );
    check(
        "  sel:\n    cs-method: 'POST'\n    cs-uri-stem|endswith: '.jsp'\n  condition: sel",
        &[Req::get("/a.jsp").method("POST")],
        &[Req::get("/a.jsp"), Req::get("/a.php").method("POST")],
    );
    check(
        "  sel:\n    - cs-method: 'PUT'\n      cs-uri-stem|endswith: '.jsp'\n    - sc-status: 500\n      c-useragent|contains: 'curl'\n  condition: sel",
        &[
            Req::get("/a.jsp").method("PUT"),
            Req::get("/").status(500).header("User-Agent", "curl/8"),
        ],
        &[
            Req::get("/a.jsp"),
            Req::get("/").status(500),
            Req::get("/").header("User-Agent", "curl/8"),
        ],
    );
}

#[test]
fn keywords_match_the_whole_original_line() {
    let rules =
        rule("  keywords:\n    - '17/May/2015'\n    - 'EvilScanner'\n  condition: keywords");
    let line = "83.149.9.216 - - [17/May/2015:10:05:12 +0000] \"GET /index.html HTTP/1.1\" 200 7697 \"-\" \"Mozilla/5.0\"";
    let req = Req::get("/index.html");
    // The date is in no Sigma field, only in the log line.
    assert!(hits_line(&rules, &req, Some(line)));
    let other_day = line.replace("17/May", "18/May");
    assert!(!hits_line(&rules, &req, Some(&other_day)));
    // A keyword in the user agent of the line; case-insensitive.
    let scanner = other_day.replace("Mozilla/5.0", "evilscanner/1.0");
    assert!(hits_line(&rules, &req, Some(&scanner)));
    // Without a line, keywords search a combined-log line built from the request.
    assert!(hits(
        &rules,
        &Req::get("/").header("User-Agent", "EvilScanner/2")
    ));
    assert!(!hits(&rules, &Req::get("/")));
}

#[test]
fn keyword_lists_of_a_rule_with_fields_still_search_the_line() {
    let rules = rule(
        "  keywords:\n    - 'wget '\n  sel:\n    sc-status: 200\n  condition: keywords and sel",
    );
    let line = "1.2.3.4 - - [x] \"GET /cgi?c=wget%20http HTTP/1.1\" 200 1 \"-\" \"wget http\"";
    assert!(hits_line(&rules, &Req::get("/cgi"), Some(line)));
    assert!(!hits_line(
        &rules,
        &Req::get("/cgi").status(404),
        Some(line)
    ));
    assert!(!hits_line(
        &rules,
        &Req::get("/cgi"),
        Some(&line.replace("wget ", "curl "))
    ));
}

const TWO_SELECTIONS: &str = "  selection_a:\n    cs-uri-query|contains: 'aaa'\n  selection_b:\n    cs-uri-query|contains: 'bbb'\n  filter:\n    cs-method: 'HEAD'\n";

fn conditions(condition: &str, yes: &[&str], no: &[&str]) {
    let detection = format!("{TWO_SELECTIONS}  condition: {condition}");
    let req = |u: &&str| match u.strip_prefix("HEAD ") {
        Some(target) => Req::get(target).method("HEAD"),
        None => Req::get(u),
    };
    check(
        &detection,
        &yes.iter().map(req).collect::<Vec<_>>(),
        &no.iter().map(req).collect::<Vec<_>>(),
    );
}

#[test]
fn and_or_not_and_parentheses() {
    conditions(
        "selection_a and selection_b",
        &["/aaa/bbb"],
        &["/aaa", "/bbb"],
    );
    conditions("selection_a or selection_b", &["/aaa", "/bbb"], &["/ccc"]);
    conditions("not selection_a", &["/bbb"], &["/aaa"]);
    conditions(
        "selection_a and not filter",
        &["/aaa"],
        &["HEAD /aaa", "/bbb"],
    );
    // Precedence: `not` > `and` > `or`; parentheses override.
    conditions(
        "selection_a or selection_b and filter",
        &["/aaa", "HEAD /bbb"],
        &["/bbb"],
    );
    conditions(
        "(selection_a or selection_b) and filter",
        &["HEAD /aaa", "HEAD /bbb"],
        &["/aaa", "/bbb"],
    );
    conditions(
        "not (selection_a or selection_b)",
        &["/ccc"],
        &["/aaa", "/bbb"],
    );
}

#[test]
fn one_of_and_all_of_patterns() {
    conditions("1 of selection_*", &["/aaa", "/bbb"], &["HEAD /ccc"]);
    conditions("all of selection_*", &["/aaabbb"], &["/aaa", "/bbb"]);
    // `them` includes `filter`.
    conditions("1 of them", &["/aaa", "HEAD /ccc"], &["/ccc"]);
    conditions(
        "all of them",
        &["HEAD /aaa/bbb"],
        &["/aaa/bbb", "HEAD /aaa"],
    );
    conditions(
        "1 of selection_* and not filter",
        &["/bbb"],
        &["HEAD /bbb", "/ccc"],
    );
}

#[test]
fn non_ascii_values_fold_case_with_unicode_rules() {
    // The Kelvin sign lower-cases to an ASCII `k`: it matches `key` (Unicode case folding).
    check(
        "  sel:\n    cs-uri-query|contains: '\u{212A}ey'\n  condition: sel",
        &[Req::get("/p?key=1"), Req::get("/p?KEY=1")],
        &[Req::get("/p?kay=1")],
    );
    // The long s does not lower-case to `s`: `ſcript` never matches ASCII `script`.
    check(
        "  sel:\n    cs-uri-query|contains: '\u{17f}cript'\n  condition: sel",
        &[Req::get("/p?q=<\u{17f}cript>")],
        &[Req::get("/p?q=<script>"), Req::get("/p?q=<SCRIPT>")],
    );
}
