//! SPACE_TO_BATCH_ND (TFLM `space_to_batch_nd.h`), NHWC (rank 3 is NH1C): the zero-padded
//! input is cut into `bh × bw` interleaved sub-images, stacked along the batch axis. Output
//! batch `(sy·bw + sx)·N + n` holds the padded pixels `(y·bh + sy, x·bw + sx)` of batch `n`.

use crate::ops::{copy_prefix, window};

#[derive(Clone, Copy, Debug)]
/// Static parameters of one SPACE_TO_BATCH_ND.
pub struct SpaceToBatchNdParams {
    /// Input `[n, h, w, c]` (rank 3 extended with w = 1).
    pub input: [usize; 4],
    /// Output `[n·bh·bw, oh, ow, c]`.
    pub output: [usize; 4],
    /// Block height and width.
    pub block: [usize; 2],
    /// Leading padding of the two spatial axes.
    pub pad_before: [usize; 2],
    /// Byte written into every byte of a padded pixel: the zero point's byte for int8, 0 for
    /// float (a `memset`, as in TFLite's kernel).
    pub pad_byte: u8,
    /// Bytes per element.
    pub elem: usize,
}

/// SPACE_TO_BATCH_ND: one pixel (`c` elements) at a time, copied or padded.
pub fn space_to_batch_nd(p: &SpaceToBatchNdParams, input: &[u8], output: &mut [u8]) {
    let [n, h, w, c] = p.input;
    let [_, oh, ow, _] = p.output;
    let [bh, bw] = p.block;
    let [pt, pl] = p.pad_before;
    let pixel = c * p.elem;
    if pixel == 0 || n == 0 || bw == 0 {
        return;
    }
    let (ow, oh) = (ow.max(1), oh.max(1));
    for (k, out) in output.chunks_exact_mut(pixel).enumerate() {
        // `checked_div`: the product cannot be 0 here, but a wrapped product must not trap.
        let (x, y, ob) = (k % ow, (k / ow) % oh, k.checked_div(ow * oh).unwrap_or(0));
        let (b, shift) = (ob % n, ob / n);
        let (sy, sx) = (shift / bw, shift % bw);
        // Padded coordinates; inside the input when pt ≤ py < pt + h (likewise for x).
        let (py, px) = (y * bh + sy, x * bw + sx);
        match (py.checked_sub(pt), px.checked_sub(pl)) {
            (Some(iy), Some(ix)) if iy < h && ix < w => {
                copy_prefix(out, window(input, ((b * h + iy) * w + ix) * pixel, pixel));
            }
            _ => out.fill(p.pad_byte),
        }
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
    fn matches_naive_space_to_batch() {
        let mut rng = Rng::new(71);
        for case in 0..1000 {
            let (n, c, elem) = (rng.usize(1, 2), rng.usize(1, 3), [1usize, 2, 4][rng.usize(0, 2)]);
            let block = [rng.usize(1, 3), rng.usize(1, 3)];
            let pad_before = [rng.usize(0, 2), rng.usize(0, 2)];
            // Pick the padded size as a multiple of the block, then the input inside it.
            let (oh, ow) = (rng.usize(1, 3), rng.usize(1, 3));
            let h = (oh * block[0]).saturating_sub(pad_before[0] + rng.usize(0, 1)).max(1);
            let w = (ow * block[1]).saturating_sub(pad_before[1] + rng.usize(0, 1)).max(1);
            if pad_before[0] + h > oh * block[0] || pad_before[1] + w > ow * block[1] {
                continue;
            }
            let p = SpaceToBatchNdParams {
                input: [n, h, w, c],
                output: [n * block[0] * block[1], oh, ow, c],
                block,
                pad_before,
                pad_byte: rng.range(0, 255) as u8,
                elem,
            };
            let mut x = vec![0u8; n * h * w * c * elem];
            rng.fill(&mut x);
            // The padded image, then its sub-images in TFLM's batch order.
            let (ph, pw) = (oh * block[0], ow * block[1]);
            let mut padded = vec![vec![p.pad_byte; ph * pw * c * elem]; n];
            for b in 0..n {
                for yy in 0..h {
                    for xx in 0..w {
                        let dst = ((yy + pad_before[0]) * pw + xx + pad_before[1]) * c * elem;
                        let src = ((b * h + yy) * w + xx) * c * elem;
                        padded[b][dst..dst + c * elem].copy_from_slice(&x[src..src + c * elem]);
                    }
                }
            }
            let mut want = Vec::new();
            for sy in 0..block[0] {
                for sx in 0..block[1] {
                    for b in 0..n {
                        for y in 0..oh {
                            for xx in 0..ow {
                                let s = ((y * block[0] + sy) * pw + xx * block[1] + sx) * c * elem;
                                want.extend_from_slice(&padded[b][s..s + c * elem]);
                            }
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            space_to_batch_nd(&p, &x, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
