//! CONV_2D uint8 (LiteRT `reference_ops::Conv`, uint8 overload).

use super::output_stage;
use crate::fixed_point::Requant;
use crate::ops::conv::tap_range;
use crate::ops::window;

/// Static parameters of one uint8 CONV_2D or DEPTHWISE_CONV_2D (LiteRT's `ConvParams` /
/// `DepthwiseParams` for uint8): offsets are the negated zero points, per-tensor only.
#[derive(Clone, Copy, Debug)]
pub struct ConvU8Params {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Filter height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Dilation along height and width.
    pub dilation: [usize; 2],
    /// Rows above, columns left (LiteRT padding offsets).
    pub pad: [usize; 2],
    /// Output channels per input channel (DEPTHWISE_CONV_2D; 1 for CONV_2D).
    pub depth_multiplier: usize,
    /// `-input_zero_point`.
    pub input_offset: i32,
    /// `-filter_zero_point` (uint8 weights are asymmetric: rarely 0).
    pub filter_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `input_scale · filter_scale / output_scale`, quantized.
    pub requant: Requant,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// The model's int32 bias (zeros when it has none), one per output channel.
    pub bias: &'static [i32],
}

/// CONV_2D uint8, bit-exact with LiteRT's reference kernel: per output,
/// `Σ (w + filter_offset) · (x + input_offset)` over the taps inside the input (padding taps are
/// skipped), plus the bias, then the output stage (requantize, add the output zero point,
/// clamp). Filter OHWI, as in the file.
pub fn conv2d_u8(p: &ConvU8Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let f_len = k_h * k_w * in_c;
    if out_c == 0 || f_len == 0 {
        return;
    }
    let mut out_px = output.chunks_exact_mut(out_c);
    for b in 0..batches {
        let image = window(input, b * in_h * in_w * in_c, in_h * in_w * in_c);
        for oy in 0..out_h {
            let (ky0, ky1, iy0) = tap_range(oy, p.stride[0], p.pad[0], p.dilation[0], k_h, in_h);
            for ox in 0..out_w {
                let (kx0, kx1, ix0) = tap_range(ox, p.stride[1], p.pad[1], p.dilation[1], k_w, in_w);
                let Some(px) = out_px.next() else { return };
                for ((o, f), &bias) in px.iter_mut().zip(filter.chunks_exact(f_len)).zip(p.bias) {
                    let mut acc = 0i32;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation[0]) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation[1]) as isize) as usize;
                            let x = window(image, (iy * in_w + ix) * in_c, in_c);
                            let w = window(f, (ky * k_w + kx) * in_c, in_c);
                            for (&x, &w) in x.iter().zip(w) {
                                acc = acc.wrapping_add(
                                    (i32::from(w) + p.filter_offset).wrapping_mul(i32::from(x) + p.input_offset),
                                );
                            }
                        }
                    }
                    *o = output_stage(acc.wrapping_add(bias), p.requant, p.output_offset, p.act_min, p.act_max);
                }
            }
        }
    }
}
