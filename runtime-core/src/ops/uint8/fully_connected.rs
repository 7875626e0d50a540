//! FULLY_CONNECTED uint8 (LiteRT `reference_ops::FullyConnected`, uint8 overload).

use crate::fixed_point::{multiply_by_quantized_multiplier_single_rounding, Requant};

/// Static parameters of one uint8 FULLY_CONNECTED.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedU8Params {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_depth: usize,
    /// Output features per batch row.
    pub output_depth: usize,
    /// `-filter_zero_point`.
    pub filter_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `input_scale · filter_scale / output_scale`, quantized.
    pub requant: Requant,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Folded bias `bias[c] + input_offset · Σ (w + filter_offset)` over row `c`: every input
    /// tap is real in FULLY_CONNECTED, so the input offset's whole share is a constant.
    pub bias: &'static [i32],
}

/// FULLY_CONNECTED uint8, bit-exact with LiteRT's reference kernel:
/// `Σ (w + filter_offset) · (x + input_offset) + bias` per output (computed as
/// `Σ (w + filter_offset) · x` plus the folded bias: the same wrapping i32 sum), requantized
/// with **one** rounding (LiteRT's FC differs from its conv here; double rounding is off by one
/// on about 1 % of outputs), `+ output_offset`, clamped. Weights `[output_depth, input_depth]`.
pub fn fully_connected_u8(p: &FullyConnectedU8Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let (depth, units) = (p.input_depth, p.output_depth);
    if depth == 0 || units == 0 {
        return;
    }
    for (row, out_row) in input.chunks_exact(depth).zip(output.chunks_exact_mut(units)).take(p.batches) {
        for ((o, w_row), &bias) in out_row.iter_mut().zip(filter.chunks_exact(depth)).zip(p.bias) {
            let mut acc = bias;
            for (&x, &w) in row.iter().zip(w_row) {
                acc = acc.wrapping_add((i32::from(w) + p.filter_offset).wrapping_mul(i32::from(x)));
            }
            *o = multiply_by_quantized_multiplier_single_rounding(acc, p.requant)
                .wrapping_add(p.output_offset)
                .max(p.act_min)
                .min(p.act_max) as u8;
        }
    }
}
