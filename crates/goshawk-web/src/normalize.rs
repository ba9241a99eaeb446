//! Normalisation of request text before features are computed.
//!
//! Attackers encode payloads so that filters miss them: `%253Cscript%253E` is `<script>` after
//! two rounds of percent-decoding, `%c0%af` is an overlong `/`, `&#x3c;` is `<` to a browser,
//! `un/**/ion` is `union` to MySQL. A model that sees the encoded text learns the encoding, not the
//! attack. [`Normalizer::normalize_into`] undoes these encodings so that plain and encoded forms of
//! one payload give the same text, and records in [`DecodeStats`] how much decoding it took —
//! benign traffic is rarely encoded twice, so the amount of decoding is itself evidence.
//!
//! The work runs in three stages over reusable buffers (no allocation once the buffers have grown):
//!
//! 1. **Decoding passes** (bytes → bytes), repeated until nothing changes or `max_passes` is
//!    reached. One pass decodes, left to right and without re-reading its own output:
//!    - `%XX` percent escapes and the IIS form `%uXXXX` (surrogate pairs joined);
//!    - HTML character references: decimal `&#60;` and hex `&#x3c;` (any number of leading zeros,
//!      `;` optional) and the named references in [`named_entity`]. A named reference needs its
//!      `;`, except `&lt &gt &amp &quot &apos &nbsp`, which are decoded without it when the name
//!      is not followed by `=` (so the query parameter `&lt=5` stays as it is);
//!    - JavaScript/JSON escapes `\xHH`, `\uHHHH` and `\0`. Other backslashes (`..\`, `c:\`) stay;
//!    - `+` → space, in the first pass only (a `+` produced by decoding `%2B` is a real plus) and
//!      only in the query: after the first `?` when the text starts with `/`, everywhere when it
//!      does not (a bare parameter value or form body).
//! 2. **Character repair** (bytes → valid UTF-8): overlong UTF-8 forms of 2 to 6 bytes
//!    (`%c0%af`, `%e0%80%af`, `%f8%80%80%80%af`) become the character they encode; other bytes that
//!    are not valid UTF-8 are read as **Latin-1** (one byte → U+0000..U+00FF), because the
//!    traffic this is built for (CSIC 2010, older PHP/Java apps) percent-encodes ISO-8859-1
//!    (`%F1` = `ñ`); encoded surrogates and code points above U+10FFFF become U+FFFD.
//!    Fullwidth forms (`＜` U+FF1C) and slash look-alikes (`∕` U+2215) are folded to
//!    ASCII and zero-width characters are dropped, as IIS "best-fit" mapping and browsers would.
//! 3. **Folding** (text → text): null bytes and other ASCII control characters except whitespace
//!    are removed (`..%01%5c` is `..\` to many servers); lowercase (ASCII, and `char::to_lowercase` for the rest); SQL
//!    block comments `/*...*/` become one space; MySQL versioned comments keep their content
//!    (`/*!50000select*/` → ` select `); runs of whitespace (ASCII incl. `\x0b \x0c`, NBSP and
//!    every Unicode `White_Space` character) become one space; leading/trailing space is trimmed.
//!    An unterminated `/*` is kept as text. End-of-line comments (`--`, `#`) are kept as they are,
//!    tail included: in a URL there is no line for them to end, the tail is usually the rest of
//!    the payload, and the heuristics count the `--` token itself.

use memchr::memmem;

/// Default number of decoding passes: enough for triple encoding plus one layer of entities.
pub const DEFAULT_MAX_PASSES: u8 = 4;

/// Undoes the encodings attackers use; see the module documentation for the exact rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalizer {
    /// Upper bound on decoding passes. `0` disables decoding (folding still runs).
    pub max_passes: u8,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            max_passes: DEFAULT_MAX_PASSES,
        }
    }
}

/// What decoding found in one input. Counts cover every pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeStats {
    /// Length of the input in bytes.
    pub input_len: usize,
    /// Decoding passes that changed something.
    pub passes: u8,
    /// All passes changed something and the text still held a decodable escape afterwards.
    pub pass_limit_hit: bool,
    /// `%XX` escapes decoded.
    pub percent_escapes: usize,
    /// `%uXXXX` escapes decoded.
    pub unicode_escapes: usize,
    /// HTML character references decoded.
    pub html_entities: usize,
    /// `\xHH`, `\uHHHH` and `\0` escapes decoded.
    pub backslash_escapes: usize,
    /// Overlong UTF-8 sequences decoded to the character they encode.
    pub overlong_utf8: usize,
    /// Bytes that were not valid UTF-8 (read as Latin-1) and invalid code points (U+FFFD).
    pub invalid_utf8: usize,
    /// Fullwidth / look-alike characters folded to ASCII and zero-width characters dropped.
    pub unicode_folded: usize,
    /// Null bytes removed (literal, `%00`, `\0`, `&#0;`, overlong `%c0%80`).
    pub null_bytes: usize,
    /// Other ASCII control characters removed (`%01`..`%08`, `%0e`..`%1f`, `%7f`).
    pub control_chars: usize,
    /// SQL block comments folded (`/*...*/` and versioned `/*!...*/`).
    pub sql_comments: usize,
    /// Input bytes that were part of an escape decoded by the first pass.
    pub escaped_bytes: usize,
}

/// Names of [`DecodeStats::as_features`], in order.
pub const DECODE_FEATURE_NAMES: [&str; 13] = [
    "encoding_depth",
    "encoding_kinds",
    "percent_escapes",
    "unicode_escapes",
    "html_entities",
    "backslash_escapes",
    "overlong_utf8",
    "invalid_utf8",
    "unicode_folded",
    "null_bytes",
    "control_chars",
    "sql_comments",
    "escaped_byte_ratio",
];

impl DecodeStats {
    /// How many layers of encoding were peeled off: decoding passes that changed something, plus
    /// one when the pass limit stopped decoding early (the text was encoded deeper still).
    pub fn encoding_depth(&self) -> u8 {
        self.passes + u8::from(self.pass_limit_hit)
    }

    /// Number of distinct encoding schemes seen (percent, `%u`, HTML, backslash, overlong UTF-8,
    /// Unicode look-alikes). Mixing schemes is typical of evasion, rare in normal traffic.
    pub fn encoding_kinds(&self) -> u8 {
        [
            self.percent_escapes,
            self.unicode_escapes,
            self.html_entities,
            self.backslash_escapes,
            self.overlong_utf8,
            self.unicode_folded,
        ]
        .iter()
        .map(|&n| u8::from(n > 0))
        .sum()
    }

    /// The statistics as dense features, named by [`DECODE_FEATURE_NAMES`].
    pub fn as_features(&self) -> [f32; DECODE_FEATURE_NAMES.len()] {
        let ratio = if self.input_len == 0 {
            0.0
        } else {
            self.escaped_bytes as f32 / self.input_len as f32
        };
        [
            self.encoding_depth() as f32,
            self.encoding_kinds() as f32,
            self.percent_escapes as f32,
            self.unicode_escapes as f32,
            self.html_entities as f32,
            self.backslash_escapes as f32,
            self.overlong_utf8 as f32,
            self.invalid_utf8 as f32,
            self.unicode_folded as f32,
            self.null_bytes as f32,
            self.control_chars as f32,
            self.sql_comments as f32,
            ratio,
        ]
    }
}

/// Output of [`Normalizer::normalize_into`], reused between calls (it owns the work buffers).
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// What decoding found.
    pub stats: DecodeStats,
    pass_a: Vec<u8>,
    pass_b: Vec<u8>,
    repaired: Vec<u8>,
}

impl Normalizer {
    /// A normaliser that stops after `max_passes` decoding passes.
    pub fn with_max_passes(max_passes: u8) -> Self {
        Normalizer { max_passes }
    }

    /// Normalises `input` into `out` (its text and stats are overwritten).
    pub fn normalize_into(&self, input: &str, out: &mut Normalized) {
        let Normalized {
            text,
            stats,
            pass_a,
            pass_b,
            repaired,
        } = out;
        *stats = DecodeStats {
            input_len: input.len(),
            ..DecodeStats::default()
        };
        let decoded = self.decode_passes(input.as_bytes(), pass_a, pass_b, stats);
        let valid = repair_utf8(decoded, repaired, stats);
        fold(valid, text, stats);
    }

    /// Convenience wrapper allocating a fresh [`Normalized`]; use `normalize_into` in loops.
    pub fn normalize(&self, input: &str) -> Normalized {
        let mut out = Normalized::default();
        self.normalize_into(input, &mut out);
        out
    }

    /// Stage 1: decoding passes. Returns the input itself when there is nothing to decode.
    fn decode_passes<'a>(
        &self,
        input: &'a [u8],
        pass_a: &'a mut Vec<u8>,
        pass_b: &'a mut Vec<u8>,
        stats: &mut DecodeStats,
    ) -> &'a [u8] {
        if self.max_passes == 0 {
            return input;
        }
        let plus_from = plus_start(input);
        let has_plus =
            plus_from < input.len() && memchr::memchr(b'+', &input[plus_from..]).is_some();
        // Checking first is cheaper than a pass that copies everything and decodes nothing.
        if !has_plus && !has_escape(input) {
            return input;
        }
        let mut pass = decode_pass(input, pass_a, plus_from, stats, true);
        stats.passes = 1;
        let (mut cur, mut next) = (pass_a, pass_b);
        while pass.recheck && stats.passes < self.max_passes {
            pass = decode_pass(cur, next, usize::MAX, stats, false);
            if !pass.changed {
                return cur;
            }
            stats.passes += 1;
            std::mem::swap(&mut cur, &mut next);
        }
        // Every pass changed something: is the text encoded deeper still?
        stats.pass_limit_hit = pass.recheck && has_escape(cur);
        cur
    }
}

/// Where `+` starts meaning a space: after the first `?` of a path, or from the start of a bare
/// value / body.
fn plus_start(input: &[u8]) -> usize {
    if input.first() == Some(&b'/') {
        memchr::memchr(b'?', input).map_or(usize::MAX, |q| q + 1)
    } else {
        0
    }
}

/// Bytes that may start an escape in a decoding pass.
static PASS_TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    t[b'%' as usize] = true;
    t[b'&' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'+' as usize] = true;
    t
};

/// Whether an escape that a decoding pass would decode starts at `s[0]`.
#[inline]
fn escape_at(s: &[u8]) -> bool {
    match s.first() {
        Some(b'%') => {
            hex_n(&s[1..], 2).is_some()
                || (s.len() >= 6 && (s[1] | 0x20) == b'u' && hex_n(&s[2..], 4).is_some())
        }
        Some(b'&') => parse_entity(s).is_some(),
        Some(b'\\') => match s.get(1) {
            Some(b'x' | b'X') => hex_n(&s[2..], 2).is_some(),
            Some(b'u' | b'U') => hex_n(&s[2..], 4).is_some(),
            Some(b'0') => true,
            _ => false,
        },
        _ => false,
    }
}

/// Whether a decoding pass (other than `+` handling) would change `s`.
fn has_escape(s: &[u8]) -> bool {
    memchr::memchr3_iter(b'%', b'&', b'\\', s).any(|i| escape_at(&s[i..]))
}

/// What one escape decodes to.
#[derive(Clone, Copy)]
enum Decoded {
    /// A raw byte (`%F1`, `\xc0`): may be half of a UTF-8 sequence or Latin-1.
    Byte(u8),
    /// A character (`%u00f1`, `&#241;`, `\u00f1`).
    Char(char),
}

/// What a decoding pass found.
#[derive(Clone, Copy)]
struct PassOutcome {
    /// Something was decoded.
    changed: bool,
    /// The output may hold an escape that the next pass would decode: a decoded escape produced
    /// `%`, `&` or `\\`, or a `%`, `&` or `\\` left as it was is followed by bytes that this
    /// pass decoded. Exact in the "no" direction, so clean text needs no rescanning.
    recheck: bool,
}

/// One decoding pass from `src` into `dst`; `+` becomes a space from `plus_from` on.
///
/// Every escape is at least as long as what it decodes to (`%XX` → 1 byte, `%uXXXX` → ≤ 3,
/// `&#N` → ≤ its digit count, `&lt` → 1, ...), so the output fits in `src.len()` bytes and is
/// written through a slice at a local index. `Vec::push` per byte measured slower than a
/// `memcpy` per run (the length is reloaded after every byte store); slice writes with 8-byte
/// SWAR steps, the `recheck` flag and the `&name=` shortcut took the normaliser from ~7,600 to
/// ~4,100 instructions per request (callgrind, bench mix of ~115-byte requests).
fn decode_pass(
    src: &[u8],
    dst: &mut Vec<u8>,
    plus_from: usize,
    stats: &mut DecodeStats,
    first: bool,
) -> PassOutcome {
    dst.clear();
    dst.resize(src.len(), 0);
    let (written, outcome) = decode_into(src, dst, plus_from, stats, first);
    dst.truncate(written);
    outcome
}

// Eight-bytes-at-a-time scanning (SWAR) for the copy loops of the decoding and folding stages:
// on request text the runs between bytes of interest are a few bytes long, too short for
// `memchr`'s set-up and for a `memcpy` call per run; a byte loop costs ~12 instructions a byte.
const LANES_01: u64 = 0x0101_0101_0101_0101;
const LANES_80: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `s[i..]`, if there are eight.
#[inline(always)]
fn word_at(s: &[u8], i: usize) -> Option<[u8; 8]> {
    s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok())
}

/// High bit set in each lane of `x` below `n` (n ≤ 0x80). Lanes above the first hit may be
/// flagged falsely (borrows), so only the lowest flag is to be trusted.
#[inline(always)]
fn lt_bytes(x: u64, n: u8) -> u64 {
    x.wrapping_sub(LANES_01 * n as u64) & !x & LANES_80
}

/// High bit set in each lane of `x` equal to `b` (lowest flag exact, as for [`lt_bytes`]).
#[inline(always)]
fn eq_bytes(x: u64, b: u8) -> u64 {
    lt_bytes(x ^ (LANES_01 * b as u64), 1)
}

/// Index of the lowest flagged lane, 8 if none.
#[inline(always)]
fn first_hit(flags: u64) -> usize {
    (flags.trailing_zeros() / 8) as usize
}

#[inline]
fn is_escape_start(b: u8) -> bool {
    matches!(b, b'%' | b'&' | b'\\')
}

/// Whether the escape-looking byte `src[i]` (`%`, `&`, `\\`), which does not decode now, could
/// decode in a later pass: only if a byte it would read is itself an escape start, whose
/// decoding may complete it (`%%33C` → `%3C`, `&%6Ct;` → `&lt;`).
fn may_decode_later(src: &[u8], i: usize) -> bool {
    if src[i] != b'&' {
        // `%XX`, `%uXXXX`, `\\xHH`, `\\uHHHH` read at most five bytes after the start.
        return src[i + 1..src.len().min(i + 6)]
            .iter()
            .any(|&b| is_escape_start(b));
    }
    // `&name;`, `&#digits;`, `&#xhex;`: a run of alphanumerics, then the byte that ends it.
    let mut j = i + 1;
    if src.get(j) == Some(&b'#') {
        j += 1;
        if matches!(src.get(j), Some(b'x' | b'X')) {
            j += 1;
        }
    }
    while j < src.len() && src[j].is_ascii_alphanumeric() {
        j += 1;
    }
    src.get(j).is_some_and(|&b| is_escape_start(b))
}

fn decode_into(
    src: &[u8],
    out: &mut [u8],
    plus_from: usize,
    stats: &mut DecodeStats,
    first: bool,
) -> (usize, PassOutcome) {
    let n = src.len();
    let (mut i, mut o) = (0, 0);
    let mut outcome = PassOutcome {
        changed: false,
        recheck: false,
    };
    while i < n {
        // Eight bytes at a time up to the next `%`, `&`, `\\` or `+`.
        if let (Some(chunk), Some(dst)) = (word_at(src, i), out.get_mut(o..o + 8)) {
            dst.copy_from_slice(&chunk);
            let x = u64::from_le_bytes(chunk);
            let hits =
                eq_bytes(x, b'%') | eq_bytes(x, b'&') | eq_bytes(x, b'\\') | eq_bytes(x, b'+');
            let run = first_hit(hits);
            i += run;
            o += run;
            if run == 8 {
                continue;
            }
        }
        let b = src[i];
        if !PASS_TRIGGER[b as usize] {
            if let Some(slot) = out.get_mut(o) {
                *slot = b;
                o += 1;
            }
            i += 1;
            continue;
        }
        // Fast paths for the two escapes of ordinary form data: `+` and `%XX`.
        if b == b'+' {
            let space = i >= plus_from;
            if let Some(slot) = out.get_mut(o) {
                *slot = if space { b' ' } else { b'+' };
                o += 1;
            }
            outcome.changed |= space;
            i += 1;
            continue;
        }
        if b == b'%' && i + 2 < n {
            if let (Some(hi), Some(lo)) = (hex_val(src[i + 1]), hex_val(src[i + 2])) {
                let v = ((hi << 4) | lo) as u8;
                if let Some(slot) = out.get_mut(o) {
                    *slot = v;
                    o += 1;
                }
                outcome.changed = true;
                outcome.recheck |= is_escape_start(v);
                stats.percent_escapes += 1;
                if first {
                    stats.escaped_bytes += 3;
                }
                i += 3;
                continue;
            }
        }
        // `&name=` is a query parameter, never a character reference: skip the parse.
        if b == b'&' {
            let mut j = i + 1;
            while j < n && src[j].is_ascii_alphanumeric() {
                j += 1;
            }
            if j > i + 1 && src.get(j) == Some(&b'=') {
                if let Some(slot) = out.get_mut(o) {
                    *slot = b'&';
                    o += 1;
                }
                i += 1;
                continue;
            }
        }
        let rest = &src[i..];
        let decoded = match b {
            b'%' => decode_percent(rest, stats),
            b'&' => parse_entity(rest).map(|(cp, len)| {
                stats.html_entities += 1;
                let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                (Decoded::Char(c), len)
            }),
            b'\\' => decode_backslash(rest, stats),
            _ => None,
        };
        let (value, consumed) = match decoded {
            Some((value, len)) => {
                if first {
                    stats.escaped_bytes += len;
                }
                outcome.changed = true;
                outcome.recheck |= match value {
                    Decoded::Byte(v) => is_escape_start(v),
                    Decoded::Char(c) => c.is_ascii() && is_escape_start(c as u8),
                };
                (value, len)
            }
            None => {
                outcome.recheck = outcome.recheck || may_decode_later(src, i);
                (Decoded::Byte(b), 1)
            }
        };
        let mut utf8 = [0u8; 4];
        let bytes: &[u8] = match value {
            Decoded::Byte(v) => {
                utf8[0] = v;
                &utf8[..1]
            }
            Decoded::Char(c) => c.encode_utf8(&mut utf8).as_bytes(),
        };
        if let Some(slot) = out.get_mut(o..o + bytes.len()) {
            slot.copy_from_slice(bytes);
            o += bytes.len();
        }
        i += consumed;
    }
    (o, outcome)
}

#[inline]
fn hex_val(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'a'..=b'f' => Some((b - b'a' + 10) as u32),
        b'A'..=b'F' => Some((b - b'A' + 10) as u32),
        _ => None,
    }
}

/// Value of exactly `len` hex digits at the start of `s`.
#[inline]
fn hex_n(s: &[u8], len: usize) -> Option<u32> {
    if s.len() < len {
        return None;
    }
    s[..len]
        .iter()
        .try_fold(0u32, |acc, &b| hex_val(b).map(|v| (acc << 4) | v))
}

/// A code point as a character; surrogates and out-of-range values become U+FFFD.
#[inline]
fn to_char(cp: u32) -> char {
    char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// A UTF-16 code unit at `s[0..]` followed possibly by a low surrogate written with the same
/// `prefix` (`%u` or `\u`): returns the code point and the bytes consumed after the first unit.
#[inline]
fn join_surrogates(unit: u32, after: &[u8], prefix: &[u8]) -> (u32, usize) {
    if (0xD800..0xDC00).contains(&unit)
        && after.len() >= prefix.len() + 4
        && after[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        if let Some(low) = hex_n(&after[prefix.len()..], 4) {
            if (0xDC00..0xE000).contains(&low) {
                return (
                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                    prefix.len() + 4,
                );
            }
        }
    }
    (unit, 0)
}

/// `%XX` or `%uXXXX` at the start of `s`: the value and the bytes consumed.
#[inline]
fn decode_percent(s: &[u8], stats: &mut DecodeStats) -> Option<(Decoded, usize)> {
    if let Some(v) = hex_n(&s[1..], 2) {
        stats.percent_escapes += 1;
        return Some((Decoded::Byte(v as u8), 3));
    }
    if s.len() >= 6 && (s[1] | 0x20) == b'u' {
        let unit = hex_n(&s[2..], 4)?;
        let (cp, extra) = join_surrogates(unit, &s[6..], b"%u");
        stats.unicode_escapes += 1;
        return Some((Decoded::Char(to_char(cp)), 6 + extra));
    }
    None
}

/// `\xHH`, `\uHHHH` or `\0` at the start of `s`: the value and the bytes consumed.
#[inline]
fn decode_backslash(s: &[u8], stats: &mut DecodeStats) -> Option<(Decoded, usize)> {
    let decoded = match *s.get(1)? {
        b'x' | b'X' => (Decoded::Byte(hex_n(&s[2..], 2)? as u8), 4),
        b'u' | b'U' => {
            let unit = hex_n(&s[2..], 4)?;
            let (cp, extra) = join_surrogates(unit, &s[6..], b"\\u");
            (Decoded::Char(to_char(cp)), 6 + extra)
        }
        b'0' => (Decoded::Byte(0), 2),
        _ => return None,
    };
    stats.backslash_escapes += 1;
    Some(decoded)
}

/// Named HTML character references decoded by the normaliser (lowercase names; matching is
/// ASCII case-insensitive). The characters attackers spell out to slip past filters.
pub fn named_entity(name: &[u8]) -> Option<char> {
    let mut lower = [0u8; 12];
    if name.len() > lower.len() {
        return None;
    }
    for (l, &b) in lower.iter_mut().zip(name) {
        *l = b.to_ascii_lowercase();
    }
    Some(match &lower[..name.len()] {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"quot" => '"',
        b"apos" => '\'',
        b"nbsp" => '\u{a0}',
        b"colon" => ':',
        b"semi" => ';',
        b"comma" => ',',
        b"period" => '.',
        b"lpar" => '(',
        b"rpar" => ')',
        b"sol" => '/',
        b"bsol" => '\\',
        b"newline" => '\n',
        b"tab" => '\t',
        b"excl" => '!',
        b"quest" => '?',
        b"equals" => '=',
        b"num" => '#',
        b"dollar" => '$',
        b"percnt" => '%',
        b"ast" | b"midast" => '*',
        b"plus" => '+',
        b"lowbar" => '_',
        b"grave" => '`',
        b"hat" => '^',
        b"commat" => '@',
        b"verbar" | b"vert" => '|',
        b"lsqb" | b"lbrack" => '[',
        b"rsqb" | b"rbrack" => ']',
        b"lcub" | b"lbrace" => '{',
        b"rcub" | b"rbrace" => '}',
        _ => return None,
    })
}

/// Named references a browser decodes without the trailing `;`.
fn is_legacy_entity(name: &[u8]) -> bool {
    if !(2..=4).contains(&name.len()) {
        return false;
    }
    const LEGACY: [&[u8]; 6] = [b"lt", b"gt", b"amp", b"quot", b"apos", b"nbsp"];
    LEGACY.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// An HTML character reference at the start of `s` (which starts with `&`): code point and length.
fn parse_entity(s: &[u8]) -> Option<(u32, usize)> {
    if s.get(1) == Some(&b'#') {
        let hex = matches!(s.get(2), Some(b'x' | b'X'));
        let digits_at = if hex { 3 } else { 2 };
        let mut value: u32 = 0;
        let mut j = digits_at;
        while j < s.len() {
            let d = if hex {
                hex_val(s[j])
            } else {
                s[j].is_ascii_digit().then(|| (s[j] - b'0') as u32)
            };
            let Some(d) = d else { break };
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
            j += 1;
        }
        if j == digits_at {
            return None;
        }
        if s.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((value, j));
    }
    let mut name_len = 0;
    while name_len < 13 && s.get(1 + name_len).is_some_and(u8::is_ascii_alphanumeric) {
        name_len += 1;
    }
    if name_len == 0 {
        return None;
    }
    let name = &s[1..1 + name_len];
    // Query parameters (`&name=`) are by far the most common case: rejected before any lookup.
    match s.get(1 + name_len) {
        Some(b';') => named_entity(name).map(|c| (c as u32, name_len + 2)),
        Some(b'=') => None,
        _ if is_legacy_entity(name) => named_entity(name).map(|c| (c as u32, name_len + 1)),
        _ => None,
    }
}

/// How a maybe-UTF-8 sequence was read.
enum Utf8Read {
    Valid,
    Overlong,
    Invalid,
}

/// Reads one character from `s` (non-empty, `s[0] >= 0x80`), accepting overlong forms of 2–6
/// bytes. Returns the character, bytes consumed and how it was read.
fn read_lenient_utf8(s: &[u8]) -> (char, usize, Utf8Read) {
    let b0 = s[0];
    let latin1 = (char::from(b0), 1, Utf8Read::Invalid);
    let (len, init) = match b0 {
        0xC0..=0xDF => (2, b0 & 0x1F),
        0xE0..=0xEF => (3, b0 & 0x0F),
        0xF0..=0xF7 => (4, b0 & 0x07),
        0xF8..=0xFB => (5, b0 & 0x03),
        0xFC..=0xFD => (6, b0 & 0x01),
        _ => return latin1,
    };
    if s.len() < len {
        return latin1;
    }
    let mut cp = init as u32;
    for &c in &s[1..len] {
        if c & 0xC0 != 0x80 {
            return latin1;
        }
        cp = (cp << 6) | (c & 0x3F) as u32;
    }
    const MIN: [u32; 7] = [0, 0, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    match char::from_u32(cp) {
        Some(c) if cp < MIN[len] => (c, len, Utf8Read::Overlong),
        Some(c) if len <= 4 => (c, len, Utf8Read::Valid),
        _ => (char::REPLACEMENT_CHARACTER, len, Utf8Read::Invalid),
    }
}

/// Folds fullwidth forms and slash look-alikes to ASCII; `None` for characters to drop
/// (zero-width). Everything else is returned unchanged.
#[inline]
fn fold_lookalike(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{2215}' | '\u{2044}' | '\u{29F8}' => Some('/'),
        '\u{2216}' | '\u{29F5}' | '\u{FE68}' => Some('\\'),
        '\u{FE52}' | '\u{2024}' => Some('.'),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        _ => Some(c),
    }
}

/// Stage 2: bytes → valid UTF-8, with overlong forms decoded, invalid bytes as Latin-1 and
/// look-alikes folded. Returns the input itself when it is ASCII (no validation pass needed).
fn repair_utf8<'a>(
    decoded: &'a [u8],
    repaired: &'a mut Vec<u8>,
    stats: &mut DecodeStats,
) -> &'a [u8] {
    if decoded.is_ascii() {
        return decoded;
    }
    repaired.clear();
    repaired.reserve(decoded.len());
    let mut i = 0;
    let mut utf8 = [0u8; 4];
    while i < decoded.len() {
        let ascii_run = decoded[i..].iter().take_while(|b| b.is_ascii()).count();
        repaired.extend_from_slice(&decoded[i..i + ascii_run]);
        i += ascii_run;
        if i >= decoded.len() {
            break;
        }
        let (c, len, read) = read_lenient_utf8(&decoded[i..]);
        i += len;
        match read {
            Utf8Read::Valid => {}
            Utf8Read::Overlong => stats.overlong_utf8 += 1,
            Utf8Read::Invalid => stats.invalid_utf8 += 1,
        }
        let folded = fold_lookalike(c);
        if folded != Some(c) {
            stats.unicode_folded += 1;
        }
        if let Some(f) = folded {
            repaired.extend_from_slice(f.encode_utf8(&mut utf8).as_bytes());
        }
    }
    repaired
}

/// The character starting at `bytes[i]` (a non-ASCII lead byte of valid UTF-8).
fn char_at(bytes: &[u8], i: usize) -> Option<char> {
    let len = match bytes[i] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    std::str::from_utf8(bytes.get(i..i + len)?)
        .ok()?
        .chars()
        .next()
}

/// Byte classes of the folding stage. `PLAIN` bytes (including uppercase ASCII, lowered at the
/// end in one pass) are copied as they are; the others need a look.
const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const SLASH: u8 = 2;
const STAR: u8 = 3;
const CONTROL: u8 = 4;
const NON_ASCII: u8 = 5;

static FOLD_CLASS: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut c = 0;
    while c < 0x80 {
        t[c] = if c < 0x20 || c == 0x7f {
            CONTROL
        } else {
            PLAIN
        };
        c += 1;
    }
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[0x0b] = SPACE;
    t[0x0c] = SPACE;
    t[b'\r' as usize] = SPACE;
    t[b' ' as usize] = SPACE;
    t[b'/' as usize] = SLASH;
    t[b'*' as usize] = STAR;
    t
};

/// Writes `b` at `out[*o]`, first the pending folded space unless at the start (a folded space
/// is written only before the next visible byte, which trims both ends).
#[inline(always)]
fn put(out: &mut [u8], o: &mut usize, pending_space: &mut bool, b: u8) {
    if *pending_space {
        *pending_space = false;
        if *o > 0 {
            put_raw(out, o, b' ');
        }
    }
    put_raw(out, o, b);
}

#[inline(always)]
fn put_raw(out: &mut [u8], o: &mut usize, b: u8) {
    if let Some(slot) = out.get_mut(*o) {
        *slot = b;
        *o += 1;
    }
}

/// Stage 3: control characters, SQL block comments, whitespace folding, trimming, lowercase.
///
/// Writes through a slice at a local index (see [`decode_pass`]). The buffer is sized for the
/// worst case: ASCII never grows (each space written stands for consumed bytes) and lowercasing
/// grows a character by at most half (`İ` → `i̇`, `Ⱥ` → `ⱥ`: 2 → 3 bytes).
fn fold(bytes: &[u8], text: &mut String, stats: &mut DecodeStats) {
    let n = bytes.len();
    let mut buf = std::mem::take(text).into_bytes();
    buf.clear();
    buf.resize(n + n / 2 + 8, 0);
    let out = buf.as_mut_slice();
    let mut o = 0;
    let mut pending_space = false;
    let mut in_versioned_comment = false;
    // Once a search for `*/` fails, no later `/*` can be closed: keeps the scan linear.
    let mut no_comment_close = false;
    let mut i = 0;
    while i < n {
        // Eight bytes at a time up to the next byte that is not `PLAIN`.
        if let (Some(chunk), true) = (word_at(bytes, i), o + 9 <= out.len()) {
            let x = u64::from_le_bytes(chunk);
            let stops = lt_bytes(x, 0x21)
                | (x & LANES_80)
                | eq_bytes(x, 0x7f)
                | eq_bytes(x, b'/')
                | eq_bytes(x, b'*');
            let run = first_hit(stops);
            if run > 0 {
                if pending_space {
                    pending_space = false;
                    if o > 0 {
                        put_raw(out, &mut o, b' ');
                    }
                }
                if let Some(dst) = out.get_mut(o..o + 8) {
                    dst.copy_from_slice(&chunk);
                }
                i += run;
                o += run;
                if run == 8 {
                    continue;
                }
            }
        }
        let b = bytes[i];
        let class = FOLD_CLASS[b as usize];
        if class == PLAIN {
            put(out, &mut o, &mut pending_space, b);
            i += 1;
            continue;
        }
        match class {
            NON_ASCII => {
                // Stage 2 hands over valid UTF-8; a byte that is not (cannot happen) is dropped.
                let Some(c) = char_at(bytes, i) else {
                    i += 1;
                    continue;
                };
                i += c.len_utf8();
                if c.is_whitespace() {
                    pending_space = true;
                    continue;
                }
                let mut utf8 = [0u8; 4];
                for l in c.to_lowercase() {
                    for &u in l.encode_utf8(&mut utf8).as_bytes() {
                        put(out, &mut o, &mut pending_space, u);
                    }
                }
                continue;
            }
            SPACE => pending_space = true,
            CONTROL if b == 0 => stats.null_bytes += 1,
            CONTROL => stats.control_chars += 1,
            SLASH if bytes.get(i + 1) == Some(&b'*') => {
                if bytes.get(i + 2) == Some(&b'!') {
                    // MySQL versioned comment: drop the marker and version, keep the content.
                    let mut j = i + 3;
                    while j < n && j < i + 9 && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                    stats.sql_comments += 1;
                    in_versioned_comment = true;
                    pending_space = true;
                    i = j;
                    continue;
                }
                if !no_comment_close {
                    if let Some(k) = memmem::find(&bytes[i + 2..], b"*/") {
                        stats.sql_comments += 1;
                        pending_space = true;
                        i += 2 + k + 2;
                        continue;
                    }
                    no_comment_close = true;
                }
                put(out, &mut o, &mut pending_space, b'/');
            }
            STAR if in_versioned_comment && bytes.get(i + 1) == Some(&b'/') => {
                in_versioned_comment = false;
                pending_space = true;
                i += 2;
                continue;
            }
            _ => put(out, &mut o, &mut pending_space, b),
        }
        i += 1;
    }
    buf.truncate(o);
    buf.make_ascii_lowercase();
    // Only ASCII bytes and whole characters were written, so this cannot fail; were it to, the
    // lossy conversion keeps the text rather than panicking.
    *text = String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn norm(input: &str) -> String {
        Normalizer::default().normalize(input).text
    }

    fn stats(input: &str) -> DecodeStats {
        Normalizer::default().normalize(input).stats
    }

    #[test]
    fn percent_decoding_repeats_to_a_fixed_point() {
        assert_eq!(norm("%3Cscript%3E"), "<script>");
        assert_eq!(norm("%253Cscript%253E"), "<script>");
        assert_eq!(norm("%25253Cscript%25253E"), "<script>");
        let s = stats("%25253C");
        assert_eq!(s.passes, 3);
        assert_eq!(s.encoding_depth(), 3);
        assert!(!s.pass_limit_hit);
        assert_eq!(s.percent_escapes, 3);
        assert_eq!(stats("%3C").passes, 1);
        assert_eq!(stats("plain text").passes, 0);
    }

    #[test]
    fn normalising_twice_changes_nothing_more() {
        for input in [
            "%253Cscript%253E",
            "/a?q=1+union/**/select+%2527x%2527",
            "&lt;img src=x onerror=alert(1)&gt;",
            "%c0%ae%c0%ae%c0%af etc%c0%afpasswd",
            "Jam%F3n+Ib%E9rico",
        ] {
            let once = norm(input);
            // `+` only means space in a query, so re-normalise as a query value.
            assert_eq!(norm(&once), once, "{input}");
        }
    }

    #[test]
    fn pass_limit_is_respected() {
        let mut payload = String::from("<");
        for _ in 0..10 {
            payload = payload.replace('%', "%25").replace('<', "%3C");
        }
        // Ten layers: `%` encoded nine times over, then `3C`.
        assert!(payload.starts_with("%2525"));
        let n = Normalizer::default();
        let out = n.normalize(&payload);
        assert_eq!(out.stats.passes, 4);
        assert!(out.stats.pass_limit_hit);
        assert_eq!(out.stats.encoding_depth(), 5);
        assert!(out.text.starts_with("%25"), "{}", out.text);
        let deep = Normalizer::with_max_passes(10).normalize(&payload);
        assert_eq!(deep.text, "<");
        assert_eq!(deep.stats.passes, 10);
        assert!(!deep.stats.pass_limit_hit);
        let none = Normalizer::with_max_passes(0).normalize("%3C");
        assert_eq!(none.text, "%3c");
    }

    #[test]
    fn plus_is_a_space_only_in_the_query_and_only_once() {
        assert_eq!(norm("/a+b/c?x=1+2"), "/a+b/c?x=1 2");
        assert_eq!(norm("1+union+select"), "1 union select");
        assert_eq!(norm("/p?x=1%2B2"), "/p?x=1+2");
        assert_eq!(norm("/p?x=1%252B2"), "/p?x=1+2");
    }

    #[test]
    fn iis_unicode_escapes() {
        assert_eq!(norm("%u003cscript%u003e"), "<script>");
        assert_eq!(norm("%U0027"), "'");
        assert_eq!(norm("%ud83d%ude00"), "😀");
        assert_eq!(norm("%ud83d"), "\u{fffd}");
        assert_eq!(stats("%u003c").unicode_escapes, 1);
        // Not an escape: kept.
        assert_eq!(norm("%uzzzz"), "%uzzzz");
    }

    #[test]
    fn html_entities_named_and_numeric() {
        assert_eq!(norm("&lt;script&gt;"), "<script>");
        assert_eq!(norm("&quot;&apos;&#x27;&#39;"), "\"'''");
        assert_eq!(
            norm("javascript&colon;alert&lpar;1&rpar;"),
            "javascript:alert(1)"
        );
        assert_eq!(norm("a&sol;b&NewLine;c&Tab;d"), "a/b c d");
        assert_eq!(norm("&#60&#0000062&#x3C"), "<><");
        assert_eq!(norm("&amp;lt;"), "<");
        assert_eq!(norm("&lt x"), "< x");
        assert_eq!(stats("&lt;&#60;").html_entities, 2);
        // Query parameters that look like entity names are left alone.
        assert_eq!(
            norm("/p?a=1&lt=5&amplitude=3&colon=2"),
            "/p?a=1&lt=5&amplitude=3&colon=2"
        );
        assert_eq!(norm("&#;&#x;&unknown;"), "&#;&#x;&unknown;");
        assert_eq!(norm("&#99999999999;"), "\u{fffd}");
    }

    #[test]
    fn overlong_and_invalid_utf8() {
        assert_eq!(norm("%c0%af"), "/");
        assert_eq!(norm("%e0%80%af"), "/");
        assert_eq!(norm("%f0%80%80%af"), "/");
        assert_eq!(norm("%f8%80%80%80%af"), "/");
        assert_eq!(norm("%fc%80%80%80%80%af"), "/");
        assert_eq!(norm("..%c0%af..%c1%9c"), "../..\\");
        let s = stats("%c0%ae%c0%ae%c0%af");
        assert_eq!(s.overlong_utf8, 3);
        // Latin-1, as CSIC encodes Spanish text.
        assert_eq!(norm("A%F1adir+Jam%F3n"), "añadir jamón");
        assert_eq!(stats("A%F1adir").invalid_utf8, 1);
        // Valid UTF-8 stays.
        assert_eq!(norm("a%C3%B1o"), "año");
        assert_eq!(stats("a%C3%B1o").invalid_utf8, 0);
        // Encoded surrogate: U+FFFD.
        assert_eq!(norm("%ed%a0%80"), "\u{fffd}");
        // Truncated sequence: each byte as Latin-1.
        assert_eq!(norm("%e0%80"), "à\u{80}");
    }

    #[test]
    fn backslash_escapes() {
        assert_eq!(norm("\\x3cscript\\x3e"), "<script>");
        assert_eq!(norm("\\u003cimg\\u003E"), "<img>");
        assert_eq!(norm("\\ud83d\\ude00"), "😀");
        assert_eq!(norm("..\\..\\windows"), "..\\..\\windows");
        assert_eq!(norm("c:\\xampp\\users"), "c:\\xampp\\users");
        assert_eq!(stats("\\x3c\\u003c").backslash_escapes, 2);
    }

    #[test]
    fn null_bytes_are_removed_and_counted() {
        assert_eq!(norm("file.php%00.jpg"), "file.php.jpg");
        assert_eq!(norm("a\\0b"), "ab");
        assert_eq!(norm("a\0b&#0;c%c0%80d"), "abcd");
        assert_eq!(stats("a\0b&#0;c%c0%80d%00").null_bytes, 4);
    }

    #[test]
    fn control_characters_are_removed_and_counted() {
        assert_eq!(norm("..%01%5c..%7f/etc"), "..\\../etc");
        let s = stats("a%01b%1fc\x02");
        assert_eq!(s.control_chars, 3);
        assert_eq!(s.null_bytes, 0);
    }

    #[test]
    fn case_folding_ascii_and_unicode() {
        assert_eq!(norm("<ScRiPt>"), "<script>");
        assert_eq!(norm("ÁRBOL Ñandú ΣΟΦΙΑ"), "árbol ñandú σοφια");
    }

    #[test]
    fn lookalikes_are_folded() {
        assert_eq!(norm("%uff1cscript%uff1e"), "<script>");
        assert_eq!(norm("%uff0e%uff0e%u2215etc"), "../etc");
        assert_eq!(norm("sel\u{200b}ect"), "select");
        assert_eq!(stats("%uff1c\u{feff}").unicode_folded, 2);
    }

    #[test]
    fn sql_comments_fold() {
        assert_eq!(norm("un/**/ion/**/select"), "un ion select");
        assert_eq!(norm("1/*foo bar*/or/*x*/1=1"), "1 or 1=1");
        assert_eq!(norm("union/*!50000select*/1"), "union select 1");
        assert_eq!(norm("/*!union*//*!select*/"), "union select");
        assert_eq!(stats("a/**/b/*!c*/").sql_comments, 2);
        // Unterminated: kept as text.
        assert_eq!(norm("1 union select /* rest"), "1 union select /* rest");
        assert_eq!(norm("/*a/*b"), "/*a/*b");
        // End-of-line comments are kept with their tail.
        assert_eq!(norm("admin'-- x"), "admin'-- x");
        assert_eq!(norm("admin' #x"), "admin' #x");
    }

    #[test]
    fn whitespace_folds_and_trims() {
        assert_eq!(norm("  a \t\r\n\x0b\x0c b  "), "a b");
        assert_eq!(norm("a%09%0a%0Db%A0c"), "a b c");
        assert_eq!(norm("a\u{a0}\u{3000}b"), "a b");
        assert_eq!(norm("%20%20"), "");
        assert_eq!(norm(""), "");
    }

    #[test]
    fn mixed_layers_decode_together() {
        // %26 → & then &lt; → <.
        assert_eq!(norm("%26lt%3Bsvg%26gt%3B"), "<svg>");
        // %5C → \ then \x3c → <.
        assert_eq!(norm("%5Cx3c"), "<");
        let s = stats("%26lt%3B");
        assert_eq!(s.passes, 2);
        assert_eq!(s.encoding_kinds(), 2);
    }

    #[test]
    fn stats_features_line_up_with_names() {
        let feature = |input: &str, name: &str| {
            let at = DECODE_FEATURE_NAMES.iter().position(|n| *n == name);
            at.map(|k| stats(input).as_features()[k])
        };
        let twice = "%253Cscript%253E";
        assert_eq!(feature(twice, "encoding_depth"), Some(2.0));
        assert_eq!(feature(twice, "encoding_kinds"), Some(1.0));
        // Two escapes per pass.
        assert_eq!(feature(twice, "percent_escapes"), Some(4.0));
        // Pass 1 consumed two 3-byte escapes of the 16 input bytes.
        assert_eq!(feature(twice, "escaped_byte_ratio"), Some(6.0 / 16.0));
        assert_eq!(feature("a/**/b", "sql_comments"), Some(1.0));
        assert_eq!(feature("a%01", "control_chars"), Some(1.0));
        assert_eq!(feature("a%00", "null_bytes"), Some(1.0));
        assert_eq!(feature("%c0%af", "overlong_utf8"), Some(1.0));
        assert_eq!(feature("%F1", "invalid_utf8"), Some(1.0));
        assert_eq!(feature("%uff1c", "unicode_folded"), Some(1.0));
        assert_eq!(feature("%uff1c", "unicode_escapes"), Some(1.0));
        assert_eq!(feature("&lt;", "html_entities"), Some(1.0));
        assert_eq!(feature("\\x41", "backslash_escapes"), Some(1.0));
        assert_eq!(
            stats("plain").as_features(),
            [0f32; DECODE_FEATURE_NAMES.len()]
        );
    }

    #[test]
    fn buffers_are_reused_and_stats_reset() {
        let n = Normalizer::default();
        let mut out = Normalized::default();
        n.normalize_into("%253C%00", &mut out);
        assert_eq!(out.stats.null_bytes, 1);
        n.normalize_into("Hello World", &mut out);
        assert_eq!(out.text, "hello world");
        assert_eq!(
            out.stats,
            DecodeStats {
                input_len: 11,
                ..Default::default()
            }
        );
    }

    #[test]
    fn one_megabyte_inputs_finish_quickly() {
        let n = Normalizer::default();
        let mut out = Normalized::default();
        let inputs = [
            "%25".repeat(350_000),
            "/*a".repeat(333_333),
            "&#".repeat(500_000) + "1",
            "%c0".repeat(350_000),
            "A%F1 /**/ ".repeat(100_000),
            format!("&#{};", "9".repeat(1_000_000)),
        ];
        let start = std::time::Instant::now();
        for input in &inputs {
            n.normalize_into(input, &mut out);
        }
        assert!(start.elapsed().as_secs_f64() < 2.0, "{:?}", start.elapsed());
        n.normalize_into(&inputs[1], &mut out);
        // No `*/` anywhere: every `/*` stays, and the search for it ran once, not per `/*`.
        assert_eq!(out.text.len(), 999_999);
    }

    #[test]
    fn passes_stop_only_when_nothing_is_left_to_decode() {
        // The "recheck" shortcut must never stop early: after decoding (limit not hit), no
        // decodable escape is left. Inputs are built from escape fragments that nest.
        const PARTS: &[&str] = &[
            "%", "25", "3", "C", "%3", "&", "#", "x", "6", "0", ";", "lt", "amp", "\\", "u00",
            "%26", "%5C", "%25", "a", "=", "+",
        ];
        let n = Normalizer::with_max_passes(32);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50_000 {
            let k = rng.gen_range(1..12);
            let input: String = (0..k)
                .map(|_| PARTS[rng.gen_range(0..PARTS.len())])
                .collect();
            let mut stats = DecodeStats::default();
            let decoded = n.decode_passes(input.as_bytes(), &mut a, &mut b, &mut stats);
            assert!(!stats.pass_limit_hit, "{input:?}");
            assert!(
                !has_escape(decoded),
                "{input:?} → {:?}",
                String::from_utf8_lossy(decoded)
            );
        }
    }

    #[test]
    fn random_bytes_never_panic_and_output_is_clean() {
        let n = Normalizer::default();
        let mut out = Normalized::default();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // Bias towards the bytes that drive the decoders.
        const ALPHABET: &[u8] = b"%&#;\\+/*!xXuU0123456789aAcCfF<>lt ampquot\x00\t\xc0\xaf\xe0\x80";
        let mut bytes = Vec::new();
        for round in 0..20_000 {
            bytes.clear();
            let len = rng.gen_range(0..64);
            for _ in 0..len {
                let b = if round % 2 == 0 {
                    ALPHABET[rng.gen_range(0..ALPHABET.len())]
                } else {
                    rng.gen()
                };
                bytes.push(b);
            }
            let input = String::from_utf8_lossy(&bytes);
            n.normalize_into(&input, &mut out);
            let t = &out.text;
            assert!(!t.contains('\0'));
            assert!(
                !t.starts_with(' ') && !t.ends_with(' ') && !t.contains("  "),
                "{t:?}"
            );
            assert!(!t.chars().any(|c| c.is_whitespace() && c != ' '), "{t:?}");
            assert!(out.stats.passes <= n.max_passes);
        }
    }
}
