//! Readers, writers and `convert` on the committed fixtures (`tests/fixtures/table`, described
//! in its README) and on small in-memory inputs.

use std::io::Cursor;

use goshawk_core::{Event, EventKind, IotReading, NetSession, ZeekConn};

use super::*;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/table/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Every item of a reader, split into records and errors (as `line: reason`).
fn drain<T: TableRow>(reader: TableReader<T>) -> (Vec<TableRecord<T>>, Vec<String>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(error) => errors.push(format!("{}: {}", error.line, error.reason)),
        }
    }
    (records, errors)
}

#[test]
fn sessions_csv_keeps_none_encryption_and_sets_bad_rows_aside() {
    let path = fixture("sessions.csv");
    let reader = read_sessions(&path).expect("opens");
    assert_eq!(reader.format(), SourceFormat::Csv);
    assert_eq!(reader.has_label_column(), Some(true));
    let (records, errors) = drain(reader);
    assert_eq!(records.len(), 21);
    assert_eq!(
        errors,
        [
            "22: session_duration: -12.5 is negative",
            "23: network_packet_size: `abc` is not a whole number",
            "24: encryption_used: no value (required)",
            "25: ip_reputation_score: NaN is not a finite number",
        ]
    );
    let first = &records[0];
    assert_eq!(first.line, 2);
    assert_eq!(
        first.record,
        NetSession {
            session_id: "SID_00002".into(),
            network_packet_size: 472,
            protocol_type: "TCP".into(),
            login_attempts: 3,
            session_duration: 1557.9964611204384,
            encryption_used: "DES".into(),
            ip_reputation_score: 0.30156896759608937,
            failed_logins: 0,
            browser_type: "Firefox".into(),
            unusual_time_access: false,
            label: Some("0".into()),
        }
    );
    let none = records
        .iter()
        .find(|r| r.record.session_id == "SID_00010")
        .expect("SID_00010 is in the fixture");
    assert_eq!(none.record.encryption_used, "None");
    let attacks = records
        .iter()
        .filter(|r| r.record.is_attack() == Some(true))
        .count();
    assert_eq!(attacks, 11, "10 in the first 20 rows, plus SID_00030");
    assert_eq!(records.last().map(|r| r.line), Some(26));

    // The error records name the file too.
    let error = read_sessions(&path)
        .expect("opens")
        .find_map(Result::err)
        .expect("has a bad row");
    assert_eq!(
        error.to_string(),
        format!("{path}:22: session_duration: -12.5 is negative")
    );
}

#[test]
fn csv_columns_are_found_by_name_with_a_configurable_label() {
    let path = fixture("sessions_reordered.csv");
    let options = TableOptions::default().with_label_column("IS_ATTACK");
    let reader = read_table_with::<NetSession>(&path, &options).expect("opens");
    assert_eq!(reader.has_label_column(), Some(true));
    let (records, errors) = drain(reader);
    assert!(errors.is_empty(), "{errors:?}");
    let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [2, 3, 4],
        "the third row's quoted note spans lines 4-5"
    );
    let original: Vec<NetSession> = drain(read_sessions(&fixture("sessions.csv")).expect("opens"))
        .0
        .into_iter()
        .take(3)
        .map(|r| r.record)
        .collect();
    let reordered: Vec<NetSession> = records.into_iter().map(|r| r.record).collect();
    assert_eq!(reordered, original);

    // Without naming it, the default `attack_detected` is absent: records are unlabelled.
    let reader = read_sessions(&path).expect("opens");
    assert_eq!(reader.has_label_column(), Some(false));
    assert!(drain(reader).0.iter().all(|r| r.record.label.is_none()));
}

#[test]
fn sessions_json_lines_with_typed_values_nulls_and_a_cut_line() {
    let reader = read_sessions(&fixture("sessions.jsonl")).expect("opens");
    assert_eq!(reader.format(), SourceFormat::Jsonl);
    let (records, errors) = drain(reader);
    assert_eq!(records.len(), 4);
    assert!(records[3].record.unusual_time_access);
    assert_eq!(records[1].record.is_attack(), Some(true));
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[0], "6: encryption_used: no value (required)");
    assert_eq!(errors[1], "7: failed_logins: no value (required)");
    assert!(
        errors[2].starts_with("8: not a JSON object: "),
        "{}",
        errors[2]
    );
}

#[test]
fn iot_csv_accepts_new_device_types_and_names_bad_values() {
    let (records, errors) = drain(read_iot(&fixture("iot.csv")).expect("opens"));
    assert_eq!(records.len(), 31);
    assert_eq!(errors, ["33: cpu_usage: `high` is not a number"]);
    let first = &records[0].record;
    assert_eq!(first.device_id, "thermostat_38");
    assert_eq!(first.failed_auth_attempts, 7);
    assert!(!first.is_encrypted);
    assert_eq!(first.epoch_seconds(), Some(1_750_423_915.452_4));
    let anomalies = records
        .iter()
        .filter(|r| r.record.is_attack() == Some(true))
        .count();
    assert_eq!(anomalies, 6);
    assert_eq!(
        records.last().map(|r| r.record.device_type.as_str()),
        Some("drone")
    );
}

#[test]
fn stratosphere_labelled_conn_log_with_relative_times() {
    let reader = read_zeek(&fixture("zeek_001_labeled.log")).expect("opens");
    assert_eq!(reader.format(), SourceFormat::ZeekTsv);
    assert_eq!(reader.has_label_column(), Some(true));
    let (records, errors) = drain(reader);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 18);
    let first = &records[0];
    assert_eq!(first.line, 9);
    assert_eq!(first.record.ts, 19.981745);
    assert_eq!(
        first.record.orig_h,
        "fd2d:ab8c:225:0:81d3:fd3e:7f62:aec8"
            .parse::<std::net::IpAddr>()
            .expect("ip")
    );
    assert_eq!(first.record.resp_p, 53);
    assert_eq!(first.record.service.as_deref(), Some("dns"));
    assert_eq!(first.record.local_orig, Some(false));
    assert_eq!(first.record.history.as_deref(), Some("Dd"));
    assert!(
        first.record.tunnel_parents.is_empty(),
        "(empty) is no parent"
    );
    assert_eq!(first.record.label.as_deref(), Some("Background"));
    assert_eq!(first.record.detailed_label, None, "(empty) detailed label");
    assert_eq!(first.record.is_attack(), Some(false));

    let malicious: Vec<&ZeekConn> = records
        .iter()
        .map(|r| &r.record)
        .filter(|c| c.is_attack() == Some(true))
        .collect();
    assert_eq!(malicious.len(), 6);
    assert!(malicious
        .iter()
        .all(|c| c.detailed_label.as_deref() == Some("CC")));
    let unset = records
        .iter()
        .find(|r| r.line == 23)
        .expect("line 23 is a record");
    assert_eq!(unset.record.duration, None);
    assert_eq!(unset.record.orig_bytes, None);
    assert_eq!(unset.record.orig_pkts, Some(1));
}

#[test]
fn iot23_three_space_quirk_crlf_and_close_line() {
    let (records, errors) = drain(read_zeek(&fixture("zeek_iot23.log.labeled")).expect("opens"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 16);
    let first = &records[0].record;
    assert_eq!(first.ts, 1_547_127_288.026_074);
    assert_eq!(first.local_orig, None, "unset `-`");
    assert!(first.tunnel_parents.is_empty());
    assert_eq!(first.label.as_deref(), Some("Malicious"));
    assert_eq!(first.detailed_label.as_deref(), Some("FileDownload"));
    assert_eq!(
        first.resp_ip_bytes,
        Some(69224),
        "the field before the quirk"
    );
    let labels: Vec<Option<bool>> = records.iter().map(|r| r.record.is_attack()).collect();
    assert_eq!(labels.iter().filter(|l| **l == Some(true)).count(), 5);
    assert_eq!(labels.iter().filter(|l| **l == Some(false)).count(), 11);
    assert!(records
        .iter()
        .filter(|r| r.record.is_attack() == Some(false))
        .all(|r| r.record.detailed_label.is_none()));
}

#[test]
fn zeek_json_lines_with_absent_keys() {
    let reader = read_zeek(&fixture("zeek_002.jsonl")).expect("opens");
    assert_eq!(reader.format(), SourceFormat::Jsonl);
    let (records, errors) = drain(reader);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 17);
    let first = &records[0].record;
    assert_eq!(first.ts, 1_664_462_456.755_299);
    assert_eq!(first.local_orig, Some(true));
    assert_eq!(first.label, None);
    assert!(records.iter().any(|r| r.record.duration.is_none()));
    assert!(records.iter().any(|r| r.record.history.is_none()));
    assert!(records.iter().any(|r| r.record.proto == "icmp"));
}

#[test]
fn bad_zeek_fields_are_named_and_reading_goes_on() {
    let (records, errors) = drain(read_zeek(&fixture("zeek_bad.log")).expect("opens"));
    assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), [9, 15]);
    assert_eq!(
        errors,
        [
            "10: id.orig_p: `http` is not a whole number",
            "11: duration: -1.5 is negative",
            "12: id.orig_h: `999.1.1.1` is not an IP address",
            "13: row has 10 fields, the #fields header line names 23",
            "14: ts: `nan` is not a number",
        ]
    );
}

#[test]
fn zeek_without_fields_or_of_another_log_is_a_clear_error() {
    let path = fixture("zeek_no_fields.log");
    let err = read_zeek(&path).err().expect("no #fields");
    assert!(matches!(err, TableError::MissingZeekFields { .. }));
    assert!(err
        .to_string()
        .starts_with(&format!("{path}: Zeek log without a `#fields`")));

    let dns = "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\n";
    let err =
        TableReader::<ZeekConn>::from_reader(Cursor::new(dns), "dns.log", &TableOptions::default())
            .err()
            .expect("not a conn log");
    assert_eq!(
        err.to_string(),
        "dns.log: this is a Zeek `dns` log (#path), not a `conn` log"
    );

    let no_proto = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n1\tC\t1.1.1.1\t1\t2.2.2.2\t2\n";
    let err = TableReader::<ZeekConn>::from_reader(
        Cursor::new(no_proto),
        "x.log",
        &TableOptions::default(),
    )
    .err()
    .expect("no proto column");
    assert!(
        err.to_string()
            .starts_with("x.log: missing required column `proto`"),
        "{err}"
    );
}

#[test]
fn a_second_header_block_takes_effect_and_column_order_is_free() {
    let log = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n\
               1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n\
               #close\tx\n\
               #fields\tproto\tid.resp_p\tid.resp_h\tid.orig_p\tid.orig_h\tuid\tts\tduration\n\
               udp\t53\t10.0.0.3\t5\t10.0.0.4\tC2\t2.5\t0.25\n";
    let reader =
        TableReader::<ZeekConn>::from_reader(Cursor::new(log), "two.log", &TableOptions::default())
            .expect("opens");
    let (records, errors) = drain(reader);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].line, 5);
    let second = &records[1].record;
    assert_eq!(
        (
            second.proto.as_str(),
            second.resp_p,
            second.ts,
            second.duration
        ),
        ("udp", 53, 2.5, Some(0.25))
    );
}

#[test]
fn truncated_gzip_keeps_the_records_before_the_cut() {
    let reader = read_sessions(&fixture("sessions_truncated.csv.gz")).expect("opens");
    let items: Vec<_> = reader.collect();
    let (last, before) = items.split_last().expect("something was read");
    let error = last.as_ref().expect_err("the cut is reported last");
    assert!(
        error.reason.contains("truncated gzip stream"),
        "{}",
        error.reason
    );
    assert!(
        before.len() >= 5,
        "records before the cut: {}",
        before.len()
    );
    assert!(before.iter().all(Result::is_ok));
}

#[test]
fn over_long_lines_are_skipped_and_reported() {
    let mut text =
        String::from("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n");
    text.push_str(&"x".repeat(5000));
    text.push_str("\n1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n");
    let options = TableOptions {
        max_record_bytes: 1000,
        ..TableOptions::default()
    };
    let reader = TableReader::<ZeekConn>::from_reader(Cursor::new(text), "long.log", &options)
        .expect("opens");
    let (records, errors) = drain(reader);
    assert_eq!(
        errors,
        ["2: line is 5000 bytes, over the 1000 byte limit; skipped"]
    );
    assert_eq!(records.len(), 1);
}

#[test]
fn kinds_are_detected_from_every_fixture() {
    let cases = [
        ("sessions.csv", Some(EventKind::Sessions)),
        ("sessions.jsonl", Some(EventKind::Sessions)),
        ("sessions_truncated.csv.gz", Some(EventKind::Sessions)),
        ("iot.csv", Some(EventKind::Iot)),
        ("zeek_001_labeled.log", Some(EventKind::Zeek)),
        ("zeek_iot23.log.labeled", Some(EventKind::Zeek)),
        ("zeek_002.jsonl", Some(EventKind::Zeek)),
        ("zeek_no_fields.log", Some(EventKind::Zeek)),
        ("README.md", None),
    ];
    for (name, expected) in cases {
        assert_eq!(
            detect_table_kind(&fixture(name)).expect("readable"),
            expected,
            "{name}"
        );
    }
}

#[test]
fn events_carry_their_kind() {
    let reader = read_events(&fixture("iot.csv"), None, &TableOptions::default()).expect("opens");
    assert_eq!(reader.kind(), EventKind::Iot);
    let first = reader.filter_map(Result::ok).next().expect("a record");
    assert!(
        matches!(first.record, Event::Iot(IotReading { ref device_id, .. }) if device_id == "thermostat_38")
    );
    let err = read_events(&fixture("README.md"), None, &TableOptions::default())
        .err()
        .expect("not a table");
    assert!(matches!(err, TableError::UnknownKind { .. }));
    let err = read_events(
        &fixture("iot.csv"),
        Some(EventKind::Http),
        &TableOptions::default(),
    )
    .err()
    .expect("http is not a table");
    assert!(matches!(err, TableError::NotATable { .. }));
}

/// Records of `T` from `path`, without line numbers.
fn records_of<T: TableRow>(path: &str) -> Vec<T> {
    let reader = read_table_with::<T>(path, &TableOptions::default()).expect("opens");
    drain(reader).0.into_iter().map(|r| r.record).collect()
}

fn round_trip<T: TableRow + PartialEq + std::fmt::Debug>(name: &str, kind: EventKind) {
    let dir = tempfile::tempdir().expect("temp dir");
    let expected: Vec<T> = records_of(&fixture(name));
    for format in [TableFormat::Parquet, TableFormat::Csv, TableFormat::Jsonl] {
        let out = dir.path().join(format!("out.{format}"));
        let summary = convert(&fixture(name), None, format, &out).expect("converts");
        assert_eq!(summary.kind, kind);
        assert_eq!(
            summary.rows_written,
            expected.len() as u64,
            "{name} {format}"
        );
        let out = out.to_str().expect("utf-8 path");
        assert_eq!(
            detect_table_kind(out).expect("readable"),
            Some(kind),
            "{name} {format}"
        );
        let back: Vec<T> = records_of(out);
        assert_eq!(back, expected, "{name} through {format}");
    }
}

#[test]
fn every_kind_round_trips_through_parquet_csv_and_jsonl() {
    round_trip::<NetSession>("sessions.csv", EventKind::Sessions);
    round_trip::<IotReading>("iot.csv", EventKind::Iot);
    round_trip::<ZeekConn>("zeek_001_labeled.log", EventKind::Zeek);
    round_trip::<ZeekConn>("zeek_iot23.log.labeled", EventKind::Zeek);
    round_trip::<ZeekConn>("zeek_002.jsonl", EventKind::Zeek);
}

#[test]
fn convert_counts_what_it_sets_aside() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("sessions.parquet");
    let summary = convert(
        &fixture("sessions.csv"),
        Some(EventKind::Sessions),
        TableFormat::Parquet,
        &out,
    )
    .expect("converts");
    assert_eq!(summary.input_format, SourceFormat::Csv);
    assert_eq!(summary.rows_written, 21);
    assert_eq!(summary.set_aside, 4);
    assert_eq!(
        summary.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [22, 23, 24, 25]
    );

    // Parquet is typed: the reader reports the format and the label column.
    let reader = read_sessions(out.to_str().expect("utf-8")).expect("opens");
    assert_eq!(reader.format(), SourceFormat::Parquet);
    assert_eq!(reader.has_label_column(), Some(true));
    let (records, errors) = drain(reader);
    assert!(errors.is_empty());
    assert_eq!(
        records.first().map(|r| r.line),
        Some(1),
        "rows are numbered"
    );

    let err = convert(
        &fixture("README.md"),
        None,
        TableFormat::Csv,
        &dir.path().join("x.csv"),
    )
    .expect_err("unknown kind");
    assert!(matches!(err, TableError::UnknownKind { .. }));
    let err = read_sessions(&fixture("zeek_001_labeled.log"))
        .err()
        .expect("a Zeek log is not sessions");
    assert!(err.to_string().contains("missing required column"), "{err}");
}

#[test]
fn parquet_from_a_stream_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("z.parquet");
    convert(&fixture("zeek_002.jsonl"), None, TableFormat::Parquet, &out).expect("converts");
    let bytes = std::fs::read(&out).expect("written");
    let err =
        TableReader::<ZeekConn>::from_reader(Cursor::new(bytes), "-", &TableOptions::default())
            .err()
            .expect("stream");
    assert!(matches!(err, TableError::ParquetStream { .. }));
}

#[test]
fn table_format_names() {
    for format in [TableFormat::Parquet, TableFormat::Jsonl, TableFormat::Csv] {
        assert_eq!(format.name().parse::<TableFormat>(), Ok(format));
    }
    assert_eq!("NDJSON".parse::<TableFormat>(), Ok(TableFormat::Jsonl));
    assert!("xlsx".parse::<TableFormat>().is_err());
}
