//! Zeek's own log format: tab-separated values under a `#` header.
//!
//! The header's directives say how to read the rows: `#separator` (written escaped,
//! `\x09`), `#unset_field` (`-`, read as no value), `#empty_field` (`(empty)`, read as an
//! empty string or set), `#path` (must be `conn`), and `#fields`, which names the columns —
//! rows are read by those names, so column order and extra columns do not matter. `#types`,
//! `#open`, `#close` and any other `#` line are skipped; a new `#fields` line (logs
//! concatenated after a `#close`) takes effect for the rows after it.
//!
//! IoT-23 quirk: its last three columns (`tunnel_parents`, `label`, `detailed-label`) are
//! separated by three spaces instead of a tab, in the `#fields`/`#types` lines and in the
//! rows. Names in `#fields` are therefore also split on spaces (a Zeek name never holds one),
//! and a row that is short by exactly as many fields as that split added has its last field
//! split on three spaces.

use std::io::Read;

use memchr::{memchr_iter, memmem};

use super::csv_source::field_cell;
use super::schema::{Cell, Cells, ColumnMap, TableRow};
use super::{build, Failure, TableRecord};
use crate::input::{IoError, Line, LineReader};
use std::borrow::Cow;

/// The directives of a Zeek header read so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeekHeader {
    pub separator: u8,
    pub unset: Vec<u8>,
    pub empty: Vec<u8>,
    /// `#path`: which log this is (`conn`, `dns`, ...).
    pub log_path: Option<String>,
    /// `#fields`, split on the separator and on spaces.
    pub fields: Option<Vec<String>>,
    /// How many more names `#fields` gave by splitting on spaces than on the separator.
    pub space_split: usize,
}

impl Default for ZeekHeader {
    fn default() -> Self {
        ZeekHeader {
            separator: b'\t',
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            log_path: None,
            fields: None,
            space_split: 0,
        }
    }
}

impl ZeekHeader {
    /// Applies one `#` line. True when it was `#fields`.
    pub fn apply(&mut self, line: &[u8]) -> bool {
        if let Some(value) = line.strip_prefix(b"#separator") {
            if let Some(&separator) = unescape(value.trim_ascii()).first() {
                self.separator = separator;
            }
            return false;
        }
        let (key, value) = match line.iter().position(|&b| b == self.separator) {
            Some(at) => (&line[..at], &line[at + 1..]),
            None => match line.iter().position(u8::is_ascii_whitespace) {
                Some(at) => (&line[..at], line[at + 1..].trim_ascii_start()),
                None => (line, &[][..]),
            },
        };
        match key {
            b"#unset_field" => self.unset = value.to_vec(),
            b"#empty_field" => self.empty = value.to_vec(),
            b"#path" => self.log_path = Some(String::from_utf8_lossy(value).trim().to_string()),
            b"#fields" => {
                let by_separator: Vec<&[u8]> = value.split(|&b| b == self.separator).collect();
                let names: Vec<String> = by_separator
                    .iter()
                    .flat_map(|part| part.split(|&b| b == b' ').filter(|n| !n.is_empty()))
                    .map(|name| String::from_utf8_lossy(name).into_owned())
                    .collect();
                self.space_split = names.len().saturating_sub(by_separator.len());
                self.fields = Some(names);
                return true;
            }
            _ => {}
        }
        false
    }

    /// Whether `#path` names a log other than `conn`.
    pub fn other_log(&self) -> Option<&str> {
        self.log_path.as_deref().filter(|path| *path != "conn")
    }
}

/// `\x09` → tab; other bytes as they are.
fn unescape(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'\\' && value.get(i + 1) == Some(&b'x') {
            if let Some(byte) = value
                .get(i + 2..i + 4)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(value[i]);
        i += 1;
    }
    out
}

/// What the start of a Zeek TSV input says, for checks made when it is opened.
#[derive(Debug, Default)]
pub struct HeaderScan {
    pub header: ZeekHeader,
    /// A data row came before any `#fields` line.
    pub data_before_fields: bool,
}

/// Reads the `#` lines at the start of `prefix` (until the first data row).
pub fn scan_header(prefix: &[u8]) -> HeaderScan {
    let mut scan = HeaderScan::default();
    for line in prefix.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.starts_with(b"#") {
            scan.header.apply(line);
            continue;
        }
        scan.data_before_fields = scan.header.fields.is_none();
        break;
    }
    scan
}

/// Rows of a Zeek TSV log.
pub struct ZeekTsvSource {
    lines: LineReader<Box<dyn Read + Send>>,
    header: ZeekHeader,
    /// The columns of the current `#fields`, or why its rows cannot be read.
    map: Option<Result<ColumnMap, String>>,
    path: String,
    label_column: String,
    spans: Vec<(usize, usize)>,
}

impl ZeekTsvSource {
    pub fn new(lines: LineReader<Box<dyn Read + Send>>, path: &str, label_column: &str) -> Self {
        ZeekTsvSource {
            lines,
            header: ZeekHeader::default(),
            map: None,
            path: path.to_string(),
            label_column: label_column.to_string(),
            spans: Vec::with_capacity(32),
        }
    }

    pub fn lines_read(&self) -> u64 {
        self.lines.line_number()
    }

    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }

    /// The next row, decoded and validated. Header lines are applied on the way.
    pub fn next_row<T: TableRow>(&mut self) -> Option<Result<TableRecord<T>, Failure>> {
        let ZeekTsvSource {
            lines,
            header,
            map,
            path,
            label_column,
            spans,
        } = self;
        loop {
            match lines.next_line()? {
                Line::Text { number, bytes } => {
                    let bytes = if number == 1 {
                        bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
                    } else {
                        bytes
                    };
                    let first = bytes.first().copied().unwrap_or(b' ');
                    if first.is_ascii_whitespace() && bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    if first == b'#' {
                        if header.apply(bytes) || bytes.starts_with(b"#path") {
                            *map = header_map::<T>(header, path, label_column);
                        }
                        continue;
                    }
                    let map = match map {
                        None => {
                            return Some(Err(Failure::bad(
                                number,
                                "data row before any #fields header line",
                            )))
                        }
                        Some(Err(reason)) => {
                            return Some(Err(Failure::bad(number, reason.clone())))
                        }
                        Some(Ok(map)) => map,
                    };
                    let expected = header.fields.as_ref().map_or(0, Vec::len);
                    if let Err(reason) = split_row(bytes, header, expected, spans) {
                        return Some(Err(Failure::bad(number, reason)));
                    }
                    let cells = ZeekCells {
                        // One UTF-8 check for the whole row instead of one per field.
                        text: std::str::from_utf8(bytes).ok(),
                        line: bytes,
                        spans,
                        positions: &map.positions,
                        unset: &header.unset,
                        empty: &header.empty,
                    };
                    return Some(
                        build::<T, _>(&cells)
                            .map(|record| TableRecord {
                                line: number,
                                record,
                            })
                            .map_err(|reason| Failure::bad(number, reason)),
                    );
                }
                Line::TooLong { number, length } => {
                    return Some(Err(Failure::bad(
                        number,
                        format!(
                            "line is {length} bytes, over the {} byte limit; skipped",
                            lines.max_line()
                        ),
                    )))
                }
                Line::Failed { number, error } => {
                    return Some(Err(Failure::fatal(number, error.to_string())))
                }
            }
        }
    }
}

/// The column map for the header as it stands (after a `#fields` or `#path` line).
fn header_map<T: TableRow>(
    header: &ZeekHeader,
    path: &str,
    label_column: &str,
) -> Option<Result<ColumnMap, String>> {
    if let Some(log) = header.other_log() {
        return Some(Err(format!(
            "this part of the input is a Zeek `{log}` log (#path), not a `conn` log"
        )));
    }
    let fields = header.fields.as_ref()?;
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    Some(
        ColumnMap::from_header::<T>(path, &names, label_column).map_err(|e| match e {
            IoError::MissingColumn { column, .. } => {
                format!("the #fields header line has no `{column}` column")
            }
            other => other.to_string(),
        }),
    )
}

/// Splits a row on the separator into `spans`, undoing the IoT-23 three-space quirk.
fn split_row(
    line: &[u8],
    header: &ZeekHeader,
    expected: usize,
    spans: &mut Vec<(usize, usize)>,
) -> Result<(), String> {
    spans.clear();
    let mut start = 0;
    for at in memchr_iter(header.separator, line) {
        spans.push((start, at));
        start = at + 1;
    }
    spans.push((start, line.len()));
    if spans.len() != expected
        && header.space_split > 0
        && spans.len() + header.space_split == expected
    {
        if let Some((from, to)) = spans.pop() {
            let mut piece_start = from;
            for at in memmem::find_iter(&line[from..to], b"   ").map(|at| from + at) {
                // Runs longer than three spaces: the extra spaces belong to no field.
                if at < piece_start {
                    continue;
                }
                spans.push((piece_start, at));
                piece_start = at + 3;
            }
            spans.push((piece_start, to));
        }
    }
    if spans.len() != expected {
        return Err(format!(
            "row has {} fields, the #fields header line names {expected}",
            spans.len()
        ));
    }
    Ok(())
}

/// The cells of one Zeek row: the unset marker is [`Cell::Absent`], the empty marker an
/// empty string.
struct ZeekCells<'a> {
    /// `line` as text, when it is valid UTF-8.
    text: Option<&'a str>,
    line: &'a [u8],
    spans: &'a [(usize, usize)],
    positions: &'a [Option<usize>],
    unset: &'a [u8],
    empty: &'a [u8],
}

impl Cells for ZeekCells<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let Some(&(start, end)) = self
            .positions
            .get(column)
            .copied()
            .flatten()
            .and_then(|position| self.spans.get(position))
        else {
            return Cell::Absent;
        };
        let bytes = &self.line[start..end];
        // Compared inline: most fields are a few bytes, and a libc memcmp call per field
        // showed up at 4 % of the profile.
        let is = |marker: &[u8]| bytes.len() == marker.len() && bytes.iter().eq(marker);
        if is(self.unset) {
            Cell::Absent
        } else if is(self.empty) {
            Cell::Text(Cow::Borrowed(""))
        } else {
            field_cell(self.text, self.line, start, end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_directives_including_the_iot23_quirk() {
        let mut header = ZeekHeader::default();
        header.apply(b"#separator \\x09");
        assert_eq!(header.separator, b'\t');
        header.apply(b"#unset_field\t-");
        header.apply(b"#path\tconn");
        assert!(header.apply(b"#fields\tts\tuid\ttunnel_parents   label   detailed-label"));
        assert_eq!(
            header.fields.as_deref().unwrap_or_default(),
            ["ts", "uid", "tunnel_parents", "label", "detailed-label"]
        );
        assert_eq!(header.space_split, 2);
        assert_eq!(header.other_log(), None);

        let mut spans = Vec::new();
        let row = b"1.5\tC1\t-   Malicious   C&C-FileDownload";
        split_row(row, &header, 5, &mut spans).expect("quirk undone");
        let fields: Vec<&[u8]> = spans.iter().map(|&(a, b)| &row[a..b]).collect();
        assert_eq!(
            fields,
            [&b"1.5"[..], b"C1", b"-", b"Malicious", b"C&C-FileDownload"]
        );

        let short = b"1.5\tC1";
        let err = split_row(short, &header, 5, &mut spans).expect_err("too short");
        assert_eq!(err, "row has 2 fields, the #fields header line names 5");
    }

    #[test]
    fn other_separators_and_logs() {
        let mut header = ZeekHeader::default();
        header.apply(b"#separator ,");
        header.apply(b"#path,dns");
        assert_eq!(header.separator, b',');
        assert_eq!(header.other_log(), Some("dns"));
        assert_eq!(unescape(b"\\x2c\\xzz"), b",\\xzz");
    }

    #[test]
    fn scan_finds_a_missing_fields_line() {
        let scan = scan_header(b"#separator \\x09\n#path\tconn\n1.0\tC1\n");
        assert!(scan.data_before_fields);
        let scan = scan_header(b"#fields\tts\n1.0\n");
        assert!(!scan.data_before_fields);
        assert_eq!(scan.header.fields.map(|f| f.len()), Some(1));
    }
}
