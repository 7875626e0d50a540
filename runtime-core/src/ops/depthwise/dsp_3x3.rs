//! 3×3 undilated DEPTHWISE_CONV_2D int8 on the Arm DSP extension (every MobileNet depthwise
//! layer, and a first layer that broadcasts one input channel): one four-channel group at a
//! time over the whole image, through a ring of three padded input rows.
//!
//! Why the ring: with the group's word of each pixel of three input rows in three arrays, a
//! pixel's nine taps are three words at one column of each, with no bounds check and no border
//! case: the padding columns, and the rows above or below the image, hold the input zero point
//! (what TFLM's padding means under the folded bias). A tap is one load, SXTB16 and SXTB16 ROR #8 (channels
//! 0, 2 and 1, 3 as halfword pairs), the tap's two widened weights and four SMLABB/SMLATT
//! ([`mac_s8x4`]: one fixed sequence, so that the optimizer keeps each tap together). With
//! stride 1 or 2 each input row enters the ring once per group and tile; a broadcast input byte
//! enters it in all four bytes of its word. The ring is [`TILE`] columns wide (312 bytes of
//! stack); wider images go in tiles of output columns.
//!
//! The output stage is the layer's [`OutputStage`], its SMMLAR step set up once per group
//! (every real model) or else out of line.

use super::super::conv::{rq_at, word, ChannelStage, OutputStage};
use super::super::{window, window_mut};
use super::DepthwiseConv2dParams;
use crate::arch::arm_dsp::{mac_s8x4, sxtb16, sxtb16_ror8};

/// Columns of the ring (padding included): a tile's `n` output columns read `(n − 1)·stride + 3`.
/// 26: 24 output columns at stride 1 and 12 at stride 2, so the MobileNet widths at 96×96 (48,
/// 24, 12, …) take whole tiles (with 24 columns, a 24-wide row was a tile of 22 and one of 2,
/// each with its row overhead: person_detect −1.0 % instructions).
const TILE: usize = 26;

/// One padded input row of a tile: the group's word of each pixel.
type Row = [u32; TILE];

/// A tap's four weights widened: SXTB16 (channels 0 and 2) and SXTB16 ROR #8 (channels 1, 3).
type Px = [u32; 2];

#[inline(always)]
fn widen(x: u32) -> Px {
    [sxtb16(x), sxtb16_ror8(x)]
}

/// Whether [`groups_3x3`] computes this shape: a 3×3 undilated filter on four-channel groups,
/// with depth multiplier 1 or one input channel broadcast to all outputs.
pub(super) fn covers_3x3(p: &DepthwiseConv2dParams) -> bool {
    let (in_c, out_c) = (p.input[3], p.output[3]);
    let shape = (p.depth_multiplier == 1 && in_c == out_c) || (in_c == 1 && p.depth_multiplier == out_c);
    p.kernel == [3, 3] && p.dilation == [1, 1] && p.stride[0] > 0 && p.stride[1] > 0 && out_c % 4 == 0 && out_c > 0 && shape
}

/// What one four-channel group's pixels share: its nine widened taps, bias and each channel's
/// output stage ([`OutputStage::channel`]: on every real model the operands of the SMMLAR step,
/// five instructions per channel; else the out-of-line general step).
struct Group {
    w: [[Px; 3]; 3],
    bias: [i32; 4],
    stage: [ChannelStage; 4],
}

impl Group {
    /// Channels `c0..c0 + 4` of `p` (`c` channels). The taps are read by one iterator: with
    /// nine offsets, the optimizer kept each in a stack slot across the whole layer.
    /// `ONE_BUFFER` (which kernel calls) only keeps the two kernels' copies apart: `from_fn`'s
    /// closures are functions of their own, and shared by both kernels (a firmware that links
    /// both) LLVM called them out of line, their frame on top of the kernel's (+128 B of peak
    /// stack in a patched MobileNetV2). Unrolled by hand instead, +52 B of flash per model.
    #[inline(always)]
    fn new<const ONE_BUFFER: bool>(p: &DepthwiseConv2dParams, stage: &OutputStage, filter: &[u8], c: usize, c0: usize) -> Self {
        let mut taps = filter.get(c0..).unwrap_or(&[]).chunks(c.max(1)).map(|t| widen(word(t.get(..4).unwrap_or(&[]))));
        Group {
            w: core::array::from_fn(|_| core::array::from_fn(|_| taps.next().unwrap_or([0; 2]))),
            bias: <[i32; 4]>::try_from(window(p.bias, c0, 4)).unwrap_or([0; 4]),
            stage: [0, 1, 2, 3].map(|j| stage.channel(rq_at(p.requant, c0 + j))),
        }
    }
}

/// One padded row of a tile: `cols` columns, of which `left..left + inner` read the image from
/// `src` on (pixels `stride` bytes apart: a group word each, or one broadcast byte), the rest
/// (and all of them without `src`) the input zero point's word `zp4`. Out of line: inlined, its
/// temporaries took stack slots in [`groups_3x3`]'s frame.
#[inline(never)]
fn fill(row: &mut Row, src: Option<&[u8]>, stride: usize, broadcast: bool, [left, inner, cols]: [usize; 3], zp4: u32) {
    let Some(row) = row.get_mut(..cols) else {
        return;
    };
    let Some(src) = src else {
        row.fill(zp4);
        return;
    };
    let Some((pads, rest)) = row.split_at_mut_checked(left) else {
        return;
    };
    pads.fill(zp4);
    let Some((mid, right)) = rest.split_at_mut_checked(inner) else {
        return;
    };
    right.fill(zp4);
    if broadcast {
        for (d, &x) in mid.iter_mut().zip(src) {
            // One input value for all four channels: SXTB16 gives it in both halves either way.
            *d = u32::from(x) * 0x0101_0101;
        }
    } else if stride >= 4 {
        // Whole pixels but the last, whose group word may end the image.
        let Some((last, body)) = mid.split_last_mut() else {
            return;
        };
        let whole = src.get(..body.len() * stride).unwrap_or(&[]);
        for (d, px) in body.iter_mut().zip(whole.chunks_exact(stride)) {
            *d = px.first_chunk::<4>().map_or(0, |b| u32::from_le_bytes(*b));
        }
        *last = src.get(body.len() * stride..).and_then(|b| b.first_chunk::<4>()).map_or(0, |b| u32::from_le_bytes(*b));
    }
}

/// 3×3 undilated DEPTHWISE_CONV_2D on four-channel groups (see the module docs; shapes:
/// [`covers_3x3`]). Per group: its [`Group`] set up once; per tile of output columns and output
/// row: the window rows not yet in the ring copied into it ([`fill`]), then the row's pixels
/// ([`row`]). Not generic: one copy serves every layer.
#[inline(never)]
pub(super) fn groups_3x3(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [stride_h, stride_w] = p.stride;
    let [pad_h, pad_w] = p.pad;
    if stride_w == 0 || c == 0 || in_c == 0 {
        return;
    }
    let broadcast = in_c == 1;
    let zp4 = u32::from(p.input_zero_point as u8) * 0x0101_0101;
    // Out of line: inlined, its loops over the factors changed how this function's own loops
    // were allocated (+0.6 % on MobileNetV2's depthwise layers when it gained its SMMLAR path).
    // Nine taps of int8 products add at most 9·2^14 to a bias: with biases within ±2^29 every
    // accumulator is within ±2^30, and the SMMLAR step takes the factors in [¼, ½) too.
    let small_sums = p.bias.iter().all(|b| b.unsigned_abs() <= 1 << 29);
    let stage = OutputStage::new_out_of_line(p.requant, p.output_zero_point, p.act_min, p.act_max, small_sums);
    let (in_img, out_img) = (in_h * in_w * in_c, out_h * out_w * c);
    // Output columns per tile: their windows span `(n − 1)·stride + 3 <= TILE` columns.
    let per_tile = (TILE - 3) / stride_w + 1;
    // Three padded rows (padded row `r` in slot `r % 3`).
    let mut ring: [Row; 3] = [[0; TILE]; 3];
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        let out_image = window_mut(output, b * out_img, out_img);
        for g in (0..c).step_by(4) {
            let group = Group::new::<false>(p, &stage, filter, c, g);
            // The group's bytes in an input pixel.
            let src_at = if broadcast { 0 } else { g };
            let mut ox0 = 0;
            while ox0 < out_w {
                let n = per_tile.min(out_w - ox0);
                // The tile's padded columns `q0..q0 + cols` (input column `q − pad_w`): `left`
                // of padding, then `inner` from input column `ix0` on, then padding.
                let q0 = ox0 * stride_w;
                let cols = (n - 1) * stride_w + 3;
                let left = pad_w.saturating_sub(q0).min(cols);
                let ix0 = (q0 + left).saturating_sub(pad_w);
                let inner = in_w.saturating_sub(ix0).min(cols - left);
                // Padded rows below `next` are in the ring.
                let mut next = 0;
                for oy in 0..out_h {
                    let r0 = oy * stride_h;
                    for r in next.max(r0)..r0 + 3 {
                        let iy = r.wrapping_sub(pad_h);
                        let src = if iy < in_h { image.get((iy * in_w + ix0) * in_c + src_at..) } else { None };
                        if let Some(slot) = ring.get_mut(r % 3) {
                            fill(slot, src, in_c, broadcast, [left, inner, cols], zp4);
                        }
                    }
                    next = r0 + 3;
                    let x = [0, 1, 2].map(|k| &ring[(r0 + k) % 3]);
                    let out_row = window_mut(out_image, (oy * out_w + ox0) * c + g, (n - 1) * c + 4);
                    row(x, &group, out_row, [c, stride_w], &stage);
                }
                ox0 += n;
            }
        }
    }
}

/// Widest image [`depthwise_conv2d_s8_3x3_in_place`](super::depthwise_conv2d_s8_3x3_in_place) takes: one tile, so that a group's whole input row is
/// in the ring before its output row overwrites it (with tiles, the next tile would read the
/// halo column the previous one overwrote).
pub const MAX_IN_PLACE_WIDTH: usize = TILE - 2;

/// Whether [`groups_3x3_in_place`] computes this shape: [`covers_3x3`] with depth multiplier 1,
/// stride 1 and one row and column of padding on each side (the output has the input's shape),
/// at most [`MAX_IN_PLACE_WIDTH`] wide.
pub(super) fn covers_in_place(p: &DepthwiseConv2dParams) -> bool {
    covers_3x3(p) && p.input == p.output && p.depth_multiplier == 1 && p.stride == [1, 1] && p.pad == [1, 1] && p.input[2] <= MAX_IN_PLACE_WIDTH
}

/// [`groups_3x3`] with the output written over the input in one buffer, for
/// [`covers_in_place`] shapes: no second activation buffer. Per group, output row `y` reads
/// input rows `y − 1 ..= y + 1`; the ring holds the first two already and takes the third
/// before the row is written, and the row written, the group's bytes of input row `y`, is in
/// the ring, and no later row reads it from the buffer. Other groups' bytes are untouched
/// (depthwise: a channel reads only itself). Same arithmetic as [`groups_3x3`], same bytes.
#[inline(never)]
pub(super) fn groups_3x3_in_place(p: &DepthwiseConv2dParams, filter: &[u8], buffer: &mut [u8]) {
    let [batches, h, w, c] = p.input;
    if !covers_in_place(p) {
        return;
    }
    let zp4 = u32::from(p.input_zero_point as u8) * 0x0101_0101;
    // As in `groups_3x3`: with biases within ±2^29 the SMMLAR step takes factors in [¼, ½) too.
    let small_sums = p.bias.iter().all(|b| b.unsigned_abs() <= 1 << 29);
    let stage = OutputStage::new_out_of_line(p.requant, p.output_zero_point, p.act_min, p.act_max, small_sums);
    let (img, line) = (h * w * c, w * c);
    let mut ring: [Row; 3] = [[0; TILE]; 3];
    for b in 0..batches {
        let image = window_mut(buffer, b * img, img);
        for g in (0..c).step_by(4) {
            let group = Group::new::<true>(p, &stage, filter, c, g);
            // Padded row `r` (input row `r − 1`) in slot `r % 3`; rows below `next` are in it.
            let mut next = 0;
            for y in 0..h {
                for r in next.max(y)..y + 3 {
                    let src = if (1..=h).contains(&r) { image.get((r - 1) * line + g..) } else { None };
                    if let Some(slot) = ring.get_mut(r % 3) {
                        fill(slot, src, c, false, [1, w, w + 2], zp4);
                    }
                }
                next = y + 3;
                let x = [0, 1, 2].map(|k| &ring[(y + k) % 3]);
                row(x, &group, window_mut(image, y * line + g, (w - 1) * c + 4), [c, 1], &stage);
            }
        }
    }
}

/// One output row of a tile: pixel `j` (`c` bytes apart in `out`, which starts at the group's
/// first byte) reads columns `j · stride ..+ 3` of the window's ring rows `x`, then `stage`.
/// (Two pixels at a time, sharing each tap's weight loads, measured slower: twelve live
/// accumulators and weights leave no registers for the rest, and the spills cost more than
/// the loads saved.)
#[inline(always)]
fn row([x0, x1, x2]: [&Row; 3], group: &Group, out: &mut [u8], [c, stride]: [usize; 2], stage: &OutputStage) {
    let taps = |x: &Row, q: usize| x.get(q..).and_then(|r| r.first_chunk::<3>()).copied();
    for (j, out_px) in out.chunks_mut(c.max(1)).enumerate() {
        let q = j * stride;
        let (Some(t0), Some(t1), Some(t2)) = (taps(x0, q), taps(x1, q), taps(x2, q)) else {
            return;
        };
        let mut acc = group.bias;
        for (t, w) in [t0, t1, t2].iter().zip(&group.w) {
            for (&x, &[w_e, w_o]) in t.iter().zip(w) {
                mac(&mut acc, x, w_e, w_o);
            }
        }
        if let Some(o) = out_px.first_chunk_mut::<4>() {
            stage.apply_channels(acc, &group.stage, o);
        }
    }
}

/// `acc[j] += x[j] · w[j]` for one tap of a group (`w_e`, `w_o`: its widened weights).
#[inline(always)]
fn mac(acc: &mut [i32; 4], x: u32, w_e: u32, w_o: u32) {
    *acc = mac_s8x4(*acc, x, w_e, w_o);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::depthwise_conv2d_s8;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use crate::fixed_point::PackedRequant;
    use std::{vec, vec::Vec};

    /// Same bytes as the portable kernel (the twins of the DSP instructions on the host) on the
    /// shapes the ring meets: images 1 to 40 wide (one tile, several, a last short one),
    /// strides 1 to 3 (3 shares no ring row), paddings 0 to 3 on each side (whole tiles of
    /// padding too), several batches, depth multiplier 1 and one channel broadcast, input bytes
    /// often −128 and zero points at both ends, the whole int8 clamp and narrower ones,
    /// per-tensor and per-channel factors (some outside `RoundingScale`'s domain), biases
    /// small and large.
    #[test]
    fn groups_3x3_match_the_portable_kernel() {
        let mut rng = Rng::new(0x3d3);
        for case in 0..4000 {
            let broadcast = case % 4 == 0;
            let oc = 4 * rng.usize(1, 6);
            let ic = if broadcast { 1 } else { oc };
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let ih = rng.usize(1, 8);
            let iw = if case % 3 == 0 { rng.usize(1, 40) } else { rng.usize(1, 7) };
            let (ph, pw) = (rng.usize(0, 3), rng.usize(0, 3));
            let oh = (ih + ph + rng.usize(0, 2)).saturating_sub(2).div_ceil(sh).max(1);
            let ow = (iw + pw + rng.usize(0, 2)).saturating_sub(2).div_ceil(sw).max(1);
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; 9 * oc];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            if rng.bool() {
                for x in input.iter_mut().chain(filter.iter_mut()).filter(|_| rng.usize(0, 3) == 0) {
                    *x = 0x80;
                }
            }
            let edge = |rng: &mut Rng| match rng.usize(0, 3) {
                0 => -128,
                1 => 127,
                _ => rng.range(-128, 127) as i32,
            };
            // Now and then a bias beyond ±2^29, which leaves the SMMLAR step's domain of
            // factors in [¼, ½).
            let big = case % 7 == 0;
            let bias: Vec<i32> = (0..oc)
                .map(|_| match (big, rng.usize(0, 3)) {
                    (true, 0) => rng.i32(),
                    (true, 1) => [i32::MAX, i32::MIN, i32::MAX - 300_000, (1 << 29) + 1][rng.usize(0, 3)],
                    _ => rng.range(-50_000, 50_000) as i32,
                })
                .collect();
            let mut requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 }).map(|_| rng.packed_requant()).collect();
            if big && rng.bool() {
                // A factor just below ½ on accumulators near i32::MAX: the step's sum would wrap.
                requant.fill(PackedRequant { multiplier: i32::MAX, shift: -1 });
            }
            let p = DepthwiseConv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [3, 3],
                stride: [sh, sw],
                dilation: [1, 1],
                pad: [ph, pw],
                depth_multiplier: oc / ic,
                input_zero_point: edge(&mut rng),
                output_zero_point: edge(&mut rng),
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            assert!(covers_3x3(&p));
            let mut want = vec![0u8; n * oh * ow * oc];
            depthwise_conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            // Through the entry point the compiler calls for these layers.
            super::super::depthwise_conv2d_s8_dsp_3x3(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The in-place kernel gives the out-of-place kernel's bytes, over the buffer that held the
    /// input, on every shape it takes (1 to `MAX_IN_PLACE_WIDTH` columns, 1 to 9 rows, several
    /// batches and groups), and leaves the buffer as it was on a shape it does not take.
    #[test]
    fn in_place_matches_the_portable_kernel() {
        let mut rng = Rng::new(0x1a9);
        for case in 0..2000 {
            let c = 4 * rng.usize(1, 6);
            let (n, h, w) = (rng.usize(1, 2), rng.usize(1, 9), rng.usize(1, MAX_IN_PLACE_WIDTH));
            let mut input = vec![0u8; n * h * w * c];
            let mut filter = vec![0u8; 9 * c];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..c).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { c } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = DepthwiseConv2dParams {
                input: [n, h, w, c],
                output: [n, h, w, c],
                kernel: [3, 3],
                stride: [1, 1],
                dilation: [1, 1],
                pad: [1, 1],
                depth_multiplier: 1,
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            assert!(covers_in_place(&p));
            let mut want = vec![0u8; input.len()];
            depthwise_conv2d_s8(&p, &input, &filter, &mut want);
            let mut buffer = input.clone();
            super::super::depthwise_conv2d_s8_3x3_in_place(&p, &filter, &mut buffer);
            assert_eq!(buffer, want, "case {case}: {p:?}");
            // One column too wide for one tile, or stride 2: not taken, untouched.
            let wide = DepthwiseConv2dParams { input: [1, 1, MAX_IN_PLACE_WIDTH + 1, c], output: [1, 1, MAX_IN_PLACE_WIDTH + 1, c], ..p };
            let strided = DepthwiseConv2dParams { stride: [2, 2], ..p };
            for q in [wide, strided] {
                assert!(!covers_in_place(&q));
                let mut buffer = input.clone();
                super::super::depthwise_conv2d_s8_3x3_in_place(&q, &filter, &mut buffer);
                assert_eq!(buffer, input);
            }
        }
    }
}
