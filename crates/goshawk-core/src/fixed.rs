//! Numbers with two decimals for explanations, without the float formatter's cost.
//!
//! `{:.2}` on a float goes through an exact decimal expansion: measured with callgrind, about
//! 2,000 instructions a call, and explanations carry a few numbers for every flagged request
//! (the web model's top features, the decision's scores). [`Fixed2`] prints the same text
//! through integers.

use std::fmt;

/// `x` with two decimals, exactly as `format!("{x:.2}")` prints it.
#[derive(Debug, Clone, Copy)]
pub struct Fixed2(pub f64);

impl fmt::Display for Fixed2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scaled = self.0 * 100.0;
        // `scaled` is within a few ulps of the exact product, so away from a tie (a fraction of
        // .5) it rounds the same way; at or near one, only the exact expansion knows which way.
        let near_tie = (scaled.abs().fract() - 0.5).abs() < 1e-6;
        if !scaled.is_finite() || scaled.abs() >= 1e15 || near_tie {
            return write!(f, "{:.2}", self.0);
        }
        let hundredths = scaled.round();
        // `-0.001` prints as `-0.00`, as `{:.2}` does.
        let sign = if self.0.is_sign_negative() { "-" } else { "" };
        let v = hundredths.abs() as u64;
        write!(f, "{sign}{}.{:02}", v / 100, v % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_what_the_float_formatter_prints() {
        let mut cases = vec![
            0.0,
            -0.0,
            0.05,
            0.125,
            0.375,
            0.835,
            0.845,
            1.005,
            2.675,
            1.234,
            12.999,
            -0.5,
            -3.14649,
            -0.001,
            2.0,
            1e6,
            7.006,
            0.995,
            99.995,
            1e15,
            1e20,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        // And a sweep: every thousandth from -20 to 20, and their f32 neighbours.
        for i in -20_000..=20_000 {
            let x = f64::from(i) / 1000.0;
            cases.push(x);
            cases.push(f64::from(x as f32));
        }
        // And a spread of arbitrary values (a fixed linear congruential sequence).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            cases.push((state >> 11) as f64 / (1u64 << 53) as f64 * 2000.0 - 1000.0);
        }
        for x in cases {
            assert_eq!(Fixed2(x).to_string(), format!("{x:.2}"), "{x:e}");
        }
    }
}
