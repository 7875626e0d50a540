//! BATCH_MATMUL, int8, int16 and float32, bit-exact with TFLM (`micro::reference_ops::
//! BatchMatMul`): `out[..., a, c] = Σ_b L[..., a, b] · R[..., b, c]`, with `L` the left operand
//! (transposed when `adj_x`), `R` the right one (transposed when `adj_y`), and NumPy
//! broadcasting of the batch dimensions.
//!
//! TFLM first copies operands into the layout its loop wants (it transposes `R` unless `adj_y`,
//! and `L` when `adj_x`); kiln reads them in place through strides instead, visiting the same
//! products in the same order (`b` ascending), so even float32 sums match bit for bit.
//! Quantized: `Σ (L − zp_L)(R − zp_R)` in int32 (int8) or int64 (int16), requantized with the
//! matching TFLM `MultiplyByQuantizedMultiplier`, plus the output zero point, clamped (BATCH_MATMUL
//! has no fused activation).

use super::Elem;
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64, Requant};

/// Geometry of one BATCH_MATMUL; all strides count elements.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulShape {
    /// Output batch dimensions (broadcast of both operands', left-padded with 1s).
    pub batches: [usize; 3],
    /// Per output batch dimension, the operand's stride (0 where the operand broadcasts).
    pub lhs_batch_strides: [usize; 3],
    /// Same for the right operand.
    pub rhs_batch_strides: [usize; 3],
    /// `A`, `B`, `C`: output rows, accumulation depth, output columns.
    pub rows: usize,
    /// Accumulation depth (`B`).
    pub depth: usize,
    /// Output columns (`C`).
    pub cols: usize,
    /// Strides of `L[a][b]` along `a` and `b` (`[B, 1]`, or `[1, A]` when `adj_x`).
    pub lhs_strides: [usize; 2],
    /// Strides of `R[b][c]` along `b` and `c` (`[C, 1]`, or `[1, B]` when `adj_y`).
    pub rhs_strides: [usize; 2],
}

impl BatchMatMulShape {
    /// Calls `f(output index, products)` for every output element in row-major order, where
    /// `products` yields the `(lhs index, rhs index)` pairs of its dot product, `b` ascending.
    #[inline]
    fn for_each_output(&self, mut f: impl FnMut(usize, &mut dyn Iterator<Item = (usize, usize)>)) {
        let [n0, n1, n2] = self.batches;
        let (ls, rs) = (self.lhs_batch_strides, self.rhs_batch_strides);
        let ([la, lb], [rb, rc]) = (self.lhs_strides, self.rhs_strides);
        let mut o = 0;
        for i0 in 0..n0 {
            for i1 in 0..n1 {
                for i2 in 0..n2 {
                    let l0 = i0 * ls[0] + i1 * ls[1] + i2 * ls[2];
                    let r0 = i0 * rs[0] + i1 * rs[1] + i2 * rs[2];
                    for a in 0..self.rows {
                        for c in 0..self.cols {
                            let mut products = (0..self.depth).map(|b| (l0 + a * la + b * lb, r0 + b * rb + c * rc));
                            f(o, &mut products);
                            o += 1;
                        }
                    }
                }
            }
        }
    }
}

/// int8 BATCH_MATMUL parameters.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulParams {
    /// The geometry.
    pub shape: BatchMatMulShape,
    /// `-zp_L`, `-zp_R`.
    pub lhs_offset: i32,
    /// `-zp_R`.
    pub rhs_offset: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(float(scale_L · scale_R) / scale_out)`.
    pub requant: Requant,
}

/// int16 BATCH_MATMUL parameters (TFLM requires all zero points to be 0).
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulS16Params {
    /// The geometry.
    pub shape: BatchMatMulShape,
    /// The requantization of the accumulator to the output scale.
    pub requant: Requant,
}

/// BATCH_MATMUL int8 (TFLM's reference): int32 accumulators, requantized to int8.
pub fn batch_matmul_s8(p: &BatchMatMulParams, lhs: &[u8], rhs: &[u8], output: &mut [u8]) {
    p.shape.for_each_output(|o, products| {
        let mut acc = 0i32;
        for (li, ri) in products {
            if let (Some(l), Some(r)) = (i8::load(lhs, li), i8::load(rhs, ri)) {
                acc = acc.wrapping_add((i32::from(l) + p.lhs_offset).wrapping_mul(i32::from(r) + p.rhs_offset));
            }
        }
        let v = multiply_by_quantized_multiplier(acc, p.requant).wrapping_add(p.output_zero_point);
        (v.clamp(-128, 127) as i8).store(output, o);
    });
}

/// BATCH_MATMUL int16 (TFLM's reference): int64 accumulators, requantized to int16.
pub fn batch_matmul_s16(p: &BatchMatMulS16Params, lhs: &[u8], rhs: &[u8], output: &mut [u8]) {
    p.shape.for_each_output(|o, products| {
        let mut acc = 0i64;
        for (li, ri) in products {
            if let (Some(l), Some(r)) = (i16::load(lhs, li), i16::load(rhs, ri)) {
                acc = acc.wrapping_add(i64::from(l) * i64::from(r));
            }
        }
        let v = multiply_by_quantized_multiplier_i64(acc, p.requant);
        (v.clamp(-32768, 32767) as i16).store(output, o);
    });
}

/// float32: the sum from `0.0` in `b` order (TFLM computes `Rᵀ[c][b] · L[a][b]`, the same
/// product).
pub fn batch_matmul_f32(p: &BatchMatMulShape, lhs: &[u8], rhs: &[u8], output: &mut [u8]) {
    p.for_each_output(|o, products| {
        let mut acc = 0.0f32;
        for (li, ri) in products {
            if let (Some(l), Some(r)) = (f32::load(lhs, li), f32::load(rhs, ri)) {
                acc += r * l;
            }
        }
        acc.store(output, o);
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// A random case: operand shapes `[b0, b1, b2, rows, cols]` (batch dims broadcastable),
    /// the geometry codegen would emit, and the operands as explicit row-major tensors.
    struct Case {
        shape: BatchMatMulShape,
        l_dims: [usize; 5],
        r_dims: [usize; 5],
        adj: (bool, bool),
    }

    fn strides(d: &[usize; 5]) -> [usize; 5] {
        let mut s = [1; 5];
        for i in (0..4).rev() {
            s[i] = s[i + 1] * d[i + 1];
        }
        s
    }

    fn case(rng: &mut Rng) -> Case {
        let (a, b, c) = (rng.usize(1, 4), rng.usize(1, 5), rng.usize(1, 4));
        let adj = (rng.bool(), rng.bool());
        let mut out_b = [0; 3];
        let (mut lb, mut rb) = ([0; 3], [0; 3]);
        for i in 0..3 {
            let d = rng.usize(1, 3);
            out_b[i] = d;
            (lb[i], rb[i]) = match rng.usize(0, 2) {
                0 => (d, d),
                1 => (1, d),
                _ => (d, 1),
            };
        }
        let l_dims = if adj.0 { [lb[0], lb[1], lb[2], b, a] } else { [lb[0], lb[1], lb[2], a, b] };
        let r_dims = if adj.1 { [rb[0], rb[1], rb[2], c, b] } else { [rb[0], rb[1], rb[2], b, c] };
        let (ls, rs) = (strides(&l_dims), strides(&r_dims));
        let bs = |dims: &[usize; 5], s: &[usize; 5]| [0, 1, 2].map(|i| if dims[i] == 1 { 0 } else { s[i] });
        let shape = BatchMatMulShape {
            batches: out_b,
            lhs_batch_strides: bs(&l_dims, &ls),
            rhs_batch_strides: bs(&r_dims, &rs),
            rows: a,
            depth: b,
            cols: c,
            lhs_strides: if adj.0 { [1, a] } else { [b, 1] },
            rhs_strides: if adj.1 { [1, b] } else { [c, 1] },
        };
        Case { shape, l_dims, r_dims, adj }
    }

    /// `(lhs index, rhs index)` lists per output, from explicit coordinates.
    fn reference(c: &Case) -> Vec<Vec<(usize, usize)>> {
        let s = &c.shape;
        let (ls, rs) = (strides(&c.l_dims), strides(&c.r_dims));
        let mut out = Vec::new();
        for i0 in 0..s.batches[0] {
            for i1 in 0..s.batches[1] {
                for i2 in 0..s.batches[2] {
                    let bi = [i0, i1, i2];
                    let lbase: usize = (0..3).map(|k| if c.l_dims[k] == 1 { 0 } else { bi[k] * ls[k] }).sum();
                    let rbase: usize = (0..3).map(|k| if c.r_dims[k] == 1 { 0 } else { bi[k] * rs[k] }).sum();
                    for a in 0..s.rows {
                        for cc in 0..s.cols {
                            out.push(
                                (0..s.depth)
                                    .map(|b| {
                                        let l = if c.adj.0 { b * ls[3] + a } else { a * ls[3] + b };
                                        let r = if c.adj.1 { cc * rs[3] + b } else { b * rs[3] + cc };
                                        (lbase + l, rbase + r)
                                    })
                                    .collect(),
                            );
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn geometry_visits_every_product_in_order() {
        let mut rng = Rng::new(130);
        for k in 0..500 {
            let c = case(&mut rng);
            let mut got = Vec::new();
            c.shape.for_each_output(|o, p| {
                assert_eq!(o, got.len());
                got.push(p.collect::<Vec<_>>());
            });
            assert_eq!(got, reference(&c), "case {k}");
        }
    }

    #[test]
    fn s8_s16_f32_match_tflm_definition() {
        let mut rng = Rng::new(131);
        for k in 0..300 {
            let c = case(&mut rng);
            let (nl, nr): (usize, usize) = (c.l_dims.iter().product(), c.r_dims.iter().product());
            let refs = reference(&c);
            let mut l = vec![0u8; 4 * nl];
            let mut r = vec![0u8; 4 * nr];
            rng.fill(&mut l);
            rng.fill(&mut r);

            let p = BatchMatMulParams {
                shape: c.shape,
                lhs_offset: rng.range(-127, 128) as i32,
                rhs_offset: rng.range(-127, 128) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                requant: rng.requant(),
            };
            let want: Vec<u8> = refs
                .iter()
                .map(|ps| {
                    let s: i64 = ps.iter().map(|&(a, b)| (l[a] as i8 as i64 + p.lhs_offset as i64) * (r[b] as i8 as i64 + p.rhs_offset as i64)).sum();
                    (ref_mbqm(s as i32, p.requant) + p.output_zero_point).clamp(-128, 127) as i8 as u8
                })
                .collect();
            let mut got = vec![0u8; want.len()];
            batch_matmul_s8(&p, &l[..nl], &r[..nr], &mut got);
            assert_eq!(got, want, "s8 case {k}");

            let rq = Requant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-20, -10) as i32 };
            let q = BatchMatMulS16Params { shape: c.shape, requant: rq };
            let x16 = |v: &[u8], i: usize| i16::from_le_bytes([v[2 * i], v[2 * i + 1]]) as i128;
            let mut want = Vec::new();
            for ps in &refs {
                let s: i128 = ps.iter().map(|&(a, b)| x16(&l, a) * x16(&r, b)).sum();
                let m15 = ((rq.multiplier as i128) + (1 << 15)) >> 16;
                let sh = 15 - rq.shift as i128;
                let v = (((s * m15 + (1 << (sh - 1))) >> sh) as i64).clamp(-32768, 32767) as i16;
                want.extend_from_slice(&v.to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            batch_matmul_s16(&q, &l[..2 * nl], &r[..2 * nr], &mut got);
            assert_eq!(got, want, "s16 case {k}");

            let lf: Vec<f32> = (0..nl).map(|_| rng.range(-1000, 1000) as f32 * 10f32.powi(rng.range(-4, 4) as i32)).collect();
            let rf: Vec<f32> = (0..nr).map(|_| rng.range(-1000, 1000) as f32 / 77.0).collect();
            let mut want = Vec::new();
            for ps in &refs {
                let mut s = 0.0f32;
                for &(a, b) in ps {
                    s += rf[b] * lf[a];
                }
                want.extend_from_slice(&s.to_le_bytes());
            }
            let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let mut got = vec![0u8; want.len()];
            batch_matmul_f32(&c.shape, &bytes(&lf), &bytes(&rf), &mut got);
            assert_eq!(got, want, "f32 case {k}");
        }
    }
}
