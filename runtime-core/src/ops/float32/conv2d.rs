//! CONV_2D, float32 (TFLite `reference_ops::Conv`).

use super::{dot_acc_w, store_clamped, ConvWindow, F32Weights, WeightFormat};
use crate::ops::window;

/// Static parameters of one float CONV_2D; filter layout OHWI `[out_c, kh, kw, in_c]`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dF32Params {
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
    /// Rows above, columns left (TFLite padding offsets).
    pub pad: [usize; 2],
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none, as TFLite's float range).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
    /// One per output channel, or empty when the model has no bias (TFLite then adds 0.0).
    pub bias: &'static [f32],
}

/// CONV_2D float32, bit-exact with TFLite's reference kernel.
///
/// The reference sums `input · filter` into one running `total` in the order filter row, filter
/// column, input channel, skipping taps in the padding, and only then adds the bias:
/// `clamp(total + bias)`. Float addition is not associative, so this kernel keeps exactly that
/// order (padded taps are skipped, not multiplied by zero: `-0.0 + 0.0` would change a sign).
pub fn conv2d_f32(p: &Conv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    conv2d::<F32Weights>(p, input, filter, output)
}

/// [`conv2d_f32`] with the filter kept as float16 in flash (`f16 = "keep"`), widened as read.
#[cfg(feature = "f16")]
pub fn conv2d_f16w(p: &Conv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    conv2d::<super::F16Weights>(p, input, filter, output)
}

#[inline(always)]
fn conv2d<W: WeightFormat>(p: &Conv2dF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let in_c = p.input[3];
    let out_c = p.output[3];
    let px_bytes = in_c * 4;
    let w_px = in_c * W::BYTES;
    let f_len = p.kernel[0] * p.kernel[1] * w_px;
    if out_c == 0 || f_len == 0 {
        return;
    }
    let g = ConvWindow::new(p.input, p.output, p.kernel, p.stride, p.dilation, p.pad);
    let mut out_elems = output.chunks_exact_mut(4);
    g.walk(input, |_| (), |image, _, taps| {
        for (c, f) in filter.chunks_exact(f_len.max(1)).take(out_c).enumerate() {
            let total = taps.fold(0.0f32, |total, tap, px| {
                dot_acc_w::<W>(total, window(image, px * px_bytes, px_bytes), window(f, tap * w_px, w_px))
            });
            let bias = p.bias.get(c).copied().unwrap_or(0.0);
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

    /// TFLite's reference loop nest written out naively (indices, bounds tests, `continue`).
    fn reference(p: &Conv2dF32Params, input: &[f32], filter: &[f32]) -> Vec<f32> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let mut out = vec![0f32; n * oh * ow * oc];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..oc {
                        let mut total = 0f32;
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64 - p.pad[0] as i64;
                                let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64 - p.pad[1] as i64;
                                if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                    continue;
                                }
                                for ci in 0..ic {
                                    let x = input[((b * ih + iy as usize) * iw + ix as usize) * ic + ci];
                                    let w = filter[((c * kh + ky) * kw + kx) * ic + ci];
                                    total += x * w;
                                }
                            }
                        }
                        let bias = if p.bias.is_empty() { 0.0 } else { p.bias[c] };
                        out[((b * oh + oy) * ow + ox) * oc + c] = (total + bias).max(p.act_min).min(p.act_max);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_reference_loop_nest() {
        let mut rng = Rng::new(3201);
        for case in 0..600 {
            let (ih, iw, ic, oc) = (rng.usize(1, 9), rng.usize(1, 9), rng.usize(1, 5), rng.usize(1, 5));
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
                1 => (0.0, f32::MAX),
                _ => (-0.5, 0.5),
            };
            let p = Conv2dF32Params {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride,
                dilation,
                pad,
                act_min,
                act_max,
                bias: leak_f32(bias),
            };
            let input = f32_bytes(&mut rng, n * ih * iw * ic);
            let filter = f32_bytes(&mut rng, oc * kh * kw * ic);
            let mut out = vec![0u8; n * oh * ow * oc * 4];
            conv2d_f32(&p, &input, &filter, &mut out);
            let want = reference(&p, &floats(&input), &floats(&filter));
            let got = floats(&out);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "case {case}: {p:?}");
        }
    }
}
