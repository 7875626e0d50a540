//! The int8 matrix product of a 1×1 CONV_2D on Intel AMX tiles (`cfg(kiln_x86_amx)`), with the
//! VNNI kernel's output stage: what LiteRT's XNNPACK does on the same CPUs.
//!
//! The filter is [`super::gemm`]'s packed one as it is: after a block's 16 biases, each 1 KB of
//! its body is 16 rows of (4 input channels × 16 output channels) — exactly TDPBSSD's B tile
//! for 64 input channels (a layer shallower than 64 takes its whole depth as one step, with
//! tiles configured that narrow). The A tiles are 16 input rows (pixels) of 64 channels, loaded
//! straight from the activations at the row stride. Four C tiles hold a 32-row × 32-channel
//! tile of accumulators; every A tile serves two blocks and every B tile two row groups.
//!
//! TDPBSSD multiplies the *signed* input, where VPDPBUSD took it as `x + 128`; the packed bias
//! has `−128 · Σ w` folded in for that, so each block's starting row is the packed bias plus
//! `128 · Σ w`, computed once per block per call by TDPBUSD of a tile of 128s with the block's
//! own B tiles (a few products per block against thousands in the layer). Every C tile starts
//! as that row repeated (a stride-0 load), so `bias + Σ x·w` comes out of the tiles: TFLM's
//! wrapping i32 sum, bit for bit (the products are exact and the tile adds wrap).
//!
//! A layer call of fewer than [`MIN_MACS`] multiply-adds (`gemm_s8` checks) or 16 rows
//! (FULLY_CONNECTED's one batch row), or whose depth is neither a multiple of 64 nor a multiple
//! of 4 below 64, stays on VPDPBUSD; so does everything when the CPU or the OS has no AMX.

use super::conv::{output_s8, rq_at};
use super::gemm::{gemm_block_bytes, store_lanes, BlockStage, GEMM_LANES};
use super::{window, window_mut};
use crate::arch::amx::{Tiles, ROWS, ROW_BYTES};
use crate::arch::x86 as v;
use crate::fixed_point::PackedRequant;

/// Fewest multiply-adds (`rows · depth · out_c`) for which a layer call is worth AMX. Below,
/// the per-call tile set-up, bias rows and accumulator round trips through memory cost more
/// than the VPDPBUSD kernel inlined into the layer takes: on this project's Sapphire Rapids host,
/// AMX on the small models' pointwise layers (0.3–0.9 M multiply-adds) made MobileNetV1-0.25,
/// MobileNetV2-0.35 and person_detect 8–12 % slower, while MobileNetV1-1.0-224's (25–103 M
/// each) gained.
pub(super) const MIN_MACS: usize = 1 << 20;

/// Blocks (of 16 channels) per panel: the panel's filter (up to 128 KB at depth 1024) stays in
/// the L2 cache while every 32-row group of the input runs through it, each from the L1 cache.
const PANEL_BLOCKS: usize = 8;

/// Runs `output[r][c] = stage(bias[c] + Σ_i input[r][i] · w[c][i])` (as `gemm_s8` on dense
/// rows, whose checks it relies on) on AMX and returns `true`; or returns `false` when the
/// layer is not one this kernel takes (see the module docs) or AMX is not there — then the
/// caller runs the VNNI kernel, which writes every output byte.
pub(super) fn gemm_s8_amx(
    [rows, depth, out_c]: [usize; 3],
    input: &[u8],
    filter: &[u8],
    (requant, zp, lo, hi): (&[PackedRequant], i32, i32, i32),
    output: &mut [u8],
) -> bool {
    // The depth step: 64 input channels, or all of a shallower layer's (MobileNetV1's first
    // pointwise layer has 32).
    let step = if depth % ROW_BYTES == 0 { ROW_BYTES } else { depth };
    if rows < ROWS || depth == 0 || step > ROW_BYTES || step % 4 != 0 || input.len() < rows * depth || output.len() < rows * out_c {
        return false;
    }
    let Some(mut tiles) = Tiles::configure(step) else {
        return false;
    };
    // Bytes of a block's body per depth step: one B tile (`step / 4` rows of 64 bytes).
    let b_tile = 16 * step;
    let bb = gemm_block_bytes(depth);
    let blocks = out_c.div_ceil(GEMM_LANES);
    let chunks = depth / step;
    // The sixteen 128s of TDPBUSD's unsigned A row, for the bias rows.
    let halves = [0x80u8; ROW_BYTES];
    let mut c = [[[0i32; 16]; 16]; 4];
    for p0 in (0..blocks).step_by(PANEL_BLOCKS) {
        let panel = (blocks - p0).min(PANEL_BLOCKS);
        let body = |b: usize| window(filter, b * bb + 4 * GEMM_LANES, chunks * b_tile);
        // Each block's starting row: packed bias + 128 · Σ w (module docs), all 16 rows alike.
        let mut start = [[0u8; ROW_BYTES]; PANEL_BLOCKS];
        for (i, row) in start.iter_mut().enumerate().take(panel) {
            let b = p0 + i;
            if !tiles.load::<0>(window(filter, b * bb, ROW_BYTES), 0) || !tiles.load::<4>(&halves, 0) {
                return false;
            }
            for k in 0..chunks {
                if !tiles.load::<6>(window(body(b), k * b_tile, b_tile), ROW_BYTES) {
                    return false;
                }
                tiles.dpbusd::<0, 4, 6>();
            }
            tiles.store::<0>(&mut c[0]);
            for (d, w) in row.chunks_exact_mut(4).zip(c[0][0]) {
                d.copy_from_slice(&w.to_le_bytes());
            }
        }
        let stages: [Option<BlockStage>; PANEL_BLOCKS] =
            core::array::from_fn(|i| if i < panel { BlockStage::new(requant, (p0 + i) * GEMM_LANES, out_c, zp, lo, hi) } else { None });
        let mut r = 0;
        while r < rows {
            // Two row groups of 16; the last group(s) end at the last row, overlapping rows
            // already written (they are written again with the same bytes).
            let r0 = r.min(rows - ROWS);
            let r1 = (r + ROWS).min(rows - ROWS);
            let done = (r + 2 * ROWS).min(rows);
            // The panel's blocks two at a time (an odd last block paired with itself) over
            // the same 32 rows, which stay in the L1 cache meanwhile.
            for i in (0..panel).step_by(2) {
                let pair = [i, if i + 1 < panel { i + 1 } else { i }];
                let ok = tiles.load::<0>(&start[pair[0]], 0)
                    && tiles.load::<1>(&start[pair[1]], 0)
                    && tiles.load::<2>(&start[pair[0]], 0)
                    && tiles.load::<3>(&start[pair[1]], 0);
                if !ok {
                    return false;
                }
                let w = [body(p0 + pair[0]), body(p0 + pair[1])];
                let ok = if r1 == r0 {
                    products::<false>(&mut tiles, input, [r0 * depth, r1 * depth], [depth, step], w)
                } else {
                    products::<true>(&mut tiles, input, [r0 * depth, r1 * depth], [depth, step], w)
                };
                if !ok {
                    return false;
                }
                tiles.store::<0>(&mut c[0]);
                tiles.store::<1>(&mut c[1]);
                tiles.store::<2>(&mut c[2]);
                tiles.store::<3>(&mut c[3]);
                for (t, tile) in c.iter().enumerate() {
                    let (first, i) = (if t < 2 { r0 } else { r1 }, pair[t % 2]);
                    if (t % 2 == 1 && pair[1] == pair[0]) || (t >= 2 && r1 == r0) {
                        continue;
                    }
                    // This tile's rows not yet written: `first + m` for m in `m0..m1`.
                    let (m0, m1) = (r.saturating_sub(first), (done - first).min(ROWS));
                    let c0 = (p0 + i) * GEMM_LANES;
                    let len = GEMM_LANES.min(out_c - c0);
                    let rows_out = tile.iter().enumerate().take(m1).skip(m0);
                    match &stages[i] {
                        // The common case in a tight loop: whole blocks, one 16-byte store a row.
                        Some(st) if len == GEMM_LANES => {
                            for (m, acc) in rows_out {
                                if let Ok(dst) = <&mut [u8; 16]>::try_from(window_mut(output, (first + m) * out_c + c0, 16)) {
                                    *dst = st.apply(v::load_i32x16(acc));
                                }
                            }
                        }
                        Some(st) => {
                            for (m, acc) in rows_out {
                                store_lanes(window_mut(output, (first + m) * out_c + c0, len), &st.apply(v::load_i32x16(acc)));
                            }
                        }
                        None => {
                            for (m, acc) in rows_out {
                                let bytes = core::array::from_fn(|j| output_s8(acc[j], rq_at(requant, c0 + j), zp, lo, hi));
                                store_lanes(window_mut(output, (first + m) * out_c + c0, len), &bytes);
                            }
                        }
                    }
                }
            }
            r = done;
        }
    }
    true
}

/// C tiles 0, 1 (rows from `at[0]`) and, with `TWO`, 2, 3 (rows from `at[1]`) += those 16 rows
/// of `input` (`depth` bytes apart) times the blocks `w[0]`, `w[1]`, `step` input channels a
/// time (the tiles' configured depth step). `false` if a tile did not fit its slice (never, for
/// `gemm_s8_amx`'s checked shapes).
#[inline(always)]
fn products<const TWO: bool>(tiles: &mut Tiles, input: &[u8], at: [usize; 2], [depth, step]: [usize; 2], w: [&[u8]; 2]) -> bool {
    let b_tile = 16 * step;
    for k in 0..depth / step {
        let a0 = input.get(at[0] + k * step..).unwrap_or(&[]);
        let ok = tiles.load::<4>(a0, depth)
            && tiles.load::<6>(window(w[0], k * b_tile, b_tile), ROW_BYTES)
            && tiles.load::<7>(window(w[1], k * b_tile, b_tile), ROW_BYTES);
        if !ok {
            return false;
        }
        tiles.dpbssd::<0, 4, 6>();
        tiles.dpbssd::<1, 4, 7>();
        if TWO {
            let a1 = input.get(at[1] + k * step..).unwrap_or(&[]);
            if !tiles.load::<5>(a1, depth) {
                return false;
            }
            tiles.dpbssd::<2, 5, 6>();
            tiles.dpbssd::<3, 5, 7>();
        }
    }
    true
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv::testing::pointwise_case;
    use super::super::{conv2d_s8, conv2d_s8_gemm, gemm_filter_bytes, pack_filter_gemm};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    /// The AMX kernel's bytes are the OHWI kernel's (checked against TFLM on the zoo) over
    /// random 1×1 layers: depths of 4 to 60 and 64 to 512, 16 to 150 rows (across the 32-row tiles, the
    /// overlapping last groups and the single last group), channel counts around the 16-lane blocks, their pairs and
    /// panels (odd block counts, partial blocks, several panels), extreme bytes, per-tensor and per-channel factors
    /// (some outside the vector domain). Each case must be taken by AMX (this CPU must have
    /// it: a loud failure otherwise) and give the same bytes through `conv2d_s8_gemm`.
    #[test]
    fn matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0xa3a3);
        for case in 0..300 {
            // Multiples of 64, and shallower layers (one partial depth step) every fourth case.
            let ic = if case % 4 == 3 { 4 * rng.usize(1, 15) } else { 64 * rng.usize(1, 8) };
            let oc = if case % 3 == 0 { 16 * rng.usize(1, 20) } else { rng.usize(1, 300) };
            let rows = rng.usize(ROWS, 150);
            let (mut p, mut input, mut filter) = pointwise_case(&mut rng, ic, oc);
            p.input = [1, 1, rows, ic];
            p.output = [1, 1, rows, oc];
            input.resize(rows * ic, 0);
            rng.fill(&mut input);
            if case % 7 == 0 {
                input.fill(0x80);
                filter.fill(if case % 2 == 0 { 0x80 } else { 0x7f });
            }
            let mut packed = vec![0u8; gemm_filter_bytes(oc, ic)];
            pack_filter_gemm(&filter, p.bias, oc, ic, &mut packed);
            let mut want = vec![0u8; rows * oc];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
            assert!(gemm_s8_amx([rows, ic, oc], &input, &packed, stage, &mut got), "case {case}: not taken by AMX");
            assert_eq!(got, want, "case {case}: {p:?}");
            let mut through = vec![0u8; want.len()];
            conv2d_s8_gemm(&p, &input, &packed, &mut through);
            assert_eq!(through, want, "case {case} through conv2d_s8_gemm");
        }
    }

    /// What the kernel leaves to VPDPBUSD: fewer than 16 rows, a depth over 64 that is
    /// not a multiple of 64, a depth not a multiple of 4.
    #[test]
    fn declines_what_it_does_not_take() {
        let requant = [PackedRequant { multiplier: 1 << 30, shift: -1 }];
        let stage = (&requant[..], 0, -128, 127);
        let (input, packed) = (vec![0u8; 64 * 96], vec![0u8; gemm_filter_bytes(16, 96)]);
        let mut out = vec![7u8; 64 * 16];
        assert!(!gemm_s8_amx([ROWS - 1, 64, 16], &input, &packed[..gemm_filter_bytes(16, 64)], stage, &mut out));
        assert!(!gemm_s8_amx([64, 96, 16], &input, &packed, stage, &mut out));
        assert!(!gemm_s8_amx([64, 30, 16], &input, &packed[..gemm_filter_bytes(16, 30)], stage, &mut out));
        assert_eq!(out, vec![7u8; 64 * 16], "a declined layer's output is untouched");
    }
}
