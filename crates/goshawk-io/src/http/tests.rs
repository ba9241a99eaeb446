//! Reader-level tests on in-memory inputs: detection, accounting of every line, limits and
//! failures. Per-format parsing details are tested next to each parser.

use std::io::{self, Cursor, Read};

use super::*;

fn reader(text: &[u8], format: Option<HttpFormat>) -> HttpReader {
    HttpReader::new(
        Cursor::new(text.to_vec()),
        "mem.txt",
        format,
        &ReadOptions::default(),
    )
}

fn split(reader: HttpReader) -> (Vec<HttpRecord>, Vec<RecordError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(error) => errors.push(error),
        }
    }
    (records, errors)
}

const CSIC: &[u8] = b"GET http://localhost:8080/tienda1/index.jsp HTTP/1.1\r\n\
User-Agent: Mozilla/5.0\r\nHost: localhost:8080\r\n\r\n\r\n";
const COMBINED: &[u8] =
    br#"1.2.3.4 - - [17/May/2015:10:05:12 +0000] "GET /a HTTP/1.1" 200 12 "-" "UA"
5.6.7.8 - - [17/May/2015:10:05:13 +0000] "POST /b HTTP/1.1" 302 - "http://x/" "UA"
"#;

#[test]
fn readers_can_move_to_other_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<HttpReader>();
    assert_send::<LabeledReader>();
}

#[test]
fn format_names_round_trip() {
    for format in HttpFormat::ALL {
        assert_eq!(format.to_string().parse::<HttpFormat>(), Ok(format));
    }
    assert_eq!("Common".parse::<HttpFormat>(), Ok(HttpFormat::Combined));
    let err = "xml".parse::<HttpFormat>().unwrap_err();
    assert!(err.to_string().contains("`xml`"));
}

#[test]
fn detection_by_content() {
    assert_eq!(detect_format(CSIC), HttpFormat::Csic);
    assert_eq!(detect_format(COMBINED), HttpFormat::Combined);
    let wrapped =
        br#""192.168.4.25 - - [22/Dec/2016:16:30:52 +0300] "POST /x HTTP/1.1" 303 382 "-" "UA""
"#;
    assert_eq!(detect_format(wrapped), HttpFormat::Combined);
    assert_eq!(detect_format(b"\n\n{\"url\":\"/a\"}\n"), HttpFormat::Jsonl);
    // Request lines without headers are a list, not raw HTTP.
    assert_eq!(
        detect_format(b"GET /a HTTP/1.1\nGET /b HTTP/1.1\n"),
        HttpFormat::Lines
    );
    assert_eq!(detect_format(b"' or 1=1 --\n<script>\n"), HttpFormat::Lines);
    assert_eq!(detect_format(b""), HttpFormat::Lines);
    assert_eq!(detect_format(b"\xef\xbb\xbf{\"url\":1}"), HttpFormat::Jsonl);
    // One stray line among access-log lines does not change the verdict.
    let mut mixed = COMBINED.to_vec();
    mixed.extend_from_slice(b"garbage\n");
    assert_eq!(detect_format(&mixed), HttpFormat::Combined);
}

#[test]
fn reader_detects_and_counts() {
    let reader = reader(COMBINED, None);
    assert_eq!(reader.format(), HttpFormat::Combined);
    let (records, errors) = split(reader);
    assert!(errors.is_empty());
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].line, 2);
    assert_eq!(records[1].request.method, "POST");
    assert_eq!(records[1].request.bytes, None);
    assert_eq!(
        records[0].raw,
        std::str::from_utf8(COMBINED)
            .unwrap()
            .lines()
            .next()
            .unwrap()
    );
}

#[test]
fn lines_format_accounts_for_every_line() {
    let input = b"\xef\xbb\xbf/index.php?id=1\n\n   \nGET /x?a=b HTTP/1.1\r\n# comment-looking payload\n\xff\xfe raw\n<script>alert(1)</script>";
    let mut reader = reader(input, Some(HttpFormat::Lines));
    let records: Vec<HttpRecord> = reader.by_ref().map(|r| r.unwrap()).collect();
    let urls: Vec<&str> = records.iter().map(|r| r.request.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "/index.php?id=1",
            "/x?a=b",
            "# comment-looking payload",
            "ÿþ raw",
            "<script>alert(1)</script>"
        ]
    );
    assert_eq!(records[1].request.method, "GET");
    assert_eq!(records[1].raw, "GET /x?a=b HTTP/1.1");
    assert_eq!(records[1].line, 4);
    assert_eq!(reader.records_read(), 5);
    assert_eq!(reader.blank_lines(), 2);
    assert_eq!(reader.lines_read(), 7);
    assert_eq!(reader.errors(), 0);
}

#[test]
fn empty_input_is_no_records_and_no_error() {
    for format in [None, Some(HttpFormat::Csic), Some(HttpFormat::Jsonl)] {
        let mut reader = reader(b"", format);
        assert!(reader.next().is_none());
        assert_eq!((reader.records_read(), reader.errors()), (0, 0));
    }
}

#[test]
fn errors_name_file_line_and_reason() {
    let mut input = COMBINED.to_vec();
    input.extend_from_slice(b"not a log line\n");
    let (records, errors) = split(reader(&input, Some(HttpFormat::Combined)));
    assert_eq!(records.len(), 2);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "mem.txt:3: no `[time]` field");

    let (_, errors) = split(reader(b"{\"url\":\"\xff\"}\n", Some(HttpFormat::Jsonl)));
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .to_string()
        .starts_with("mem.txt:1: invalid UTF-8"));
}

#[test]
fn ten_megabyte_line_is_reported_and_reading_goes_on() {
    let mut input = b"/before\n".to_vec();
    input.extend(std::iter::repeat_n(b'A', 10 * 1024 * 1024));
    input.extend_from_slice(b"\n/after\n");
    for format in [HttpFormat::Lines, HttpFormat::Combined, HttpFormat::Jsonl] {
        let items: Vec<RecordResult> = reader(&input, Some(format)).collect();
        assert_eq!(items.len(), 3, "{format}");
        let error = items[1].as_ref().unwrap_err();
        assert_eq!(error.line, 2);
        assert!(
            error
                .reason
                .contains("10485760 bytes, over the 1048576 byte limit"),
            "{}",
            error.reason
        );
    }
    let (records, errors) = split(reader(&input, Some(HttpFormat::Lines)));
    assert_eq!(records[1].request.url, "/after");
    assert_eq!(records[1].line, 3);
    assert_eq!(errors.len(), 1);
}

#[test]
fn configurable_limit() {
    let options = ReadOptions {
        max_record_bytes: 10,
    };
    let input = Cursor::new(b"short\nthis line is too long\nok\n".to_vec());
    let items: Vec<RecordResult> =
        HttpReader::new(input, "x", Some(HttpFormat::Lines), &options).collect();
    assert_eq!(items.len(), 3);
    assert!(items[1].is_err());
}

/// Deterministic pseudo-random bytes (xorshift), newlines included.
fn garbage(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_garbage_never_panics_and_every_line_is_accounted_for() {
    let input = garbage(300_000);
    let newline_count = input.iter().filter(|&&b| b == b'\n').count() as u64;
    for format in [
        None,
        Some(HttpFormat::Csic),
        Some(HttpFormat::Combined),
        Some(HttpFormat::Lines),
        Some(HttpFormat::Jsonl),
    ] {
        let mut reader = reader(&input, format);
        let items = reader.by_ref().count() as u64;
        assert_eq!(items, reader.records_read() + reader.errors());
        assert!(items > 0, "{format:?}");
        // The last line has no newline: one more line than newlines.
        assert_eq!(reader.lines_read(), newline_count + 1);
        if format != Some(HttpFormat::Csic) {
            assert_eq!(
                items + reader.blank_lines(),
                reader.lines_read(),
                "{format:?}"
            );
        }
    }
}

/// A source that yields its bytes in one read, then fails.
struct FailsAfter(Option<Vec<u8>>);

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(bytes) => {
                buf[..bytes.len()].copy_from_slice(&bytes);
                Ok(bytes.len())
            }
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated gzip stream",
            )),
        }
    }
}

#[test]
fn read_failure_ends_with_one_error_after_the_decoded_records() {
    let mut input = CSIC.to_vec();
    input.extend_from_slice(b"POST /cut HTTP/1.1\r\nHost: x\r\nCont");
    let reader = HttpReader::new(
        FailsAfter(Some(input)),
        "cut.gz",
        Some(HttpFormat::Csic),
        &ReadOptions::default(),
    );
    let (records, errors) = split(reader);
    assert_eq!(records.len(), 1);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "cut.gz:8: truncated gzip stream (the request starting at line 6 was cut off)"
    );

    let reader = HttpReader::new(
        FailsAfter(Some(b"/a\n/b\n/partial".to_vec())),
        "cut.gz",
        Some(HttpFormat::Lines),
        &ReadOptions::default(),
    );
    let items: Vec<RecordResult> = reader.collect();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2].as_ref().unwrap_err().to_string(),
        "cut.gz:3: truncated gzip stream"
    );
}

#[test]
fn csic_through_the_reader() {
    let mut input = CSIC.to_vec();
    input.extend_from_slice(
        b"POST http://localhost:8080/tienda1/publico/anadir.jsp HTTP/1.1\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\r\nid=2&nombre=Jam\xf3n\r\n\r\n",
    );
    let mut reader = reader(&input, None);
    assert_eq!(reader.format(), HttpFormat::Csic);
    let records: Vec<HttpRecord> = reader.by_ref().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].line, 6);
    assert_eq!(records[1].request.body, "id=2&nombre=Jamón");
    assert_eq!(records[0].request.header("host"), Some("localhost:8080"));
    assert_eq!(reader.records_read(), 2);
}
