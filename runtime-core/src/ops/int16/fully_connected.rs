//! FULLY_CONNECTED, int16x8 (TFLM `reference_integer_ops::FullyConnected` /
//! `FullyConnectedPerChannel` on int16 input, int8 weights, int64 bias).

use super::super::window;
use super::{dot_s16_s8_long, s16_byte_len, store};
use crate::fixed_point::{multiply_by_quantized_multiplier_i64, PackedRequant};

/// Static parameters of one int16x8 FULLY_CONNECTED; filter `[output_depth, input_depth]`.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedS16Params {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_depth: usize,
    /// Output features per batch row.
    pub output_depth: usize,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// One per output unit.
    pub bias: &'static [i64],
    /// Length 1 (per-tensor) or `output_depth` (per-channel).
    pub requant: &'static [PackedRequant],
}

/// FULLY_CONNECTED int16x8, bit-exact with TFLM. Unlike int8 FC (32-bit accumulator, double
/// rounding), TFLM's int16x8 FC accumulates `bias + Σ w · x` in int64 and requantizes with the
/// 64-bit `MultiplyByQuantizedMultiplier`, whose multiplier is reduced to 15 bits and which
/// rounds once ([`multiply_by_quantized_multiplier_i64`]). No offsets: the weights and the
/// activations are symmetric.
pub fn fully_connected_s16(p: &FullyConnectedS16Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let (depth, out_depth) = (p.input_depth, p.output_depth);
    let Some(row_bytes) = s16_byte_len(out_depth) else {
        return;
    };
    if p.requant.is_empty() {
        return;
    }
    for (b, out_row) in output.chunks_exact_mut(row_bytes).take(p.batches).enumerate() {
        let in_row = window(input, b * depth * 2, depth * 2);
        let requant = p.requant.iter().map(|r| r.get()).cycle();
        for (c, ((o, &bias), rq)) in out_row.chunks_exact_mut(2).zip(p.bias).zip(requant).enumerate() {
            let acc = bias.wrapping_add(dot_s16_s8_long(in_row, window(filter, c * depth, depth)));
            store(o, multiply_by_quantized_multiplier_i64(acc, rq).max(p.act_min).min(p.act_max));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{act, ref_out, s16_bytes, s16_values};
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_fully_connected() {
        let mut rng = Rng::new(1630);
        for case in 0..1500 {
            let batches = rng.usize(1, 3);
            let depth = if case % 10 == 0 { rng.usize(200, 1200) } else { rng.usize(1, 40) };
            let od = rng.usize(1, 20);
            let input = s16_bytes(&mut rng, batches * depth);
            let mut filter = vec![0u8; od * depth];
            rng.fill(&mut filter);
            let bias: Vec<i64> = (0..od).map(|_| rng.range(-(1 << 36), 1 << 36)).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { od } else { 1 })
                .map(|_| PackedRequant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-31, 2) as i8 })
                .collect();
            let (lo, hi) = act(&mut rng);
            let p = FullyConnectedS16Params {
                batches,
                input_depth: depth,
                output_depth: od,
                act_min: lo,
                act_max: hi,
                bias: leak(bias),
                requant: leak(requant),
            };
            let x = s16_values(&input);
            let mut want = Vec::new();
            for b in 0..batches {
                for c in 0..od {
                    let acc = p.bias[c]
                        + (0..depth).map(|d| filter[c * depth + d] as i8 as i64 * x[b * depth + d]).sum::<i64>();
                    let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                    want.extend_from_slice(&ref_out(acc, rq, lo, hi).to_le_bytes());
                }
            }
            let mut got = vec![0u8; want.len()];
            fully_connected_s16(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
