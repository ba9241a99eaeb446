//! Writes a sample evaluation report from synthetic scores, for looking at the page layout:
//!
//!   cargo run -p goshawk-eval --example sample_report -- /tmp/report.html
//!
//! Three made-up anomaly models of different quality score the same 6,000 rows (5% attacks of
//! four types); the text summary goes to stdout.

use goshawk_eval::{render_report, ModelEvaluation, Report};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/report.html".to_owned());
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let attack_types = ["sqli", "xss", "path_traversal", "<b>cmd_injection</b>"];
    let mut labels = Vec::new();
    let mut groups = Vec::new();
    for _ in 0..6_000 {
        let attack = rng.gen_bool(0.05);
        labels.push(attack);
        groups.push(if attack {
            attack_types[rng.gen_range(0..attack_types.len())].to_owned()
        } else {
            "normal".to_owned()
        });
    }
    // Separation of attack scores per model; cmd_injection is hard for all of them.
    let models = [("iforest", 2.2), ("lof", 1.4), ("ocsvm", 0.8)];
    let evaluations: Vec<ModelEvaluation> = models
        .iter()
        .map(|&(name, separation)| {
            let scores: Vec<f64> = labels
                .iter()
                .zip(&groups)
                .map(|(&attack, group)| {
                    let noise: f64 = (0..4).map(|_| rng.gen::<f64>()).sum::<f64>() - 2.0;
                    let shift = match (attack, group.contains("cmd")) {
                        (false, _) => 0.0,
                        (true, true) => separation * 0.4,
                        (true, false) => separation,
                    };
                    1.0 / (1.0 + (-(noise * 1.7 + shift - 1.5)).exp())
                })
                .collect();
            ModelEvaluation::new(name, scores, labels.clone(), 0.5).with_groups(groups.clone())
        })
        .collect();
    let meta = vec![
        (
            "models".to_owned(),
            "iforest, lof, ocsvm (synthetic scores)".to_owned(),
        ),
        (
            "data".to_owned(),
            "synthetic: 6,000 rows, 5% attacks".to_owned(),
        ),
        ("date".to_owned(), "2025-01-01".to_owned()),
        (
            "command".to_owned(),
            "cargo run -p goshawk-eval --example sample_report".to_owned(),
        ),
    ];
    let title = "Anomaly models compared";
    print!("{}", Report::build(title, &meta, &evaluations)?.to_text());
    std::fs::write(&out, render_report(title, &meta, &evaluations)?)?;
    eprintln!("wrote {out}");
    Ok(())
}
