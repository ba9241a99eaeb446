//! CSV tables with a header row, read by column name.
//!
//! Lines come from the shared [`LineReader`] (gzip, stdin, bounded lines, exact line numbers)
//! and are fed to `csv-core`, so quoted fields — with commas, `""` escapes, even line breaks —
//! are read as CSV says, and no record makes the reader hold more than the record limit.

use std::borrow::Cow;
use std::io::Read;

use csv_core::{ReadRecordResult, Reader as CsvCore, ReaderBuilder, Terminator};

use super::schema::{Cell, Cells, ColumnMap, TableRow};
use super::{build, Failure, TableRecord};
use crate::input::{Line, LineReader};

/// One step of [`CsvSource::next_record`].
enum Step {
    /// A record is in the buffers; it started on this line.
    Record(u64),
    Bad(Failure),
    End,
}

/// CSV records from a line reader, in buffers that never grow past the record limit.
pub struct CsvSource {
    lines: LineReader<Box<dyn Read + Send>>,
    parser: CsvCore,
    /// Field bytes of the current record, and where each field ends.
    output: Vec<u8>,
    ends: Vec<usize>,
    /// Fields of the current record as `(start, end)` in `output`.
    spans: Vec<(usize, usize)>,
    max_record: usize,
    map: Option<ColumnMap>,
    header_width: usize,
}

impl CsvSource {
    pub fn new(lines: LineReader<Box<dyn Read + Send>>) -> Self {
        let max_record = lines.max_line();
        CsvSource {
            lines,
            // Only `\n` ends a record: the line reader already dropped a `\r` before it, and a
            // stray `\r` inside a line is data, not a second record.
            parser: ReaderBuilder::new()
                .terminator(Terminator::Any(b'\n'))
                .build(),
            output: vec![0; 4096.min(max_record)],
            ends: vec![0; 64],
            spans: Vec::with_capacity(64),
            max_record,
            map: None,
            header_width: 0,
        }
    }

    /// Reads the header row and maps it to `T`'s columns. `Ok(false)` for an empty input.
    pub fn read_header<T: TableRow>(
        &mut self,
        path: &str,
        label_column: &str,
    ) -> Result<bool, crate::input::IoError> {
        match self.next_record() {
            Step::End => Ok(false),
            Step::Bad(failure) => Err(crate::input::IoError::CsvHeader {
                path: path.to_string(),
                reason: format!("line {}: {}", failure.line, failure.reason),
            }),
            Step::Record(_) => {
                let names: Vec<Cow<'_, str>> = self
                    .spans
                    .iter()
                    .map(|&(start, end)| String::from_utf8_lossy(&self.output[start..end]))
                    .collect();
                let names: Vec<&str> = names
                    .iter()
                    .map(|n| n.trim_start_matches('\u{feff}'))
                    .collect();
                self.map = Some(ColumnMap::from_header::<T>(path, &names, label_column)?);
                self.header_width = names.len();
                Ok(true)
            }
        }
    }

    pub fn map(&self) -> Option<&ColumnMap> {
        self.map.as_ref()
    }

    pub fn lines_read(&self) -> u64 {
        self.lines.line_number()
    }

    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }

    /// The next data record, decoded and validated.
    pub fn next_row<T: TableRow>(&mut self) -> Option<Result<TableRecord<T>, Failure>> {
        self.map.as_ref()?;
        let line = match self.next_record() {
            Step::End => return None,
            Step::Bad(failure) => return Some(Err(failure)),
            Step::Record(line) => line,
        };
        if self.spans.len() != self.header_width {
            return Some(Err(Failure::bad(
                line,
                format!(
                    "row has {} fields, the header has {}",
                    self.spans.len(),
                    self.header_width
                ),
            )));
        }
        let map = self.map.as_ref()?;
        let out_len = self.spans.last().map_or(0, |&(_, end)| end);
        let cells = CsvCells {
            // One UTF-8 check for the whole record instead of one per field.
            text: std::str::from_utf8(&self.output[..out_len]).ok(),
            output: &self.output,
            spans: &self.spans,
            positions: &map.positions,
        };
        Some(
            build::<T, _>(&cells)
                .map(|record| TableRecord { line, record })
                .map_err(|reason| Failure::bad(line, reason)),
        )
    }

    /// Reads the next record into the buffers.
    fn next_record(&mut self) -> Step {
        let mut start_line = None;
        let mut fill = Fill::default();
        loop {
            match self.lines.next_line() {
                None => {
                    let Some(start) = start_line else {
                        return Step::End;
                    };
                    self.parser.reset();
                    return Step::Bad(Failure::bad(
                        start,
                        "unterminated quoted field: the input ends inside it",
                    ));
                }
                Some(Line::Text { number, bytes }) => {
                    if start_line.is_none() && bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let start = *start_line.get_or_insert(number);
                    // The line, then the newline the line reader took off it. A record ends
                    // only at a newline outside quotes; otherwise the next line continues it.
                    let mut buffers = Buffers {
                        parser: &mut self.parser,
                        output: &mut self.output,
                        ends: &mut self.ends,
                        max_record: self.max_record,
                    };
                    if buffers.feed(bytes, &mut fill) || buffers.feed(b"\n", &mut fill) {
                        if fill.overflow {
                            return Step::Bad(Failure::bad(
                                start,
                                format!(
                                    "CSV record is over the {} byte limit; skipped",
                                    self.max_record
                                ),
                            ));
                        }
                        self.collect_spans(fill.out_len, fill.ends_len);
                        return Step::Record(start);
                    }
                }
                Some(Line::TooLong { number, length }) => {
                    self.parser.reset();
                    return Step::Bad(Failure::bad(
                        start_line.unwrap_or(number),
                        format!(
                            "line {number} is {length} bytes, over the {} byte limit; skipped",
                            self.max_record
                        ),
                    ));
                }
                Some(Line::Failed { number, error }) => {
                    self.parser.reset();
                    return Step::Bad(Failure::fatal(number, error.to_string()));
                }
            }
        }
    }

    fn collect_spans(&mut self, out_len: usize, ends_len: usize) {
        self.spans.clear();
        let mut start = 0;
        for &end in &self.ends[..ends_len] {
            let end = end.clamp(start, out_len);
            self.spans.push((start, end));
            start = end;
        }
    }
}

/// How much of the buffers the record being read fills.
#[derive(Default)]
struct Fill {
    out_len: usize,
    ends_len: usize,
    /// The record outgrew the limit; its bytes are being dropped.
    overflow: bool,
}

/// The parser and its bounded buffers, borrowed apart from the line reader.
struct Buffers<'a> {
    parser: &'a mut CsvCore,
    output: &'a mut Vec<u8>,
    ends: &'a mut Vec<usize>,
    max_record: usize,
}

impl Buffers<'_> {
    /// Parses all of `input`; true when a record ended in it. Buffers grow up to the limit,
    /// past which the record's bytes are dropped and `overflow` is set.
    fn feed(&mut self, mut input: &[u8], fill: &mut Fill) -> bool {
        // An empty input would tell the parser the data has ended.
        if input.is_empty() {
            return false;
        }
        loop {
            let (result, read, written, ended) = self.parser.read_record(
                input,
                &mut self.output[fill.out_len..],
                &mut self.ends[fill.ends_len..],
            );
            input = &input[read..];
            fill.out_len += written;
            fill.ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return false,
                ReadRecordResult::Record => return true,
                ReadRecordResult::OutputFull => {
                    if self.output.len() >= self.max_record {
                        fill.overflow = true;
                        fill.out_len = 0;
                    } else {
                        let grown = (self.output.len() * 2).min(self.max_record);
                        self.output.resize(grown, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= self.max_record / 2 + 64 {
                        fill.overflow = true;
                        fill.ends_len = 0;
                    } else {
                        let grown = self.ends.len() * 2;
                        self.ends.resize(grown, 0);
                    }
                }
            }
        }
    }
}

/// The cells of one CSV record: an empty cell is [`Cell::Absent`].
struct CsvCells<'a> {
    /// `output` as text, when the record is valid UTF-8.
    text: Option<&'a str>,
    output: &'a [u8],
    spans: &'a [(usize, usize)],
    positions: &'a [Option<usize>],
}

impl Cells for CsvCells<'_> {
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
        field_cell(self.text, self.output, start, end)
    }
}

/// The field at `start..end` of a record as a cell: empty is [`Cell::Absent`]. Sliced from
/// `text` (the record already checked as UTF-8) when it can be, else decoded on its own.
pub fn field_cell<'a>(
    text: Option<&'a str>,
    bytes: &'a [u8],
    start: usize,
    end: usize,
) -> Cell<'a> {
    if start == end {
        return Cell::Absent;
    }
    match text.and_then(|text| text.get(start..end)) {
        Some(field) => Cell::Text(Cow::Borrowed(field)),
        None => text_cell(&bytes[start..end]),
    }
}

/// A text field as a cell: empty is [`Cell::Absent`]; UTF-8 when valid, else Latin-1.
pub fn text_cell(bytes: &[u8]) -> Cell<'_> {
    if bytes.is_empty() {
        return Cell::Absent;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cell::Text(Cow::Borrowed(text)),
        Err(_) => Cell::Text(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())),
    }
}
