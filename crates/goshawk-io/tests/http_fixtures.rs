//! The HTTP readers on small committed excerpts of the real datasets (tests/fixtures,
//! provenance in tests/fixtures/README.md), read from files as the CLI does.

use goshawk_io::http::{
    read_http, read_labeled, HttpFormat, HttpRecord, IoError, Labels, RecordError,
};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read_all(
    name: &str,
    format: Option<HttpFormat>,
) -> (HttpFormat, Vec<HttpRecord>, Vec<RecordError>) {
    let reader = read_http(&fixture(name), format).expect("fixture opens");
    let format = reader.format();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(error) => errors.push(error),
        }
    }
    (format, records, errors)
}

#[test]
fn csic_requests_are_detected_and_parsed() {
    let (format, records, errors) = read_all("csic_requests.txt", None);
    assert_eq!(format, HttpFormat::Csic);
    assert!(errors.is_empty(), "{errors:?}");
    let starts: Vec<(u64, &str)> = records
        .iter()
        .map(|r| (r.line, r.request.method.as_str()))
        .collect();
    assert_eq!(starts, [(1, "GET"), (14, "GET"), (27, "POST"), (43, "PUT")]);

    let get = &records[1].request;
    assert_eq!(get.path(), "/tienda1/publico/anadir.jsp");
    assert!(get.query().unwrap().contains("B1=A%F1adir+al+carrito"));
    assert_eq!(
        get.header("Cookie"),
        Some("JSESSIONID=81761ACA043B0E6014CA42A4BCD06AB5")
    );
    assert_eq!(get.headers.len(), 10);

    // Raw Latin-1 bytes in the body are mapped to their chars.
    let post = &records[2].request;
    assert_eq!(
        post.body,
        "id=3&nombre=Viño+Rioja&precio=100&cantidad=55&B1=A%F1adir+al+carrito"
    );
    assert_eq!(post.header("content-length"), Some("68"));
    assert!(records[2].raw.ends_with("Content-Length: 68\n\nid=3&nombre=Viño+Rioja&precio=100&cantidad=55&B1=A%F1adir+al+carrito"));

    // `Accept:text/xml` (no space after the colon) from the anomalous set.
    let put = &records[3].request;
    assert!(put.header("accept").unwrap().starts_with("text/xml,"));
    assert_eq!(put.header("host"), Some("localhost:9090"));
    assert!(put.body.starts_with("modo=registro&login="));
}

#[test]
fn gzip_is_read_transparently() {
    let (_, plain, _) = read_all("csic_requests.txt", None);
    let (format, gzipped, errors) = read_all("csic_requests.txt.gz", None);
    assert_eq!(format, HttpFormat::Csic);
    assert!(errors.is_empty());
    assert_eq!(plain, gzipped);
}

#[test]
fn truncated_gzip_gives_the_records_then_one_error() {
    let path = fixture("csic_truncated.txt.gz");
    let items: Vec<_> = read_http(&path, None).unwrap().collect();
    let (last, decoded) = items.split_last().expect("some items");
    assert!(
        decoded.len() >= 2,
        "records before the cut: {}",
        decoded.len()
    );
    for item in decoded {
        let record = item.as_ref().expect("only the last item is an error");
        assert!(record
            .request
            .url
            .starts_with("http://localhost:8080/tienda1/"));
    }
    let error = last.as_ref().unwrap_err();
    assert_eq!(error.path, path);
    assert!(error.reason.starts_with("truncated gzip stream"), "{error}");
    assert!(error.to_string().starts_with(&format!("{path}:")));
}

#[test]
fn combined_log_with_wrapped_odd_and_garbage_lines() {
    let (format, records, errors) = read_all("combined.log", None);
    assert_eq!(format, HttpFormat::Combined);
    assert_eq!(records.len(), 8);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 8);
    assert!(errors[0]
        .to_string()
        .ends_with("combined.log:8: no `[time]` field"));

    let by_line = |line: u64| records.iter().find(|r| r.line == line).unwrap();
    let first = &by_line(1).request;
    assert_eq!(first.client_ip.as_deref(), Some("83.149.9.216"));
    assert_eq!(first.status, Some(200));
    assert_eq!(first.bytes, Some(7697));
    assert!(first
        .header("user-agent")
        .unwrap()
        .starts_with("Mozilla/5.0 (Macintosh"));
    // Apache's `\xhh` escapes are kept as logged.
    assert!(by_line(2)
        .request
        .header("referer")
        .unwrap()
        .starts_with(r"http://\xe4\xe5"));

    let wrapped = &by_line(4).request;
    assert_eq!(wrapped.method, "POST");
    assert_eq!(wrapped.url, "/administrator/index.php");
    assert_eq!(
        wrapped.timestamp.as_deref(),
        Some("22/Dec/2016:16:30:52 +0300")
    );
    assert!(wrapped
        .header("user-agent")
        .unwrap()
        .ends_with("Safari/537.21"));
    assert_eq!(
        by_line(5).request.url,
        r#"/index.php/component/users/?task=1'\""#
    );

    let dash = &by_line(6).request;
    assert_eq!(
        (dash.method.as_str(), dash.url.as_str(), dash.status),
        ("", "-", Some(408))
    );
    let tls = &by_line(7).request;
    assert_eq!(tls.method, "");
    assert!(tls.url.starts_with(r"\x16\x03\x01"));
    // A cut-off user agent still gives a record.
    assert!(by_line(9)
        .request
        .header("user-agent")
        .unwrap()
        .contains("Googlebot"));
    // Invalid UTF-8 falls back to Latin-1 for that line.
    let latin1 = &by_line(10).request;
    assert_eq!(latin1.url, "/café?q=1");
    assert_eq!(latin1.user.as_deref(), Some("alice"));
    assert_eq!(latin1.header("user-agent"), Some("Mozilla/5.0 été"));
}

#[test]
fn jsonl_requests() {
    let (format, records, errors) = read_all("requests.jsonl", None);
    assert_eq!(format, HttpFormat::Jsonl);
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].request.header("host"), Some("localhost:8080"));
    assert_eq!(records[1].request.body, "user=admin&pwd=' OR '1'='1");
    let from_request = &records[2].request;
    assert_eq!(
        (from_request.method.as_str(), from_request.url.as_str()),
        ("GET", "/search?q=%3Cscript%3E")
    );
    assert_eq!(from_request.status, Some(200));
    assert_eq!(records[3].request.url, "../../../../etc/passwd");
    let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [6, 7]);
}

#[test]
fn labeled_csv() {
    let mut reader = read_labeled(&fixture("labeled.csv"), Labels::Required).unwrap();
    assert_eq!(reader.label_column(), Some("label"));
    let records: Vec<_> = reader.by_ref().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 9);
    assert_eq!(reader.records_read(), 9);
    assert_eq!(records[0].request.url, "c/ caridad s/n");
    assert_eq!(records[0].label, Some(false));
    assert_eq!(records[0].attack_type.as_deref(), Some("norm"));
    assert_eq!(records[0].line, 2);
    assert_eq!(records[1].request.url, "campello, el");
    assert_eq!(records[2].label, Some(true));
    assert_eq!(records[2].attack_type.as_deref(), Some("sqli"));
    assert_eq!(
        records[4].request.url,
        "-5622\" where 7970=7970 union all select 7970,7970,7970,7970,7970--"
    );
    // A quoted field spanning two lines, and an empty label cell.
    assert_eq!(records[7].request.url, "a\nmulti-line payload");
    assert_eq!(records[7].line, 9);
    assert_eq!(records[8].line, 11);
    assert_eq!(records[8].label, None);
}

#[test]
fn labeled_csv_missing_columns_are_named() {
    let path = fixture("labeled_no_label_column.csv");
    let err = read_labeled(&path, Labels::Required)
        .err()
        .expect("label column required");
    assert!(matches!(&err, IoError::MissingColumn { column, .. } if column == "label"));
    let message = err.to_string();
    assert!(message.starts_with(&path), "{message}");
    assert!(
        message.contains("missing required column `label`"),
        "{message}"
    );
    assert!(
        message.contains("header has: payload,length,attack_type"),
        "{message}"
    );

    // Without the requirement the rows read, unlabelled.
    let records: Vec<_> = read_labeled(&path, Labels::Optional)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].label, None);

    let err = read_labeled(&fixture("labeled_no_payload_column.csv"), Labels::Optional)
        .err()
        .expect("payload column required");
    assert!(
        err.to_string()
            .contains("missing required column `payload`"),
        "{err}"
    );
}

#[test]
fn labeled_jsonl() {
    let labels: Vec<_> = read_labeled(&fixture("labeled.jsonl"), Labels::Optional)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.label, r.attack_type)
        })
        .collect();
    assert_eq!(
        labels,
        [
            (Some(false), Some("norm".to_string())),
            (Some(true), Some("sqli".to_string())),
            (Some(true), None),
            (None, None)
        ]
    );
    let items: Vec<_> = read_labeled(&fixture("labeled.jsonl"), Labels::Required)
        .unwrap()
        .collect();
    assert_eq!(items.iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(items[3].as_ref().unwrap_err().line, 4);
}

#[test]
fn missing_file_is_an_open_error_naming_it() {
    let err = read_http("/nonexistent/requests.log", None).err().unwrap();
    assert!(matches!(err, IoError::Open { .. }));
    assert!(err
        .to_string()
        .starts_with("/nonexistent/requests.log: cannot open"));
}
