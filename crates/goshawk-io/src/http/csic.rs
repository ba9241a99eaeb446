//! Raw HTTP/1.x requests one after another, as in the CSIC 2010 dataset: request line,
//! header lines, a blank line, then (for POST/PUT) the body on the following line(s), then
//! blank line(s). Bytes are ISO-8859-1, each mapped to the char with that code point.
//!
//! A request starts at a line matching
//! `^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT) \S+ HTTP/\d`. The assembler works
//! line by line, so a file of any size streams; a request over the size bound, or a header
//! line that is not `Name: value`, becomes an error record for that request, and text found
//! outside any request becomes one error record per run of such lines — nothing is dropped
//! without a trace.
//!
//! `raw` of a record is the request's text with line ends normalised to `\n` and exactly one
//! blank line between the header block and a body: `request line\nheaders...[\n\nbody]`.

use std::collections::VecDeque;

use goshawk_core::HttpRequest;

use super::request_line::{is_request_start, split_request_line};
use super::text::{is_blank, latin1, snippet};
use super::HttpRecord;

/// What the assembler hands back: a record, or (line, reason) for an error record.
pub(crate) type Outcome = Result<HttpRecord, (u64, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between requests.
    Idle,
    /// After the request line, reading header lines.
    Headers,
    /// After the blank line that ends the headers; the next text line is the body.
    AfterHeaders,
    /// Reading body lines.
    Body,
    /// After the blank line that ends a body.
    AfterBody,
    /// Inside a run of lines that belong to no request.
    Garbage,
}

/// Groups lines into requests.
pub(crate) struct CsicAssembler {
    state: State,
    /// The current request's text (see module doc for its shape).
    pending: Vec<u8>,
    start_line: u64,
    /// Set when the current request cannot become a record; the reason for its error record.
    poisoned: Option<String>,
    garbage_start: u64,
    garbage_lines: u64,
    garbage_sample: String,
    max_record: usize,
}

impl CsicAssembler {
    pub(crate) fn new(max_record: usize) -> Self {
        CsicAssembler {
            state: State::Idle,
            pending: Vec::with_capacity(2048),
            start_line: 0,
            poisoned: None,
            garbage_start: 0,
            garbage_lines: 0,
            garbage_sample: String::new(),
            max_record,
        }
    }

    /// Feeds one line (without terminator); finished records are pushed to `out`.
    pub(crate) fn push_line(&mut self, number: u64, line: &[u8], out: &mut VecDeque<Outcome>) {
        if is_request_start(line) {
            self.end_current(out);
            self.begin_request(number, line);
            return;
        }
        let blank = is_blank(line);
        match (self.state, blank) {
            (State::Headers, true) => self.state = State::AfterHeaders,
            (State::Body, true) => self.state = State::AfterBody,
            (_, true) => {}
            (State::Garbage, false) => self.garbage_lines += 1,
            (State::Headers | State::Body, false) => self.append(b"\n", line, number),
            (State::AfterHeaders, false) => {
                self.append(b"\n\n", line, number);
                self.state = State::Body;
            }
            (State::Idle | State::AfterBody, false) => {
                self.end_current(out);
                self.state = State::Garbage;
                self.garbage_start = number;
                self.garbage_lines = 1;
                self.garbage_sample = snippet(&latin1(&line[..line.len().min(240)]), 60);
            }
        }
    }

    /// A line over the bound (already skipped by the line reader).
    pub(crate) fn push_too_long(&mut self, number: u64, length: u64, out: &mut VecDeque<Outcome>) {
        let reason = format!(
            "line {number} is {length} bytes, over the {} byte limit; skipped",
            self.max_record
        );
        match self.state {
            State::Headers | State::Body => self.poison(reason),
            State::AfterHeaders => {
                self.poison(reason);
                self.state = State::Body;
            }
            State::Idle | State::AfterBody | State::Garbage => {
                self.end_current(out);
                out.push_back(Err((number, reason)));
            }
        }
    }

    /// End of input: the request or garbage run in progress.
    pub(crate) fn finish(&mut self, out: &mut VecDeque<Outcome>) {
        self.end_current(out);
    }

    /// The input failed: a request still in its header block is incomplete and is dropped
    /// (its start line is returned, for the failure's error record); anything else ends as
    /// at the end of input.
    pub(crate) fn abort(&mut self, out: &mut VecDeque<Outcome>) -> Option<u64> {
        if self.state == State::Headers {
            self.state = State::Idle;
            self.pending.clear();
            self.poisoned = None;
            return Some(self.start_line);
        }
        self.end_current(out);
        None
    }

    fn begin_request(&mut self, number: u64, line: &[u8]) {
        self.pending.clear();
        self.poisoned = None;
        self.start_line = number;
        self.state = State::Headers;
        self.append(b"", line, number);
    }

    fn append(&mut self, separator: &[u8], line: &[u8], number: u64) {
        if self.poisoned.is_some() {
            return;
        }
        if self.pending.len() + separator.len() + line.len() > self.max_record {
            self.poison(format!(
                "request grows past the {} byte limit at line {number}",
                self.max_record
            ));
            return;
        }
        self.pending.extend_from_slice(separator);
        self.pending.extend_from_slice(line);
    }

    fn poison(&mut self, reason: String) {
        if self.poisoned.is_none() {
            self.poisoned = Some(reason);
        }
        self.pending.clear();
    }

    /// Emits the request or garbage run in progress, if any, and returns to `Idle`.
    fn end_current(&mut self, out: &mut VecDeque<Outcome>) {
        match self.state {
            State::Idle => {}
            State::Garbage => {
                let lines = self.garbage_lines;
                out.push_back(Err((
                    self.garbage_start,
                    format!(
                        "{lines} line{} outside any request (a request starts with a line like \
                         `GET http://host/path HTTP/1.1`), first: `{}`",
                        if lines == 1 { "" } else { "s" },
                        self.garbage_sample
                    ),
                )));
            }
            State::Headers | State::AfterHeaders | State::Body | State::AfterBody => {
                out.push_back(self.take_request());
            }
        }
        self.state = State::Idle;
    }

    fn take_request(&mut self) -> Outcome {
        let line = self.start_line;
        if let Some(reason) = self.poisoned.take() {
            return Err((line, reason));
        }
        let raw = latin1(&self.pending);
        self.pending.clear();
        match parse_raw_request(&raw) {
            Ok(request) => Ok(HttpRecord { line, request, raw }),
            Err(reason) => Err((line, reason)),
        }
    }
}

/// Parses one raw HTTP/1.x request: request line, `Name: value` header lines (folded
/// continuation lines are joined with a space), a blank line, then the body (all remaining
/// text, without surrounding blank lines). Line ends may be `\n` or `\r\n`.
pub fn parse_raw_request(text: &str) -> Result<HttpRequest, String> {
    let mut lines = LineSpans::new(text);
    let request_line = lines
        .by_ref()
        .map(|(_, line)| line)
        .find(|line| !line.trim().is_empty())
        .ok_or("empty request")?;
    let (method, url, version) = split_request_line(request_line);
    if method.is_empty() || url.is_empty() {
        return Err(format!(
            "not a request line: `{}`",
            snippet(request_line, 80)
        ));
    }
    let mut headers: Vec<(String, String)> = Vec::with_capacity(16);
    let mut body_start = text.len();
    for (end, line) in lines.by_ref() {
        if line.trim().is_empty() {
            body_start = end;
            break;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                None => return Err("header continuation line before any header".into()),
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if is_header_name(name) => {
                headers.push((name.to_string(), value.trim().to_string()));
            }
            _ => {
                return Err(format!(
                    "malformed header line (expected `Name: value`): `{}`",
                    snippet(line, 80)
                ))
            }
        }
    }
    let body = text[body_start..].trim_matches(['\r', '\n']);
    Ok(HttpRequest {
        method: method.to_string(),
        url: url.to_string(),
        version: version.map(str::to_string),
        headers,
        body: body.to_string(),
        ..Default::default()
    })
}

/// An RFC 9110 token: what a header name may be.
pub(crate) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Lines of a text with `\r` stripped, each with the offset just past its terminator.
struct LineSpans<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> LineSpans<'a> {
    fn new(text: &'a str) -> Self {
        LineSpans { text, pos: 0 }
    }
}

impl<'a> Iterator for LineSpans<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], self.pos + i + 1),
            None => (rest, self.text.len()),
        };
        self.pos = next;
        Some((next, line.strip_suffix('\r').unwrap_or(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assemble(text: &[u8], max: usize) -> VecDeque<Outcome> {
        let mut assembler = CsicAssembler::new(max);
        let mut out = VecDeque::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assembler.push_line(i as u64 + 1, line, &mut out);
        }
        assembler.finish(&mut out);
        out
    }

    const TWO: &[u8] = b"GET http://localhost:8080/tienda1/index.jsp HTTP/1.1\r\n\
User-Agent: Mozilla/5.0 (compatible; Konqueror/3.5; Linux)\r\n\
Accept:text/xml\r\n\
Host: localhost:8080\r\n\
\r\n\
\r\n\
POST http://localhost:8080/tienda1/publico/anadir.jsp HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 22\r\n\
\r\n\
nombre=Jam\xf3n+Ib\xe9rico\r\n\
\r\n";

    #[test]
    fn splits_requests_and_reads_headers_and_latin1_body() {
        let out = assemble(TWO, 1 << 20);
        assert_eq!(out.len(), 2);
        let get = out[0].as_ref().unwrap();
        assert_eq!(get.line, 1);
        assert_eq!(get.request.method, "GET");
        assert_eq!(get.request.target(), "/tienda1/index.jsp");
        assert_eq!(get.request.header("accept"), Some("text/xml"));
        assert_eq!(get.request.headers.len(), 3);
        assert_eq!(get.request.body, "");
        let post = out[1].as_ref().unwrap();
        assert_eq!(post.line, 7);
        assert_eq!(post.request.method, "POST");
        assert_eq!(post.request.version.as_deref(), Some("HTTP/1.1"));
        assert_eq!(post.request.body, "nombre=Jamón+Ibérico");
        assert_eq!(
            post.raw,
            "POST http://localhost:8080/tienda1/publico/anadir.jsp HTTP/1.1\n\
             Host: localhost:8080\nContent-Type: application/x-www-form-urlencoded\n\
             Content-Length: 22\n\nnombre=Jamón+Ibérico"
        );
    }

    #[test]
    fn text_outside_requests_is_one_error_per_run() {
        let text = b"junk one\njunk two\n\nGET /a HTTP/1.1\nHost: x\n\nbody\n\nstray\n";
        let out = assemble(text, 1 << 20);
        assert_eq!(out.len(), 3);
        let (line, reason) = out[0].as_ref().unwrap_err();
        assert_eq!(*line, 1);
        assert!(
            reason.starts_with("2 lines outside any request"),
            "{reason}"
        );
        assert!(reason.contains("`junk one`"));
        assert_eq!(out[1].as_ref().unwrap().request.body, "body");
        assert_eq!(out[2].as_ref().unwrap_err().0, 9);
    }

    #[test]
    fn malformed_header_and_oversized_request_are_error_records() {
        let out = assemble(
            b"GET /a HTTP/1.1\nthis is no header\n\nGET /b HTTP/1.1\nHost: y\n",
            1 << 20,
        );
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .1
            .starts_with("malformed header"));
        assert_eq!(out[1].as_ref().unwrap().request.url, "/b");

        let out = assemble(
            b"GET /a HTTP/1.1\nCookie: aaaaaaaaaaaaaaaaaaaa\n\nGET /b HTTP/1.1\n",
            30,
        );
        assert_eq!(out.len(), 2);
        let (line, reason) = out[0].as_ref().unwrap_err();
        assert_eq!(*line, 1);
        assert!(reason.contains("30 byte limit at line 2"), "{reason}");
        assert!(out[1].is_ok());
    }

    #[test]
    fn too_long_line_poisons_only_its_request() {
        let mut assembler = CsicAssembler::new(100);
        let mut out = VecDeque::new();
        assembler.push_line(1, b"POST /a HTTP/1.1", &mut out);
        assembler.push_line(2, b"", &mut out);
        assembler.push_too_long(3, 5000, &mut out);
        assembler.push_line(4, b"", &mut out);
        assembler.push_line(5, b"GET /b HTTP/1.1", &mut out);
        assembler.finish(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap_err().0, 1);
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .1
            .contains("line 3 is 5000 bytes"));
        assert_eq!(out[1].as_ref().unwrap().line, 5);
    }

    #[test]
    fn folded_headers_are_joined() {
        let r = parse_raw_request("GET / HTTP/1.0\r\nX-Long: a\r\n  b\r\n\r\n").unwrap();
        assert_eq!(r.header("x-long"), Some("a b"));
        assert!(parse_raw_request("GET / HTTP/1.0\n bad\n").is_err());
        assert!(parse_raw_request("hello\n").is_err());
    }
}
