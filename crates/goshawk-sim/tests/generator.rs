//! Behaviour of the web traffic generator as its users see it: determinism, label balance,
//! coverage of every attack family, clean normal traffic that still contains benign look-alikes,
//! payload variety, realistic placement, and the CSV format.

use std::collections::{HashMap, HashSet};

use goshawk_core::AttackType;
use goshawk_sim::{write_csv, CsvRow, GeneratedRequest, GeneratorParams, WebGenerator};

fn rows(seed: u64, attack_ratio: f64, n: usize) -> Vec<GeneratedRequest> {
    WebGenerator::new(GeneratorParams { seed, attack_ratio })
        .expect("valid params")
        .take(n)
        .collect()
}

/// Percent-decodes (`+` as space) until stable, as a lenient server would; invalid UTF-8 is
/// replaced.
fn decode(text: &str) -> String {
    let mut current = text.to_string();
    for _ in 0..3 {
        let bytes = current.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let hex = |c: u8| (c as char).to_digit(16);
            if b == b'%' && i + 2 < bytes.len() {
                if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
            }
            out.push(if b == b'+' { b' ' } else { b });
            i += 1;
        }
        let next = String::from_utf8_lossy(&out).into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn whole_text(row: &GeneratedRequest) -> String {
    let r = &row.request;
    let headers: Vec<String> = r.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{} {}\n{}\n{}", r.method, r.url, headers.join("\n"), r.body)
}

#[test]
fn same_seed_gives_identical_rows_and_other_seeds_differ() {
    let a = rows(7, 0.3, 3000);
    let b = rows(7, 0.3, 3000);
    assert_eq!(a, b);
    let c = rows(8, 0.3, 3000);
    let same = a.iter().zip(&c).filter(|(x, y)| x == y).count();
    assert!(same < 30, "{same} identical rows across seeds");
}

#[test]
fn label_share_follows_attack_ratio() {
    for ratio in [0.1, 0.3, 0.5] {
        let data = rows(11, ratio, 20_000);
        let attacks = data.iter().filter(|r| r.label).count() as f64 / data.len() as f64;
        assert!(
            (attacks - ratio).abs() < 0.015,
            "ratio {ratio}: got {attacks}"
        );
        for r in &data {
            assert_eq!(r.label, r.attack_type.is_some());
            assert_eq!(r.label, r.payload.is_some());
        }
    }
    assert!(rows(3, 0.0, 2000).iter().all(|r| !r.label));
    assert!(rows(3, 1.0, 2000).iter().all(|r| r.label));
}

#[test]
fn every_attack_family_appears_in_ten_thousand_rows() {
    let data = rows(12, 0.3, 10_000);
    let mut counts: HashMap<AttackType, usize> = HashMap::new();
    for r in data.iter().filter_map(|r| r.attack_type.clone()) {
        *counts.entry(r).or_default() += 1;
    }
    for family in WebGenerator::attack_types() {
        let n = counts.get(&family).copied().unwrap_or(0);
        assert!(n >= 40, "{family}: only {n} rows");
    }
    assert_eq!(WebGenerator::attack_types().count(), 13);
}

#[test]
fn normal_rows_carry_none_of_the_strongest_attack_markers() {
    const MARKERS: &[&str] = &[
        "<script",
        "union select",
        "union all select",
        "../../",
        "..\\..\\",
        "${jndi",
        "/etc/passwd",
        "<!entity",
        "<!doctype",
        "169.254.169.254",
        "{{7*7}}",
        "onerror=",
        "onload=",
        "[$ne]",
        "\"$ne\"",
        "waitfor delay",
        "xp_cmdshell",
        "sleep(",
        "javascript:",
        "win.ini",
        "%0d%0a",
        "/.git/",
        "/.env",
    ];
    for r in rows(13, 0.3, 20_000).iter().filter(|r| !r.label) {
        let raw = whole_text(r).to_lowercase();
        let decoded = decode(&raw).to_lowercase();
        for m in MARKERS {
            assert!(
                !raw.contains(m) && !decoded.contains(m),
                "normal row contains {m:?}: {raw}"
            );
        }
    }
}

#[test]
fn normal_traffic_contains_benign_look_alikes() {
    let normal: Vec<String> = rows(14, 0.0, 20_000)
        .iter()
        .map(|r| decode(&format!("{} {}", r.request.url, r.request.body)).to_lowercase())
        .collect();
    let share = |f: &dyn Fn(&str) -> bool| {
        normal.iter().filter(|t| f(t)).count() as f64 / normal.len() as f64
    };
    let apostrophes = share(&|t| t.contains('\''));
    let sql_words = share(&|t| {
        ["select", "union", "drop", "order by", "insert"]
            .iter()
            .any(|w| t.contains(w))
    });
    let markup = share(&|t| t.contains('<') && t.contains('>'));
    let parens = share(&|t| t.contains('(') && t.contains(')'));
    let semicolons = share(&|t| t.contains(';'));
    assert!(apostrophes > 0.03, "apostrophes {apostrophes}");
    assert!((0.005..0.15).contains(&sql_words), "sql words {sql_words}");
    assert!(markup > 0.001, "markup {markup}");
    assert!(parens > 0.02, "parentheses {parens}");
    assert!(semicolons > 0.01, "semicolons {semicolons}");
}

#[test]
fn normal_traffic_is_diverse_and_uses_every_method() {
    let data = rows(15, 0.0, 10_000);
    let distinct: HashSet<(String, String)> = data
        .iter()
        .map(|r| (r.request.url.clone(), r.request.body.clone()))
        .collect();
    assert!(
        distinct.len() > 8_500,
        "{} distinct of 10000",
        distinct.len()
    );
    let methods: HashSet<&str> = data.iter().map(|r| r.request.method.as_str()).collect();
    for m in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        assert!(methods.contains(m), "no {m}");
    }
    let agents: HashSet<&str> = data
        .iter()
        .filter_map(|r| r.request.header("user-agent"))
        .collect();
    assert!(agents.len() > 1000, "{} user agents", agents.len());
    let hosts: HashSet<&str> = data
        .iter()
        .filter_map(|r| r.request.header("host"))
        .collect();
    assert_eq!(hosts.len(), 4);
}

#[test]
fn attack_payloads_are_many_and_distinct() {
    let data = rows(16, 0.5, 20_000);
    let payloads: Vec<&str> = data.iter().filter_map(|r| r.payload.as_deref()).collect();
    let distinct: HashSet<&str> = payloads.iter().copied().collect();
    assert!(
        distinct.len() as f64 > 0.85 * payloads.len() as f64,
        "{} distinct of {}",
        distinct.len(),
        payloads.len()
    );
    assert!(distinct.len() > 8_000, "{} distinct", distinct.len());
    let mut per_family: HashMap<AttackType, HashSet<&str>> = HashMap::new();
    for r in &data {
        if let (Some(t), Some(p)) = (&r.attack_type, r.payload.as_deref()) {
            per_family.entry(t.clone()).or_default().insert(p);
        }
    }
    for (family, set) in &per_family {
        assert!(set.len() >= 100, "{family}: {} distinct", set.len());
    }
}

#[test]
fn attacks_sit_on_the_same_endpoints_as_normal_traffic() {
    let data = rows(17, 0.3, 20_000);
    let endpoint = |r: &GeneratedRequest| {
        let path = r.request.path();
        let head: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).take(2).collect();
        format!(
            "{} {} /{}",
            r.request.method,
            r.request.header("host").unwrap_or(""),
            head.join("/")
        )
    };
    let normal: HashSet<String> = data.iter().filter(|r| !r.label).map(endpoint).collect();
    let placed: Vec<&GeneratedRequest> = data
        .iter()
        .filter(|r| r.label && r.attack_type != Some(AttackType::SensitiveResource))
        .collect();
    let shared = placed
        .iter()
        .filter(|r| normal.contains(&endpoint(r)))
        .count();
    let share = shared as f64 / placed.len() as f64;
    assert!(share > 0.85, "only {share} of attacks on normal endpoints");
}

#[test]
fn payloads_land_in_query_body_path_and_headers() {
    let data = rows(18, 1.0, 6000);
    let (mut query, mut body, mut path, mut header) = (0, 0, 0, 0);
    for r in &data {
        let Some(p) = r.payload.as_deref() else {
            continue;
        };
        let req = &r.request;
        if req.headers.iter().any(|(k, v)| k != "Host" && v == p) {
            header += 1;
        } else if decode(req.query().unwrap_or("")).contains(p) {
            query += 1;
        } else if decode(&req.body).contains(p) || req.body.contains(p) {
            body += 1;
        } else if decode(req.path()).contains(p) {
            path += 1;
        }
    }
    let n = data.len();
    assert!(query > n / 5, "query {query}");
    assert!(body > n / 10, "body {body}");
    assert!(path > n / 50, "path {path}");
    assert!(header > n / 100, "header {header}");
}

#[test]
fn every_kind_of_evasion_appears_at_a_modest_rate() {
    let data = rows(19, 1.0, 8000);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &data {
        let Some(p) = r.payload.as_deref() else {
            continue;
        };
        let wire = format!("{}\n{}", r.request.url, r.request.body);
        let mut hit = |name| *counts.entry(name).or_default() += 1;
        if wire.contains("%25") && !p.contains('%') {
            hit("double-percent");
        }
        if wire.contains("%u00") && !p.contains("%u") {
            hit("unicode-percent");
        }
        if percent_encoded_letter(&wire) && !percent_encoded_letter(p) {
            hit("percent-all");
        }
        if p.contains("/**/") || p.contains("/*x*/") || p.contains("/*_*/") {
            hit("sql-comments");
        }
        if p.contains("${IFS}") || p.contains("$IFS$9") {
            hit("ifs");
        }
        if p.contains("&#") || p.contains("&lt;") || p.contains("&quot;") {
            hit("html-entities");
        }
        if mixed_keyword(p) {
            hit("mixed-case");
        }
    }
    for kind in [
        "double-percent",
        "unicode-percent",
        "percent-all",
        "sql-comments",
        "ifs",
        "html-entities",
        "mixed-case",
    ] {
        let share = counts.get(kind).copied().unwrap_or(0) as f64 / data.len() as f64;
        assert!((0.002..0.12).contains(&share), "{kind}: {share}");
    }
}

/// `%41`..`%7A` style escapes of letters, which no client needs.
fn percent_encoded_letter(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && std::str::from_utf8(&w[1..])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .is_some_and(|b| b.is_ascii_alphabetic())
    })
}

/// A keyword spelt in mixed case (`SeLeCt`, `sCrIpT`), not lower, upper or capitalised.
fn mixed_keyword(p: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "select", "union", "script", "alert", "sleep", "where", "from", "jndi", "passwd", "whoami",
    ];
    let lower = p.to_ascii_lowercase();
    KEYWORDS.iter().any(|k| {
        lower.match_indices(k).any(|(at, _)| {
            let word = &p[at..at + k.len()];
            let tail = &word[1..];
            !(word == *k || word == k.to_ascii_uppercase() || tail == &k[1..])
        })
    })
}

#[test]
fn urls_and_headers_are_wire_safe() {
    for r in rows(20, 0.5, 20_000) {
        let req = &r.request;
        assert!(req.url.starts_with('/'), "{}", req.url);
        assert!(
            !req.url.contains([' ', '\r', '\n', '\t']),
            "raw whitespace in {:?}",
            req.url
        );
        assert!(req.url.is_ascii(), "non-ASCII in {:?}", req.url);
        for (k, v) in &req.headers {
            assert!(!v.contains(['\r', '\n']), "{k}: {v:?}");
        }
        if let Some(len) = req.header("content-length") {
            assert_eq!(len, req.body.len().to_string());
        }
    }
}

#[test]
fn csv_round_trips_through_the_csv_crate() {
    let data = rows(21, 0.4, 2000);
    let mut buf = Vec::new();
    let written = write_csv(&data, &mut buf).expect("write");
    assert_eq!(written, 2000);
    let mut reader = csv::Reader::from_reader(buf.as_slice());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["method", "url", "body", "label", "attack_type", "payload"]
    );
    let back: Vec<CsvRow> = reader
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(back.len(), data.len());
    for (row, original) in back.iter().zip(&data) {
        assert_eq!(row, &CsvRow::from(original));
        assert_eq!(goshawk_core::parse_label(&row.label), Some(original.label));
        assert_eq!(AttackType::parse(&row.attack_type), original.attack_type);
    }
}

/// Pins the exact output of one seed, so a change to the tables or the random stream is a
/// visible, deliberate diff. After an intended change, regenerate with
/// `GOSHAWK_BLESS=1 cargo test -p goshawk-sim --test generator csv_matches`.
#[test]
fn csv_matches_the_committed_fixture() {
    let data = rows(2024, 0.5, 16);
    let mut buf = Vec::new();
    write_csv(&data, &mut buf).expect("write");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed2024_16rows.csv");
    if std::env::var_os("GOSHAWK_BLESS").is_some() {
        std::fs::write(&path, &buf).expect("write fixture");
    }
    let expected = std::fs::read_to_string(&path).expect("fixture present");
    assert_eq!(String::from_utf8_lossy(&buf), expected);
}
