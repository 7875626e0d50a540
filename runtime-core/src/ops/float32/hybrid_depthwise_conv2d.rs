//! DEPTHWISE_CONV_2D, dynamic range ("hybrid"): float32 input and output, int8 per-channel
//! weights (TFLite `depthwise_conv.cc` `EvalHybridPerChannel` with
//! `reference_integer_ops::DepthwiseConvHybridPerChannel`).
//!
//! As for the hybrid CONV_2D, the whole input image of a batch is quantized asymmetrically; per
//! output channel `acc = Σ w · (q − zp)` over the real taps in i32, then
//! `out = clamp(acc as f32 · (filter_scale[c] · input_scale) + bias[c])` — note the scales are
//! multiplied together first here, unlike CONV_2D (`(acc · filter_scale) · input_scale`).

use super::hybrid_fully_connected::quantize_asymmetric;
use super::{image_quantization, load, plus_bias_if_any, store_clamped, ConvWindow};

/// Static parameters of one hybrid DEPTHWISE_CONV_2D; filter `[1, kh, kw, in_c · multiplier]` int8.
#[derive(Clone, Copy, Debug)]
pub struct HybridDepthwiseConv2dParams {
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
    /// Weight scale per output channel.
    pub filter_scales: &'static [f32],
    /// One per output channel, or empty when the model has no bias.
    pub bias: &'static [f32],
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
}

/// DEPTHWISE_CONV_2D dynamic range, computing LiteRT's reference hybrid kernel's bits.
pub fn depthwise_conv2d_hybrid(p: &HybridDepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let in_c = p.input[3];
    let out_c = p.output[3];
    let g = ConvWindow::new(p.input, p.output, p.kernel, p.stride, p.dilation, p.pad);
    let mut out_elems = output.chunks_exact_mut(4);
    g.walk(input, image_quantization, |image, &(sf, zp, inv), taps| {
        let scales = p.filter_scales.iter().cycle();
        for (oc, &fs) in (0..out_c).zip(scales) {
            let ic = oc.checked_div(p.depth_multiplier).unwrap_or(0);
            let acc = taps.fold(0i32, |acc, tap, px| {
                let q = quantize_asymmetric(load(image, px * in_c + ic), zp, inv);
                let w = filter.get(tap * out_c + oc).map_or(0, |&w| i32::from(w as i8));
                acc.wrapping_add(w * (q - zp))
            });
            let v = plus_bias_if_any(acc as f32 * (fs * sf), p.bias, oc);
            store_clamped(&mut out_elems, v, p.act_min, p.act_max);
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::hybrid_fully_connected::{asymmetric_params, quantize_asymmetric};
    use super::super::testing::{f32_bytes, floats, leak_f32};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// The reference's structure: the image quantized into a buffer first, then the
    /// `DepthwiseConvHybridPerChannel` loop nest (input channel, multiplier) with bounds tests.
    fn reference(p: &HybridDepthwiseConv2dParams, input: &[u8], filter: &[i8]) -> Vec<u32> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let mut out = vec![0u32; n * oh * ow * oc];
        for b in 0..n {
            let img = &input[b * ih * iw * ic * 4..(b + 1) * ih * iw * ic * 4];
            let (sf, zp, inv) = asymmetric_params(img).unwrap_or((1.0, 0, 0.0));
            let q: Vec<i32> = floats(img).iter().map(|&v| quantize_asymmetric(v, zp, inv)).collect();
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..ic {
                        for m in 0..p.depth_multiplier {
                            let o = m + c * p.depth_multiplier;
                            let mut acc = 0i32;
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64 - p.pad[0] as i64;
                                    let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64 - p.pad[1] as i64;
                                    if iy >= 0 && ix >= 0 && iy < ih as i64 && ix < iw as i64 {
                                        let x = q[(iy as usize * iw + ix as usize) * ic + c];
                                        acc += i32::from(filter[(ky * kw + kx) * oc + o]) * (x - zp);
                                    }
                                }
                            }
                            let mut v = acc as f32;
                            v *= p.filter_scales[o] * sf;
                            if !p.bias.is_empty() {
                                v += p.bias[o];
                            }
                            out[((b * oh + oy) * ow + ox) * oc + o] = v.max(p.act_min).min(p.act_max).to_bits();
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_reference_loop_nest() {
        let mut rng = Rng::new(3208);
        for case in 0..300 {
            let (ih, iw, ic, mult) = (rng.usize(1, 7), rng.usize(1, 7), rng.usize(1, 4), rng.usize(1, 3));
            let oc = ic * mult;
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let stride = [rng.usize(1, 3), rng.usize(1, 3)];
            let dilation = [rng.usize(1, 2), rng.usize(1, 2)];
            let pad = [rng.usize(0, kh - 1), rng.usize(0, kw - 1)];
            let (eh, ew) = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1);
            if ih + 2 * pad[0] < eh || iw + 2 * pad[1] < ew {
                continue;
            }
            let (oh, ow) = ((ih + 2 * pad[0] - eh) / stride[0] + 1, (iw + 2 * pad[1] - ew) / stride[1] + 1);
            let n = rng.usize(1, 2);
            let scales: Vec<f32> = (0..oc).map(|_| (rng.usize(1, 1000) as f32) * 1e-4).collect();
            let p = HybridDepthwiseConv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride,
                dilation,
                pad,
                depth_multiplier: mult,
                filter_scales: leak_f32(scales),
                bias: leak_f32(if case % 3 == 0 { vec![] } else { floats(&f32_bytes(&mut rng, oc)) }),
                act_min: if case % 2 == 0 { f32::MIN } else { 0.0 },
                act_max: if case % 4 == 1 { 6.0 } else { f32::MAX },
            };
            let input = f32_bytes(&mut rng, n * ih * iw * ic);
            let filter: Vec<i8> = (0..kh * kw * oc).map(|_| rng.range(-127, 127) as i8).collect();
            let fbytes: Vec<u8> = filter.iter().map(|&w| w as u8).collect();
            let mut out = vec![0u8; n * oh * ow * oc * 4];
            depthwise_conv2d_hybrid(&p, &input, &fbytes, &mut out);
            let got: Vec<u32> = floats(&out).iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, reference(&p, &input, &filter), "case {case}: {p:?}");
        }
    }
}
