//! TRANSPOSE_CONV, int8 (per-channel or per-tensor), int16x8 (int64 bias) and float32, bit-exact
//! with TFLM's reference kernels (`reference_integer_ops::TransposeConv`,
//! `reference_ops::TransposeConv`).
//!
//! TFLM *scatters*: it zeroes an accumulator per output element, then walks the input
//! (batch, row, column, channel) and adds `x · w` to every output the filter footprint reaches
//! (output coordinate `in · stride − pad + tap`, skipped outside the output). kiln *gathers*
//! instead (no accumulator buffer in the arena): for each output element it visits exactly the
//! contributing (input row, input column, input channel) triples, in ascending order — the
//! order in which TFLM's scatter adds them to that element. Integer sums are order-independent
//! anyway; for float32 the identical order makes the result bit-identical.
//!
//! Unlike a forward convolution, out-of-range taps contribute nothing (they are not padded
//! with the zero point), so the int8 input offset cannot be folded into the bias: the kernel
//! adds `input_offset` to every input value it reads, as TFLM does.

use super::Elem;
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64, PackedRequant, Requant};

/// Geometry of one TRANSPOSE_CONV.
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvShape {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC; the filter is `[output channels, kernel rows, kernel columns, input channels]`.
    pub output: [usize; 4],
    /// Filter height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// TFLM's `padding_values` (rows, columns): the padding of the forward convolution whose
    /// input has the transposed convolution's output size.
    pub pad: [usize; 2],
}

/// The input indices (with their filter tap) that reach output coordinate `out` along one
/// axis: `i · stride + tap = out + pad` with `tap < kernel` and `i < size`, `i` ascending.
#[inline]
fn sources(out: usize, pad: usize, stride: usize, kernel: usize, size: usize) -> impl Iterator<Item = (usize, usize)> {
    let stride = stride.max(1);
    let t = out + pad;
    let first = (t + 1).saturating_sub(kernel).div_ceil(stride);
    let end = (t / stride + 1).min(size);
    (first..end).map(move |i| (i, t - i * stride))
}

impl TransposeConvShape {
    /// Calls `f(output element index, output channel, contributions)` for every output element
    /// in NHWC order, where `contributions` yields `(input element index, filter element index)`
    /// pairs in TFLM's accumulation order.
    #[inline]
    fn for_each_output(&self, mut f: impl FnMut(usize, usize, &mut dyn Iterator<Item = (usize, usize)>)) {
        let [batches, in_h, in_w, in_c] = self.input;
        let [_, out_h, out_w, out_c] = self.output;
        let [k_h, k_w] = self.kernel;
        let mut o = 0;
        for b in 0..batches {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    for oc in 0..out_c {
                        let rows = sources(oy, self.pad[0], self.stride[0], k_h, in_h);
                        let mut taps = rows.flat_map(|(iy, ty)| {
                            sources(ox, self.pad[1], self.stride[1], k_w, in_w).flat_map(move |(ix, tx)| {
                                let x0 = ((b * in_h + iy) * in_w + ix) * in_c;
                                let w0 = ((oc * k_h + ty) * k_w + tx) * in_c;
                                (0..in_c).map(move |c| (x0 + c, w0 + c))
                            })
                        });
                        f(o, oc, &mut taps);
                        o += 1;
                    }
                }
            }
        }
    }
}

/// int8 TRANSPOSE_CONV parameters.
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvParams {
    /// The geometry.
    pub shape: TransposeConvShape,
    /// `-input_zero_point`.
    pub input_offset: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// One per output channel, or empty (no bias).
    pub bias: &'static [i32],
    /// Length 1 (per-tensor) or one per output channel.
    pub requant: &'static [PackedRequant],
}

#[inline]
fn channel_requant(requant: &[PackedRequant], oc: usize) -> Requant {
    match requant.get(oc).or(requant.first()) {
        Some(r) => r.get(),
        None => Requant { multiplier: 0, shift: 0 },
    }
}

/// TRANSPOSE_CONV int8: `acc = Σ (x + input_offset) · w` (wrapping int32), `+ bias`, requantized
/// per channel (double rounding), `+ output_zero_point`, clamped.
pub fn transpose_conv_s8(p: &TransposeConvParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    p.shape.for_each_output(|o, oc, taps| {
        let mut acc = 0i32;
        for (xi, wi) in taps {
            if let (Some(x), Some(w)) = (i8::load(input, xi), i8::load(filter, wi)) {
                acc = acc.wrapping_add((i32::from(x) + p.input_offset).wrapping_mul(i32::from(w)));
            }
        }
        acc = acc.wrapping_add(p.bias.get(oc).copied().unwrap_or(0));
        let v = multiply_by_quantized_multiplier(acc, channel_requant(p.requant, oc)).wrapping_add(p.output_zero_point);
        (v.clamp(p.act_min, p.act_max) as i8).store(output, o);
    });
}

/// int16x8 TRANSPOSE_CONV parameters (TFLM ignores the zero points on this path; codegen
/// requires them to be 0).
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvS16Params {
    /// The geometry.
    pub shape: TransposeConvShape,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// One per output channel, or empty (no bias).
    pub bias: &'static [i64],
    /// Per output channel, the requantization of the int64 accumulator to the output scale.
    pub requant: &'static [PackedRequant],
}

/// TRANSPOSE_CONV int16x8: `acc = Σ x · w` in int64, `+ bias` (int64), requantized with TFLM's
/// 64-bit `MultiplyByQuantizedMultiplier` (15-bit multiplier, single rounding), clamped.
pub fn transpose_conv_s16(p: &TransposeConvS16Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    p.shape.for_each_output(|o, oc, taps| {
        let mut acc = 0i64;
        for (xi, wi) in taps {
            if let (Some(x), Some(w)) = (i16::load(input, xi), i8::load(filter, wi)) {
                acc = acc.wrapping_add(i64::from(x) * i64::from(w));
            }
        }
        acc = acc.wrapping_add(p.bias.get(oc).copied().unwrap_or(0));
        let v = multiply_by_quantized_multiplier_i64(acc, channel_requant(p.requant, oc));
        (v.clamp(p.act_min, p.act_max) as i16).store(output, o);
    });
}

/// float32 TRANSPOSE_CONV parameters.
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvF32Params {
    /// The geometry.
    pub shape: TransposeConvShape,
    /// The fused activation's range (`f32::MIN..=f32::MAX` for none, as TFLM's `lowest()`/`max()`).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
    /// One per output channel, or empty: TFLM adds nothing then (not even `+0.0`, which would
    /// turn a `-0.0` sum into `+0.0`).
    pub bias: &'static [f32],
}

/// TRANSPOSE_CONV float32: the sum from `0.0` in TFLM's order, `+ bias`, then TFLM's
/// `ActivationFunctionWithMinMax` (`min(max(x, lo), hi)` with C++ `std::max`/`std::min`, which
/// pass a NaN through).
pub fn transpose_conv_f32(p: &TransposeConvF32Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    p.shape.for_each_output(|o, oc, taps| {
        let mut acc = 0.0f32;
        for (xi, wi) in taps {
            if let (Some(x), Some(w)) = (f32::load(input, xi), f32::load(filter, wi)) {
                acc += x * w;
            }
        }
        if let Some(&b) = p.bias.get(oc) {
            acc += b;
        }
        let lo = if acc < p.act_min { p.act_min } else { acc };
        let v = if p.act_max < lo { p.act_max } else { lo };
        v.store(output, o);
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// A random geometry with TFLM's padding rule (SAME or VALID on the output size).
    fn shape(rng: &mut Rng) -> TransposeConvShape {
        let (in_h, in_w) = (rng.usize(1, 4), rng.usize(1, 4));
        let (k_h, k_w) = (rng.usize(1, 4), rng.usize(1, 4));
        let (s_h, s_w) = (rng.usize(1, 3), rng.usize(1, 3));
        let same = rng.bool();
        let dim = |i: usize, k: usize, s: usize| -> (usize, usize) {
            let out = if same { i * s } else { (i - 1) * s + k };
            // TFLM: the forward conv's output on `out` and its leading padding.
            let conv_out = if same { out.div_ceil(s) } else { (out + s - k) / s };
            let total = ((conv_out.max(1) - 1) * s + k).saturating_sub(out);
            (out, total / 2)
        };
        let (out_h, pad_h) = dim(in_h, k_h, s_h);
        let (out_w, pad_w) = dim(in_w, k_w, s_w);
        TransposeConvShape {
            input: [rng.usize(1, 2), in_h, in_w, rng.usize(1, 4)],
            output: [0, out_h, out_w, rng.usize(1, 4)],
            kernel: [k_h, k_w],
            stride: [s_h, s_w],
            pad: [pad_h, pad_w],
        }
        .with_batches()
    }

    impl TransposeConvShape {
        fn with_batches(mut self) -> Self {
            self.output[0] = self.input[0];
            self
        }
    }

    /// TFLM's scatter, literally: returns, per output element, the (input, filter) index pairs
    /// in the order the reference adds them.
    fn scatter(s: &TransposeConvShape) -> Vec<Vec<(usize, usize)>> {
        let [n, ih, iw, ic] = s.input;
        let [_, oh, ow, oc] = s.output;
        let mut acc = vec![Vec::new(); n * oh * ow * oc];
        for b in 0..n {
            for y in 0..ih {
                for x in 0..iw {
                    for c in 0..ic {
                        for fy in 0..s.kernel[0] {
                            for fx in 0..s.kernel[1] {
                                for o in 0..oc {
                                    let out_y = (y * s.stride[0] + fy) as i64 - s.pad[0] as i64;
                                    let out_x = (x * s.stride[1] + fx) as i64 - s.pad[1] as i64;
                                    if out_y >= 0 && out_x >= 0 && (out_y as usize) < oh && (out_x as usize) < ow {
                                        let oi = ((b * oh + out_y as usize) * ow + out_x as usize) * oc + o;
                                        let xi = ((b * ih + y) * iw + x) * ic + c;
                                        let wi = ((o * s.kernel[0] + fy) * s.kernel[1] + fx) * ic + c;
                                        acc[oi].push((xi, wi));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        acc
    }

    #[test]
    fn gather_visits_tflm_scatter_order() {
        let mut rng = Rng::new(100);
        for case in 0..500 {
            let s = shape(&mut rng);
            let want = scatter(&s);
            let mut got = Vec::new();
            s.for_each_output(|o, oc, taps| {
                assert_eq!(o, got.len());
                assert_eq!(oc, o % s.output[3]);
                got.push(taps.collect::<Vec<_>>());
            });
            assert_eq!(got, want, "case {case}: {s:?}");
        }
    }

    fn filter_len(s: &TransposeConvShape) -> usize {
        s.output[3] * s.kernel[0] * s.kernel[1] * s.input[3]
    }

    #[test]
    fn s8_matches_tflm_definition() {
        let mut rng = Rng::new(101);
        for case in 0..500 {
            let s = shape(&mut rng);
            let oc = s.output[3];
            let mut input = vec![0u8; s.input.iter().product()];
            let mut filter = vec![0u8; filter_len(&s)];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = if case % 3 == 0 { vec![] } else { (0..oc).map(|_| rng.range(-5000, 5000) as i32).collect() };
            let requant: Vec<PackedRequant> = (0..if case % 2 == 0 { 1 } else { oc }).map(|_| rng.packed_requant()).collect();
            let (lo, hi) = (rng.act_min(), rng.act_max());
            let p = TransposeConvParams {
                shape: s,
                input_offset: rng.range(-127, 128) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: lo.min(hi),
                act_max: lo.max(hi),
                bias: crate::fixed_point::testing::leak(bias.clone()),
                requant: crate::fixed_point::testing::leak(requant.clone()),
            };
            let want: Vec<u8> = scatter(&s)
                .iter()
                .enumerate()
                .map(|(o, taps)| {
                    let c = o % oc;
                    let sum: i64 = taps.iter().map(|&(x, w)| (input[x] as i8 as i64 + p.input_offset as i64) * filter[w] as i8 as i64).sum();
                    let acc = (sum + bias.get(c).copied().unwrap_or(0) as i64) as i32;
                    let rq = requant[if requant.len() == 1 { 0 } else { c }].get();
                    (ref_mbqm(acc, rq) + p.output_zero_point).clamp(p.act_min, p.act_max) as i8 as u8
                })
                .collect();
            let mut got = vec![0u8; want.len()];
            transpose_conv_s8(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {s:?}");
        }
    }

    /// The 64-bit requantization, from its definition with i128 and a real-number check.
    #[test]
    fn s16_matches_tflm_definition() {
        let mut rng = Rng::new(102);
        for case in 0..500 {
            let s = shape(&mut rng);
            let oc = s.output[3];
            let mut input = vec![0u8; 2 * s.input.iter().product::<usize>()];
            let mut filter = vec![0u8; filter_len(&s)];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i64> = if case % 3 == 0 { vec![] } else { (0..oc).map(|_| rng.range(-1 << 30, 1 << 30)).collect() };
            let requant: Vec<PackedRequant> =
                (0..oc).map(|_| PackedRequant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-20, -8) as i8 }).collect();
            let p = TransposeConvS16Params {
                shape: s,
                act_min: -32768,
                act_max: if case % 4 == 0 { 1000 } else { 32767 },
                bias: crate::fixed_point::testing::leak(bias.clone()),
                requant: crate::fixed_point::testing::leak(requant.clone()),
            };
            let x16 = |i: usize| i16::from_le_bytes([input[2 * i], input[2 * i + 1]]) as i128;
            let mut want = Vec::new();
            for (o, taps) in scatter(&s).iter().enumerate() {
                let c = o % oc;
                let acc: i128 = taps.iter().map(|&(x, w)| x16(x) * filter[w] as i8 as i128).sum::<i128>() + bias.get(c).copied().unwrap_or(0) as i128;
                let m = requant[c].multiplier as i128;
                let m15 = if m < 0x7FFF_0000 { (m + (1 << 15)) >> 16 } else { 0x7FFF };
                let sh = 15 - requant[c].shift as i128;
                let v = ((acc * m15 + (1 << (sh - 1))) >> sh) as i64;
                let v = v.clamp(p.act_min as i64, p.act_max as i64) as i16;
                want.extend_from_slice(&v.to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            transpose_conv_s16(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {s:?}");
        }
    }

    #[test]
    fn f32_matches_tflm_scatter() {
        let mut rng = Rng::new(103);
        for case in 0..500 {
            let s = shape(&mut rng);
            let oc = s.output[3];
            let n_in: usize = s.input.iter().product();
            let xs: Vec<f32> = (0..n_in).map(|_| rng.range(-1000, 1000) as f32 * 10f32.powi(rng.range(-4, 4) as i32)).collect();
            let ws: Vec<f32> = (0..filter_len(&s)).map(|_| rng.range(-1000, 1000) as f32 / 1024.0).collect();
            let bias: Vec<f32> = if case % 3 == 0 { vec![] } else { (0..oc).map(|_| rng.range(-100, 100) as f32 / 7.0).collect() };
            let (lo, hi) = if case % 2 == 0 { (f32::MIN, f32::MAX) } else { (0.0, 6.0) };
            let p = TransposeConvF32Params { shape: s, act_min: lo, act_max: hi, bias: crate::fixed_point::testing::leak(bias.clone()) };
            let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let mut want = Vec::new();
            for (o, taps) in scatter(&s).iter().enumerate() {
                let mut acc = 0.0f32;
                for &(x, w) in taps {
                    acc += xs[x] * ws[w];
                }
                if let Some(b) = bias.get(o % oc) {
                    acc += b;
                }
                want.extend_from_slice(&acc.max(lo).min(hi).to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            transpose_conv_f32(&p, &bytes(&xs), &bytes(&ws), &mut got);
            assert_eq!(got, want, "case {case}: {s:?}");
        }
    }
}
