//! Throughput of the HTTP readers on generated in-memory inputs (no disk, no gzip): combined
//! access-log lines, `lines` payloads and CSIC raw requests, counted in records per second.
//! Run: `cargo bench -p goshawk-io --bench http_read`.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goshawk_io::http::{HttpFormat, HttpReader, ReadOptions};

const PATHS: [&str; 6] = [
    "/presentations/logstash-monitorama-2013/plugin/zoom-js/zoom.js",
    "/index.php/component/search/?searchword=ul.menu\\\"sTYLe='acu'&ordering=newest",
    "/images/web/2009/banner.png",
    "/DVWA/vulnerabilities/sqli/?id=1%27+or+%271%27%3D%271&Submit=Submit",
    "/blog/tags/puppet?flav=rss20",
    "/robots.txt",
];

const AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "-",
];

fn combined_log(lines: usize) -> Vec<u8> {
    let mut out = String::with_capacity(lines * 260);
    for i in 0..lines {
        let line = format!(
            "{}.{}.{}.{} - - [17/May/2015:10:{:02}:{:02} +0000] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"\n",
            83 + i % 100,
            i % 256,
            (i / 7) % 256,
            i % 13,
            (i / 60) % 60,
            i % 60,
            if i % 5 == 0 { "POST" } else { "GET" },
            PATHS[i % PATHS.len()],
            [200, 304, 404, 500][i % 4],
            1000 + i % 50_000,
            if i % 3 == 0 { "-" } else { "http://semicomplete.com/presentations/" },
            AGENTS[i % AGENTS.len()],
        );
        // Every fifth line in the scanner-log style, wrapped in one more pair of quotes.
        if i % 5 == 4 {
            out.push('"');
            out.push_str(line.trim_end());
            out.push_str("\"\n");
        } else {
            out.push_str(&line);
        }
    }
    out.into_bytes()
}

fn payload_lines(lines: usize) -> Vec<u8> {
    let mut out = String::with_capacity(lines * 80);
    for i in 0..lines {
        match i % 3 {
            0 => out.push_str(&format!("GET {} HTTP/1.1\n", PATHS[i % PATHS.len()])),
            1 => out.push_str(&format!("{}&n={i}\n", PATHS[i % PATHS.len()])),
            _ => out.push_str("1' and 8514=(select count(*) from domain.domains as t1)--\n"),
        }
    }
    out.into_bytes()
}

fn csic_text(requests: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(requests * 700);
    for i in 0..requests {
        let post = i % 3 == 0;
        let method = if post { "POST" } else { "GET" };
        let query = if post {
            String::new()
        } else {
            format!(
                "?id={}&nombre=Jam%F3n+Ib%E9rico&precio=85&cantidad={i}&B1=A%F1adir+al+carrito",
                i % 4
            )
        };
        out.extend_from_slice(
            format!(
                "{method} http://localhost:8080/tienda1/publico/anadir.jsp{query} HTTP/1.1\r\n\
User-Agent: Mozilla/5.0 (compatible; Konqueror/3.5; Linux) KHTML/3.5.8 (like Gecko)\r\n\
Pragma: no-cache\r\nCache-control: no-cache\r\n\
Accept: text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5\r\n\
Accept-Encoding: x-gzip, x-deflate, gzip, deflate\r\nAccept-Charset: utf-8, utf-8;q=0.5, *;q=0.5\r\n\
Accept-Language: en\r\nHost: localhost:8080\r\nCookie: JSESSIONID={i:032X}\r\n"
            )
            .as_bytes(),
        );
        if post {
            out.extend_from_slice(
                b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\
Content-Length: 68\r\n\r\nid=3&nombre=Vi\xf1o+Rioja&precio=100&cantidad=55&B1=A%F1adir+al+carrito\r\n\r\n",
            );
        } else {
            out.extend_from_slice(b"Connection: close\r\n\r\n\r\n");
        }
    }
    out
}

fn bench_format(c: &mut Criterion, name: &str, format: HttpFormat, input: Vec<u8>, records: u64) {
    let input: Arc<[u8]> = input.into();
    let options = ReadOptions::default();
    let mut group = c.benchmark_group("http_read");
    group.throughput(Throughput::Elements(records));
    group.sample_size(20);
    group.bench_function(name, |b| {
        b.iter(|| {
            let reader =
                HttpReader::new(Cursor::new(input.clone()), "bench", Some(format), &options);
            let mut ok = 0u64;
            for record in reader.flatten() {
                ok += black_box(record).line.min(1);
            }
            assert_eq!(ok, records);
            ok
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_format(
        c,
        "combined_100k_lines",
        HttpFormat::Combined,
        combined_log(100_000),
        100_000,
    );
    bench_format(
        c,
        "lines_100k_payloads",
        HttpFormat::Lines,
        payload_lines(100_000),
        100_000,
    );
    bench_format(
        c,
        "csic_20k_requests",
        HttpFormat::Csic,
        csic_text(20_000),
        20_000,
    );
}

criterion_group!(http_read, benches);
criterion_main!(http_read);
