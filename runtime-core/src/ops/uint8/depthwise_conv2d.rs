//! DEPTHWISE_CONV_2D uint8 (LiteRT `reference_ops::DepthwiseConv`, uint8 overload).

use super::{output_stage, ConvU8Params};
use crate::ops::conv::tap_range;
use crate::ops::window;

/// DEPTHWISE_CONV_2D uint8, bit-exact with LiteRT's reference kernel: output channel
/// `oc = ic · depth_multiplier + m` sums `(w + filter_offset) · (x + input_offset)` over the taps
/// of input channel `ic` inside the input, plus the bias, then the output stage (requantize, add
/// the output zero point, clamp). Filter `[1, k_h, k_w, out_c]`, as in the file.
pub fn depthwise_conv2d_u8(p: &ConvU8Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let dm = p.depth_multiplier.max(1);
    if out_c == 0 || in_c == 0 {
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
                for (oc, (o, &bias)) in px.iter_mut().zip(p.bias).enumerate() {
                    let ic = oc / dm;
                    let mut acc = 0i32;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation[0]) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation[1]) as isize) as usize;
                            let x = window(image, (iy * in_w + ix) * in_c + ic, 1);
                            let w = window(filter, (ky * k_w + kx) * out_c + oc, 1);
                            if let (Some(&x), Some(&w)) = (x.first(), w.first()) {
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
