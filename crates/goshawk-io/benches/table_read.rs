//! Throughput of the table readers on generated in-memory inputs (no disk, no gzip): sessions
//! CSV and Zeek conn TSV, in lines per second, each line decoded into its typed record and
//! validated. The target is at least 1,000,000 lines/s on one core for both.
//!
//! Time is the reading thread's CPU time (`cpu-time`), so the figure is what one core does
//! even while other jobs share the machine.
//! Run: `cargo bench -p goshawk-io --bench table_read`.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use cpu_time::ThreadTime;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goshawk_core::{NetSession, ZeekConn};
use goshawk_io::table::{TableOptions, TableReader};

const LINES: usize = 200_000;

/// Sessions in the dataset's shape: `None` encryption, varied numbers, a label column.
fn sessions_csv(lines: usize) -> Arc<[u8]> {
    let mut out = String::with_capacity(lines * 90);
    out.push_str("session_id,network_packet_size,protocol_type,login_attempts,session_duration,encryption_used,ip_reputation_score,failed_logins,browser_type,unusual_time_access,attack_detected\n");
    for i in 0..lines {
        out.push_str(&format!(
            "SID_{i:05},{},{},{},{},{},{},{},{},{},{}\n",
            64 + i % 1200,
            ["TCP", "UDP", "ICMP"][i % 3],
            1 + i % 9,
            0.5 + (i as f64 * 7.389_056) % 7000.0,
            ["AES", "DES", "None"][i % 3],
            (i as f64 * 0.618_034) % 1.0,
            i % 6,
            ["Chrome", "Firefox", "Edge", "Safari", "Unknown"][i % 5],
            i % 2,
            (i / 3) % 2,
        ));
    }
    Arc::from(out.into_bytes())
}

/// A Stratosphere-style labelled conn log: the header, then rows with unset fields mixed in.
fn zeek_tsv(lines: usize) -> Arc<[u8]> {
    let mut out = String::with_capacity(lines * 200);
    out.push_str("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2017-03-08-13-47-04\n");
    out.push_str("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tlabel\tdetailedlabel\n");
    out.push_str("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\tstring\n");
    for i in 0..lines {
        let unset = i % 7 == 0;
        out.push_str(&format!(
            "{:.6}\tC{:017x}\t192.168.1.{}\t{}\t{}.{}.{}.{}\t{}\t{}\t{}\t{}\t{}\t{}\tS{}\tT\tF\t0\tShADadFf\t{}\t{}\t{}\t{}\t(empty)\t{}\t{}\n",
            19.981_745 + i as f64 * 0.013,
            i as u64 * 2_654_435_761,
            100 + i % 50,
            1024 + i % 60_000,
            10 + i % 200,
            i % 256,
            (i / 256) % 256,
            1 + i % 250,
            [53, 443, 80, 1177][i % 4],
            ["udp", "tcp", "tcp", "tcp"][i % 4],
            if unset { "-" } else { ["dns", "ssl", "http", "-"][i % 4] },
            if unset { "-".to_string() } else { format!("{:.6}", (i % 1000) as f64 * 0.0371) },
            if unset { "-".to_string() } else { (34 + i % 900).to_string() },
            if unset { "-".to_string() } else { (i % 6000).to_string() },
            ["F", "0", "1", "2"][i % 4],
            1 + i % 20,
            48 + i % 3000,
            i % 20,
            i % 6000,
            if i % 5 == 0 { "Malicious" } else { "Background" },
            if i % 5 == 0 { "CC" } else { "(empty)" },
        ));
    }
    Arc::from(out.into_bytes())
}

fn bench_tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("table_read");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LINES as u64));
    let options = TableOptions::default();

    let sessions = sessions_csv(LINES);
    group.bench_function("sessions_csv", |b| {
        b.iter_custom(|iterations| {
            on_cpu(iterations, || {
                let reader = TableReader::<NetSession>::from_reader(
                    Cursor::new(Arc::clone(&sessions)),
                    "bench.csv",
                    &options,
                )
                .expect("header");
                reader.filter(Result::is_ok).count()
            })
        })
    });

    let conns = zeek_tsv(LINES);
    group.bench_function("zeek_tsv", |b| {
        b.iter_custom(|iterations| {
            on_cpu(iterations, || {
                let reader = TableReader::<ZeekConn>::from_reader(
                    Cursor::new(Arc::clone(&conns)),
                    "bench.log",
                    &options,
                )
                .expect("header");
                reader.filter(Result::is_ok).count()
            })
        })
    });
    group.finish();
}

/// CPU time of this thread for `iterations` runs of `read`, each of which must read every line.
fn on_cpu(iterations: u64, mut read: impl FnMut() -> usize) -> Duration {
    let start = ThreadTime::now();
    for _ in 0..iterations {
        let records = black_box(read());
        assert_eq!(records, LINES);
    }
    start.elapsed()
}

criterion_group!(benches, bench_tables);
criterion_main!(benches);
