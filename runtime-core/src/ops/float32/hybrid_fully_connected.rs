//! FULLY_CONNECTED, dynamic range ("hybrid"): float32 input and output, int8 weights
//! (TFLite `fully_connected.cc` `EvalHybrid` with `tensor_utils`' portable kernels).
//!
//! TFLite quantizes each input row at run time, multiplies in integers and rescales in float:
//!
//! 1. Row quantization, asymmetric (`AsymmetricQuantizeFloats`, what the converter selects):
//!    `[min(0, x_min), max(0, x_max)]` maps onto `[-128, 127]`; `scale = (max − min) / 255` (the
//!    difference in f32, the division in f64: measured against LiteRT), and
//!    the zero point comes from whichever end (min or max) has the smaller rounding error,
//!    rounded half away from zero and clamped. The row's scaling factor is that scale as f32,
//!    `q = clamp(round(zp + x · (1 / scale)), -128, 127)` in f32. Symmetric
//!    (`SymmetricQuantizeFloats`): `scale = max|x| / 127`, `q = clamp(round(x · 127 / max|x|), ±127)`.
//!    An all-zero row quantizes to zeros with scale 1, zero point 0.
//! 2. `acc = Σ w·q − zp · Σ w` in i32 (the weight row sums are folded at compile time).
//! 3. `out = bias + (acc as f32) · (scale · filter_scale[row])`, then the fused activation.
//!
//! Every step is IEEE-deterministic, so this kernel computes the reference's bits; the zoo test
//! compares it with LiteRT's reference interpreter.

use super::{clamp, store, values};
use crate::ops::{window, window_mut};

/// Static parameters of one hybrid FULLY_CONNECTED; weights `[output_depth, input_depth]` int8.
#[derive(Clone, Copy, Debug)]
pub struct HybridFullyConnectedParams {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_depth: usize,
    /// Output features per batch row.
    pub output_depth: usize,
    /// `asymmetric_quantize_inputs` of the op's options.
    pub asymmetric: bool,
    /// Weight scale per output unit (per channel), or one for all (per tensor).
    pub filter_scales: &'static [f32],
    /// `Σ weights[u]` per output unit (used with asymmetric input quantization).
    pub row_sums: &'static [i32],
    /// One per output unit, or empty when the model has no bias (TFLite then starts from 0.0).
    pub bias: &'static [f32],
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
}

/// f64 `round` half away from zero (C's `round`), for the zero point.
#[inline]
fn round_half_away_f64(v: f64) -> f64 {
    if !(v.abs() < 4_503_599_627_370_496.0) {
        return v;
    }
    let t = v as i64 as f64;
    let frac = v - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Asymmetric quantization of the f32 values `x` (TFLite `AsymmetricQuantizeFloats`):
/// `(scaling factor, zero point, 1 / scaling factor)`; `None` when every value is 0 (TFLite
/// then writes zeros).
pub(crate) fn asymmetric_params(x: &[u8]) -> Option<(f32, i32, f32)> {
    let (lo, hi) = values(x).fold((0.0f32, 0.0f32), |(lo, hi), v| (if v < lo { v } else { lo }, if v > hi { v } else { hi }));
    // The range ends are f32 (so is their difference); the rest is f64.
    if lo == hi {
        return None;
    }
    let (rmin, rmax) = (f64::from(lo), f64::from(hi));
    let (qmin, qmax) = (-128.0f64, 127.0f64);
    let scale = f64::from(hi - lo) / (qmax - qmin);
    let zp_from_min = qmin - rmin / scale;
    let zp_from_max = qmax - rmax / scale;
    let err_min = qmin.abs() + (rmin / scale).abs();
    let err_max = qmax.abs() + (rmax / scale).abs();
    let zp = if err_min < err_max { zp_from_min } else { zp_from_max };
    let zp = if zp <= qmin {
        -128
    } else if zp >= qmax {
        127
    } else {
        round_half_away_f64(zp) as i32
    };
    let sf = scale as f32;
    Some((sf, zp, (1.0 / f64::from(sf)) as f32))
}

/// One value quantized with [`asymmetric_params`]: `clamp(round(zp + v · inv), -128, 127)`.
#[inline(always)]
pub(crate) fn quantize_asymmetric(v: f32, zp: i32, inv: f32) -> i32 {
    (crate::float_math::roundf(zp as f32 + v * inv) as i32).max(-128).min(127)
}

/// How the values of one input row quantize (from the whole row: [`row_quant`]).
#[derive(Clone, Copy)]
enum RowQuant {
    /// An all-zero row (or one with no range): every value quantizes to 0.
    Zero,
    /// `clamp(round(zp + v · inv), -128, 127)` ([`quantize_asymmetric`]).
    Asymmetric { zp: i32, inv: f32 },
    /// `clamp(round(v · inv), -127, 127)`.
    Symmetric { inv: f32 },
}

impl RowQuant {
    #[inline(always)]
    fn apply(self, v: f32) -> i8 {
        match self {
            RowQuant::Zero => 0,
            RowQuant::Asymmetric { zp, inv } => quantize_asymmetric(v, zp, inv) as i8,
            RowQuant::Symmetric { inv } => {
                let r = crate::float_math::roundf(v * inv) as i32;
                r.max(-127).min(127) as i8
            }
        }
    }
}

/// The quantization of one input row: `(scaling factor, zero point, per-value map)`.
fn row_quant(x: &[u8], asymmetric: bool) -> (f32, i32, RowQuant) {
    if asymmetric {
        match asymmetric_params(x) {
            Some((sf, zp, inv)) => (sf, zp, RowQuant::Asymmetric { zp, inv }),
            None => (1.0, 0, RowQuant::Zero),
        }
    } else {
        let (lo, hi) = values(x).fold((0.0f32, 0.0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let range = lo.abs().max(hi.abs());
        if range == 0.0 {
            return (1.0, 0, RowQuant::Zero);
        }
        (range / 127.0, 0, RowQuant::Symmetric { inv: 127.0 / range })
    }
}

/// Quantizes one input row into `q`; returns `(scaling factor, zero point)`.
#[cfg(test)]
fn quantize_row(x: &[u8], q: &mut [i8], asymmetric: bool) -> (f32, i32) {
    let (sf, zp, rq) = row_quant(x, asymmetric);
    for (o, v) in q.iter_mut().zip(values(x)) {
        *o = rq.apply(v);
    }
    (sf, zp)
}

/// Longest input row the compiler passes (codegen rejects longer ones).
const MAX_DEPTH: usize = 4096;

/// Input values quantized at a time (a stack buffer of this many bytes).
const CHUNK: usize = 128;

/// FULLY_CONNECTED dynamic range: see the module documentation. Rows longer than
/// `MAX_DEPTH` (which codegen rejects) produce no output.
///
/// The row is quantized 128 values (`CHUNK`) at a time (its scale comes from the whole row first),
/// and each output unit's integer dot product is accumulated chunk by chunk in the unit's own
/// 4-byte output element until the row is done: no row-sized buffer on the stack. Wrapping
/// i32 sums do not depend on the grouping, so the bits are those of one pass.
pub fn fully_connected_hybrid(p: &HybridFullyConnectedParams, input: &[u8], weights: &[u8], output: &mut [u8]) {
    let depth = p.input_depth;
    let row = depth * 4;
    if depth == 0 || depth > MAX_DEPTH {
        return;
    }
    let units = p.output_depth.min(weights.len() / depth);
    let out_row = p.output_depth * 4;
    // TFLite skips everything for an all-zero input: the output is the bias, activated.
    let all_zero = values(window(input, 0, p.batches * row)).all(|v| v == 0.0);
    let mut q_buf = [0i8; CHUNK];
    for b in 0..p.batches {
        let x = window(input, b * row, row);
        let out = window_mut(output, b * out_row, units * 4);
        if all_zero {
            for (u, o) in out.chunks_exact_mut(4).enumerate() {
                store(o, clamp(p.bias.get(u).copied().unwrap_or(0.0), p.act_min, p.act_max));
            }
            continue;
        }
        let (sf, zp, rq) = row_quant(x, p.asymmetric);
        out.fill(0);
        for (k, xc) in x.chunks(4 * CHUNK).enumerate() {
            let q = q_buf.get_mut(..xc.len() / 4).unwrap_or(&mut []);
            for (o, v) in q.iter_mut().zip(values(xc)) {
                *o = rq.apply(v);
            }
            for (w, a) in weights.chunks_exact(depth).take(units).zip(out.chunks_exact_mut(4)) {
                let w = window(w, k * CHUNK, q.len());
                let dot = w.iter().zip(q.iter()).fold(0i32, |acc, (&w, &q)| acc.wrapping_add(i32::from(w as i8) * i32::from(q)));
                let sum = load_i32(a).wrapping_add(dot);
                a.copy_from_slice(&sum.to_ne_bytes());
            }
        }
        let scales = p.filter_scales.iter().cycle();
        for (u, ((a, &fs), &row_sum)) in out.chunks_exact_mut(4).zip(scales).zip(p.row_sums.iter().chain(core::iter::repeat(&0))).enumerate() {
            let dot = load_i32(a);
            let bias = p.bias.get(u).copied().unwrap_or(0.0);
            let acc = if p.asymmetric { dot.wrapping_sub(row_sum.wrapping_mul(zp)) } else { dot };
            store(a, clamp(bias + acc as f32 * (sf * fs), p.act_min, p.act_max));
        }
    }
}

/// The i32 kept (native-endian) in a 4-byte output element.
#[inline(always)]
fn load_i32(a: &[u8]) -> i32 {
    <[u8; 4]>::try_from(a).map_or(0, i32::from_ne_bytes)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::f32_bytes;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    /// Each quantized row reproduces its input to within half a step (plus rounding slack), and
    /// the row's extremes reach the ends of the int8 range.
    #[test]
    fn row_quantization_round_trips_within_half_a_step() {
        let mut rng = Rng::new(3206);
        for case in 0..500 {
            let n = rng.usize(1, 40);
            let mut x = f32_bytes(&mut rng, n);
            if case % 7 == 0 {
                x[..4].copy_from_slice(&0f32.to_le_bytes());
            }
            let asymmetric = case % 2 == 0;
            let mut q = vec![0i8; n];
            let (sf, zp) = quantize_row(&x, &mut q, asymmetric);
            assert!(sf > 0.0 && (-128..=127).contains(&zp), "case {case}: {sf} {zp}");
            for (v, &q) in values(&x).zip(&q) {
                let back = (i32::from(q) - zp) as f32 * sf;
                assert!((back - v).abs() <= sf * 0.5001 + 1e-30, "case {case}: {v} → {q} → {back} (scale {sf}, zp {zp})");
            }
            if values(&x).any(|v| v != 0.0) {
                let (qmin, qmax) = (*q.iter().min().unwrap(), *q.iter().max().unwrap());
                let lo = if asymmetric { -128 } else { -127 };
                assert!(qmin <= lo + 1 || qmax >= 126, "case {case}: q range {qmin}..{qmax}");
            }
        }
    }

    /// The chunked kernel gives the bits of one pass over the whole quantized row (TFLite's
    /// order: quantize the row, integer dot product per unit, rescale), for rows shorter and
    /// several times longer than [`CHUNK`], several batches, both quantizations, with and
    /// without bias, and an all-zero input.
    #[test]
    fn chunked_rows_match_one_pass() {
        let mut rng = Rng::new(0x4b1d);
        for case in 0..300 {
            let depth = if case % 3 == 0 { rng.usize(1, 20) } else { rng.usize(CHUNK - 2, 4 * CHUNK + 3) };
            let (batches, units) = (rng.usize(1, 3), rng.usize(1, 6));
            let asymmetric = case % 2 == 0;
            let mut x = f32_bytes(&mut rng, batches * depth);
            if case % 11 == 0 {
                x.fill(0);
            }
            let mut w = vec![0u8; units * depth];
            rng.fill(&mut w);
            let row_sums: std::vec::Vec<i32> = w.chunks(depth).map(|r| r.iter().map(|&b| i32::from(b as i8)).sum()).collect();
            let scales: std::vec::Vec<f32> = (0..if case % 4 == 0 { 1 } else { units }).map(|i| 0.001 + i as f32 * 0.0007).collect();
            let bias: std::vec::Vec<f32> = if case % 5 == 0 { vec![] } else { (0..units).map(|i| i as f32 * 0.25 - 0.5).collect() };
            let p = HybridFullyConnectedParams {
                batches,
                input_depth: depth,
                output_depth: units,
                asymmetric,
                filter_scales: std::vec::Vec::leak(scales.clone()),
                row_sums: std::vec::Vec::leak(row_sums.clone()),
                bias: std::vec::Vec::leak(bias.clone()),
                act_min: f32::MIN,
                act_max: f32::MAX,
            };
            let mut got = vec![0u8; batches * units * 4];
            fully_connected_hybrid(&p, &x, &w, &mut got);
            let all_zero = values(&x).all(|v| v == 0.0);
            let mut want = std::vec::Vec::new();
            for b in 0..batches {
                let row = &x[b * depth * 4..(b + 1) * depth * 4];
                let mut q = vec![0i8; depth];
                let (sf, zp) = quantize_row(row, &mut q, asymmetric);
                for u in 0..units {
                    let bu = bias.get(u).copied().unwrap_or(0.0);
                    let v = if all_zero {
                        bu
                    } else {
                        let dot = w[u * depth..(u + 1) * depth].iter().zip(&q).fold(0i32, |a, (&w, &q)| a.wrapping_add(i32::from(w as i8) * i32::from(q)));
                        let acc = if asymmetric { dot.wrapping_sub(row_sums[u].wrapping_mul(zp)) } else { dot };
                        bu + acc as f32 * (sf * scales[u % scales.len()])
                    };
                    want.extend_from_slice(&v.to_le_bytes());
                }
            }
            assert_eq!(got, want, "case {case}: depth {depth}, batches {batches}, units {units}");
        }
    }
}
