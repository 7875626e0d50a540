//! int8 matrix product for CONV_2D and FULLY_CONNECTED on x86-64's baseline SIMD, SSE2
//! (PMADDWD: eight 16-bit multiply-adds into four `i32` lanes per instruction), for builds that
//! can assume nothing more — the default `x86_64` build.
//!
//! SSE2 has no byte multiply-add, so the filter is widened to `i16` at compile time
//! ([`pack_filter_sse2`]; twice the bytes, on hosts that have them): blocks of eight output
//! channels, each opening with its eight biases, then for every two input channels 32 bytes,
//! the two weights of each channel in turn — the operand PMADDWD multiplies a broadcast input
//! pair with, two vectors per block. The input is widened eight bytes at a time; each of its
//! four pairs is broadcast (PSHUFD) and multiplied into the block's two accumulators, for four
//! rows at once (8 accumulators, 2 weight and 4 input registers: the sixteen XMM registers
//! without spills). The bias comes folded with the input zero point (as in the params), each
//! product fits in `i32` and PMADDWD adds without saturating here (`2 · 128²` fits), so the sum
//! is TFLM's wrapping `i32` sum, bit for bit; the output stage runs eight channels at a time
//! in lanes ([`BlockStage`]: PMULUDQ for the 64-bit multiply, saturating packs for the clamp).
//!
//! Without `cfg(kiln_x86_sse2)` the same code runs on the plain-Rust twins of
//! [`crate::arch::sse2`] (the compiler emits calls to it only for x86-64 builds; the twins are
//! what the unit tests and Miri check everywhere).

use super::conv::{rq_at, store_block, BlockRq};
use super::gemm::{gather_window, Pixels, Rows, MAX_GEMM_WINDOW};
use super::{window, window_mut};
use crate::arch::sse2::{self as v, I16x8, I32x4, I64x2};
use crate::fixed_point::{OutputScale, PackedRequant};

/// Output channels per block (two vectors of four `i32` lanes).
pub const SSE2_LANES: usize = 8;

/// Rows per tile.
const TILE_ROWS: usize = 4;

/// Bytes of one packed block: eight `i32` biases, then 32 bytes per two input channels (the
/// last pair padded with a zero weight).
pub const fn sse2_block_bytes(depth: usize) -> usize {
    4 * SSE2_LANES + 4 * SSE2_LANES * depth.div_ceil(2)
}

/// Bytes of a packed filter of `out_c` channels over `depth` inputs (the last block padded with
/// zero channels).
pub const fn sse2_filter_bytes(out_c: usize, depth: usize) -> usize {
    out_c.div_ceil(SSE2_LANES) * sse2_block_bytes(depth)
}

/// Lays out the `[out_c][depth]` int8 filter `w` and its folded bias (as in the params) for the
/// SSE2 kernels into `out` ([`sse2_filter_bytes`] long; other lengths leave it untouched). The
/// compiler does the same at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_sse2(w: &[u8], bias: &[i32], out_c: usize, depth: usize, out: &mut [u8]) {
    if out.len() != sse2_filter_bytes(out_c, depth) || w.len() != out_c * depth {
        return;
    }
    let weight = |c: usize, i: usize| if c < out_c && i < depth { i16::from(w[c * depth + i] as i8) } else { 0 };
    for (b, block) in out.chunks_exact_mut(sse2_block_bytes(depth)).enumerate() {
        let (head, body) = block.split_at_mut(4 * SSE2_LANES);
        for (j, word) in head.chunks_exact_mut(4).enumerate() {
            let c = b * SSE2_LANES + j;
            word.copy_from_slice(&(if c < out_c { bias.get(c).copied().unwrap_or(0) } else { 0 }).to_le_bytes());
        }
        for (q, pair) in body.chunks_exact_mut(4 * SSE2_LANES).enumerate() {
            for (j, lane) in pair.chunks_exact_mut(4).enumerate() {
                let c = b * SSE2_LANES + j;
                lane[..2].copy_from_slice(&weight(c, 2 * q).to_le_bytes());
                lane[2..].copy_from_slice(&weight(c, 2 * q + 1).to_le_bytes());
            }
        }
    }
}

/// The accumulators of one block: eight channels in two vectors.
type Acc = [I32x4; 2];

/// `acc[p] += x_pair(K) · w` for every row of a tile: input pair `K` of each row's widened
/// chunk broadcast, times the block's 32 weight bytes of that pair.
#[inline(always)]
fn pair<const K: usize, const P: usize>(acc: &mut [Acc; P], x: &[I16x8; P], w: &[u8; 32]) {
    let (w0, w1) = match (<&[u8; 16]>::try_from(&w[..16]), <&[u8; 16]>::try_from(&w[16..])) {
        (Ok(a), Ok(b)) => (v::load_i16x8(a), v::load_i16x8(b)),
        _ => return,
    };
    for (a, &x) in acc.iter_mut().zip(x) {
        let s = v::splat_pair::<K>(x);
        a[0] = v::madd(a[0], s, w0);
        a[1] = v::madd(a[1], s, w1);
    }
}

/// The accumulators of `P` rows (`x`, `depth` bytes each) through one packed block, starting
/// from its biases.
#[inline(always)]
fn tile<const P: usize>(x: [&[u8]; P], block: &[u8], depth: usize) -> [Acc; P] {
    let bias: Acc = core::array::from_fn(|h| {
        v::load_i32x4(&core::array::from_fn(|j| i32::from_le_bytes(<[u8; 4]>::try_from(window(block, 16 * h + 4 * j, 4)).unwrap_or([0; 4]))))
    });
    let mut acc = [bias; P];
    let chunks = depth / 8;
    let body = block.get(4 * SSE2_LANES..).unwrap_or(&[]);
    let w: &[[u8; 128]] = bytemuck::try_cast_slice(window(body, 0, 128 * chunks)).unwrap_or(&[]);
    let xs: [&[[u8; 8]]; P] = x.map(|r| bytemuck::try_cast_slice(window(r, 0, 8 * chunks)).unwrap_or(&[]));
    if w.len() != chunks || xs.iter().any(|r| r.len() != chunks) {
        return acc;
    }
    for (c, w) in w.iter().enumerate() {
        let x: [I16x8; P] = core::array::from_fn(|p| v::widen_i8x8(&xs[p][c]));
        if let (Some(w0), Some(w1), Some(w2), Some(w3)) = (quarter(w, 0), quarter(w, 1), quarter(w, 2), quarter(w, 3)) {
            pair::<0, P>(&mut acc, &x, w0);
            pair::<1, P>(&mut acc, &x, w1);
            pair::<2, P>(&mut acc, &x, w2);
            pair::<3, P>(&mut acc, &x, w3);
        }
    }
    let rest = depth % 8;
    if rest != 0 {
        // The last bytes, zero-padded to a chunk; only their pairs' weights exist.
        let x: [I16x8; P] = core::array::from_fn(|p| {
            let mut q = [0u8; 8];
            for (d, s) in q.iter_mut().zip(x[p].get(8 * chunks..).unwrap_or(&[])) {
                *d = *s;
            }
            v::widen_i8x8(&q)
        });
        let tail = body.get(128 * chunks..).unwrap_or(&[]);
        let at = |k: usize| <&[u8; 32]>::try_from(window(tail, 32 * k, 32)).ok();
        if let Some(w) = at(0) {
            pair::<0, P>(&mut acc, &x, w);
        }
        if rest > 2 {
            if let Some(w) = at(1) {
                pair::<1, P>(&mut acc, &x, w);
            }
        }
        if rest > 4 {
            if let Some(w) = at(2) {
                pair::<2, P>(&mut acc, &x, w);
            }
        }
        if rest > 6 {
            if let Some(w) = at(3) {
                pair::<3, P>(&mut acc, &x, w);
            }
        }
    }
    acc
}

/// The `k`-th 32 bytes of a chunk's weights (pair `k` of its four).
#[inline(always)]
fn quarter(w: &[u8; 128], k: usize) -> Option<&[u8; 32]> {
    <&[u8; 32]>::try_from(window(w, 32 * k, 32)).ok()
}

/// TFLM's output stage for the eight channels of a block in lanes ([`OutputScale`]'s parts per
/// channel): about six instructions an output byte where [`BlockRq`]'s scalar 64-bit multiplies
/// took about twenty (half of the SSE2 build's time on MobileNetV1-0.25). `None` when a channel's
/// factor is outside [`OutputScale`]'s domain or the activation range is not int8's: then the
/// block takes [`BlockRq`] or the general path.
#[derive(Clone, Copy)]
pub(super) struct BlockStage {
    multiplier: [I32x4; 2],
    round_even: [I64x2; 2],
    round_odd: [I64x2; 2],
    /// Each half's right shifts, or the one they share (one PSRAD instead of four).
    shift: [Shift; 2],
    lo: I16x8,
    hi: I16x8,
}

/// The right shifts after the high word of four lanes.
#[derive(Clone, Copy)]
enum Shift {
    All(u32),
    Lanes([u32; 4]),
}

impl BlockStage {
    /// The stage of channels `c0..c0 + 8` (those below `out_c`) with output zero point `zp`
    /// and range `lo..=hi`.
    #[inline(always)]
    pub(super) fn new(requant: &[PackedRequant], c0: usize, out_c: usize, zp: i32, lo: i32, hi: i32) -> Option<Self> {
        if !(-128..=127).contains(&lo) || !(-128..=127).contains(&hi) {
            return None;
        }
        let (mut m, mut round, mut shift) = ([0i32; SSE2_LANES], [0i64; SSE2_LANES], [0u32; SSE2_LANES]);
        for j in 0..SSE2_LANES.min(out_c.saturating_sub(c0)) {
            (m[j], round[j], shift[j]) = OutputScale::new(rq_at(requant, c0 + j), zp)?.parts();
        }
        let half = |h: usize| -> [u32; 4] { core::array::from_fn(|j| shift[4 * h + j]) };
        let shift_of = |s: [u32; 4]| if s.iter().all(|&x| x == s[0]) { Shift::All(s[0]) } else { Shift::Lanes(s) };
        Some(BlockStage {
            multiplier: core::array::from_fn(|h| v::load_i32x4(&core::array::from_fn(|j| m[4 * h + j]))),
            round_even: core::array::from_fn(|h| v::load_i64x2(&[round[4 * h], round[4 * h + 2]])),
            round_odd: core::array::from_fn(|h| v::load_i64x2(&[round[4 * h + 1], round[4 * h + 3]])),
            shift: [shift_of(half(0)), shift_of(half(1))],
            lo: v::splat_i16(lo as i16),
            hi: v::splat_i16(hi as i16),
        })
    }

    /// TFLM's output bytes of the eight accumulators.
    #[inline(always)]
    pub(super) fn apply(&self, acc: &[I32x4; 2]) -> [u8; 8] {
        let lanes: [I32x4; 2] = core::array::from_fn(|h| {
            let high = v::mul_round_high(acc[h], self.multiplier[h], self.round_even[h], self.round_odd[h]);
            match self.shift[h] {
                Shift::All(s) => v::shift_right_all(high, s),
                Shift::Lanes(s) => v::shift_right(high, s),
            }
        });
        v::narrow_clamp_i8(lanes[0], lanes[1], self.lo, self.hi)
    }
}

/// The first `dst.len()` (at most 8) of `bytes` into `dst`: a whole block as one 8-byte store.
#[inline(always)]
pub(super) fn store_bytes(dst: &mut [u8], bytes: &[u8; 8]) {
    match <&mut [u8; 8]>::try_from(&mut *dst) {
        Ok(full) => *full = *bytes,
        Err(_) => {
            for (d, s) in dst.iter_mut().zip(bytes) {
                *d = *s;
            }
        }
    }
}

/// A block's output stage: the vector one where its factors allow, else the packed kernels'.
#[derive(Clone, Copy)]
pub(super) enum Stage8 {
    Lanes(BlockStage),
    Scalar(Option<BlockRq>),
}

impl Stage8 {
    /// The stage of channels `c0..c0 + 8` of `out_c`.
    #[inline(always)]
    pub(super) fn new(requant: &[PackedRequant], c0: usize, out_c: usize, zp: i32, lo: i32, hi: i32) -> Self {
        match BlockStage::new(requant, c0, out_c, zp, lo, hi) {
            Some(st) => Stage8::Lanes(st),
            None => Stage8::Scalar(BlockRq::new(requant, c0, zp, lo, hi)),
        }
    }

    /// TFLM's output bytes of the accumulators of channels `c0..c0 + out.len()` into `out`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store(&self, out: &mut [u8], acc: &[I32x4; 2], c0: usize, requant: &[PackedRequant], zp: i32, lo: i32, hi: i32) {
        match self {
            Stage8::Lanes(st) => store_bytes(out, &st.apply(acc)),
            Stage8::Scalar(brq) => {
                let (a, b) = (v::store_i32x4(acc[0]), v::store_i32x4(acc[1]));
                let lanes: [i32; SSE2_LANES] = core::array::from_fn(|j| if j < 4 { a[j] } else { b[j - 4] });
                store_block(out, &lanes, brq, c0, requant, zp, lo, hi);
            }
        }
    }
}

/// The output stage of one layer call.
struct Stage<'a> {
    requant: &'a [PackedRequant],
    zp: i32,
    lo: i32,
    hi: i32,
}

impl Stage<'_> {
    /// TFLM's output bytes of one row's block at channel `c0` into `out_row`.
    #[inline(always)]
    fn store(&self, out_row: &mut [u8], c0: usize, out_c: usize, acc: &Acc, st: &Stage8) {
        let width = SSE2_LANES.min(out_c.saturating_sub(c0));
        st.store(window_mut(out_row, c0, width), acc, c0, self.requant, self.zp, self.lo, self.hi);
    }

    /// The output stage of the block at channel `c0`.
    #[inline(always)]
    fn block(&self, c0: usize, out_c: usize) -> Stage8 {
        Stage8::new(self.requant, c0, out_c, self.zp, self.lo, self.hi)
    }
}

/// The int8 product `output[r][c] = stage(bias[c] + Σ_i input[r][i] · w[c][i])` for `rows`
/// rows of `depth` bytes and `out_c` channels, `filter` packed by [`pack_filter_sse2`].
/// Mismatched lengths leave the output untouched (the compiler never emits them).
fn gemm_s8_sse2(rows: usize, depth: usize, out_c: usize, input: Rows<'_>, filter: &[u8], stage: Stage<'_>, output: &mut [u8]) {
    let bb = sse2_block_bytes(depth);
    if depth == 0 || out_c == 0 || stage.requant.is_empty() || filter.len() != sse2_filter_bytes(out_c, depth) {
        return;
    }
    let Some(output) = output.get_mut(..rows * out_c) else {
        return;
    };
    let blocks = out_c.div_ceil(SSE2_LANES);
    let block = |b: usize| window(filter, b * bb, bb);
    match input {
        Rows::Dense(x) => {
            let Some(x) = x.get(..rows * depth) else {
                return;
            };
            // Blocks outermost: a block's weights and output stage are set up once and stay in
            // cache while every row goes through them.
            for b in 0..blocks {
                let c0 = b * SSE2_LANES;
                let brq = stage.block(c0, out_c);
                let mut r = 0;
                while r + TILE_ROWS <= rows {
                    let acc = tile::<TILE_ROWS>(core::array::from_fn(|p| window(x, (r + p) * depth, depth)), block(b), depth);
                    for (p, a) in acc.iter().enumerate() {
                        stage.store(window_mut(output, (r + p) * out_c, out_c), c0, out_c, a, &brq);
                    }
                    r += TILE_ROWS;
                }
                for r in r..rows {
                    let [a] = tile::<1>([window(x, r * depth, depth)], block(b), depth);
                    stage.store(window_mut(output, r * out_c, out_c), c0, out_c, &a, &brq);
                }
            }
        }
        Rows::Windows(..) if depth > MAX_GEMM_WINDOW => {}
        Rows::Windows(p, x) => {
            // Pixels outermost: each tile's windows are gathered once for every block.
            let mut windows = [0u8; TILE_ROWS * MAX_GEMM_WINDOW + 16];
            let mut pixels = Pixels::of(&input);
            let mut r = 0;
            while r < rows {
                let n = if rows - r >= TILE_ROWS { TILE_ROWS } else { 1 };
                for q in 0..n {
                    gather_window(p, x, pixels.next_pixel(), &mut windows, q * depth);
                }
                let rows_x: [&[u8]; TILE_ROWS] = core::array::from_fn(|q| window(&windows, q * depth, depth));
                for b in 0..blocks {
                    let c0 = b * SSE2_LANES;
                    let brq = stage.block(c0, out_c);
                    if n == TILE_ROWS {
                        let acc = tile::<TILE_ROWS>(rows_x, block(b), depth);
                        for (q, a) in acc.iter().enumerate() {
                            stage.store(window_mut(output, (r + q) * out_c, out_c), c0, out_c, a, &brq);
                        }
                    } else {
                        let [a] = tile::<1>([rows_x[0]], block(b), depth);
                        stage.store(window_mut(output, r * out_c, out_c), c0, out_c, &a, &brq);
                    }
                }
                r += n;
            }
        }
    }
}

/// CONV_2D as one matrix product over its pixels on SSE2, `filter` packed by
/// [`pack_filter_sse2`] from the OHWI filter (as `[out_c][k_h · k_w · in_c]`) and `p.bias`: a
/// 1×1, stride-1, unpadded layer over its input as it is, any other over each pixel's window
/// gathered (up to [`MAX_GEMM_WINDOW`] bytes; a longer one leaves the output untouched, the
/// compiler never calls it so). Same params and result as [`super::conv2d_s8`] (groups = 1).
pub fn conv2d_s8_sse2(p: &super::Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [n, h, w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let stage = Stage { requant: p.requant, zp: p.output_zero_point, lo: p.act_min, hi: p.act_max };
    if p.kernel == [1, 1] && p.stride == [1, 1] && p.pad == [0, 0] && p.input[..3] == p.output[..3] {
        gemm_s8_sse2(n * h * w, in_c, out_c, Rows::Dense(input), filter, stage, output);
    } else {
        let depth = p.kernel[0] * p.kernel[1] * in_c;
        gemm_s8_sse2(n * out_h * out_w, depth, out_c, Rows::Windows(p, input), filter, stage, output);
    }
}

/// FULLY_CONNECTED as one matrix product over its batch rows on SSE2, `filter` packed by
/// [`pack_filter_sse2`]. Same params and result as [`super::fully_connected_s8`].
pub fn fully_connected_s8_sse2(p: &super::FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let stage = Stage { requant: p.requant, zp: p.output_zero_point, lo: p.act_min, hi: p.act_max };
    gemm_s8_sse2(p.batches, p.input_depth, p.output_depth, Rows::Dense(input), filter, stage, output);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv::testing::conv_case;
    use super::super::{conv2d_s8, fully_connected_s8, FullyConnectedParams};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    fn packed(w: &[u8], bias: &[i32], out_c: usize, depth: usize) -> Vec<u8> {
        let mut out = vec![0u8; sse2_filter_bytes(out_c, depth)];
        pack_filter_sse2(w, bias, out_c, depth, &mut out);
        out
    }

    /// Same bytes as the OHWI kernel (checked against TFLM on the zoo) over random pointwise
    /// layers: every depth remainder of eight, channel counts around the 8-lane blocks, pixel
    /// counts around the 4-row tiles, extreme bytes (−128 · −128 pairs), per-tensor/per-channel,
    /// narrow activation ranges and factors outside the block stage's domain. Without
    /// `cfg(kiln_x86_sse2)` this runs the twins (and under Miri, fewer cases).
    #[test]
    fn pointwise_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0x55e1);
        for case in 0..if cfg!(miri) { 40 } else { 1500 } {
            let ic = if case % 3 == 0 { 8 * rng.usize(1, 12) } else { rng.usize(1, 70) };
            let oc = if case % 4 == 0 { 8 * rng.usize(1, 6) } else { rng.usize(1, 40) };
            let (mut p, mut input, mut filter) = conv_case(&mut rng, ic, oc, [1, 1], [1, 1], false);
            p.stride = [1, 1];
            p.output = [p.input[0], p.input[1], p.input[2], oc];
            if case % 7 == 0 {
                input.fill(0x80);
                filter.fill(if case % 2 == 0 { 0x80 } else { 0x7f });
            }
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_sse2(&p, &input, &packed(&filter, p.bias, oc, ic), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The same for k×k layers through gathered windows: strides, dilations, any padding.
    #[test]
    fn windows_match_the_ohwi_kernel() {
        let mut rng = Rng::new(0x3c55);
        for case in 0..if cfg!(miri) { 20 } else { 800 } {
            let (ic, oc) = (rng.usize(1, 20), if case % 3 == 0 { 8 * rng.usize(1, 5) } else { rng.usize(1, 30) });
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let dilation = [rng.usize(1, 2), rng.usize(1, 2)];
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 4 != 0);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_sse2(&p, &input, &packed(&filter, p.bias, oc, kh * kw * ic), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The same for FULLY_CONNECTED (one to a few batch rows).
    #[test]
    fn fully_connected_matches_the_reference() {
        let mut rng = Rng::new(0xfc55);
        for case in 0..if cfg!(miri) { 20 } else { 500 } {
            let (depth, od, batches) = (rng.usize(1, 300), rng.usize(1, 40), rng.usize(1, 6));
            let mut input = vec![0u8; batches * depth];
            let mut filter = vec![0u8; od * depth];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..od).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if case % 2 == 0 { od } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = FullyConnectedParams {
                batches,
                input_depth: depth,
                output_depth: od,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: std::boxed::Box::leak(bias.into_boxed_slice()),
                requant: std::boxed::Box::leak(requant.into_boxed_slice()),
            };
            let mut want = vec![0u8; batches * od];
            fully_connected_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            fully_connected_s8_sse2(&p, &input, &packed(&filter, p.bias, od, depth), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
