//! Telling which kind of records an input holds from its header (CSV header row, Zeek
//! `#fields`, the first JSON object's keys, Parquet schema), so that `goshawk scan --model M`
//! can refuse data of another kind than the model's, and `convert` can run without `--kind`.

use std::net::IpAddr;

use goshawk_core::{EventKind, IotReading, NetSession, ZeekConn};
use serde_json::{Map, Value};

use super::schema::{ColumnMap, TableRow};
use super::zeek_tsv::scan_header;
use super::{Opened, TableError, TableOptions};
use crate::http::{detect_format, HttpFormat};

/// Header names that show a table of HTTP requests.
const HTTP_COLUMNS: [&str; 4] = ["url", "uri", "request", "payload"];
/// Columns only a Zeek `conn` log has (its required ones are shared by other Zeek logs).
const CONN_ONLY_COLUMNS: [&str; 4] = ["conn_state", "history", "orig_pkts", "duration"];

/// The kind of records in `path` (`-` = stdin, which this consumes), from its header: `None`
/// when it is not recognisably a table of one kind. HTTP is recognised from a CSV or JSON
/// request list and from raw (CSIC) or access-log text.
pub fn detect_table_kind(path: &str) -> Result<Option<EventKind>, TableError> {
    Opened::open(path, &TableOptions::default())?.detect(path)
}

/// The kind of a Parquet file: its `goshawk.kind` metadata, else its column names.
pub(super) fn detect_parquet(path: &str) -> Result<Option<EventKind>, TableError> {
    let (names, kind) = super::parquet::describe(path)?;
    if let Some(kind) = kind.and_then(|k| k.parse().ok()) {
        return Ok(Some(kind));
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(kind_from_names(&names))
}

/// The first non-blank line of `prefix` (without a BOM or line end).
pub(super) fn first_line(prefix: &[u8]) -> &[u8] {
    let prefix = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    prefix
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default()
}

/// The kind of records a text input holds, from its first bytes (see [`detect_table_kind`]).
pub fn detect_kind_in(prefix: &[u8]) -> Option<EventKind> {
    let first = first_line(prefix);
    if first.starts_with(b"#") {
        let scan = scan_header(prefix);
        if scan.header.other_log().is_some() {
            return None;
        }
        let Some(fields) = scan.header.fields else {
            // A conn log that lost its `#fields` line (reading it says so).
            return (scan.header.log_path.as_deref() == Some("conn")).then_some(EventKind::Zeek);
        };
        let names: Vec<&str> = fields.iter().map(String::as_str).collect();
        return kind_from_names(&names);
    }
    if first.trim_ascii_start().starts_with(b"{") {
        let object: Map<String, Value> = serde_json::from_slice(first).ok()?;
        let names: Vec<&str> = object.keys().map(String::as_str).collect();
        return kind_from_names(&names);
    }
    if looks_like_headerless_zeek(first) {
        return Some(EventKind::Zeek);
    }
    let header = csv_header(first);
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    if let Some(kind) = kind_from_names(&names) {
        return Some(kind);
    }
    match detect_format(prefix) {
        HttpFormat::Csic | HttpFormat::Combined => Some(EventKind::Http),
        HttpFormat::Lines | HttpFormat::Jsonl => None,
    }
}

/// A tab-separated row of at least 20 fields whose third is an address: a conn log that lost
/// its header (reading it then says that `#fields` is missing).
fn looks_like_headerless_zeek(line: &[u8]) -> bool {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    fields.len() >= 20
        && std::str::from_utf8(fields[2]).is_ok_and(|host| host.parse::<IpAddr>().is_ok())
}

fn csv_header(line: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// The kind whose required columns are all among `names`.
fn kind_from_names(names: &[&str]) -> Option<EventKind> {
    let has = |wanted: &[&str]| {
        names
            .iter()
            .any(|name| wanted.iter().any(|w| name.trim().eq_ignore_ascii_case(w)))
    };
    if complete::<ZeekConn>(names) && has(&CONN_ONLY_COLUMNS) {
        return Some(EventKind::Zeek);
    }
    if complete::<NetSession>(names) {
        return Some(EventKind::Sessions);
    }
    if complete::<IotReading>(names) {
        return Some(EventKind::Iot);
    }
    if has(&HTTP_COLUMNS) {
        return Some(EventKind::Http);
    }
    None
}

fn complete<T: TableRow>(names: &[&str]) -> bool {
    ColumnMap::from_header::<T>("", names, T::DEFAULT_LABEL).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_headers_of_every_format() {
        let cases: [(&[u8], Option<EventKind>); 9] = [
            (
                b"session_id,network_packet_size,protocol_type,login_attempts,session_duration,encryption_used,ip_reputation_score,failed_logins,browser_type,unusual_time_access,attack_detected\n",
                Some(EventKind::Sessions),
            ),
            (
                b"\xef\xbb\xbftimestamp,device_id,device_type,cpu_usage,memory_usage,network_in_kb,network_out_kb,packet_rate,avg_response_time_ms,service_access_count,failed_auth_attempts,is_encrypted,geo_location_variation\n",
                Some(EventKind::Iot),
            ),
            (
                b"#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n",
                Some(EventKind::Zeek),
            ),
            (
                b"#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\n",
                None,
            ),
            (
                br#"{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","conn_state":"S0"}"#,
                Some(EventKind::Zeek),
            ),
            (
                br#"{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","query":"x.org"}"#,
                None,
            ),
            (b"payload,length,attack_type,label\n", Some(EventKind::Http)),
            (
                b"1.5\tC1\t10.0.0.1\t1\t10.0.0.2\t53\tudp\t-\t-\t-\t-\tS0\t-\t-\t0\tD\t1\t2\t3\t4\t(empty)\n",
                Some(EventKind::Zeek),
            ),
            (b"just some text\n", None),
        ];
        for (prefix, expected) in cases {
            assert_eq!(
                detect_kind_in(prefix),
                expected,
                "{}",
                String::from_utf8_lossy(prefix)
            );
        }
    }
}
