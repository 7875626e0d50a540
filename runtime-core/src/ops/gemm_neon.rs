//! int8 matrix product for 1×1 and k×k CONV_2D and FULLY_CONNECTED on AArch64 NEON, with SDOT
//! where the build has `dotprod`, and TFLM's output stage sixteen channels at a time.
//!
//! The filter has the layout of the AVX-512 VNNI kernel ([`super::gemm`]): blocks of 16 output
//! channels, each its 16 biases, then per four input channels 64 bytes, four per channel —
//! four NEON vectors, channels `4i..4i + 4` in vector `i`. Only the folded bias differs
//! ([`pack_filter_neon`]): SDOT and SMULL multiply *signed* by signed bytes, so the input goes
//! in as it is and no `128 · Σ w` correction is folded (`bias[c] − input_zp · Σ w[c]` only, as
//! in the params).
//!
//! * With `dotprod` ([`Sdot`]): SDOT by element multiplies a weight vector (four channels ×
//!   four input bytes) by one 4-byte word of a 16-byte input vector and adds each channel's
//!   four products to its lane: 16 multiply-adds per instruction, 4 accumulators per block.
//! * Without ([`Smull`]): the input word is broadcast (DUP), SMULL/SMULL2 form the 16 products
//!   as `i16` (each fits), SADALP adds them in pairs into `i32` lanes — two accumulators per
//!   four channels, `[c0: k0+k1, c0: k2+k3, c1: …]` — and one ADDP per four channels folds the
//!   pairs at the end. Where the filter has no weight −128 (`PAIRS`, checked by the compiler),
//!   [`SmullPairs`] first adds the next four input bytes' products into the same `i16` lanes
//!   (SMLAL/SMLAL2; two products of magnitude ≤ 128 · 127 fit): 3 instructions per 16
//!   multiply-adds instead of 4, one row per tile.
//!
//! Every add wraps and the adds are reassociated only, so the sum is TFLM's wrapping i32 sum,
//! bit for bit. The output stage is TFLM's `MultiplyByQuantizedMultiplier` for right shifts
//! as SQRDMULH (gemmlowp's `SaturatingRoundingDoublingHighMul`, the same bits) and gemmlowp's
//! NEON `RoundingDivideByPOT` (see [`crate::arch::aarch64`]), after TFLM's wrapping left shift
//! for factors ≥ 1 (SSHL: MobileNetV1's first layer has such channels), then the zero point and
//! the clamp; a block with a shift outside `−31..=31` takes the scalar path per lane.
//!
//! Without `cfg(kiln_aarch64_neon)` the same code runs on the plain-Rust twins of
//! [`crate::arch::aarch64`] (the compiler calls these kernels only on AArch64; the twins are what
//! the host unit tests and Miri check).

use super::conv::{output_s8, rq_at};
use super::gemm::{gather_window, gemm_block_bytes, gemm_filter_bytes, pack_blocks, store_lanes, Pixels, Rows, GEMM_LANES, MAX_GEMM_WINDOW};
use super::{copy_prefix, window, window_mut};
use crate::arch::aarch64::{self as v, I32x4, I8x16};
use crate::fixed_point::PackedRequant;

/// Lays out the `[out_c][depth]` int8 filter `w` and the folded bias (`bias[c] − input_zp · Σ
/// w[c]`, as in the params) for [`conv2d_s8_neon`] and [`fully_connected_s8_neon`] into `out`
/// ([`gemm_filter_bytes`] long; other lengths leave it untouched): the VNNI layout
/// ([`super::pack_filter_gemm`]) without its `128 · Σ w` correction. The compiler does the same
/// at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_neon(w: &[u8], bias: &[i32], out_c: usize, depth: usize, out: &mut [u8]) {
    pack_blocks(w, bias, out_c, depth, 0, out);
}

/// One block's output stage in lanes, or `None` when a channel's shift is outside `−31..=31`
/// (then the block takes TFLM's general path per lane).
#[derive(Clone, Copy)]
pub(super) struct NeonStage {
    multiplier: [I32x4; 4],
    left_shift: [I32x4; 4],
    /// Whether a channel has a left shift (else SSHL is skipped).
    left: bool,
    neg_shift: [I32x4; 4],
    zp: I32x4,
    lo: I32x4,
    hi: I32x4,
}

impl NeonStage {
    pub(super) fn new(requant: &[PackedRequant], c0: usize, out_c: usize, zp: i32, lo: i32, hi: i32) -> Option<Self> {
        let (mut m, mut l, mut s) = ([0i32; 16], [0i32; 16], [0i32; 16]);
        for j in 0..GEMM_LANES.min(out_c.saturating_sub(c0)) {
            let rq = rq_at(requant, c0 + j);
            if !(-31..=31).contains(&rq.shift) {
                return None;
            }
            (m[j], l[j], s[j]) = (rq.multiplier, rq.shift.max(0), rq.shift.min(0));
        }
        let quarter = |a: &[i32; 16], i: usize| v::load_i32x4(&[a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]]);
        Some(NeonStage {
            multiplier: core::array::from_fn(|i| quarter(&m, i)),
            left_shift: core::array::from_fn(|i| quarter(&l, i)),
            left: l.iter().any(|&x| x > 0),
            neg_shift: core::array::from_fn(|i| quarter(&s, i)),
            zp: v::splat_i32(zp),
            lo: v::splat_i32(lo),
            hi: v::splat_i32(hi),
        })
    }

    /// TFLM's output bytes of the 16 accumulators.
    #[inline(always)]
    pub(super) fn apply(&self, acc: [I32x4; 4]) -> [u8; 16] {
        let q = |i: usize| {
            let x = if self.left { v::sshl(acc[i], self.left_shift[i]) } else { acc[i] };
            let high = v::sqrdmulh(x, self.multiplier[i]);
            v::clamp(v::add(v::rounding_divide_by_pot(high, self.neg_shift[i]), self.zp), self.lo, self.hi)
        };
        v::narrow_i8(q(0), q(1), q(2), q(3))
    }
}

/// TFLM's output bytes of a block's accumulators: the vector stage, or per lane.
#[inline(always)]
pub(super) fn block_output(stage: &Option<NeonStage>, acc: [I32x4; 4], (requant, c0, zp, lo, hi): (&[PackedRequant], usize, i32, i32, i32)) -> [u8; 16] {
    match stage {
        Some(st) => st.apply(acc),
        None => {
            let lanes: [[i32; 4]; 4] = acc.map(v::store_i32x4);
            core::array::from_fn(|j| output_s8(lanes[j / 4][j % 4], rq_at(requant, c0 + j), zp, lo, hi))
        }
    }
}

/// How a block's sixteen channels accumulate four input bytes at a time.
pub(super) trait Mac {
    /// The accumulators of one block and one row.
    type Acc: Copy;
    /// Accumulators holding `bias` (16 channels).
    fn init(bias: &[i32; 16]) -> Self::Acc;
    /// Adds the products of input word `L` of `x` and the block's weights `w` for those four
    /// input bytes (vector `i`: channels `4i..4i + 4`, four bytes each).
    fn step<const L: i32>(acc: &mut Self::Acc, w: &[I8x16; 4], x: I8x16);
    /// [`Mac::step`] for words `L0` and `L1` of `x` (weights `w0`, `w1`) in turn.
    #[inline(always)]
    fn step2<const L0: i32, const L1: i32>(acc: &mut Self::Acc, w0: &[I8x16; 4], w1: &[I8x16; 4], x: I8x16) {
        Self::step::<L0>(acc, w0, x);
        Self::step::<L1>(acc, w1, x);
    }
    /// The 16 sums, channels `4i..4i + 4` in vector `i`.
    fn finish(acc: Self::Acc) -> [I32x4; 4];
}

/// SDOT by element (`dotprod`): one accumulator per four channels.
pub(super) struct Sdot;

impl Mac for Sdot {
    type Acc = [I32x4; 4];
    #[inline(always)]
    fn init(bias: &[i32; 16]) -> Self::Acc {
        core::array::from_fn(|i| v::load_i32x4(&[bias[4 * i], bias[4 * i + 1], bias[4 * i + 2], bias[4 * i + 3]]))
    }
    #[inline(always)]
    fn step<const L: i32>(acc: &mut Self::Acc, w: &[I8x16; 4], x: I8x16) {
        for i in 0..4 {
            acc[i] = v::sdot_lane::<L>(acc[i], w[i], x);
        }
    }
    #[inline(always)]
    fn finish(acc: Self::Acc) -> [I32x4; 4] {
        acc
    }
}

/// SMULL/SMULL2 and SADALP (baseline NEON): two accumulators per four channels, lanes
/// `[c: k0+k1, c: k2+k3, c+1: k0+k1, c+1: k2+k3]`, folded by ADDP at the end.
pub(super) struct Smull;

impl Mac for Smull {
    type Acc = [I32x4; 8];
    #[inline(always)]
    fn init(bias: &[i32; 16]) -> Self::Acc {
        core::array::from_fn(|h| v::load_i32x4(&[bias[2 * h], 0, bias[2 * h + 1], 0]))
    }
    #[inline(always)]
    fn step<const L: i32>(acc: &mut Self::Acc, w: &[I8x16; 4], x: I8x16) {
        let word = v::dup_word::<L>(x);
        for i in 0..4 {
            acc[2 * i] = v::sadalp(acc[2 * i], v::smull_low(w[i], word));
            acc[2 * i + 1] = v::sadalp(acc[2 * i + 1], v::smull_high(w[i], word));
        }
    }
    #[inline(always)]
    fn finish(acc: Self::Acc) -> [I32x4; 4] {
        core::array::from_fn(|i| v::addp(acc[2 * i], acc[2 * i + 1]))
    }
}

/// SMULL/SMULL2, then SMLAL/SMLAL2 for the next four input bytes into the same `i16` lanes (the
/// same channels: the layout puts channel `c`'s bytes at the same place in every 64-byte group),
/// then SADALP: 3 instructions per 16 multiply-adds instead of 4. Only for a filter without the
/// weight −128 (the compiler checks; TFLite's int8 weights are in `−127..=127`): then each
/// product is at most `128 · 127` in magnitude and two of them fit in `i16`.
pub(super) struct SmullPairs;

impl Mac for SmullPairs {
    type Acc = [I32x4; 8];
    #[inline(always)]
    fn init(bias: &[i32; 16]) -> Self::Acc {
        Smull::init(bias)
    }
    #[inline(always)]
    fn step<const L: i32>(acc: &mut Self::Acc, w: &[I8x16; 4], x: I8x16) {
        Smull::step::<L>(acc, w, x);
    }
    #[inline(always)]
    fn step2<const L0: i32, const L1: i32>(acc: &mut Self::Acc, w0: &[I8x16; 4], w1: &[I8x16; 4], x: I8x16) {
        let (x0, x1) = (v::dup_word::<L0>(x), v::dup_word::<L1>(x));
        for i in 0..4 {
            acc[2 * i] = v::sadalp(acc[2 * i], v::smlal_low(v::smull_low(w0[i], x0), w1[i], x1));
            acc[2 * i + 1] = v::sadalp(acc[2 * i + 1], v::smlal_high(v::smull_high(w0[i], x0), w1[i], x1));
        }
    }
    #[inline(always)]
    fn finish(acc: Self::Acc) -> [I32x4; 4] {
        Smull::finish(acc)
    }
}

/// The output stage of one layer call.
type Stage<'a> = (&'a [PackedRequant], i32, i32, i32);

/// The int8 product `output[r][c] = stage(bias[c] + Σ_i input[r][i] · w[c][i])` for `rows`
/// rows of `depth` bytes and `out_c` channels, `filter` packed by [`pack_filter_neon`], through
/// `M`, tiles of `P` rows × 1 block where there are `P` rows, else of 1 row × up to `B` blocks
/// (FULLY_CONNECTED). Mismatched lengths leave the output untouched (the compiler never emits
/// them).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn gemm<M: Mac, const P: usize, const B: usize>(rows: usize, depth: usize, out_c: usize, input: Rows<'_>, filter: &[u8], stage: Stage<'_>, output: &mut [u8]) {
    let bb = gemm_block_bytes(depth);
    if depth == 0 || out_c == 0 || stage.0.is_empty() || filter.len() != gemm_filter_bytes(out_c, depth) {
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
    let blocks = out_c.div_ceil(GEMM_LANES);
    let per_panel = if rows >= P { 1 } else { B };
    let mut g = 0;
    while g < blocks {
        let n = (blocks - g).min(per_panel);
        let panel = window(filter, g * bb, n * bb);
        let dims = [rows, depth, out_c];
        match n {
            1 if rows >= P => panel_rows::<M, P, 1>(g, dims, input, panel, stage, output),
            4 => panel_rows::<M, 1, 4>(g, dims, input, panel, stage, output),
            3 => panel_rows::<M, 1, 3>(g, dims, input, panel, stage, output),
            2 => panel_rows::<M, 1, 2>(g, dims, input, panel, stage, output),
            _ => panel_rows::<M, 1, 1>(g, dims, input, panel, stage, output),
        }
        g += n;
    }
}

/// Every row through the `B` blocks from block `g` on (`panel`: their packed bytes), `P` rows
/// at a time (then one at a time).
#[inline(always)]
fn panel_rows<M: Mac, const P: usize, const B: usize>(g: usize, [rows, depth, out_c]: [usize; 3], input: Rows<'_>, panel: &[u8], (requant, zp, lo, hi): Stage<'_>, output: &mut [u8]) {
    let bb = gemm_block_bytes(depth);
    let block = |b: usize| window(panel, b * bb, bb);
    let bias: [M::Acc; B] = core::array::from_fn(|b| {
        let words: [i32; 16] = core::array::from_fn(|j| i32::from_le_bytes(<[u8; 4]>::try_from(window(block(b), 4 * j, 4)).unwrap_or([0; 4])));
        M::init(&words)
    });
    let weights: [&[[u8; 64]]; B] = core::array::from_fn(|b| bytemuck::try_cast_slice(block(b).get(4 * GEMM_LANES..).unwrap_or(&[])).unwrap_or(&[]));
    if weights.iter().any(|w| w.len() != depth.div_ceil(4)) {
        return;
    }
    let stages: [Option<NeonStage>; B] = core::array::from_fn(|b| NeonStage::new(requant, (g + b) * GEMM_LANES, out_c, zp, lo, hi));
    // Gathered windows start every `stride` bytes, so that each can be read as whole 16-byte
    // vectors: the bytes past a window (the next one's, or what its last tap's 16-byte move left
    // there) meet zero weights or none. (16 bytes of slack: see `gather_window`.)
    let mut windows = [0u8; 4 * MAX_GEMM_WINDOW + 16];
    let stride = depth.next_multiple_of(16);
    let mut pixels = Pixels::of(&input);
    let mut r = 0;
    while r < rows {
        let n = if rows - r >= P { P } else { 1 };
        // Each row from its first byte to the end of the buffer (at least `depth` bytes).
        let x: [&[u8]; P] = match input {
            Rows::Dense(x) => core::array::from_fn(|p| x.get((r + p) * depth..).unwrap_or(&[])),
            Rows::Windows(p, x) => {
                for q in 0..n {
                    gather_window(p, x, pixels.next_pixel(), &mut windows, q * stride);
                }
                core::array::from_fn(|p| windows.get(p * stride..).unwrap_or(&[]))
            }
        };
        let acc: [[M::Acc; B]; P] = if n == P {
            tile::<M, P, B>(x, weights, bias, depth)
        } else {
            let [one] = tile::<M, 1, B>([x[0]], weights, bias, depth);
            [one; P]
        };
        for (p, row_acc) in acc.iter().enumerate().take(n) {
            let out_row = window_mut(output, (r + p) * out_c, out_c);
            for (b, (&a, st)) in row_acc.iter().zip(&stages).enumerate() {
                let c0 = (g + b) * GEMM_LANES;
                let bytes = block_output(st, M::finish(a), (requant, c0, zp, lo, hi));
                let len = GEMM_LANES.min(out_c.saturating_sub(c0));
                store_lanes(window_mut(out_row, c0, len), &bytes);
            }
        }
        r += n;
    }
}

/// The accumulators of `P` rows (`rows`: from each row's first byte on, at least `depth` bytes)
/// × `B` blocks (`w`: per four input bytes, 64 weight bytes), starting from the blocks' biases:
/// sixteen input bytes (four words) per load. The last `depth % 16` bytes are loaded as 16 when
/// the row slice has them (the bytes past `depth` meet zero weights, or no weights at all: the
/// quads past the depth are not computed), else copied.
#[inline(always)]
fn tile<M: Mac, const P: usize, const B: usize>(rows: [&[u8]; P], w: [&[[u8; 64]]; B], bias: [M::Acc; B], depth: usize) -> [[M::Acc; B]; P] {
    let mut acc = [bias; P];
    let groups = depth / 16;
    let x: [&[[u8; 16]]; P] = rows.map(|r| bytemuck::try_cast_slice(window(r, 0, 16 * groups)).unwrap_or(&[]));
    if x.iter().any(|r| r.len() != groups) || rows.iter().any(|r| r.len() < depth) {
        return acc;
    }
    for k in 0..groups {
        let xs: [I8x16; P] = core::array::from_fn(|p| v::load_i8x16(&x[p][k]));
        pair::<M, P, B, 0, 1>(&mut acc, &w, 4 * k, &xs);
        pair::<M, P, B, 2, 3>(&mut acc, &w, 4 * k, &xs);
    }
    let rest = depth - 16 * groups;
    if rest > 0 {
        // The last input bytes, zero-extended: their padded weights are zero.
        let xs: [I8x16; P] = core::array::from_fn(|p| match <&[u8; 16]>::try_from(window(rows[p], 16 * groups, 16)) {
            Ok(whole) => v::load_i8x16(whole),
            Err(_) => {
                let mut q = [0u8; 16];
                copy_prefix(&mut q, window(rows[p], 16 * groups, rest));
                v::load_i8x16(&q)
            }
        });
        let k = 4 * groups;
        if rest > 4 {
            pair::<M, P, B, 0, 1>(&mut acc, &w, k, &xs);
        } else {
            quad::<M, P, B, 0>(&mut acc, &w, k, &xs);
        }
        if rest > 12 {
            pair::<M, P, B, 2, 3>(&mut acc, &w, k, &xs);
        } else if rest > 8 {
            quad::<M, P, B, 2>(&mut acc, &w, k, &xs);
        }
    }
    acc
}

/// Input word `L` of each row's vector `x` times the weights of input bytes `4(k + L)..` of
/// every block.
#[inline(always)]
fn quad<M: Mac, const P: usize, const B: usize, const L: i32>(acc: &mut [[M::Acc; B]; P], w: &[&[[u8; 64]]; B], k: usize, x: &[I8x16; P]) {
    for b in 0..B {
        let Some(wq) = w[b].get(k + L as usize) else {
            return;
        };
        let wq: &[[u8; 16]; 4] = bytemuck::cast_ref(wq);
        let ws: [I8x16; 4] = core::array::from_fn(|i| v::load_i8x16(&wq[i]));
        for p in 0..P {
            M::step::<L>(&mut acc[p][b], &ws, x[p]);
        }
    }
}

/// Input words `L0` and `L1` of each row's vector `x` times the weights of input bytes
/// `4(k + L0)..` and `4(k + L1)..` of every block.
#[inline(always)]
fn pair<M: Mac, const P: usize, const B: usize, const L0: i32, const L1: i32>(acc: &mut [[M::Acc; B]; P], w: &[&[[u8; 64]]; B], k: usize, x: &[I8x16; P]) {
    for b in 0..B {
        let (Some(w0), Some(w1)) = (w[b].get(k + L0 as usize), w[b].get(k + L1 as usize)) else {
            return;
        };
        let (w0, w1): (&[[u8; 16]; 4], &[[u8; 16]; 4]) = (bytemuck::cast_ref(w0), bytemuck::cast_ref(w1));
        let w0: [I8x16; 4] = core::array::from_fn(|i| v::load_i8x16(&w0[i]));
        let w1: [I8x16; 4] = core::array::from_fn(|i| v::load_i8x16(&w1[i]));
        for p in 0..P {
            M::step2::<L0, L1>(&mut acc[p][b], &w0, &w1, x[p]);
        }
    }
}

/// The build's matrix product: SDOT with `dotprod`, else SMULL/SMLAL/SADALP where the filter
/// has no −128 (`PAIRS`), else SMULL/SADALP.
/// (Not generic: a generic kernel is compiled in the calling crate, with its profile; the
/// workspace's tests build this crate optimized and the test crates not. Inlined only in
/// optimized builds, where the calling crate is optimized too.)
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn run(pairs: bool, rows: usize, depth: usize, out_c: usize, input: Rows<'_>, filter: &[u8], stage: Stage<'_>, output: &mut [u8]) {
    if cfg!(kiln_aarch64_dotprod) {
        gemm::<Sdot, 4, 4>(rows, depth, out_c, input, filter, stage, output);
    } else if pairs {
        gemm::<SmullPairs, 1, 1>(rows, depth, out_c, input, filter, stage, output);
    } else {
        gemm::<Smull, 2, 2>(rows, depth, out_c, input, filter, stage, output);
    }
}

/// CONV_2D as one matrix product over its pixels, `filter` packed by [`pack_filter_neon`] from
/// the OHWI filter (as `[out_c][k_h · k_w · in_c]`) and `p.bias`: a 1×1, stride-1, unpadded
/// layer over its input as it is, any other over each pixel's window gathered (up to
/// [`MAX_GEMM_WINDOW`] bytes; a longer one leaves the output untouched, the compiler never calls
/// it so). Same params and result as [`super::conv2d_s8`] on the model's filter (groups = 1).
/// `PAIRS`: the filter has no weight −128 (the compiler checks), so that without `dotprod` two
/// products may share an `i16` lane (`SmullPairs`); with a −128, `false` (else the result is
/// wrong where two (−128)·(−128) meet).
#[inline(always)]
pub fn conv2d_s8_neon<const PAIRS: bool>(p: &super::Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    conv2d(PAIRS, p, input, filter, output);
}

/// [`conv2d_s8_neon`], compiled here in unoptimized builds; in optimized ones inlined into
/// every call, so that the layer's shapes are constants there (as on x86-64: `super::gemm`).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn conv2d(pairs: bool, p: &super::Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [n, h, w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
    if p.kernel == [1, 1] && p.stride == [1, 1] && p.pad == [0, 0] && p.input[..3] == p.output[..3] {
        run(pairs, n * h * w, in_c, out_c, Rows::Dense(input), filter, stage, output);
    } else {
        let depth = p.kernel[0] * p.kernel[1] * in_c;
        run(pairs, n * out_h * out_w, depth, out_c, Rows::Windows(p, input), filter, stage, output);
    }
}

/// FULLY_CONNECTED as one matrix product over its batch rows, `filter` packed by
/// [`pack_filter_neon`]. Same params and result as [`super::fully_connected_s8`] on the model's
/// filter; `PAIRS` as in [`conv2d_s8_neon`].
#[inline(always)]
pub fn fully_connected_s8_neon<const PAIRS: bool>(p: &super::FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    fully_connected(PAIRS, p, input, filter, output);
}

/// [`fully_connected_s8_neon`], compiled here in unoptimized builds, else inlined (as
/// [`conv2d`]).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn fully_connected(pairs: bool, p: &super::FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
    run(pairs, p.batches, p.input_depth, p.output_depth, Rows::Dense(input), filter, stage, output);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv::testing::conv_case;
    use super::super::{conv2d_s8, fully_connected_s8, Conv2dParams, FullyConnectedParams};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    fn packed(w: &[u8], bias: &[i32], out_c: usize, depth: usize) -> Vec<u8> {
        let mut out = vec![0u8; gemm_filter_bytes(out_c, depth)];
        pack_filter_neon(w, bias, out_c, depth, &mut out);
        out
    }

    /// In odd cases, the weight −128 made −127 (TFLite's int8 weight range), so that the SMLAL
    /// variant runs on most cases (random filters of some size nearly always hold a −128).
    fn no_min_weight(case: usize, filter: &mut [u8]) {
        if case % 2 == 1 {
            for w in filter.iter_mut().filter(|w| **w == 0x80) {
                *w = 0x81;
            }
        }
    }

    /// Every variant (SDOT, SMULL/SADALP, and SMULL/SMLAL/SADALP where the filter has no −128;
    /// else a copy of the second) on the same layer.
    fn both(p: &Conv2dParams, input: &[u8], filter: &[u8], out: usize) -> [Vec<u8>; 3] {
        let [n, h, w, in_c] = p.input;
        let [_, oh, ow, oc] = p.output;
        let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
        let dense = p.kernel == [1, 1] && p.stride == [1, 1] && p.pad == [0, 0] && p.input[..3] == p.output[..3];
        let (rows, depth, input) = if dense { (n * h * w, in_c, Rows::Dense(input)) } else { (n * oh * ow, p.kernel[0] * p.kernel[1] * in_c, Rows::Windows(p, input)) };
        let mut a = vec![0u8; out];
        let mut b = vec![0u8; out];
        gemm::<Sdot, 4, 4>(rows, depth, oc, input, filter, stage, &mut a);
        gemm::<Smull, 2, 2>(rows, depth, oc, input, filter, stage, &mut b);
        let mut c = b.clone();
        if !filter.contains(&0x80) {
            c.fill(0);
            gemm::<SmullPairs, 1, 1>(rows, depth, oc, input, filter, stage, &mut c);
        }
        [a, b, c]
    }

    /// Same bytes as the OHWI kernel (checked against TFLM on the zoo) over random pointwise
    /// layers: depths with and without a remainder of 16 and of 4, channel counts around the
    /// 16-lane blocks and the tiles, pixel counts around the row tiles, extreme bytes,
    /// per-tensor/per-channel, narrow activation ranges and factors outside the vector stage's
    /// domain. Without `cfg(kiln_aarch64_neon)` this runs the twins (and under Miri, fewer
    /// cases).
    #[test]
    fn pointwise_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0xa9e3);
        for case in 0..if cfg!(miri) { 30 } else { 1200 } {
            let ic = if case % 3 == 0 { 16 * rng.usize(1, 6) } else { rng.usize(1, 70) };
            let oc = if case % 4 == 0 { 16 * rng.usize(1, 6) } else { rng.usize(1, 90) };
            let (mut p, mut input, mut filter) = conv_case(&mut rng, ic, oc, [1, 1], [1, 1], false);
            p.stride = [1, 1];
            p.output = [p.input[0], p.input[1], p.input[2], oc];
            if case % 7 == 0 {
                input.fill(0x80);
                filter.fill([0x80, 0x7f, 0x81][case % 3]);
            }
            no_min_weight(case, &mut filter);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let f = packed(&filter, p.bias, oc, ic);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_neon::<false>(&p, &input, &f, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
            for (i, got) in both(&p, &input, &f, want.len()).iter().enumerate() {
                assert_eq!(got, &want, "variant {i}, case {case}: {p:?}");
            }
        }
    }

    /// The same for k×k layers through gathered windows: strides, dilations, any padding.
    #[test]
    fn windows_match_the_ohwi_kernel() {
        let mut rng = Rng::new(0x3c35);
        for case in 0..if cfg!(miri) { 15 } else { 600 } {
            let (ic, oc) = (rng.usize(1, 20), if case % 3 == 0 { 16 * rng.usize(1, 5) } else { rng.usize(1, 40) });
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let dilation = [rng.usize(1, 2), rng.usize(1, 2)];
            let (p, input, mut filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 4 != 0);
            no_min_weight(case, &mut filter);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let f = packed(&filter, p.bias, oc, kh * kw * ic);
            for (i, got) in both(&p, &input, &f, want.len()).iter().enumerate() {
                assert_eq!(got, &want, "variant {i}, case {case}: {p:?}");
            }
        }
    }

    /// The same for FULLY_CONNECTED (one to a few batch rows).
    #[test]
    fn fully_connected_matches_the_reference() {
        let mut rng = Rng::new(0xfc17);
        for case in 0..if cfg!(miri) { 15 } else { 500 } {
            let (depth, od, batches) = (rng.usize(1, 300), rng.usize(1, 90), rng.usize(1, 6));
            let mut input = vec![0u8; batches * depth];
            let mut filter = vec![0u8; od * depth];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            no_min_weight(case, &mut filter);
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
            let f = packed(&filter, p.bias, od, depth);
            let stage = (p.requant, p.output_zero_point, p.act_min, p.act_max);
            let mut got = vec![0u8; want.len()];
            fully_connected_s8_neon::<false>(&p, &input, &f, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
            if !filter.contains(&0x80) {
                got.fill(0);
                gemm::<SmullPairs, 1, 1>(batches, depth, od, Rows::Dense(&input), &f, stage, &mut got);
                assert_eq!(got, want, "SMLAL, case {case}: {p:?}");
            }
            gemm::<Sdot, 4, 4>(batches, depth, od, Rows::Dense(&input), &f, stage, &mut got);
            assert_eq!(got, want, "SDOT, case {case}: {p:?}");
            gemm::<Smull, 2, 2>(batches, depth, od, Rows::Dense(&input), &f, stage, &mut got);
            assert_eq!(got, want, "SMULL, case {case}: {p:?}");
        }
    }
}
