//! Benchmark driver for `bench/anomaly_vs_sklearn.py`: fits one model on a training matrix, scores
//! another, writes the scores and prints the timings as one JSON line. The Python side feeds
//! scikit-learn the same `.npy` files in the same run, so the two can be compared side by side.
//!
//! ```text
//! cargo run --release -p goshawk-anomaly --example bench_anomaly -- \
//!     iforest|lof|ocsvm TRAIN.npy SCORE.npy OUT_SCORES.npy [--nu 0.1] [--seed 0] \
//!     [--n-neighbors 20] [--max-train-rows 10000] [--repeat 1]
//! ```
//! Inputs are NumPy `.npy` files of C-order `<f4` or `<f8` 2-D arrays; the output is `<f8`, 1-D.
//! Timings exclude file I/O; with `--repeat N` the best of N runs is reported.

use std::error::Error;
use std::fs;
use std::time::Instant;

use goshawk_anomaly::{
    AnomalyDetector, IsolationForestParams, LocalOutlierFactorParams, Matrix, OneClassSvmParams,
};

type BoxResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: bench_anomaly MODEL TRAIN.npy SCORE.npy OUT.npy [options]".into());
    }
    let option = |name: &str| -> Option<&str> {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .map(String::as_str)
    };
    let seed: u64 = option("--seed").unwrap_or("0").parse()?;
    let repeat: usize = option("--repeat").unwrap_or("1").parse()?;
    let train = read_npy(&args[1])?;
    let to_score = read_npy(&args[2])?;

    let mut best_fit = f64::INFINITY;
    let mut best_score = f64::INFINITY;
    let mut best_fit_cpu = f64::INFINITY;
    let mut best_score_cpu = f64::INFINITY;
    let mut scores = Vec::new();
    let mut detail = String::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let cpu_started = process_cpu_seconds();
        let model: Box<dyn AnomalyDetector> = match args[0].as_str() {
            "iforest" => Box::new(
                IsolationForestParams {
                    seed,
                    ..IsolationForestParams::default()
                }
                .fit(&train.view())?,
            ),
            "lof" => Box::new(
                LocalOutlierFactorParams {
                    n_neighbors: option("--n-neighbors").unwrap_or("20").parse()?,
                    ..LocalOutlierFactorParams::default()
                }
                .fit(&train.view())?,
            ),
            "ocsvm" => {
                let model = OneClassSvmParams {
                    nu: option("--nu").unwrap_or("0.5").parse()?,
                    max_train_rows: option("--max-train-rows").unwrap_or("10000").parse()?,
                    seed,
                    ..OneClassSvmParams::default()
                }
                .fit(&train.view())?;
                detail = format!(
                    ",\"support_vectors\":{},\"gamma\":{}",
                    model.n_support_vectors(),
                    model.gamma()
                );
                Box::new(model)
            }
            other => return Err(format!("unknown model {other}").into()),
        };
        best_fit = best_fit.min(started.elapsed().as_secs_f64());
        best_fit_cpu = best_fit_cpu.min(process_cpu_seconds() - cpu_started);
        let started = Instant::now();
        let cpu_started = process_cpu_seconds();
        scores = model.score(&to_score.view())?;
        best_score = best_score.min(started.elapsed().as_secs_f64());
        best_score_cpu = best_score_cpu.min(process_cpu_seconds() - cpu_started);
    }
    write_npy_f64(&args[3], &scores)?;
    println!(
        "{{\"model\":\"{}\",\"n_train\":{},\"n_score\":{},\"threads\":{},\"fit_seconds\":{:.6},\"score_seconds\":{:.6},\"fit_cpu_seconds\":{:.2},\"score_cpu_seconds\":{:.2}{}}}",
        args[0],
        train.n_rows(),
        to_score.n_rows(),
        rayon::current_num_threads(),
        best_fit,
        best_score,
        best_fit_cpu,
        best_score_cpu,
        detail
    );
    Ok(())
}

/// User + system CPU time of the whole process (all threads), from `/proc/self/stat` (Linux; 10 ms
/// ticks, assuming the usual USER_HZ of 100). Unlike wall time it does not count time the machine
/// gave to other processes. NaN where unavailable.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

/// Reads a C-order 2-D `<f4`/`<f8` `.npy` file (format versions 1–3).
fn read_npy(path: &str) -> BoxResult<Matrix> {
    let bytes = fs::read(path)?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(format!("{path}: not a .npy file").into());
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        _ => {
            let length: [u8; 4] = bytes.get(8..12).ok_or("truncated header")?.try_into()?;
            (u32::from_le_bytes(length) as usize, 12)
        }
    };
    let header = std::str::from_utf8(
        bytes
            .get(header_start..header_start + header_len)
            .ok_or("truncated header")?,
    )?;
    if header.contains("'fortran_order': True") {
        return Err(format!("{path}: Fortran order not supported").into());
    }
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or("no shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let n_features = match shape.as_slice() {
        [_, columns] => *columns,
        _ => return Err(format!("{path}: expected a 2-D array, shape {shape:?}").into()),
    };
    let body = &bytes[header_start + header_len..];
    if header.contains("'<f4'") {
        let values = body
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        Ok(Matrix::from_f32(values, n_features)?)
    } else if header.contains("'<f8'") {
        let values: Vec<f64> = body
            .chunks_exact(8)
            .map(|chunk| {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(chunk);
                f64::from_le_bytes(raw)
            })
            .collect();
        Ok(Matrix::from_f64(&values, n_features)?)
    } else {
        Err(format!("{path}: only <f4 and <f8 arrays are supported").into())
    }
}

/// Writes a 1-D `<f8` `.npy` file (format version 1).
fn write_npy_f64(path: &str, values: &[f64]) -> BoxResult<()> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        values.len()
    );
    // Magic (6) + version (2) + length (2) + header + newline must be a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + values.len() * 8);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&u16::try_from(header.len())?.to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    fs::write(path, bytes)?;
    Ok(())
}
