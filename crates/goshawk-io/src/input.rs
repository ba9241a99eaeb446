//! Opening inputs and reading them line by line in bounded memory.
//!
//! Every reader in this crate starts here, so that the same rules hold for every format:
//! `-` is standard input, gzip is recognised by its magic bytes (not the file name) and
//! decompressed on the fly, a damaged gzip stream is a named error instead of a silent end,
//! and no line — however long, however binary — makes the reader allocate more than a fixed
//! bound. [`LineReader`] is the bounded line splitter the text formats share.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;
use memchr::memchr;

/// Size of the read buffers (and of the initial line buffer).
const CHUNK: usize = 64 * 1024;

/// Default bound on one line (or one multi-line record): 1 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Why an input could not be opened or read as a whole. Errors in single records are
/// reported per record instead (see `http::RecordError`).
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: read error: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: missing required column `{column}` (accepted names: {accepted}; header has: {found})")]
    MissingColumn {
        path: String,
        column: String,
        accepted: String,
        found: String,
    },
    #[error("{path}: cannot read CSV header: {reason}")]
    CsvHeader { path: String, reason: String },
}

/// Opens `path` for reading (`-` is standard input), decompressing gzip transparently when
/// the data starts with the gzip magic bytes.
pub fn open_input(path: &str) -> Result<Box<dyn BufRead + Send>, IoError> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        let file = File::open(path).map_err(|source| IoError::Open {
            path: path.to_string(),
            source,
        })?;
        Box::new(file)
    };
    gunzip_if_needed(BufReader::with_capacity(CHUNK, raw)).map_err(|source| IoError::Read {
        path: path.to_string(),
        source,
    })
}

/// Wraps `reader` in a gzip decoder if its first two bytes are the gzip magic (`1f 8b`);
/// otherwise returns it unchanged. Concatenated gzip members are all read. A stream that ends
/// early fails with an [`io::ErrorKind::UnexpectedEof`] error whose message is
/// "truncated gzip stream"; corrupt data fails with "corrupt gzip stream: ...".
pub fn gunzip_if_needed<R: BufRead + Send + 'static>(
    mut reader: R,
) -> io::Result<Box<dyn BufRead + Send>> {
    // Read the magic with `read`, not `fill_buf`: a pipe may deliver a single byte first.
    let mut magic = [0u8; 2];
    let mut have = 0;
    while have < magic.len() {
        match reader.read(&mut magic[have..]) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let rejoined = Cursor::new(magic[..have].to_vec()).chain(reader);
    if have == 2 && magic == [0x1f, 0x8b] {
        let decoder = GzipSource(MultiGzDecoder::new(rejoined));
        Ok(Box::new(BufReader::with_capacity(CHUNK, decoder)))
    } else {
        Ok(Box::new(rejoined))
    }
}

/// A gzip decoder whose errors say what happened in words a user can act on.
struct GzipSource<R>(MultiGzDecoder<R>);

impl<R: BufRead> Read for GzipSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::Interrupted => e,
            io::ErrorKind::UnexpectedEof => {
                io::Error::new(io::ErrorKind::UnexpectedEof, "truncated gzip stream")
            }
            _ => io::Error::new(e.kind(), format!("corrupt gzip stream: {e}")),
        })
    }
}

/// One step of a [`LineReader`].
#[derive(Debug)]
pub enum Line<'a> {
    /// A line without its terminator (`\n`, or `\r\n`). `number` is 1-based.
    Text { number: u64, bytes: &'a [u8] },
    /// A line longer than the bound; it was skipped to its end without being kept.
    TooLong { number: u64, length: u64 },
    /// The source failed; `number` is the line being read when it did. Any incomplete line
    /// at that point is discarded. Nothing follows a failure.
    Failed { number: u64, error: io::Error },
}

/// Splits a byte stream into lines, never holding more than `max_line` bytes of one line
/// (plus one read chunk). Reuses one buffer; lines are borrowed, not allocated.
pub struct LineReader<R> {
    source: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes after `start` already searched for a newline.
    scanned: usize,
    eof: bool,
    error: Option<io::Error>,
    line_number: u64,
    max_line: usize,
    bytes_read: u64,
}

impl<R: Read> LineReader<R> {
    /// A reader that reports lines longer than `max_line` bytes as [`Line::TooLong`].
    pub fn new(source: R, max_line: usize) -> Self {
        let max_line = max_line.max(1);
        LineReader {
            source,
            buf: vec![0; CHUNK.min(max_line + 2).max(2)],
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
            error: None,
            line_number: 0,
            max_line,
            bytes_read: 0,
        }
    }

    /// Number of the last line returned (0 before the first).
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// The longest line returned as [`Line::Text`].
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Bytes read from the source so far (after decompression), for progress reports.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The unread bytes, after reading until at least `want` of them are buffered (or the
    /// source ends or fails; a failure is kept and reported in order by [`Self::next_line`]).
    pub fn peek(&mut self, want: usize) -> &[u8] {
        while self.end - self.start < want && !self.eof {
            if self.end == self.buf.len() {
                self.make_room(want);
            }
            self.fill();
        }
        &self.buf[self.start..self.end]
    }

    /// True when the source ended (or failed) and every byte has been returned.
    pub fn is_exhausted(&self) -> bool {
        self.eof && self.start == self.end && self.error.is_none()
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> Option<Line<'_>> {
        loop {
            let from = self.start + self.scanned;
            if let Some(offset) = memchr(b'\n', &self.buf[from..self.end]) {
                let newline = from + offset;
                let line_start = self.start;
                let line_end = strip_cr(&self.buf, line_start, newline);
                self.start = newline + 1;
                self.scanned = 0;
                self.line_number += 1;
                let number = self.line_number;
                if line_end - line_start > self.max_line {
                    let length = (line_end - line_start) as u64;
                    return Some(Line::TooLong { number, length });
                }
                return Some(Line::Text {
                    number,
                    bytes: &self.buf[line_start..line_end],
                });
            }
            self.scanned = self.end - self.start;
            // One byte of slack for a `\r` before the newline that has not arrived yet.
            if self.end - self.start > self.max_line + 1 {
                return Some(self.skip_long_line());
            }
            if self.eof {
                return self.finish();
            }
            if self.end == self.buf.len() {
                self.make_room(0);
            }
            self.fill();
        }
    }

    /// At the end of the source: the last unterminated line, then a failure if there was one.
    fn finish(&mut self) -> Option<Line<'_>> {
        if let Some(error) = self.error.take() {
            // An incomplete line cut off by a failure is not a line; drop it.
            self.start = self.end;
            self.scanned = 0;
            return Some(Line::Failed {
                number: self.line_number + 1,
                error,
            });
        }
        if self.start == self.end {
            return None;
        }
        let line_start = self.start;
        let line_end = strip_cr(&self.buf, line_start, self.end);
        self.start = self.end;
        self.scanned = 0;
        self.line_number += 1;
        Some(Line::Text {
            number: self.line_number,
            bytes: &self.buf[line_start..line_end],
        })
    }

    /// Discards the current (over-long) line up to and including its newline.
    fn skip_long_line(&mut self) -> Line<'static> {
        self.line_number += 1;
        let number = self.line_number;
        let mut length = (self.end - self.start) as u64;
        self.start = 0;
        self.end = 0;
        self.scanned = 0;
        loop {
            if self.eof {
                return Line::TooLong { number, length };
            }
            self.fill();
            if let Some(offset) = memchr(b'\n', &self.buf[..self.end]) {
                length += offset as u64;
                self.start = offset + 1;
                return Line::TooLong { number, length };
            }
            length += self.end as u64;
            self.end = 0;
        }
    }

    /// Moves unread bytes to the front, growing the buffer when it is full of one line.
    fn make_room(&mut self, want: usize) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let limit = (self.max_line + 2).max(want) + CHUNK;
            let grown = (self.buf.len() * 2).min(limit).max(self.end + 1);
            self.buf.resize(grown, 0);
        }
    }

    /// One read into the free tail of the buffer.
    fn fill(&mut self) {
        loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.end += n;
                    self.bytes_read += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                }
            }
            return;
        }
    }
}

fn strip_cr(buf: &[u8], start: usize, end: usize) -> usize {
    if end > start && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            out.push(match line {
                Line::Text { number, bytes } => {
                    format!("{number}:{}", String::from_utf8_lossy(bytes))
                }
                Line::TooLong { number, length } => format!("{number}:long {length}"),
                Line::Failed { number, error } => format!("{number}:failed {error}"),
            });
        }
        out
    }

    #[test]
    fn splits_lf_and_crlf_and_keeps_last_unterminated_line() {
        assert_eq!(
            collect(b"a\r\nbb\n\nccc", 100),
            ["1:a", "2:bb", "3:", "4:ccc"]
        );
        assert!(collect(b"", 100).is_empty());
        assert_eq!(collect(b"x\n", 100), ["1:x"]);
    }

    #[test]
    fn long_line_is_skipped_and_reading_continues() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'z', 300_000));
        input.extend_from_slice(b"\nafter\n");
        assert_eq!(
            collect(&input, 1000),
            ["1:short", "2:long 300000", "3:after"]
        );
        // A long last line without a newline.
        let input = vec![b'q'; 5000];
        assert_eq!(collect(&input, 100), ["1:long 5000"]);
    }

    #[test]
    fn line_exactly_at_the_bound_is_kept() {
        let mut input = vec![b'a'; 100];
        input.extend_from_slice(b"\r\n");
        input.extend(vec![b'b'; 101]);
        input.push(b'\n');
        let lines = collect(&input, 100);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 2 + 100);
        assert_eq!(lines[1], "2:long 101");
    }

    #[test]
    fn lines_spanning_many_reads_are_joined() {
        // 200 KB lines cross the 64 KiB chunk boundary several times.
        let line = "x".repeat(200_000);
        let input = format!("{line}\n{line}\n");
        let mut reader = LineReader::new(input.as_bytes(), 1 << 20);
        for expected in 1..=2 {
            match reader.next_line() {
                Some(Line::Text { number, bytes }) => {
                    assert_eq!(number, expected);
                    assert_eq!(bytes.len(), 200_000);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(reader.next_line().is_none());
        assert_eq!(reader.bytes_read(), input.len() as u64);
    }

    #[test]
    fn peek_does_not_consume() {
        let mut reader = LineReader::new(&b"one\ntwo\n"[..], 100);
        assert_eq!(reader.peek(1 << 14), b"one\ntwo\n");
        assert_eq!(collect_reader(&mut reader), ["1:one", "2:two"]);
    }

    fn collect_reader<R: Read>(reader: &mut LineReader<R>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(Line::Text { number, bytes }) = reader.next_line() {
            out.push(format!("{number}:{}", String::from_utf8_lossy(bytes)));
        }
        out
    }

    /// A source that yields some bytes, then fails.
    struct Failing(&'static [u8], bool);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.1 {
                self.1 = true;
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                return Ok(n);
            }
            Err(io::Error::other("disk on fire"))
        }
    }

    #[test]
    fn failure_comes_after_complete_lines_and_drops_the_partial_one() {
        let mut reader = LineReader::new(Failing(b"a\nb\npartial", false), 100);
        let mut seen = Vec::new();
        while let Some(line) = reader.next_line() {
            seen.push(match line {
                Line::Text { bytes, .. } => String::from_utf8_lossy(bytes).into_owned(),
                Line::Failed { number, error } => format!("failed at {number}: {error}"),
                Line::TooLong { .. } => "long".into(),
            });
        }
        assert_eq!(seen, ["a", "b", "failed at 3: disk on fire"]);
    }

    #[test]
    fn gzip_is_recognised_by_magic_and_truncation_is_named() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"hello\nworld\n").unwrap();
        let gz = encoder.finish().unwrap();

        let mut text = String::new();
        gunzip_if_needed(Cursor::new(gz.clone()))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello\nworld\n");

        let plain = b"\x1fnot gzip".to_vec();
        let mut bytes = Vec::new();
        gunzip_if_needed(Cursor::new(plain.clone()))
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes, plain);

        let cut = gz[..gz.len() - 6].to_vec();
        let err = gunzip_if_needed(Cursor::new(cut))
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.to_string(), "truncated gzip stream");
    }
}
