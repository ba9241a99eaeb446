//! In-process latency of the web model alone, one request at a time on one thread, with the
//! built-in model: score only (normalise → features → model), and score plus attack type and
//! explanation for the requests it flags (what a scan does). The same ten requests as
//! `goshawk-engine`'s `analyze` bench, plus CSIC 2010-sized requests.
//! Run: `cargo bench -p goshawk-web --bench score`; divide the batch time by the batch size.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use goshawk_core::HttpRequest;
use goshawk_web::{Scratch, WebModel};

/// A mix of ordinary and hostile requests, as a WAF sees them (4 of 10 hostile).
const MIX: &[&str] = &[
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

/// CSIC 2010-sized requests (target and body), two normal, two anomalous.
const CSIC: &[&str] = &[
    "http://localhost:8080/tienda1/publico/registro.jsp?modo=registro&login=cen&password=40a5E&nombre=Nurit&apellidos=Ferrandez+Caba%F1as&email=tarpey%40bwds.ne&dni=17621392B&direccion=Calle+Clavel+30+11%3FB&ciudad=Tronch%F3n&cp=17463&provincia=C%E1ceres&ntc=1527409541807001&B1=Registrar",
    "http://localhost:8080/tienda1/publico/autenticar.jsp?modo=entrar&login=magrath&pwd=1an0re%E15354&remember=off&B1=Entrar",
    "http://localhost:8080/tienda1/publico/anadir.jsp?id=2&nombre=Jam%F3n+Ib%E9rico&precio=85&cantidad=%27%3B+DROP+TABLE+usuarios%3B+SELECT+*+FROM+datos+WHERE+nombre+LIKE+%27%25&B1=A%F1adir+al+carrito",
    "http://localhost:8080/tienda1/publico/registro.jsp?modo=registro%253CSCRIPT%253Ealert%2528%2522Paros%2522%2529%253B%253C%252FSCRIPT%253E&login=armand&password=prusiato&nombre=Samia&apellidos=Catalayud+Mirabet",
];

fn bench(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/web-default.gsk");
    let model = WebModel::load(&path).expect("models/web-default.gsk loads");
    let featurizer = model.featurizer();
    let mut scratch = Scratch::default();
    for (name, targets) in [("mix of 10", MIX), ("csic-sized 4", CSIC)] {
        let reqs: Vec<HttpRequest> = targets
            .iter()
            .map(|t| HttpRequest::from_target(*t))
            .collect();
        let mut group = c.benchmark_group(format!("web model, {name}"));
        group.throughput(Throughput::Elements(reqs.len() as u64));
        group.bench_function("score", |b| {
            b.iter(|| {
                for r in &reqs {
                    black_box(model.score(&featurizer, black_box(r), &mut scratch));
                }
            })
        });
        group.bench_function("score + explain flagged", |b| {
            b.iter(|| {
                for r in &reqs {
                    let s = model.score(&featurizer, black_box(r), &mut scratch);
                    if s.attack {
                        black_box(model.explain(&featurizer, &scratch, 3));
                    }
                    black_box(s);
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
