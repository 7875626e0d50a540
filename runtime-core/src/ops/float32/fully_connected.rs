//! FULLY_CONNECTED, float32 (TFLite `reference_ops::FullyConnected`).

use super::{dot_acc_w, store_clamped, F32Weights, WeightFormat};
use crate::ops::window;

/// Static parameters of one float FULLY_CONNECTED; weights `[output_depth, input_depth]`.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedF32Params {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_depth: usize,
    /// Output features per batch row.
    pub output_depth: usize,
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
    /// One per output unit, or empty when the model has no bias (TFLite then adds 0.0).
    pub bias: &'static [f32],
}

/// FULLY_CONNECTED float32, bit-exact with TFLite's reference kernel: per row and unit, one
/// running sum of `input[d] · weights[d]` for `d = 0, 1, …`, then `clamp(total + bias)`.
pub fn fully_connected_f32(p: &FullyConnectedF32Params, input: &[u8], weights: &[u8], output: &mut [u8]) {
    fully_connected::<F32Weights>(p, input, weights, output)
}

/// [`fully_connected_f32`] with the weights kept as float16 in flash (`f16 = "keep"`).
#[cfg(feature = "f16")]
pub fn fully_connected_f16w(p: &FullyConnectedF32Params, input: &[u8], weights: &[u8], output: &mut [u8]) {
    fully_connected::<super::F16Weights>(p, input, weights, output)
}

#[inline(always)]
fn fully_connected<W: WeightFormat>(p: &FullyConnectedF32Params, input: &[u8], weights: &[u8], output: &mut [u8]) {
    let row = p.input_depth * 4;
    let w_row = p.input_depth * W::BYTES;
    if row == 0 {
        return;
    }
    let mut out_elems = output.chunks_exact_mut(4);
    for b in 0..p.batches {
        let x = window(input, b * row, row);
        for (u, w) in weights.chunks_exact(w_row.max(1)).take(p.output_depth).enumerate() {
            let total = dot_acc_w::<W>(0.0, x, w);
            let bias = p.bias.get(u).copied().unwrap_or(0.0);
            store_clamped(&mut out_elems, total + bias, p.act_min, p.act_max);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{f32_bytes, floats, leak_f32};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn matches_reference_loop_nest() {
        let mut rng = Rng::new(3203);
        for case in 0..500 {
            let (batches, depth, units) = (rng.usize(1, 3), rng.usize(1, 40), rng.usize(1, 12));
            let bias = if case % 4 == 0 { vec![] } else { floats(&f32_bytes(&mut rng, units)) };
            let (act_min, act_max) = if case % 2 == 0 { (f32::MIN, f32::MAX) } else { (0.0, f32::MAX) };
            let p = FullyConnectedF32Params {
                batches,
                input_depth: depth,
                output_depth: units,
                act_min,
                act_max,
                bias: leak_f32(bias.clone()),
            };
            let input = f32_bytes(&mut rng, batches * depth);
            let weights = f32_bytes(&mut rng, units * depth);
            let mut out = vec![0u8; batches * units * 4];
            fully_connected_f32(&p, &input, &weights, &mut out);
            let (x, w) = (floats(&input), floats(&weights));
            let mut want = Vec::new();
            for b in 0..batches {
                for u in 0..units {
                    let mut total = 0f32;
                    for d in 0..depth {
                        total += x[b * depth + d] * w[u * depth + d];
                    }
                    let bias = if bias.is_empty() { 0.0 } else { bias[u] };
                    want.push((total + bias).max(act_min).min(act_max).to_bits());
                }
            }
            let got: Vec<u32> = floats(&out).iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "case {case}");
        }
    }
}
