//! CONV_2D int8 with the filter-row length known at compile time: the OHWI filter, and on the
//! interior of the image each output value is `k_h` dot products of `L = k_w · in_c` contiguous
//! bytes (one filter row against one input row segment). With `L` a constant, LLVM unrolls each
//! dot product and forms the multiply-add-pairs instruction (`vpmaddwd`) from plain safe code on
//! targets with AVX2 — which it does not for the broadcast loops of [`super::conv2d_s8_packed`],
//! the kernel kiln uses where this one is not faster (baseline x86-64, Cortex-M). The compiler
//! chooses between the two with `#[cfg]` in the generated code (see `codegen`'s `conv.rs`).
//!
//! Arithmetic is that of [`super::conv2d_s8`] (folded bias, wrapping i32 sums, TFLM's output
//! stage); border pixels go through its per-pixel path. Bit-exact with TFLM.

use super::super::{copy_prefix, window, window_mut};
use super::{conv_pixel_s8, interior_range, store_block, tap_range, BlockRq, Conv2dParams, OC_BLOCK};

/// `Σ x[i] · w[i]` over `L` int8 bytes, wrapping like TFLM's int32 accumulator. Each product
/// fits in i16 (|−128 · −128| = 2^14), which lets LLVM use `vpmaddwd`.
#[inline(always)]
fn dot_inline<const L: usize>(x: &[u8; L], w: &[u8; L]) -> i32 {
    let mut s = 0i32;
    for i in 0..L {
        s = s.wrapping_add(i32::from(i16::from(x[i] as i8) * i16::from(w[i] as i8)));
    }
    s
}

/// [`dot_inline`] kept out of line: inlined next to its siblings, a short dot product is
/// vectorized across output channels with `vpmulld` instead (slower than the call).
#[inline(never)]
fn dot_call<const L: usize>(x: &[u8; L], w: &[u8; L]) -> i32 {
    dot_inline(x, w)
}

/// The dot product of one filter row with one input row segment.
#[inline(always)]
fn dot<const L: usize>(x: &[u8; L], w: &[u8; L]) -> i32 {
    if L < 64 {
        dot_call(x, w)
    } else {
        dot_inline(x, w)
    }
}

/// The `L` bytes at `start`, if they are all in `s` (always, for the shapes the compiler emits).
#[inline(always)]
fn row<const L: usize>(s: &[u8], start: usize) -> Option<&[u8; L]> {
    <&[u8; L]>::try_from(window(s, start, L)).ok()
}

/// CONV_2D int8 (groups = 1, width dilation 1) over the OHWI filter, `L = k_w · in_c`; same
/// params and result as [`super::conv2d_s8`].
pub fn conv2d_s8_rows<const L: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    if out_c == 0 || p.requant.is_empty() || L != k_w * in_c || dil_w != 1 || filter.len() != out_c * k_h * L {
        // Not a shape this kernel is specialized for: the general one gives the same result.
        super::conv2d_s8(p, input, filter, output);
        return;
    }
    let (out_zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let in_img = in_h * in_w * in_c;
    let in_row = in_w * in_c;
    let f_len = k_h * L;
    // Output columns whose whole filter window lies inside the image columns: `ox_lo..ox_hi`.
    let (ox_lo, ox_hi) = interior_range(in_w, pad_w, k_w, 1, stride_w, out_w);

    // Border pixels (some tap outside the image): the general per-pixel path.
    let mut out_pixels = output.chunks_exact_mut(out_c);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let rows = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            let rows_full = rows.0 == 0 && rows.1 == k_h;
            for ox in 0..out_w {
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                if !(rows_full && (ox_lo..ox_hi).contains(&ox)) {
                    conv_pixel_s8(p, image, filter, rows, ox, out_px);
                }
            }
        }
    }
    // Interior pixels, channel blocks outermost: a block's filter rows and output stage are set
    // up once and stay in cache over the image.
    for c0 in (0..out_c).step_by(OC_BLOCK) {
        let width = (out_c - c0).min(OC_BLOCK);
        let brq = if width == OC_BLOCK { BlockRq::new(p.requant, c0, out_zp, lo, hi) } else { None };
        let filters = window(filter, c0 * f_len, width * f_len);
        let mut bias = [0i32; OC_BLOCK];
        copy_prefix(&mut bias, window(p.bias, c0, width));
        for b in 0..batches {
            let image = window(input, b * in_img, in_img);
            for oy in 0..out_h {
                let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
                if ky0 != 0 || ky1 != k_h {
                    continue;
                }
                let out_row = window_mut(output, ((b * out_h + oy) * out_w) * out_c, out_w * out_c);
                for ox in ox_lo..ox_hi.max(ox_lo) {
                    let x0 = (ox * stride_w - pad_w) * in_c;
                    let mut acc = bias;
                    for ky in 0..k_h {
                        let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                        let Some(x) = row::<L>(image, iy * in_row + x0) else {
                            continue;
                        };
                        // A full block as a loop of constant length (unrolled), the tail as a short one.
                        if width == OC_BLOCK {
                            for (j, a) in acc.iter_mut().enumerate() {
                                if let Some(w) = row::<L>(filters, j * f_len + ky * L) {
                                    *a = a.wrapping_add(dot(x, w));
                                }
                            }
                        } else {
                            for (j, a) in acc.iter_mut().enumerate().take(width) {
                                if let Some(w) = row::<L>(filters, j * f_len + ky * L) {
                                    *a = a.wrapping_add(dot(x, w));
                                }
                            }
                        }
                    }
                    let out = window_mut(out_row, ox * out_c + c0, width);
                    store_block(out, &acc, &brq, c0, p.requant, out_zp, lo, hi);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv2d_s8;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use crate::fixed_point::PackedRequant;
    use std::{vec, vec::Vec};

    /// Same bytes as the general kernel over random shapes for several row lengths (1×1 and
    /// k×k filters, strides, height dilation, padding, zero points, per-tensor and per-channel
    /// requantization, tail channel blocks), and the general path for a mismatched `L`.
    fn check<const L: usize>(rng: &mut Rng, cases: usize) {
        for case in 0..cases {
            // L = k_w · in_c: pick k_w among the divisors of L.
            let kws: Vec<usize> = (1..=L.min(5)).filter(|k| L % k == 0).collect();
            let kw = kws[rng.usize(0, kws.len() - 1)];
            let ic = L / kw;
            let kh = rng.usize(1, 3);
            let oc = rng.usize(1, 20);
            let (sh, sw) = (rng.usize(1, 2), rng.usize(1, 2));
            let dh = rng.usize(1, 2);
            let (ih, iw) = (rng.usize(1, 8), rng.usize(1, 9));
            let (ph, pw) = if case % 3 == 0 { (0, 0) } else { (rng.usize(0, kh * dh), rng.usize(0, kw)) };
            let oh = (ih + 2 * ph).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + 2 * pw).saturating_sub(kw) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; oc * kh * kw * ic];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = Conv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, 1],
                pad: [ph, pw],
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            let mut want = vec![0u8; n * oh * ow * oc];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_rows::<L>(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "L = {L}, case {case}: {p:?}");
            // A row length that does not fit the shape falls back to the general kernel.
            let mut other = vec![0u8; want.len()];
            conv2d_s8_rows::<7>(&p, &input, &filter, &mut other);
            assert_eq!(other, want, "L = 7 fallback, case {case}: {p:?}");
        }
    }

    #[test]
    fn rows_match_the_general_kernel() {
        let mut rng = Rng::new(91);
        check::<1>(&mut rng, 300);
        check::<3>(&mut rng, 300);
        check::<8>(&mut rng, 300);
        check::<12>(&mut rng, 300);
        check::<16>(&mut rng, 300);
        check::<40>(&mut rng, 200);
        check::<64>(&mut rng, 100);
        check::<128>(&mut rng, 50);
    }
}
