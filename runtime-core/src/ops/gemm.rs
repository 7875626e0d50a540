//! int8 matrix product for 1×1 CONV_2D and FULLY_CONNECTED on AVX-512 VNNI (VPDPBUSD: sixteen
//! 4-byte dot products per instruction), with TFLM's output stage sixteen channels at a time.
//!
//! Rows (pixels, batch rows) times a filter re-laid out at compile time ([`pack_filter_gemm`])
//! in blocks of 16 output channels: each block opens with its 16 biases, then for every four
//! input channels 64 bytes, four per output channel — exactly the operand VPDPBUSD multiplies a
//! broadcast input word with. A tile of up to 6 rows × 4 blocks (24 accumulators of 16 lanes)
//! is computed at once, so every filter load serves six rows and every broadcast four blocks.
//!
//! VPDPBUSD multiplies *unsigned* by signed bytes. The input goes in as `x + 128` (its sign bit
//! flipped: `x ^ 0x80`), and the filter's `−128 · Σ w` is folded into the packed bias at
//! compile time, so `bias + Σ (x + 128)·w − 128·Σ w = bias + Σ x·w`. Each product fits in i32
//! and VPDPBUSD adds without saturating, so the sum is TFLM's wrapping i32 sum, bit for bit.
//!
//! Without `cfg(kiln_x86_vnni)` the same code runs on the plain-Rust twins of
//! [`crate::arch::x86`] (the compiler emits calls to it only for builds with the instructions;
//! the twins are what the unit tests and Miri check everywhere).

use super::conv::output_s8;
use super::conv::rq_at;
use super::{window, window_mut};
use crate::arch::x86::{self as v, I32x16, I64x8, I8x64};
use crate::fixed_point::{OutputScale, PackedRequant};

/// Output channels per block (the `i32` lanes of one vector).
pub const GEMM_LANES: usize = 16;

/// Blocks per tile.
const TILE_BLOCKS: usize = 4;

/// Rows per tile: 6 × `TILE_BLOCKS` = 24 accumulators, the 4 blocks' weights and one broadcast
/// input word fill 29 of the 32 vector registers, and every weight load serves six rows (with
/// four, MobileNetV1-1.0-224 took ~2 % longer and MobileNetV1-0.25 ~5 %: the loop was bound by
/// its loads and broadcasts as well as by VPDPBUSD).
const TILE_ROWS: usize = 6;

/// Longest window (`k_h · k_w · in_c` bytes) of a k×k CONV_2D run as a matrix product: its
/// rows are gathered a tile at a time into a stack buffer of `TILE_ROWS` windows (12 KB).
pub const MAX_GEMM_WINDOW: usize = 2048;

/// Where a matrix product's rows come from.
#[derive(Clone, Copy)]
pub(super) enum Rows<'a> {
    /// Contiguous rows of `depth` bytes (1×1 layers, FULLY_CONNECTED).
    Dense(&'a [u8]),
    /// One row per output pixel of a k×k CONV_2D: its window (`[k_h][k_w][in_c]`, the OHWI
    /// filter's order), gathered when needed with the input zero point in the padding, whose
    /// products the folded bias cancels as TFLM skips them.
    Windows(&'a super::Conv2dParams, &'a [u8]),
}

/// Bytes of one packed block: 16 biases, then 64 bytes per four input channels (the last four
/// padded with zero weights).
pub const fn gemm_block_bytes(depth: usize) -> usize {
    4 * GEMM_LANES * (1 + depth.div_ceil(4))
}

/// Bytes of a packed filter of `out_c` channels over `depth` inputs (the last block padded with
/// zero channels).
pub const fn gemm_filter_bytes(out_c: usize, depth: usize) -> usize {
    out_c.div_ceil(GEMM_LANES) * gemm_block_bytes(depth)
}

/// Lays out the `[out_c][depth]` int8 filter `w` and the folded bias (`bias[c] − input_zp · Σ
/// w[c]`, as in the params) for `gemm_s8` into `out` ([`gemm_filter_bytes`] long; other lengths
/// leave it untouched). The compiler does the same at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_gemm(w: &[u8], bias: &[i32], out_c: usize, depth: usize, out: &mut [u8]) {
    pack_blocks(w, bias, out_c, depth, 128, out);
}

/// [`pack_filter_gemm`] with the input offset `offset` folded into the bias (`bias[c] − offset ·
/// Σ w[c]`): 128 for VPDPBUSD's unsigned input, 0 for AArch64's signed SDOT and SMULL.
pub(super) fn pack_blocks(w: &[u8], bias: &[i32], out_c: usize, depth: usize, offset: i32, out: &mut [u8]) {
    if out.len() != gemm_filter_bytes(out_c, depth) || w.len() != out_c * depth {
        return;
    }
    for (b, block) in out.chunks_exact_mut(gemm_block_bytes(depth).max(1)).enumerate() {
        let (head, body) = block.split_at_mut(4 * GEMM_LANES);
        for (j, word) in head.chunks_exact_mut(4).enumerate() {
            let c = b * GEMM_LANES + j;
            let row = window(w, c * depth, depth);
            let sum = row.iter().fold(0i32, |s, &x| s.wrapping_add(i32::from(x as i8)));
            let folded = bias.get(c).copied().unwrap_or(0).wrapping_sub(sum.wrapping_mul(offset));
            word.copy_from_slice(&(if c < out_c { folded } else { 0 }).to_le_bytes());
        }
        for (q, quad) in body.chunks_exact_mut(4 * GEMM_LANES).enumerate() {
            for (j, lane) in quad.chunks_exact_mut(4).enumerate() {
                let c = b * GEMM_LANES + j;
                for (k, byte) in lane.iter_mut().enumerate() {
                    let i = 4 * q + k;
                    *byte = if c < out_c && i < depth { w.get(c * depth + i).copied().unwrap_or(0) } else { 0 };
                }
            }
        }
    }
}

/// One block's output stage in lanes ([`OutputScale`]'s parts per channel), or `None` when a
/// channel's factor is outside its domain (then the block takes TFLM's general path per lane).
#[derive(Clone, Copy)]
pub(super) struct BlockStage {
    multiplier: I32x16,
    round_even: I64x8,
    round_odd: I64x8,
    shift: I32x16,
    lo: I32x16,
    hi: I32x16,
}

impl BlockStage {
    #[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
    pub(super) fn new(requant: &[PackedRequant], c0: usize, out_c: usize, zp: i32, lo: i32, hi: i32) -> Option<Self> {
        let (mut m, mut round, mut shift) = ([0i32; 16], [0i64; 16], [0i32; 16]);
        for j in 0..GEMM_LANES.min(out_c.saturating_sub(c0)) {
            let (mj, rj, sj) = OutputScale::new(rq_at(requant, c0 + j), zp)?.parts();
            (m[j], round[j], shift[j]) = (mj, rj, sj as i32);
        }
        Some(BlockStage {
            multiplier: v::load_i32x16(&m),
            round_even: v::load_i64x8(&core::array::from_fn(|i| round[2 * i])),
            round_odd: v::load_i64x8(&core::array::from_fn(|i| round[2 * i + 1])),
            shift: v::load_i32x16(&shift),
            lo: v::splat_i32(lo),
            hi: v::splat_i32(hi),
        })
    }

    /// TFLM's output bytes of the 16 accumulators.
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub(super) fn apply(&self, acc: I32x16) -> [u8; 16] {
        let high = v::mul_round_high(acc, self.multiplier, self.round_even, self.round_odd);
        v::narrow_i8(v::clamp(v::shift_right(high, self.shift), self.lo, self.hi))
    }
}

/// The output stage of one layer call.
struct Stage<'a> {
    requant: &'a [PackedRequant],
    zp: i32,
    lo: i32,
    hi: i32,
}

/// The int8 product `output[r][c] = stage(bias[c] + Σ_i input[r][i] · w[c][i])` for `rows`
/// rows of `depth` bytes and `out_c` channels, `filter` packed by [`pack_filter_gemm`].
/// Mismatched lengths leave the output untouched (the compiler never emits them).
#[allow(clippy::too_many_arguments)]
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(all(not(debug_assertions), not(kiln_x86_dispatch)), inline(always))]
#[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
fn gemm_s8(
    rows: usize,
    depth: usize,
    out_c: usize,
    input: Rows<'_>,
    filter: &[u8],
    (requant, zp, lo, hi): (&[PackedRequant], i32, i32, i32),
    output: &mut [u8],
) {
    let bb = gemm_block_bytes(depth);
    if depth == 0 || out_c == 0 || requant.is_empty() || filter.len() != gemm_filter_bytes(out_c, depth) {
        return;
    }
    let input = match input {
        Rows::Dense(x) => match x.get(..rows * depth) {
            Some(x) => Rows::Dense(x),
            None => return,
        },
        Rows::Windows(..) if depth > MAX_GEMM_WINDOW => return,
        windows => windows,
    };
    let Some(output) = output.get_mut(..rows * out_c) else {
        return;
    };
    #[cfg(kiln_x86_amx)]
    if let (Rows::Dense(x), true) = (input, rows * depth * out_c >= super::gemm_amx::MIN_MACS) {
        if super::gemm_amx::gemm_s8_amx([rows, depth, out_c], x, filter, (requant, zp, lo, hi), output) {
            return;
        }
    }
    let stage = Stage { requant, zp, lo, hi };
    let blocks = out_c.div_ceil(GEMM_LANES);
    for g in (0..blocks).step_by(TILE_BLOCKS) {
        let panel = window(filter, g * bb, (blocks - g).min(TILE_BLOCKS) * bb);
        match (blocks - g).min(TILE_BLOCKS) {
            4 => panel_rows::<4>(g, [rows, depth, out_c], input, panel, &stage, output),
            3 => panel_rows::<3>(g, [rows, depth, out_c], input, panel, &stage, output),
            2 => panel_rows::<2>(g, [rows, depth, out_c], input, panel, &stage, output),
            _ => panel_rows::<1>(g, [rows, depth, out_c], input, panel, &stage, output),
        }
    }
}

/// Every row through the `B` blocks from block `g` on (`panel`: their packed bytes).
#[cfg_attr(not(kiln_x86_dispatch), inline(always))]
#[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
fn panel_rows<const B: usize>(g: usize, [rows, depth, out_c]: [usize; 3], input: Rows<'_>, panel: &[u8], stage: &Stage<'_>, output: &mut [u8]) {
    let bb = gemm_block_bytes(depth);
    let block = |b: usize| window(panel, b * bb, bb);
    let bias: [I32x16; B] = core::array::from_fn(|b| {
        let words: [i32; 16] = core::array::from_fn(|j| {
            i32::from_le_bytes(<[u8; 4]>::try_from(window(block(b), 4 * j, 4)).unwrap_or([0; 4]))
        });
        v::load_i32x16(&words)
    });
    let weights: [&[u8]; B] = core::array::from_fn(|b| block(b).get(4 * GEMM_LANES..).unwrap_or(&[]));
    let stages: [Option<BlockStage>; B] =
        core::array::from_fn(|b| BlockStage::new(stage.requant, (g + b) * GEMM_LANES, out_c, stage.zp, stage.lo, stage.hi));
    // (16 bytes of slack: see `gather_window`.)
    let mut windows = [0u8; TILE_ROWS * MAX_GEMM_WINDOW + 16];
    let mut pixels = Pixels::of(&input);
    let mut r = 0;
    while r < rows {
        let n = if rows - r >= TILE_ROWS { TILE_ROWS } else { 1 };
        let x: [&[u8]; TILE_ROWS] = match input {
            Rows::Dense(x) => core::array::from_fn(|p| window(x, (r + p) * depth, depth)),
            Rows::Windows(p, x) => {
                for q in 0..n {
                    gather_window(p, x, pixels.next_pixel(), &mut windows, q * depth);
                }
                core::array::from_fn(|p| window(&windows, p * depth, depth))
            }
        };
        let acc: [[I32x16; B]; TILE_ROWS] = if n == TILE_ROWS {
            tile::<TILE_ROWS, B>(x, weights, bias, depth)
        } else {
            let [one] = tile::<1, B>([x[0]], weights, bias, depth);
            [one; TILE_ROWS]
        };
        for (p, row_acc) in acc.iter().enumerate().take(n) {
            let out_row = window_mut(output, (r + p) * out_c, out_c);
            for (b, (&a, st)) in row_acc.iter().zip(&stages).enumerate() {
                let c0 = (g + b) * GEMM_LANES;
                let bytes = match st {
                    Some(st) => st.apply(a),
                    None => {
                        let lanes = v::store_i32x16(a);
                        core::array::from_fn(|j| output_s8(lanes[j], rq_at(stage.requant, c0 + j), stage.zp, stage.lo, stage.hi))
                    }
                };
                let len = GEMM_LANES.min(out_c.saturating_sub(c0));
                store_lanes(window_mut(out_row, c0, len), &bytes);
            }
        }
        r += n;
    }
}

/// The first `dst.len()` (at most 16) of `bytes` into `dst`: a whole block as one 16-byte
/// store (a copy of a run-time length is a `memmove` call, 10% of MobileNetV1-1.0's time).
#[inline(always)]
pub(super) fn store_lanes(dst: &mut [u8], bytes: &[u8; 16]) {
    if let Ok(half) = <&mut [u8; 8]>::try_from(&mut *dst) {
        // Eight channels (MobileNets' narrow layers): one 8-byte store, not a `memcpy` call.
        if let Some(src) = bytes.first_chunk::<8>() {
            *half = *src;
        }
        return;
    }
    match <&mut [u8; 16]>::try_from(&mut *dst) {
        Ok(full) => *full = *bytes,
        Err(_) => {
            for (d, s) in dst.iter_mut().zip(bytes) {
                *d = *s;
            }
        }
    }
}

/// Output pixels in NHW order as `[batch, row, column]`, one after another: what
/// [`gather_window`] needs, counted up instead of divided out of a pixel index (three divisions
/// per window were a tenth of a small model's time on x86-64).
#[derive(Clone, Copy)]
pub(super) struct Pixels {
    out_w: usize,
    out_h: usize,
    at: [usize; 3],
}

impl Pixels {
    /// The output pixels of the layer whose windows `rows` are, from the first on (for dense
    /// rows, which have none, a cursor never read).
    pub(super) fn of(rows: &Rows<'_>) -> Self {
        let (out_w, out_h) = match rows {
            Rows::Windows(p, _) => (p.output[2].max(1), p.output[1].max(1)),
            Rows::Dense(_) => (1, 1),
        };
        Pixels { out_w, out_h, at: [0; 3] }
    }

    /// The current pixel; moves to the next.
    pub(super) fn next_pixel(&mut self) -> [usize; 3] {
        let here = self.at;
        let [b, oy, ox] = &mut self.at;
        *ox += 1;
        if *ox == self.out_w {
            *ox = 0;
            *oy += 1;
            if *oy == self.out_h {
                *oy = 0;
                *b += 1;
            }
        }
        here
    }
}

/// The window of output pixel `[b, oy, ox]` of the k×k CONV_2D `p` into `buf` from
/// `start` on (`k_h · k_w · in_c` bytes): the input's channels at each tap, the input zero point
/// outside. A tap of at most 16 bytes is moved as 16 (one vector move; a copy of a run-time
/// length is a `memmove` call, 9% of MobileNetV1-0.25's time for its 3-channel first layer):
/// the bytes past it are overwritten by the next tap or the next row, or land in the slack
/// after the last row.
#[inline(always)]
pub(super) fn gather_window(p: &super::Conv2dParams, input: &[u8], [b, oy, ox]: [usize; 3], buf: &mut [u8], start: usize) {
    let [_, in_h, in_w, in_c] = p.input;
    let ([k_h, k_w], [s_h, s_w], [d_h, d_w], [pad_h, pad_w]) = (p.kernel, p.stride, p.dilation, p.pad);
    let zp = [p.input_zero_point as u8; 16];
    let mut at = start;
    for ky in 0..k_h {
        let iy = (oy * s_h + ky * d_h).wrapping_sub(pad_h);
        let row = if iy < in_h { Some((b * in_h + iy) * in_w) } else { None };
        // A filter row of at most 16 bytes wholly inside the input (undilated) is contiguous
        // there: one 16-byte move for all its taps (3 instead of 9 for a 3×3 first layer on RGB).
        let ix0 = (ox * s_w).wrapping_sub(pad_w);
        if let Some(row) = row {
            if d_w == 1 && k_w * in_c <= 16 && ix0 < in_w && in_w - ix0 >= k_w {
                let src = <&[u8; 16]>::try_from(window(input, (row + ix0) * in_c, 16));
                if let (Ok(src), Ok(dst)) = (src, <&mut [u8; 16]>::try_from(window_mut(buf, at, 16))) {
                    *dst = *src;
                    at += k_w * in_c;
                    continue;
                }
            }
        }
        for kx in 0..k_w {
            let ix = (ox * s_w + kx * d_w).wrapping_sub(pad_w);
            let from = match row {
                Some(row) if ix < in_w => Some((row + ix) * in_c),
                _ => None,
            };
            let tap = at;
            at += in_c;
            if in_c <= 16 {
                let src = match from {
                    Some(from) => <&[u8; 16]>::try_from(window(input, from, 16)).ok(),
                    None => Some(&zp),
                };
                if let (Some(src), Ok(dst)) = (src, <&mut [u8; 16]>::try_from(window_mut(buf, tap, 16))) {
                    *dst = *src;
                    continue;
                }
            }
            let dst = window_mut(buf, tap, in_c);
            match from {
                Some(from) => {
                    let src = window(input, from, in_c);
                    if src.len() == dst.len() {
                        dst.copy_from_slice(src);
                    }
                }
                None => dst.fill(p.input_zero_point as u8),
            }
        }
    }
}

/// The accumulators of `P` rows (`x`, `depth` bytes each) × `B` blocks (`w`, their packed
/// weights), starting from the blocks' biases.
#[cfg_attr(not(kiln_x86_dispatch), inline(always))]
#[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
fn tile<const P: usize, const B: usize>(rows: [&[u8]; P], w: [&[u8]; B], bias: [I32x16; B], depth: usize) -> [[I32x16; B]; P] {
    let mut acc = [bias; P];
    let quads = depth / 4;
    let x: [&[[u8; 4]]; P] = rows.map(|r| bytemuck::try_cast_slice(window(r, 0, 4 * quads)).unwrap_or(&[]));
    let w: [&[[u8; 64]]; B] = w.map(|b| bytemuck::try_cast_slice(window(b, 0, 64 * depth.div_ceil(4))).unwrap_or(&[]));
    if x.iter().any(|r| r.len() != quads) || w.iter().any(|b| b.len() != depth.div_ceil(4)) {
        return acc;
    }
    let step = |acc: &mut [[I32x16; B]; P], k: usize, words: [u32; P]| {
        let ws: [I8x64; B] = core::array::from_fn(|b| v::load_i8x64(&w[b][k]));
        for p in 0..P {
            // The input word with each byte's sign flipped: x + 128 as unsigned bytes.
            let a = v::splat_i32((words[p] ^ 0x8080_8080) as i32);
            for b in 0..B {
                acc[p][b] = v::dpbusd(acc[p][b], a, ws[b]);
            }
        }
    };
    for k in 0..quads {
        step(&mut acc, k, core::array::from_fn(|p| u32::from_le_bytes(x[p][k])));
    }
    if depth % 4 != 0 {
        // The last input bytes, zero-extended: their padded weights are zero.
        let rest: [u32; P] = core::array::from_fn(|p| {
            let mut q = [0u8; 4];
            for (d, s) in q.iter_mut().zip(rows[p].get(4 * quads..).unwrap_or(&[])) {
                *d = *s;
            }
            u32::from_le_bytes(q)
        });
        step(&mut acc, quads, rest);
    }
    acc
}

/// CONV_2D as one `gemm_s8` over its pixels, `filter` packed by [`pack_filter_gemm`] from
/// the OHWI filter (as `[out_c][k_h · k_w · in_c]`) and `p.bias`: a 1×1, stride-1, unpadded
/// layer (every MobileNet pointwise layer) over its input as it is, any other over each pixel's
/// window gathered (up to [`MAX_GEMM_WINDOW`] bytes; a longer one leaves the output untouched,
/// the compiler never calls it so). Same params and result as [`super::conv2d_s8`] on the
/// model's filter (groups = 1).
///
/// Inlined into every call with the product below (in optimized builds: unoptimized, the
/// inlined copies' stack slots add up to an overflow): the layer's depth, channel count and
/// window are then constants, its loops unroll and its index arithmetic folds. Out of line it
/// took 1.3–1.5× the time on the MobileNets (BENCHMARKS.md).
///
/// # Safety
///
/// Safe to call in every build but one: with the `std` feature's start-up choice
/// (`cfg(kiln_x86_dispatch)`) it is compiled for AVX-512 VNNI, and code without those target
/// features can call it only through `unsafe`, on a CPU that has them. Call `kiln::ops::conv2d_s8_x86`
/// instead, which checks.
#[cfg_attr(all(not(debug_assertions), not(kiln_x86_dispatch)), inline(always))]
#[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
pub fn conv2d_s8_gemm(p: &super::Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [n, h, w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
    if p.kernel == [1, 1] && p.stride == [1, 1] && p.pad == [0, 0] && p.input[..3] == p.output[..3] {
        gemm_s8(n * h * w, in_c, out_c, Rows::Dense(input), filter, stage, output);
    } else {
        let depth = p.kernel[0] * p.kernel[1] * in_c;
        gemm_s8(n * out_h * out_w, depth, out_c, Rows::Windows(p, input), filter, stage, output);
    }
}

/// FULLY_CONNECTED as one `gemm_s8` over its batch rows, `filter` packed by
/// [`pack_filter_gemm`]. Same params and result as [`super::fully_connected_s8`] on the model's
/// filter. Inlined into every call in optimized builds, as [`conv2d_s8_gemm`].
///
/// # Safety
///
/// Safe to call in every build but one: with the `std` feature's start-up choice
/// (`cfg(kiln_x86_dispatch)`) it is compiled for AVX-512 VNNI, and code without those target
/// features can call it only through `unsafe`, on a CPU that has them. Call `kiln::ops::fully_connected_s8_x86`
/// instead, which checks.
#[cfg_attr(all(not(debug_assertions), not(kiln_x86_dispatch)), inline(always))]
#[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
pub fn fully_connected_s8_gemm(p: &super::FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let rq = (p.requant, p.output_zero_point, p.act_min, p.act_max);
    gemm_s8(p.batches, p.input_depth, p.output_depth, Rows::Dense(input), filter, rq, output);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv::testing::conv_case;
    use super::super::{conv2d_s8, fully_connected_s8, FullyConnectedParams};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    // In a `std` build (`cfg(kiln_x86_dispatch)`) the kernels are reached through the start-up
    // check, which must find the instructions (a CPU without them fails here, loudly).
    #[cfg(kiln_x86_dispatch)]
    fn conv2d_s8_gemm(p: &super::super::Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
        assert!(crate::arch::dispatch::try_conv2d_s8_gemm(p, input, filter, output), "no AVX-512 VNNI on this CPU");
    }

    #[cfg(kiln_x86_dispatch)]
    fn fully_connected_s8_gemm(p: &FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
        assert!(crate::arch::dispatch::try_fully_connected_s8_gemm(p, input, filter, output), "no AVX-512 VNNI on this CPU");
    }

    fn packed(w: &[u8], bias: &[i32], out_c: usize, depth: usize) -> Vec<u8> {
        let mut out = vec![0u8; gemm_filter_bytes(out_c, depth)];
        pack_filter_gemm(w, bias, out_c, depth, &mut out);
        out
    }

    /// Same bytes as the OHWI kernel (checked against TFLM on the zoo) over random pointwise
    /// layers: depths with and without a remainder of four, channel counts around the 16-lane
    /// blocks and the 4-block tiles, pixel counts around the 4-row tiles, extreme bytes,
    /// per-tensor/per-channel, narrow activation ranges and factors outside the vector domain.
    /// Without `cfg(kiln_x86_vnni)` this runs the twins (and under Miri, fewer cases).
    #[test]
    fn pointwise_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0x9e33);
        for case in 0..if cfg!(miri) { 40 } else { 1500 } {
            let ic = if case % 3 == 0 { 4 * rng.usize(1, 24) } else { rng.usize(1, 70) };
            let oc = if case % 4 == 0 { 16 * rng.usize(1, 6) } else { rng.usize(1, 90) };
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
            conv2d_s8_gemm(&p, &input, &packed(&filter, p.bias, oc, ic), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// A zero multiplier (in the domain with any shift `−22..=−1`): the vector output stage
    /// nudges by the product's sign, not the accumulator's, so a negative accumulator takes the
    /// other rounding term; both must give TFLM's byte (the zero point, clamped), for every
    /// shift, zero point and accumulator sign. Runs the instructions in a VNNI build, the
    /// twins elsewhere (the `std` build's kernels need the CPU check: its zoo run covers them).
    #[cfg(not(kiln_x86_dispatch))]
    #[test]
    fn a_zero_multiplier_gives_the_zero_point() {
        let mut rng = Rng::new(0x2e60);
        for shift in -22..=-1i8 {
            for zp in [-128, -77, -1, 0, 1, 55, 127] {
                let requant: Vec<PackedRequant> = (0..16)
                    .map(|j| PackedRequant { multiplier: if j % 3 == 0 { 0x5a5a_5a5a } else { 0 }, shift })
                    .collect();
                let acc: [i32; 16] =
                    core::array::from_fn(|j| if j % 2 == 0 { rng.edgy_i32().saturating_abs().max(1).wrapping_neg() } else { rng.edgy_i32() });
                let stage = BlockStage::new(&requant, 0, 16, zp, -128, 127).expect("in the vector domain");
                let got = stage.apply(v::load_i32x16(&acc));
                for j in 0..16 {
                    let want = output_s8(acc[j], requant[j].get(), zp, -128, 127);
                    assert_eq!(got[j], want, "shift {shift} zp {zp} lane {j} acc {}", acc[j]);
                }
            }
        }
    }

    /// The same for k×k layers through gathered windows: strides, dilations, any padding.
    #[test]
    fn windows_match_the_ohwi_kernel() {
        let mut rng = Rng::new(0x3c33);
        for case in 0..if cfg!(miri) { 20 } else { 800 } {
            let (ic, oc) = (rng.usize(1, 20), if case % 3 == 0 { 16 * rng.usize(1, 5) } else { rng.usize(1, 40) });
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let dilation = [rng.usize(1, 2), rng.usize(1, 2)];
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 4 != 0);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_gemm(&p, &input, &packed(&filter, p.bias, oc, kh * kw * ic), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The same for FULLY_CONNECTED (one to a few batch rows).
    #[test]
    fn fully_connected_matches_the_reference() {
        let mut rng = Rng::new(0xfc16);
        for case in 0..if cfg!(miri) { 20 } else { 500 } {
            let (depth, od, batches) = (rng.usize(1, 300), rng.usize(1, 70), rng.usize(1, 6));
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
            fully_connected_s8_gemm(&p, &input, &packed(&filter, p.bias, od, depth), &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
