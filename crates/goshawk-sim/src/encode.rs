//! How values reach the wire. Two separate concerns live here, and keeping them apart is what
//! stops a model from learning "percent signs mean attack":
//!
//! - **Transport encoding** ([`UrlStyle`]) is chosen per request, independently of the label:
//!   browsers form-encode (`+` for space, everything else escaped), HTTP libraries escape strictly,
//!   hand-written clients and tools escape only what breaks the URL. Normal and attack requests go
//!   through the same three styles at the same rates.
//! - **Obfuscation** ([`Obfuscation`]) is what an attacker adds on top to slip past filters: mixed
//!   case, `/**/` for spaces, HTML entities, full/double/`%u` percent encoding. Only attacks get it.
//!
//! All encoders keep an existing `%XX` escape as it is, so a payload written with `%0d%0a` or
//! `%2e%2e%2f` reaches the wire unchanged. The `percent-encoding` crate cannot do that (nor `+`
//! for space), and the three sets below are a few lines each, so they are written out here.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How a client escapes query strings and form bodies. Drawn per request, label-blind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlStyle {
    /// `application/x-www-form-urlencoded` as browsers send it: space → `+`, only
    /// `A-Za-z0-9-._*` kept.
    Form,
    /// RFC 3986 strict: space → `%20`, only unreserved characters kept.
    Strict,
    /// What curl with a raw string or a hand-built URL sends: only space, controls, non-ASCII
    /// and the delimiters `& # + %` are escaped; quotes, brackets and parentheses stay raw.
    Lenient,
}

impl UrlStyle {
    /// Browsers dominate, libraries next, raw clients last.
    pub(crate) fn draw(rng: &mut ChaCha8Rng) -> UrlStyle {
        match rng.gen_range(0..100) {
            0..=44 => UrlStyle::Form,
            45..=71 => UrlStyle::Strict,
            _ => UrlStyle::Lenient,
        }
    }
}

/// Escapes one query-string or form name or value.
pub(crate) fn encode_component(value: &str, style: UrlStyle) -> String {
    let keep = |b: u8| match style {
        UrlStyle::Form => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*'),
        UrlStyle::Strict => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'),
        UrlStyle::Lenient => b.is_ascii_graphic() && !matches!(b, b'&' | b'#' | b'+' | b'%'),
    };
    let space = if style == UrlStyle::Form { "+" } else { "%20" };
    escape_bytes(value, keep, space)
}

/// Escapes one path segment the way WHATWG URL parsing does (controls, space, `" # < > ? `` { }`
/// and non-ASCII, plus a `%` that starts no escape); `/` stays, so a value with slashes deepens the path as a raw client would.
pub(crate) fn encode_path(value: &str) -> String {
    let keep = |b: u8| {
        b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'#' | b'%' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}'
            )
    };
    escape_bytes(value, keep, "%20")
}

fn escape_bytes(value: &str, keep: impl Fn(u8) -> bool, space: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let len = escape_len_at(bytes, i);
            if len > 0 {
                out.push_str(&value[i..i + len]);
                i += len;
                continue;
            }
        }
        if b == b' ' {
            out.push_str(space);
        } else if keep(b) {
            out.push(b as char);
        } else {
            push_hex(&mut out, b, true);
        }
        i += 1;
    }
    out
}

/// Length of the escape starting at `bytes[i] == b'%'`: 3 for `%XX`, 6 for IIS `%uXXXX`, 0 if
/// none.
fn escape_len_at(bytes: &[u8], i: usize) -> usize {
    let hex_run = |from: usize, n: usize| {
        bytes
            .get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_hexdigit))
    };
    if hex_run(i + 1, 2) {
        3
    } else if matches!(bytes.get(i + 1), Some(b'u' | b'U')) && hex_run(i + 2, 4) {
        6
    } else {
        0
    }
}

fn push_hex(out: &mut String, byte: u8, upper: bool) {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let digits = if upper { UPPER } else { LOWER };
    out.push('%');
    out.push(digits[usize::from(byte >> 4)] as char);
    out.push(digits[usize::from(byte & 15)] as char);
}

/// An attacker's evasion layer. Payload-level ones change the payload text itself (and show in
/// the `payload` column); wire-level ones produce the final escaped form, which the transport
/// encoder must then leave alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obfuscation {
    /// `SeLeCt`, `<ScRiPt>`.
    MixedCase,
    /// SQL comments for spaces: `UNION/**/SELECT`.
    CommentSpaces,
    /// Shell `${IFS}` for spaces: `cat${IFS}/etc/passwd`.
    IfsSpaces,
    /// `&#60;`, `&#x3c;`, `&lt;` for markup-significant characters (and a few letters).
    HtmlEntities,
    /// Every non-alphanumeric byte as `%XX`.
    Percent,
    /// Every byte, letters included, as `%XX`.
    PercentAll,
    /// Every non-alphanumeric byte as `%25XX`, for servers that decode twice.
    DoublePercent,
    /// IIS-style `%uXXXX` for every non-alphanumeric character.
    UnicodePercent,
}

impl Obfuscation {
    /// Whether the result is already in wire form (the transport encoder must not touch it).
    pub(crate) fn is_wire_level(self) -> bool {
        matches!(
            self,
            Obfuscation::Percent
                | Obfuscation::PercentAll
                | Obfuscation::DoublePercent
                | Obfuscation::UnicodePercent
        )
    }

    pub(crate) fn apply(self, payload: &str, rng: &mut ChaCha8Rng) -> String {
        match self {
            Obfuscation::MixedCase => mixed_case(payload, rng),
            Obfuscation::CommentSpaces => {
                let filler = ["/**/", "/**/", "/**/", "/*x*/", "/*_*/", "/*!*/"];
                let pick = filler[rng.gen_range(0..filler.len())];
                payload.replace(' ', pick)
            }
            Obfuscation::IfsSpaces => {
                let filler = ["${IFS}", "$IFS$9", "${IFS}", "\t"];
                let pick = filler[rng.gen_range(0..filler.len())];
                payload.replace(' ', pick)
            }
            Obfuscation::HtmlEntities => html_entities(payload, rng),
            Obfuscation::Percent => {
                let upper = rng.gen_bool(0.6);
                percent_bytes(payload, |b| !b.is_ascii_alphanumeric(), upper, "%")
            }
            Obfuscation::PercentAll => {
                let upper = rng.gen_bool(0.6);
                percent_bytes(payload, |_| true, upper, "%")
            }
            Obfuscation::DoublePercent => {
                let upper = rng.gen_bool(0.6);
                percent_bytes(payload, |b| !b.is_ascii_alphanumeric(), upper, "%25")
            }
            Obfuscation::UnicodePercent => unicode_percent(payload),
        }
    }
}

fn mixed_case(payload: &str, rng: &mut ChaCha8Rng) -> String {
    payload
        .chars()
        .map(|c| {
            if c.is_ascii_alphabetic() && rng.gen_bool(0.5) {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            } else {
                c
            }
        })
        .collect()
}

fn html_entities(payload: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(payload.len() * 3);
    for c in payload.chars() {
        let named = match c {
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            '\'' => Some("&apos;"),
            '(' => Some("&lpar;"),
            ')' => Some("&rpar;"),
            ':' => Some("&colon;"),
            _ => None,
        };
        let significant = named.is_some() || matches!(c, '=' | '/' | ';');
        let chance = if significant { 0.7 } else { 0.12 };
        if !c.is_ascii() || c == '&' || c == '#' || !rng.gen_bool(chance) {
            out.push(c);
            continue;
        }
        match (rng.gen_range(0..3), named) {
            (0, Some(name)) => out.push_str(name),
            (1, _) => out.push_str(&format!("&#x{:x};", u32::from(c))),
            _ => out.push_str(&format!("&#{};", u32::from(c))),
        }
    }
    out
}

fn percent_bytes(payload: &str, escape: impl Fn(u8) -> bool, upper: bool, lead: &str) -> String {
    let mut out = String::with_capacity(payload.len() * 3);
    for &b in payload.as_bytes() {
        if escape(b) {
            out.push_str(lead);
            let mut hex = String::with_capacity(3);
            push_hex(&mut hex, b, upper);
            out.push_str(&hex[1..]);
        } else {
            out.push(b as char);
        }
    }
    out
}

fn unicode_percent(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() * 6);
    for c in payload.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if u32::from(c) <= 0xFFFF {
            out.push_str(&format!("%u{:04x}", u32::from(c)));
        } else {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                push_hex(&mut out, b, true);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn form_style_uses_plus_and_escapes_delimiters_and_utf8() {
        assert_eq!(
            encode_component("niño & co=1", UrlStyle::Form),
            "ni%C3%B1o+%26+co%3D1"
        );
        assert_eq!(encode_component("a~b", UrlStyle::Form), "a%7Eb");
        assert_eq!(encode_component("a~b c", UrlStyle::Strict), "a~b%20c");
    }

    #[test]
    fn lenient_style_keeps_quotes_but_not_delimiters() {
        assert_eq!(
            encode_component("O'Brien (x) <b> a&b#c+d", UrlStyle::Lenient),
            "O'Brien%20(x)%20<b>%20a%26b%23c%2Bd"
        );
    }

    #[test]
    fn existing_escapes_survive_every_style() {
        for style in [UrlStyle::Form, UrlStyle::Strict, UrlStyle::Lenient] {
            let out = encode_component("%0d%0aX: 1 50%", style);
            assert!(out.starts_with("%0d%0aX"), "{style:?}: {out}");
            assert_eq!(encode_component("%u2215%u12", style), "%u2215%25u12");
            assert!(out.ends_with("50%25"), "{style:?}: {out}");
        }
    }

    #[test]
    fn path_encoding_keeps_slashes_and_escapes_query_marks() {
        assert_eq!(encode_path("a/b c?d#é"), "a/b%20c%3Fd%23%C3%A9");
        assert_eq!(encode_path("{% x %2e"), "%7B%25%20x%20%2e");
    }

    #[test]
    fn wire_level_obfuscations_leave_no_raw_specials() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let payload = "' OR 1=1 -- <x>";
        for ob in [
            Obfuscation::Percent,
            Obfuscation::PercentAll,
            Obfuscation::DoublePercent,
            Obfuscation::UnicodePercent,
        ] {
            let out = ob.apply(payload, &mut rng);
            assert!(ob.is_wire_level());
            assert!(
                !out.contains(['\'', ' ', '<', '=']),
                "{ob:?} left a raw special: {out}"
            );
        }
        let out = Obfuscation::DoublePercent.apply("'", &mut rng);
        assert!(out.eq_ignore_ascii_case("%2527"), "{out}");
        assert_eq!(
            Obfuscation::UnicodePercent.apply("a/b", &mut rng),
            "a%u002fb"
        );
        assert!(Obfuscation::PercentAll
            .apply("ab", &mut rng)
            .eq_ignore_ascii_case("%61%62"));
    }

    #[test]
    fn payload_level_obfuscations_keep_the_meaning_visible() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let spaced = Obfuscation::CommentSpaces.apply("UNION SELECT 1", &mut rng);
        assert!(!spaced.contains(' ') && spaced.contains("/*"), "{spaced}");
        let mixed = Obfuscation::MixedCase.apply("unionselectscript", &mut rng);
        assert!(mixed.eq_ignore_ascii_case("unionselectscript"));
        assert_ne!(mixed, "unionselectscript");
        let ifs = Obfuscation::IfsSpaces.apply("cat /etc/passwd", &mut rng);
        assert!(!ifs.contains(' '), "{ifs}");
        let ent = Obfuscation::HtmlEntities.apply("<svg onload=alert(1)><b>", &mut rng);
        assert!(ent.contains("&"), "{ent}");
        assert!(!Obfuscation::HtmlEntities.is_wire_level());
    }
}
