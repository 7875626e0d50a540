//! RESIZE_NEAREST_NEIGHBOR, any element type (TFLM: int8, int16, float32), bit-exact with
//! TFLM's `reference_ops::ResizeNearestNeighbor`.
//!
//! The op only copies pixels: which input row feeds each output row (and likewise for
//! columns) depends on the sizes and the `align_corners`/`half_pixel_centers` options alone, so
//! codegen evaluates TFLM's `GetNearestNeighbor` (in single precision, as the C++ does) and
//! hands the kernel the two index tables.

use super::super::{copy_prefix, window};

#[derive(Clone, Copy, Debug)]
/// Static parameters of one RESIZE_NEAREST_NEIGHBOR (any element type).
pub struct ResizeNearestNeighborParams {
    /// Batch size.
    pub batches: usize,
    /// Input rows and columns.
    pub input: [usize; 2],
    /// Bytes per pixel (channels × element size).
    pub pixel_bytes: usize,
    /// For each output row, the input row it copies.
    pub rows: &'static [usize],
    /// For each output column, the input column it copies.
    pub cols: &'static [usize],
}

/// RESIZE_NEAREST_NEIGHBOR: copies, per output pixel, the input pixel the tables name.
pub fn resize_nearest_neighbor(p: &ResizeNearestNeighborParams, input: &[u8], output: &mut [u8]) {
    let [in_h, in_w] = p.input;
    let px = p.pixel_bytes;
    let out_row = p.cols.len() * px;
    let mut out_rows = output.chunks_exact_mut(out_row.max(1));
    for b in 0..p.batches {
        for &y in p.rows {
            let Some(dst_row) = out_rows.next() else { return };
            let src_row = window(input, ((b * in_h + y) * in_w) * px, in_w * px);
            for (dst, &x) in dst_row.chunks_exact_mut(px.max(1)).zip(p.cols) {
                copy_prefix(dst, window(src_row, x * px, px));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn copies_the_tabled_pixels() {
        let mut rng = Rng::new(120);
        for case in 0..300 {
            let (n, ih, iw, px) = (rng.usize(1, 2), rng.usize(1, 5), rng.usize(1, 5), rng.usize(1, 6));
            let rows: Vec<usize> = (0..rng.usize(1, 7)).map(|_| rng.usize(0, ih - 1)).collect();
            let cols: Vec<usize> = (0..rng.usize(1, 7)).map(|_| rng.usize(0, iw - 1)).collect();
            let mut input = vec![0u8; n * ih * iw * px];
            rng.fill(&mut input);
            let mut want = Vec::new();
            for b in 0..n {
                for &y in &rows {
                    for &x in &cols {
                        let o = ((b * ih + y) * iw + x) * px;
                        want.extend_from_slice(&input[o..o + px]);
                    }
                }
            }
            let p = ResizeNearestNeighborParams {
                batches: n,
                input: [ih, iw],
                pixel_bytes: px,
                rows: leak(rows.clone()),
                cols: leak(cols.clone()),
            };
            let mut got = vec![0u8; want.len()];
            resize_nearest_neighbor(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
