//! BATCH_TO_SPACE_ND (TFLM `batch_to_space_nd.h`) with crops that cut through a block: then
//! the output is no longer an affine view of the input (codegen uses `strided_copy` when the
//! crops are whole blocks), so each output pixel finds its input pixel on its own.

use crate::ops::{copy_prefix, window};

#[derive(Clone, Copy, Debug)]
/// Static parameters of one BATCH_TO_SPACE_ND.
pub struct BatchToSpaceNdParams {
    /// Input `[n·bh·bw, h, w, c]` (rank 3 extended with h = 1).
    pub input: [usize; 4],
    /// Output `[n, oh, ow, c]`.
    pub output: [usize; 4],
    /// Block height and width.
    pub block: [usize; 2],
    /// Leading crops of the two spatial axes.
    pub crop_before: [usize; 2],
    /// Bytes per element.
    pub elem: usize,
}

/// BATCH_TO_SPACE_ND: output pixel `(b, y, x)` is the uncropped pixel `(y + ct, x + cl)`, which
/// input batch `((y + ct) % bh · bw + (x + cl) % bw) · n + b` holds at `((y + ct) / bh, (x + cl) / bw)`.
pub fn batch_to_space_nd(p: &BatchToSpaceNdParams, input: &[u8], output: &mut [u8]) {
    let [_, h, w, c] = p.input;
    let [n, oh, ow, _] = p.output;
    let [bh, bw] = p.block;
    let [ct, cl] = p.crop_before;
    let pixel = c * p.elem;
    if pixel == 0 || bh == 0 || bw == 0 || oh == 0 || ow == 0 {
        return;
    }
    for (k, out) in output.chunks_exact_mut(pixel).enumerate() {
        // `checked_div`: the product cannot be 0 here, but a wrapped product must not trap.
        let (x, y, b) = (k % ow, (k / ow) % oh, k.checked_div(ow * oh).unwrap_or(0));
        let (py, px) = (y + ct, x + cl);
        let ib = ((py % bh) * bw + px % bw) * n + b;
        copy_prefix(out, window(input, ((ib * h + py / bh) * w + px / bw) * pixel, pixel));
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn matches_naive_batch_to_space() {
        let mut rng = Rng::new(72);
        for case in 0..1000 {
            let (n, h, w, c, elem) = (rng.usize(1, 2), rng.usize(1, 3), rng.usize(1, 3), rng.usize(1, 3), [1usize, 2, 4][rng.usize(0, 2)]);
            let block = [rng.usize(1, 3), rng.usize(1, 3)];
            let (fh, fw) = (h * block[0], w * block[1]);
            let crop_before = [rng.usize(0, fh - 1), rng.usize(0, fw - 1)];
            let oh = rng.usize(1, fh - crop_before[0]);
            let ow = rng.usize(1, fw - crop_before[1]);
            let p = BatchToSpaceNdParams { input: [n * block[0] * block[1], h, w, c], output: [n, oh, ow, c], block, crop_before, elem };
            let mut x = vec![0u8; n * block[0] * block[1] * h * w * c * elem];
            rng.fill(&mut x);
            // The uncropped image of each batch, built input pixel by input pixel.
            let px = c * elem;
            let mut full = vec![vec![0u8; fh * fw * px]; n];
            for ib in 0..n * block[0] * block[1] {
                let (b, shift) = (ib % n, ib / n);
                let (sy, sx) = (shift / block[1], shift % block[1]);
                for iy in 0..h {
                    for ix in 0..w {
                        let dst = ((iy * block[0] + sy) * fw + ix * block[1] + sx) * px;
                        let src = ((ib * h + iy) * w + ix) * px;
                        full[b][dst..dst + px].copy_from_slice(&x[src..src + px]);
                    }
                }
            }
            let mut want = Vec::new();
            for b in 0..n {
                for y in 0..oh {
                    for xx in 0..ow {
                        let s = ((y + crop_before[0]) * fw + xx + crop_before[1]) * px;
                        want.extend_from_slice(&full[b][s..s + px]);
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            batch_to_space_nd(&p, &x, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
