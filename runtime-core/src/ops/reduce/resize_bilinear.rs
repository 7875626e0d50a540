//! RESIZE_BILINEAR, int8 and float32 (what TFLM supports), bit-exact with TFLM's
//! `reference_ops::ResizeBilinearInteger` (int8, 10-bit fixed-point weights) and
//! `reference_ops::ResizeBilinear` (float32).
//!
//! The sampling positions depend only on the sizes and options, so codegen evaluates TFLM's
//! `ComputeInterpolationValues[Integer]` once per output row and column and emits them as
//! [`BilinearTap`] tables; the kernels do the per-pixel arithmetic exactly as TFLM writes it.

use super::Elem;

/// Where one output row (or column) samples the input: between `lo` and `hi`, at fraction
/// `frac` past `lo` — in 1/1024 units for int8 (`input_y − 1024·y0` in TFLM), as `input_y − y0`
/// for float32 (which can be negative with half-pixel centers, as in TFLM).
#[derive(Clone, Copy, Debug)]
pub struct BilinearTap<F> {
    /// The input row (or column) before the sample point.
    pub lo: usize,
    /// The input row (or column) after it (clamped to the edge).
    pub hi: usize,
    /// How far past `lo` the sample point lies.
    pub frac: F,
}

#[derive(Clone, Copy, Debug)]
/// Static parameters of one int8 RESIZE_BILINEAR: the sample points, computed at compile time.
pub struct ResizeBilinearParams {
    /// NHWC input shape.
    pub input: [usize; 4],
    /// Per output row, where it samples the input.
    pub rows: &'static [BilinearTap<i32>],
    /// Per output column, where it samples the input.
    pub cols: &'static [BilinearTap<i32>],
}

#[derive(Clone, Copy, Debug)]
/// Static parameters of one float32 RESIZE_BILINEAR: the sample points, computed at compile time.
pub struct ResizeBilinearF32Params {
    /// NHWC input shape.
    pub input: [usize; 4],
    /// Per output row, where it samples the input.
    pub rows: &'static [BilinearTap<f32>],
    /// Per output column, where it samples the input.
    pub cols: &'static [BilinearTap<f32>],
}

/// Calls `f(output index, [top-left, bottom-left, top-right, bottom-right] input indices, row
/// tap, column tap)` for every output element in NHWC order.
#[inline]
fn for_each_output<F: Copy>(
    input: [usize; 4],
    rows: &[BilinearTap<F>],
    cols: &[BilinearTap<F>],
    mut f: impl FnMut(usize, [usize; 4], F, F),
) {
    let [n, in_h, in_w, c] = input;
    let at = |b: usize, y: usize, x: usize| ((b * in_h + y) * in_w + x) * c;
    let mut o = 0;
    for b in 0..n {
        for r in rows {
            for col in cols {
                let corners = [at(b, r.lo, col.lo), at(b, r.hi, col.lo), at(b, r.lo, col.hi), at(b, r.hi, col.hi)];
                for ch in 0..c {
                    f(o, corners.map(|k| k + ch), r.frac, col.frac);
                    o += 1;
                }
            }
        }
    }
}

/// int8: the four corners weighted by `(1024 − fy)(1024 − fx)`, `fy(1024 − fx)`, … in int64,
/// then divided by 2^20 rounding half away from zero (TFLM without `TFLITE_SINGLE_ROUNDING`).
pub fn resize_bilinear_s8(p: &ResizeBilinearParams, input: &[u8], output: &mut [u8]) {
    const ONE: i64 = 1 << 10;
    for_each_output(p.input, p.rows, p.cols, |o, [ll, lu, rl, ru], fy, fx| {
        let x = |i: usize| i64::from(i8::load(input, i).unwrap_or(0));
        let (fy, fx) = (i64::from(fy), i64::from(fx));
        let sum = x(ll) * (ONE - fy) * (ONE - fx) + x(lu) * fy * (ONE - fx) + x(rl) * (ONE - fy) * fx + x(ru) * fy * fx;
        let round = if sum > 0 { 1 << 19 } else { -(1 << 19) };
        (((sum + round) / (1 << 20)) as i8).store(output, o);
    });
}

/// float32: TFLM's expression, term by term in its order (`x·(1−dy)·(1−dx) + …`), then `+ 0.0`
/// (TFLM's rounding offset for float, which turns a `-0.0` result into `+0.0`).
pub fn resize_bilinear_f32(p: &ResizeBilinearF32Params, input: &[u8], output: &mut [u8]) {
    for_each_output(p.input, p.rows, p.cols, |o, [ll, lu, rl, ru], dy, dx| {
        let x = |i: usize| f32::load(input, i).unwrap_or(0.0);
        let v = x(ll) * (1.0 - dy) * (1.0 - dx) + x(lu) * dy * (1.0 - dx) + x(rl) * (1.0 - dy) * dx + x(ru) * dy * dx + 0.0;
        v.store(output, o);
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    fn taps<F: Copy>(rng: &mut Rng, size: usize, n: usize, frac: impl Fn(&mut Rng) -> F) -> Vec<BilinearTap<F>> {
        (0..n)
            .map(|_| {
                let lo = rng.usize(0, size - 1);
                BilinearTap { lo, hi: (lo + rng.usize(0, 1)).min(size - 1), frac: frac(rng) }
            })
            .collect()
    }

    #[test]
    fn s8_matches_tflm_definition() {
        let mut rng = Rng::new(121);
        for case in 0..300 {
            let input_shape = [rng.usize(1, 2), rng.usize(1, 4), rng.usize(1, 4), rng.usize(1, 3)];
            let (nr, nc) = (rng.usize(1, 6), rng.usize(1, 6));
            let rows = taps(&mut rng, input_shape[1], nr, |r| r.range(-512, 1023) as i32);
            let cols = taps(&mut rng, input_shape[2], nc, |r| r.range(-512, 1023) as i32);
            let mut input = vec![0u8; input_shape.iter().product()];
            rng.fill(&mut input);
            let [n, h, w, c] = input_shape;
            let at = |b: usize, y: usize, x: usize, ch: usize| input[((b * h + y) * w + x) * c + ch] as i8 as i128;
            let mut want = Vec::new();
            for b in 0..n {
                for r in &rows {
                    for k in &cols {
                        for ch in 0..c {
                            let (fy, fx) = (r.frac as i128, k.frac as i128);
                            let s = at(b, r.lo, k.lo, ch) * (1024 - fy) * (1024 - fx)
                                + at(b, r.hi, k.lo, ch) * fy * (1024 - fx)
                                + at(b, r.lo, k.hi, ch) * (1024 - fy) * fx
                                + at(b, r.hi, k.hi, ch) * fy * fx;
                            // Round half away from zero, from the real quotient (exact in f64).
                            let q = s as f64 / (1u64 << 20) as f64;
                            let v = if q >= 0.0 { (q + 0.5).floor() } else { (q - 0.5).ceil() };
                            want.push(v as i64 as i8 as u8);
                        }
                    }
                }
            }
            let p = ResizeBilinearParams { input: input_shape, rows: leak(rows), cols: leak(cols) };
            let mut got = vec![0u8; want.len()];
            resize_bilinear_s8(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn f32_is_tflm_expression() {
        let mut rng = Rng::new(122);
        for case in 0..300 {
            let input_shape = [1, rng.usize(1, 4), rng.usize(1, 4), rng.usize(1, 3)];
            let (nr, nc) = (rng.usize(1, 6), rng.usize(1, 6));
            let rows = taps(&mut rng, input_shape[1], nr, |r| r.range(-256, 1023) as f32 / 1024.0);
            let cols = taps(&mut rng, input_shape[2], nc, |r| r.range(-256, 1023) as f32 / 1024.0);
            let n: usize = input_shape.iter().product();
            let xs: Vec<f32> = (0..n).map(|i| if i % 4 == 0 { -0.0 } else { rng.range(-1000, 1000) as f32 / 3.0 }).collect();
            let [_, h, w, c] = input_shape;
            let at = |y: usize, x: usize, ch: usize| xs[(y * w + x) * c + ch];
            let mut want = Vec::new();
            for r in &rows {
                for k in &cols {
                    for ch in 0..c {
                        let (dy, dx) = (r.frac, k.frac);
                        let v = at(r.lo, k.lo, ch) * (1.0 - dy) * (1.0 - dx)
                            + at(r.hi, k.lo, ch) * dy * (1.0 - dx)
                            + at(r.lo, k.hi, ch) * (1.0 - dy) * dx
                            + at(r.hi, k.hi, ch) * dy * dx
                            + 0.0;
                        want.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
            let _ = h;
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let p = ResizeBilinearF32Params { input: input_shape, rows: leak(rows), cols: leak(cols) };
            let mut got = vec![0u8; want.len()];
            resize_bilinear_f32(&p, &bytes, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
