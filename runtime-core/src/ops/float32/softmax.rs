//! SOFTMAX, float32 (TFLite `reference_ops::Softmax`).

use crate::float_math::expf;
use super::{load, store, values};
use crate::ops::window_mut;

/// Static parameters of one float SOFTMAX over the last axis.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxF32Params {
    /// Rows (product of all but the last dimension).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// The logits' multiplier (`exp(beta · (x − max))`).
    pub beta: f32,
}

/// SOFTMAX float32, bit-exact with TFLite's reference kernel: per row, the maximum (from the
/// lowest float), then `e_c = exp((x_c − max) · beta)` written to the output while summing them in
/// order, then `e_c / sum`. `exp` is [`expf`], which rounds as glibc's `expf` does.
pub fn softmax_f32(p: &SoftmaxF32Params, input: &[u8], output: &mut [u8]) {
    let row = p.depth * 4;
    if row == 0 {
        return;
    }
    for (r, x) in input.chunks_exact(row.max(1)).take(p.rows).enumerate() {
        let max = values(x).fold(f32::MIN, |m, v| if m < v { v } else { m });
        let out = window_mut(output, r * row, row);
        let mut sum = 0.0f32;
        for (o, v) in out.chunks_exact_mut(4).zip(values(x)) {
            let e = expf((v - max) * p.beta);
            store(o, e);
            sum += e;
        }
        for o in out.chunks_exact_mut(4) {
            let e = load(o, 0);
            store(o, e / sum);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{f32_bytes, floats};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// The reference loop with the host's `expf` (glibc on Linux), as TFLite calls it.
    #[test]
    fn matches_reference_with_host_expf() {
        let mut rng = Rng::new(3205);
        for case in 0..400 {
            let (rows, depth) = (rng.usize(1, 4), rng.usize(1, 30));
            let beta = [1.0f32, 0.5, 2.0, 0.1][case % 4];
            let input = f32_bytes(&mut rng, rows * depth);
            let x = floats(&input);
            let mut out = vec![0u8; rows * depth * 4];
            softmax_f32(&SoftmaxF32Params { rows, depth, beta }, &input, &mut out);
            let mut want = Vec::new();
            for r in 0..rows {
                let row = &x[r * depth..(r + 1) * depth];
                let max = row.iter().fold(f32::MIN, |m, &v| m.max(v));
                let e: Vec<f32> = row.iter().map(|&v| ((v - max) * beta).exp()).collect();
                let mut sum = 0f32;
                for &v in &e {
                    sum += v;
                }
                want.extend(e.iter().map(|&v| (v / sum).to_bits()));
            }
            let got: Vec<u32> = floats(&out).iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "case {case}");
        }
    }
}
