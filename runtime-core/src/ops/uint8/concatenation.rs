//! CONCATENATION uint8 with rescaling (LiteRT `reference_ops::ConcatenationWithScaling`).

use crate::ops::quantize::round_half_away_f32;
use crate::ops::{copy_prefix, window};

/// One operand of [`concatenation_u8`].
#[derive(Clone, Copy, Debug)]
pub struct ConcatU8Input {
    /// Bytes it contributes to each outer slice.
    pub chunk: usize,
    /// Whether its quantization differs from the output's (else its bytes are copied).
    pub rescale: bool,
    /// `input_scale · (1 / output_scale)` in f32, as LiteRT computes it.
    pub scale: f32,
    /// `-input_zero_point · scale` in f32.
    pub bias: f32,
}

/// Static parameters of one uint8 CONCATENATION.
#[derive(Clone, Copy, Debug)]
pub struct ConcatU8Params {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// Output zero point.
    pub output_zero_point: i32,
    /// One entry per operand, in order.
    pub inputs: &'static [ConcatU8Input],
}

/// CONCATENATION uint8, bit-exact with LiteRT's reference kernel: an operand quantized like the
/// output is copied; any other is requantized per element in f32,
/// `round_half_away(x · scale + bias) + output_zero_point` clamped to 0..=255 (a multiply then
/// an add, two f32 roundings, as LiteRT's build computes it).
pub fn concatenation_u8(p: &ConcatU8Params, inputs: &[&[u8]], output: &mut [u8]) {
    let mut rest = output;
    for o in 0..p.outer {
        for (spec, data) in p.inputs.iter().zip(inputs) {
            let Some((dst, tail)) = core::mem::take(&mut rest).split_at_mut_checked(spec.chunk) else {
                return;
            };
            let src = window(data, o * spec.chunk, spec.chunk);
            if spec.rescale {
                for (d, &x) in dst.iter_mut().zip(src) {
                    let v = round_half_away_f32(f32::from(x) * spec.scale + spec.bias);
                    *d = v.wrapping_add(p.output_zero_point).clamp(0, 255) as u8;
                }
            } else {
                copy_prefix(dst, src);
            }
            rest = tail;
        }
    }
}
