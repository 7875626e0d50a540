//! DEPTHWISE_CONV_2D, float32 (TFLite `reference_ops::DepthwiseConv`).

use super::{load, store_clamped, weight, ConvWindow, F32Weights, WeightFormat};

/// Static parameters of one float DEPTHWISE_CONV_2D; filter layout `[1, kh, kw, in_c · multiplier]`.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dF32Params {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC; `output[3] = input[3] · depth_multiplier`.
    pub output: [usize; 4],
    /// Filter height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Dilation along height and width.
    pub dilation: [usize; 2],
    /// Rows above, columns left (TFLite padding offsets).
    pub pad: [usize; 2],
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
    /// One per output channel, or empty when the model has no bias (TFLite then adds 0.0).
    pub bias: &'static [f32],
}

/// DEPTHWISE_CONV_2D float32, bit-exact with TFLite's reference kernel: output channel
/// `ic · multiplier + m` sums `input[.., ic] · filter[.., oc]` over the real (non-padded) taps,
/// filter row by filter row, then adds the bias and clamps.
pub fn depthwise_conv2d_f32(p: &DepthwiseConv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    depthwise::<F32Weights>(p, input, filter, output)
}

/// [`depthwise_conv2d_f32`] with the filter kept as float16 in flash (`f16 = "keep"`).
#[cfg(feature = "f16")]
pub fn depthwise_conv2d_f16w(p: &DepthwiseConv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    depthwise::<super::F16Weights>(p, input, filter, output)
}

#[inline(always)]
fn depthwise<W: WeightFormat>(p: &DepthwiseConv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let in_c = p.input[3];
    let out_c = p.output[3];
    let g = ConvWindow::new(p.input, p.output, p.kernel, p.stride, p.dilation, p.pad);
    let mut out_elems = output.chunks_exact_mut(4);
    g.walk(input, |_| (), |image, _, taps| {
        for oc in 0..out_c {
            let ic = oc.checked_div(p.depth_multiplier).unwrap_or(0);
            let total = taps.fold(0.0f32, |total, tap, px| {
                total + load(image, px * in_c + ic) * weight::<W>(filter, tap * out_c + oc)
            });
            let bias = p.bias.get(oc).copied().unwrap_or(0.0);
            store_clamped(&mut out_elems, total + bias, p.act_min, p.act_max);
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{f32_bytes, floats, leak_f32};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// TFLite's reference loop nest written out naively.
    fn reference(p: &DepthwiseConv2dF32Params, input: &[f32], filter: &[f32]) -> Vec<f32> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let mut out = vec![0f32; n * oh * ow * oc];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..ic {
                        for m in 0..p.depth_multiplier {
                            let o = m + c * p.depth_multiplier;
                            let mut total = 0f32;
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64 - p.pad[0] as i64;
                                    let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64 - p.pad[1] as i64;
                                    if iy >= 0 && ix >= 0 && iy < ih as i64 && ix < iw as i64 {
                                        total += input[((b * ih + iy as usize) * iw + ix as usize) * ic + c]
                                            * filter[(ky * kw + kx) * oc + o];
                                    }
                                }
                            }
                            let bias = if p.bias.is_empty() { 0.0 } else { p.bias[o] };
                            out[((b * oh + oy) * ow + ox) * oc + o] = (total + bias).max(p.act_min).min(p.act_max);
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_reference_loop_nest() {
        let mut rng = Rng::new(3202);
        for case in 0..600 {
            let (ih, iw, ic, mult) = (rng.usize(1, 9), rng.usize(1, 9), rng.usize(1, 5), rng.usize(1, 3));
            let oc = ic * mult;
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let stride = [rng.usize(1, 3), rng.usize(1, 3)];
            let dilation = [rng.usize(1, 3), rng.usize(1, 3)];
            let pad = [rng.usize(0, kh - 1), rng.usize(0, kw - 1)];
            let eh = (kh - 1) * dilation[0] + 1;
            let ew = (kw - 1) * dilation[1] + 1;
            if ih + 2 * pad[0] < eh || iw + 2 * pad[1] < ew {
                continue;
            }
            let oh = (ih + 2 * pad[0] - eh) / stride[0] + 1;
            let ow = (iw + 2 * pad[1] - ew) / stride[1] + 1;
            let n = rng.usize(1, 2);
            let bias = if case % 4 == 0 { vec![] } else { floats(&f32_bytes(&mut rng, oc)) };
            let (act_min, act_max) = match case % 3 {
                0 => (f32::MIN, f32::MAX),
                1 => (0.0, 6.0),
                _ => (-1.0, 1.0),
            };
            let p = DepthwiseConv2dF32Params {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride,
                dilation,
                pad,
                depth_multiplier: mult,
                act_min,
                act_max,
                bias: leak_f32(bias),
            };
            let input = f32_bytes(&mut rng, n * ih * iw * ic);
            let filter = f32_bytes(&mut rng, kh * kw * oc);
            let mut out = vec![0u8; n * oh * ow * oc * 4];
            depthwise_conv2d_f32(&p, &input, &filter, &mut out);
            let want = reference(&p, &floats(&input), &floats(&filter));
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&floats(&out)), bits(&want), "case {case}: {p:?}");
        }
    }
}
