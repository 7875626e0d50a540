//! uint8 kernels of TF1's `quantized_uint8` scheme (asymmetric per-tensor uint8 activations *and*
//! weights), bit-exact with LiteRT's reference kernels, the oracle for uint8 (TFLM dropped them).
//!
//! Only the ops whose arithmetic has no int8 counterpart live here: the conv family, whose
//! non-zero weight zero point (`filter_offset`) multiplies every input tap, and CONCATENATION's
//! float rescaling. Pooling, SOFTMAX, ADD, QUANTIZE and DEQUANTIZE on uint8 are the int8 kernels'
//! arithmetic on unsigned bytes (`*_u8` next to each `*_s8`).

mod concatenation;
mod conv2d;
mod depthwise_conv2d;
mod fully_connected;

pub use concatenation::{concatenation_u8, ConcatU8Input, ConcatU8Params};
pub use conv2d::{conv2d_u8, ConvU8Params};
pub use depthwise_conv2d::depthwise_conv2d_u8;
pub use fully_connected::{fully_connected_u8, FullyConnectedU8Params};

use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// LiteRT's uint8 output stage: `MultiplyByQuantizedMultiplier`, `+ output_offset`, clamp to the
/// activation range (inside 0..=255).
#[inline(always)]
pub(crate) fn output_stage(acc: i32, requant: Requant, output_offset: i32, act_min: i32, act_max: i32) -> u8 {
    multiply_by_quantized_multiplier(acc, requant).wrapping_add(output_offset).max(act_min).min(act_max) as u8
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{leak, quantize_multiplier, ref_mbqm, round_half_up, Rng};
    use std::{vec, vec::Vec};

    /// The uint8 output stage from its definition (double rounding, as LiteRT's conv).
    fn ref_out(acc: i64, p: &ConvU8Params) -> u8 {
        (ref_mbqm(acc as i32, p.requant) + p.output_offset).clamp(p.act_min, p.act_max) as u8
    }

    fn random_params(rng: &mut Rng, depthwise: bool) -> ConvU8Params {
        let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
        let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
        let (dh, dw) = (rng.usize(1, 2), rng.usize(1, 2));
        let (ih, iw) = (rng.usize(1, 8), rng.usize(1, 8));
        let (ph, pw) = (rng.usize(0, kh), rng.usize(0, kw));
        let oh = (ih + 2 * ph).saturating_sub((kh - 1) * dh + 1) / sh + 1;
        let ow = (iw + 2 * pw).saturating_sub((kw - 1) * dw + 1) / sw + 1;
        let ic = rng.usize(1, 5);
        let dm = if depthwise { rng.usize(1, 3) } else { 1 };
        let oc = if depthwise { ic * dm } else { rng.usize(1, 6) };
        let n = rng.usize(1, 2);
        let act_min = rng.range(0, 100) as i32;
        ConvU8Params {
            input: [n, ih, iw, ic],
            output: [n, oh, ow, oc],
            kernel: [kh, kw],
            stride: [sh, sw],
            dilation: [dh, dw],
            pad: [ph, pw],
            depth_multiplier: dm,
            input_offset: -(rng.range(0, 255) as i32),
            filter_offset: -(rng.range(0, 255) as i32),
            output_offset: rng.range(0, 255) as i32,
            requant: quantize_multiplier(0.0005 + (rng.next_u64() % 1000) as f64 / 50000.0),
            act_min,
            act_max: rng.range(i64::from(act_min), 255) as i32,
            bias: leak((0..oc).map(|_| rng.range(-20000, 20000) as i32).collect()),
        }
    }

    /// CONV_2D / DEPTHWISE_CONV_2D from the definition: every tap inside the input, offsets added.
    fn reference(p: &ConvU8Params, input: &[u8], filter: &[u8], depthwise: bool) -> Vec<u8> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let mut out = Vec::new();
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..oc {
                        let mut acc = i64::from(p.bias[c]);
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64 - p.pad[0] as i64;
                                let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64 - p.pad[1] as i64;
                                if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                    continue;
                                }
                                let px = ((b * ih + iy as usize) * iw + ix as usize) * ic;
                                let (chans, f0) = if depthwise {
                                    (c / p.depth_multiplier..c / p.depth_multiplier + 1, (ky * kw + kx) * oc + c)
                                } else {
                                    (0..ic, ((c * kh + ky) * kw + kx) * ic)
                                };
                                for (j, i) in chans.enumerate() {
                                    let w = i64::from(filter[if depthwise { f0 } else { f0 + j }]) + i64::from(p.filter_offset);
                                    acc += w * (i64::from(input[px + i]) + i64::from(p.input_offset));
                                }
                            }
                        }
                        out.push(ref_out(acc, p));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn conv_and_depthwise_match_their_definitions() {
        let mut rng = Rng::new(0x0808);
        for case in 0..1500 {
            let depthwise = case % 2 == 1;
            let p = random_params(&mut rng, depthwise);
            let [n, ih, iw, ic] = p.input;
            let [_, oh, ow, oc] = p.output;
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; p.kernel[0] * p.kernel[1] * if depthwise { oc } else { oc * ic }];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let mut got = vec![0u8; n * oh * ow * oc];
            if depthwise {
                depthwise_conv2d_u8(&p, &input, &filter, &mut got);
            } else {
                conv2d_u8(&p, &input, &filter, &mut got);
            }
            assert_eq!(got, reference(&p, &input, &filter, depthwise), "case {case}: {p:?}");
        }
    }

    #[test]
    fn fully_connected_rounds_once() {
        let mut rng = Rng::new(0x0fc8);
        for case in 0..500 {
            let (batches, depth, units) = (rng.usize(1, 3), rng.usize(1, 40), rng.usize(1, 12));
            let (io, fo, oo) = (-(rng.range(0, 255) as i32), -(rng.range(0, 255) as i32), rng.range(0, 255) as i32);
            let requant = quantize_multiplier(0.0005 + (rng.next_u64() % 1000) as f64 / 20000.0);
            let raw: Vec<i32> = (0..units).map(|_| rng.range(-30000, 30000) as i32).collect();
            let mut input = vec![0u8; batches * depth];
            let mut filter = vec![0u8; units * depth];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            // The compiler's fold: bias + input_offset · Σ (w + filter_offset).
            let folded: Vec<i32> = raw
                .iter()
                .zip(filter.chunks_exact(depth))
                .map(|(&b, row)| b + io * row.iter().map(|&w| i32::from(w) + fo).sum::<i32>())
                .collect();
            let p = FullyConnectedU8Params {
                batches,
                input_depth: depth,
                output_depth: units,
                filter_offset: fo,
                output_offset: oo,
                requant,
                act_min: 0,
                act_max: 255,
                bias: leak(folded),
            };
            let mut got = vec![0u8; batches * units];
            fully_connected_u8(&p, &input, &filter, &mut got);
            for b in 0..batches {
                for u in 0..units {
                    let acc: i128 = i128::from(raw[u])
                        + (0..depth)
                            .map(|d| {
                                i128::from(i32::from(filter[u * depth + d]) + fo) * i128::from(i32::from(input[b * depth + d]) + io)
                            })
                            .sum::<i128>();
                    // One rounding of acc · m / 2^(31 − shift), ties toward +∞.
                    let want = (round_half_up(acc * i128::from(requant.multiplier), (31 - requant.shift) as u32) + i128::from(oo))
                        .clamp(0, 255) as u8;
                    assert_eq!(got[b * units + u], want, "case {case} batch {b} unit {u}");
                }
            }
        }
    }

    #[test]
    fn concatenation_copies_or_rescales_in_f32() {
        let inputs = [
            ConcatU8Input { chunk: 3, rescale: false, scale: 1.0, bias: 0.0 },
            ConcatU8Input { chunk: 2, rescale: true, scale: 0.5, bias: -64.0 },
        ];
        let p = ConcatU8Params { outer: 2, output_zero_point: 100, inputs: leak(inputs.to_vec()) };
        let a = [1u8, 2, 3, 4, 5, 6];
        // round(0.5·x − 64) + 100, rounded half away from zero *before* the zero point:
        // 1 → −63.5 → −64 → 36, 255 → 63.5 → 64 → 164, 0 → 36, 3 → −62.5 → −63 → 37.
        let b = [1u8, 255, 0, 3];
        let mut out = [0u8; 10];
        concatenation_u8(&p, &[&a, &b], &mut out);
        assert_eq!(out, [1, 2, 3, 36, 164, 4, 5, 6, 36, 37]);
    }

    /// SOFTMAX and MAX_POOL_2D on uint8 are their int8 results shifted by 128 (flipping the top
    /// bit maps uint8 x to int8 x − 128); AVERAGE_POOL_2D rounds a non-negative sum half up.
    #[test]
    fn softmax_and_pools_are_int8_shifted_by_128() {
        use crate::ops::{average_pool2d_u8, max_pool2d_s8, max_pool2d_u8, softmax_s8, softmax_u8, Pool2dParams, SoftmaxParams};
        let mut rng = Rng::new(0x5f8);
        for case in 0..300 {
            let depth = rng.usize(1, 40);
            let r = quantize_multiplier(1.0 + (rng.next_u64() % 1000) as f64);
            let p = SoftmaxParams { rows: 2, depth, input_multiplier: r.multiplier, input_left_shift: r.shift, diff_min: -rng.range(100, 4000) as i32 };
            let mut x = vec![0u8; 2 * depth];
            rng.fill(&mut x);
            let flipped: Vec<u8> = x.iter().map(|b| b ^ 0x80).collect();
            let (mut u, mut s) = (vec![0u8; 2 * depth], vec![0u8; 2 * depth]);
            softmax_u8(&p, &x, &mut u);
            softmax_s8(&p, &flipped, &mut s);
            assert_eq!(u, s.iter().map(|b| b ^ 0x80).collect::<Vec<u8>>(), "softmax case {case}");

            let (lo, hi) = (rng.range(0, 100) as i32, rng.range(100, 255) as i32);
            let pool = Pool2dParams { input: [1, 5, 5, 3], output: [1, 3, 3, 3], kernel: [3, 3], stride: [2, 2], pad: [1, 1], act_min: lo, act_max: hi };
            let mut x = vec![0u8; 75];
            rng.fill(&mut x);
            let flipped: Vec<u8> = x.iter().map(|b| b ^ 0x80).collect();
            let (mut u, mut s) = (vec![0u8; 27], vec![0u8; 27]);
            max_pool2d_u8(&pool, &x, &mut u);
            max_pool2d_s8(&Pool2dParams { act_min: lo - 128, act_max: hi - 128, ..pool }, &flipped, &mut s);
            assert_eq!(u, s.iter().map(|b| b ^ 0x80).collect::<Vec<u8>>(), "max pool case {case}");

            average_pool2d_u8(&pool, &x, &mut u);
            for (i, &o) in u.iter().enumerate() {
                let (oy, ox, c) = (i / 9, i / 3 % 3, i % 3);
                let mut taps = Vec::new();
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (iy, ix) = ((2 * oy + ky) as i64 - 1, (2 * ox + kx) as i64 - 1);
                        if (0..5).contains(&iy) && (0..5).contains(&ix) {
                            taps.push(i32::from(x[(iy as usize * 5 + ix as usize) * 3 + c]));
                        }
                    }
                }
                let (sum, n) = (taps.iter().sum::<i32>(), taps.len() as i32);
                assert_eq!(i32::from(o), ((sum + n / 2) / n).clamp(lo, hi), "average pool case {case} output {i}");
            }
        }
    }
}
