//! DEPTHWISE_CONV_2D, dynamic range ("hybrid"): float32 input and output, int8 per-channel
//! weights (TFLite `depthwise_conv.cc` `EvalHybridPerChannel` with
//! `reference_integer_ops::DepthwiseConvHybridPerChannel`).
//!
//! As for the hybrid CONV_2D, the whole input image of a batch is quantized asymmetrically; per
//! output channel `acc = Σ w · (q − zp)` over the real taps in i32, then
//! `out = clamp(acc as f32 · (filter_scale[c] · input_scale) + bias[c])` — note the scales are
//! multiplied together first here, unlike CONV_2D (`(acc · filter_scale) · input_scale`).

use super::hybrid_fully_connected::{asymmetric_params, quantize_asymmetric};
use super::{clamp, load, store};
use crate::ops::conv2d::{tap_coord, tap_range};
use crate::ops::window;

/// Static parameters of one hybrid DEPTHWISE_CONV_2D; filter `[1, kh, kw, in_c · multiplier]` int8.
#[derive(Clone, Copy, Debug)]
pub struct HybridDepthwiseConv2dParams {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC; `output[3] = input[3] · depth_multiplier`.
    pub output: [usize; 4],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// Rows above, columns left (TFLite padding offsets).
    pub pad: [usize; 2],
    pub depth_multiplier: usize,
    /// Weight scale per output channel.
    pub filter_scales: &'static [f32],
    /// One per output channel, or empty when the model has no bias.
    pub bias: &'static [f32],
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    pub act_max: f32,
}

/// DEPTHWISE_CONV_2D dynamic range, computing LiteRT's reference hybrid kernel's bits.
pub fn depthwise_conv2d_hybrid(p: &HybridDepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let in_img = in_h * in_w * in_c;
    let mut out_elems = output.chunks_exact_mut(4);
    for b in 0..batches {
        let image = window(input, b * in_img * 4, in_img * 4);
        let (sf, zp, inv) = asymmetric_params(image).unwrap_or((1.0, 0, 0.0));
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                let scales = p.filter_scales.iter().cycle();
                for (oc, &fs) in (0..out_c).zip(scales) {
                    let ic = oc.checked_div(p.depth_multiplier).unwrap_or(0);
                    let mut acc = 0i32;
                    for ky in ky0..ky1 {
                        let iy = tap_coord(iy_origin, ky, dil_h);
                        for kx in kx0..kx1 {
                            let ix = tap_coord(ix_origin, kx, dil_w);
                            let q = quantize_asymmetric(load(image, (iy * in_w + ix) * in_c + ic), zp, inv);
                            let w = filter.get((ky * k_w + kx) * out_c + oc).map_or(0, |&w| i32::from(w as i8));
                            acc = acc.wrapping_add(w * (q - zp));
                        }
                    }
                    let mut v = acc as f32 * (fs * sf);
                    if let Some(&bias) = p.bias.get(oc) {
                        v += bias;
                    }
                    let Some(o) = out_elems.next() else {
                        return;
                    };
                    store(o, clamp(v, p.act_min, p.act_max));
                }
            }
        }
    }
}
