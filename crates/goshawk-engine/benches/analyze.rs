//! In-process latency of the web detector, one request at a time on one thread: normalise →
//! features → model, with the built-in model. Also the time to load that model file.
//! Run: `cargo bench -p goshawk-engine --bench analyze`.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use goshawk_core::HttpRequest;
use goshawk_engine::WebDetector;
use goshawk_web::{Scratch, WebModel};

fn model_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/web-default.gsk")
}

/// A mix of ordinary and hostile requests, as a WAF sees them.
fn requests() -> Vec<HttpRequest> {
    let targets = [
        "/api/balance/check?account=ES7620770024003102575766",
        "/search?q=wireless+headphones+noise+cancelling&page=2&sort=price_asc",
        "/login/auth",
        "/static/js/app.3f2a1c.js",
        "/blog/2024/05/why-rust?utm_source=newsletter&utm_medium=email",
        "/tienda1/publico/anadir.jsp?id=2&nombre=Jam%F3n+Ib%E9rico&precio=85&cantidad=49&B1=A%F1adir+al+carrito",
        "/login?user=admin%27%20OR%20%271%27%3D%271&pass=x",
        "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E",
        "/download?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/items?filter=1;cat%20/etc/passwd",
    ];
    targets
        .iter()
        .map(|t| {
            let mut r = HttpRequest::from_target(*t);
            r.method = "GET".into();
            r
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let bytes = std::fs::read(model_path()).expect("models/web-default.gsk");
    c.bench_function("load built-in web model", |b| {
        b.iter(|| WebModel::from_bytes(black_box(&bytes)).expect("model loads"))
    });
    let detector = WebDetector::new(WebModel::from_bytes(&bytes).expect("model loads"));
    let reqs = requests();
    let mut group = c.benchmark_group("web detector");
    group.throughput(Throughput::Elements(reqs.len() as u64));
    let mut scratch = Scratch::default();
    group.bench_function("score (per 10 requests)", |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(detector.score(black_box(r), &mut scratch));
            }
        })
    });
    group.bench_function("analyze with explanation (per 10 requests)", |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(detector.finding(black_box(r), &mut scratch));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
