//! FULLY_CONNECTED, int8 (TFLM `reference_integer_ops::FullyConnected` /
//! `FullyConnectedPerChannel`; both share this arithmetic when the weight zero point is 0, as
//! the int8 quantization spec requires).

use super::conv::{dot_1x1, dot_1x2, dot_s8, output_s8, rq_at, OutputStage};
use super::window;
use crate::fixed_point::PackedRequant;

/// Static parameters of one FULLY_CONNECTED; filter `[output_depth, input_depth]`.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedParams {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_depth: usize,
    /// Output features per batch row.
    pub output_depth: usize,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Folded bias `bias[c] - input_zero_point · Σ filter[c]`, len `output_depth`.
    pub bias: &'static [i32],
    /// Length 1 (per-tensor) or `output_depth` (per-channel).
    pub requant: &'static [PackedRequant],
}

/// FULLY_CONNECTED int8, bit-exact with TFLM: per output, `bias + Σ x · w` (wrapping i32),
/// then TFLM's double-rounding `MultiplyByQuantizedMultiplier`, output zero point and clamp.
pub fn fully_connected_s8(
    p: &FullyConnectedParams,
    input: &[u8],
    filter: &[u8],
    output: &mut [u8],
) {
    let (depth, out_depth) = (p.input_depth, p.output_depth);
    if out_depth == 0 || p.requant.is_empty() {
        return;
    }
    for (b, out_row) in output
        .chunks_exact_mut(out_depth)
        .take(p.batches)
        .enumerate()
    {
        let in_row = window(input, b * depth, depth);
        // Per-tensor: the one entry for every row; per-channel: one each.
        let requant = p.requant.iter().map(|r| r.get()).cycle();
        for (c, ((o, &bias), rq)) in out_row.iter_mut().zip(p.bias).zip(requant).enumerate() {
            let acc = bias.wrapping_add(dot_s8(window(filter, c * depth, depth), in_row));
            *o = output_s8(acc, rq, p.output_zero_point, p.act_min, p.act_max);
        }
    }
}

/// FULLY_CONNECTED int8 on the Arm DSP extension (SMLAD on int8 pairs widened by SXTB16): the
/// 1×1 convolution kernel's dot products, over the filter laid out as
/// [`super::pack_filter_dsp`] lays out a `[output_depth, 1, 1, input_depth]` convolution
/// (output rows in pairs, interleaved word by word). Same params and result as
/// [`fully_connected_s8`] on the model's filter.
#[inline(never)]
pub fn fully_connected_s8_dsp(p: &FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let (depth, out_depth) = (p.input_depth, p.output_depth);
    if out_depth == 0 || depth == 0 || p.requant.is_empty() {
        return;
    }
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    let pairs = out_depth / 2;
    let (pair_w, odd_w) = (window(filter, 0, 2 * pairs * depth), filter.get(2 * pairs * depth..).unwrap_or(&[]));
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    for (x, out) in input.chunks_exact(depth).zip(output.chunks_exact_mut(out_depth)).take(p.batches) {
        for (g, (w, o)) in pair_w.chunks_exact((2 * depth).max(1)).zip(out.chunks_exact_mut(2)).enumerate() {
            let c = 2 * g;
            let mut acc = [bias(c), bias(c + 1)];
            dot_1x2(&mut acc, x, w);
            if let [o0, o1] = o {
                *o0 = stage.apply(acc[0], rq_at(p.requant, c));
                *o1 = stage.apply(acc[1], rq_at(p.requant, c + 1));
            }
        }
        if let Some(o) = out.get_mut(2 * pairs) {
            *o = stage.apply(dot_1x1(bias(2 * pairs), x, odd_w), rq_at(p.requant, 2 * pairs));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{fold_bias, leak, ref_output, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_fully_connected() {
        let mut rng = Rng::new(30);
        for case in 0..2000 {
            let batches = rng.usize(1, 3);
            let depth = if case % 10 == 0 {
                rng.usize(200, 1200)
            } else {
                rng.usize(1, 40)
            };
            let out_depth = rng.usize(1, 20);
            let mut input = vec![0u8; batches * depth];
            let mut filter = vec![0u8; out_depth * depth];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..out_depth)
                .map(|_| rng.range(-100_000, 100_000) as i32)
                .collect();
            let zp = rng.range(-128, 127) as i32;
            let requant: Vec<PackedRequant> = (0..if rng.bool() { out_depth } else { 1 })
                .map(|_| rng.packed_requant())
                .collect();
            let p = FullyConnectedParams {
                batches,
                input_depth: depth,
                output_depth: out_depth,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(fold_bias(&bias, &filter, zp)),
                requant: leak(requant),
            };
            let mut want = vec![0u8; batches * out_depth];
            for b in 0..batches {
                for c in 0..out_depth {
                    let acc: i64 = bias[c] as i64
                        + (0..depth)
                            .map(|d| {
                                filter[c * depth + d] as i8 as i64
                                    * (input[b * depth + d] as i8 as i64 - zp as i64)
                            })
                            .sum::<i64>();
                    let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                    want[b * out_depth + c] =
                        ref_output(acc, rq, p.output_zero_point, p.act_min, p.act_max);
                }
            }
            let mut got = vec![0u8; want.len()];
            fully_connected_s8(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}");
            // The DSP kernel (through the instructions' twins on the host) on its filter layout.
            let packed: Vec<u8> = super::super::pack_filter_dsp(&filter, out_depth, 1, depth).collect();
            got.fill(0);
            fully_connected_s8_dsp(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case} (DSP)");
        }
    }
}
