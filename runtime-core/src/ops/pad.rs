//! PAD / PADV2 (TFLM `reference_ops::PadImpl`): constant padding. `pad_s8` is the rank-4
//! int8 kernel; `pad` serves every element type and rank up to 5 (int16, float32, ...).

use super::movement::{walk, StridedCopyParams};
use super::{copy_prefix, window, window_mut};

/// Static parameters of one PAD: shapes extended to rank 4, `before[d]` elements added in
/// front of axis `d`, and the fill value (the output zero point for PAD, the constant for PADV2).
#[derive(Clone, Copy, Debug)]
pub struct PadParams {
    /// Input shape, extended to four dimensions.
    pub input: [usize; 4],
    /// Output shape (four dimensions).
    pub output: [usize; 4],
    /// Elements added in front of each axis.
    pub before: [usize; 4],
    /// The fill value.
    pub value: i8,
}

/// PAD int8: fills the output with `value` and copies each innermost input row into place.
/// When the two innermost axes are unpadded, whole `[w, c]` planes are copied at once.
pub fn pad_s8(p: &PadParams, input: &[u8], output: &mut [u8]) {
    let [n, h, w, c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [b0, b1, b2, b3] = p.before;
    output.fill(p.value as u8);
    if c == 0 || w == 0 {
        return;
    }
    let planes_contiguous = b3 == 0 && c == out_c && b2 == 0 && w == out_w;
    for i0 in 0..n {
        for i1 in 0..h {
            let in_base = (i0 * h + i1) * w * c;
            let out_base = ((i0 + b0) * out_h + i1 + b1) * out_w;
            if planes_contiguous {
                let dst = out_base * out_c;
                copy_prefix(window_mut(output, dst, w * c), window(input, in_base, w * c));
                continue;
            }
            for (i2, row) in window(input, in_base, w * c).chunks_exact(c).enumerate() {
                let dst = (out_base + i2 + b2) * out_c + b3;
                copy_prefix(window_mut(output, dst, c), row);
            }
        }
    }
}

/// Static parameters of a type-generic PAD: the fill value as the bytes of one element, and
/// where the input goes, as a walk over the *output* in bytes: input run `k` (in order) lands
/// at the `k`-th position of `place` (whose strides are the output's, and whose offset is the
/// output position of the first input element).
#[derive(Clone, Copy, Debug)]
pub struct PadNdParams {
    /// The fill value: the bytes of one element.
    pub value: &'static [u8],
    /// Where the input's runs land in the output.
    pub place: StridedCopyParams,
}

/// PAD for any element type: fills the output with `value` (repeated element by element),
/// then copies each contiguous input run into its place.
pub fn pad(p: &PadNdParams, input: &[u8], output: &mut [u8]) {
    for (o, &v) in output.iter_mut().zip(p.value.iter().cycle()) {
        *o = v;
    }
    let run = p.place.run;
    if run == 0 {
        return;
    }
    let mut runs = input.chunks_exact(run);
    walk(&p.place.outer, &p.place.strides, p.place.offset, |dst| {
        if let Some(src) = runs.next() {
            copy_prefix(window_mut(output, dst, run), src);
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    #[test]
    fn matches_naive_pad() {
        let mut rng = Rng::new(80);
        for case in 0..2000 {
            let input: [usize; 4] = core::array::from_fn(|_| rng.usize(1, 4));
            let before: [usize; 4] = core::array::from_fn(|d| {
                if rng.usize(0, 2) == 0 || (case % 5 == 0 && d >= 2) {
                    0
                } else {
                    rng.usize(0, 3)
                }
            });
            let output: [usize; 4] = core::array::from_fn(|d| {
                input[d]
                    + before[d]
                    + if case % 5 == 0 && d >= 2 {
                        0
                    } else {
                        rng.usize(0, 3)
                    }
            });
            let p = PadParams {
                input,
                output,
                before,
                value: rng.range(-128, 127) as i8,
            };
            let mut x = vec![0u8; input.iter().product()];
            rng.fill(&mut x);
            let mut want = vec![0u8; output.iter().product()];
            let mut k = 0;
            for a in 0..output[0] {
                for b in 0..output[1] {
                    for c in 0..output[2] {
                        for d in 0..output[3] {
                            let i = [a, b, c, d];
                            let inside =
                                (0..4).all(|j| i[j] >= before[j] && i[j] < before[j] + input[j]);
                            want[k] = if inside {
                                let src =
                                    (0..4).fold(0, |acc, j| acc * input[j] + i[j] - before[j]);
                                x[src]
                            } else {
                                p.value as u8
                            };
                            k += 1;
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            pad_s8(&p, &x, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    #[test]
    fn generic_pad_matches_naive() {
        let mut rng = Rng::new(81);
        for case in 0..1000 {
            let rank = rng.usize(1, 5);
            let elem = [1usize, 2, 4][rng.usize(0, 2)];
            let input: std::vec::Vec<usize> = (0..rank).map(|_| rng.usize(1, 4)).collect();
            let before: std::vec::Vec<usize> = (0..rank).map(|_| rng.usize(0, 2)).collect();
            let output: std::vec::Vec<usize> = (0..rank).map(|d| input[d] + before[d] + rng.usize(0, 2)).collect();
            // Output byte strides, then the walk over input rows (the last axis is the run).
            let mut ostride = vec![elem; rank];
            for d in (0..rank - 1).rev() {
                ostride[d] = ostride[d + 1] * output[d + 1];
            }
            let mut outer = [1usize; 7];
            let mut strides = [0isize; 7];
            for d in 0..rank - 1 {
                outer[7 - (rank - 1) + d] = input[d];
                strides[7 - (rank - 1) + d] = ostride[d] as isize;
            }
            let offset: usize = (0..rank).map(|d| before[d] * ostride[d]).sum();
            let value: &'static [u8] = std::boxed::Box::leak(
                (0..elem).map(|_| rng.range(0, 255) as u8).collect::<std::vec::Vec<u8>>().into_boxed_slice(),
            );
            let p = PadNdParams { value, place: StridedCopyParams { outer, strides, run: input[rank - 1] * elem, offset } };
            let n_in: usize = input.iter().product();
            let n_out: usize = output.iter().product();
            let mut x = vec![0u8; n_in * elem];
            rng.fill(&mut x);
            let mut want = vec![0u8; n_out * elem];
            for k in 0..n_out {
                let mut rest = k;
                let mut idx = vec![0usize; rank];
                for d in (0..rank).rev() {
                    idx[d] = rest % output[d];
                    rest /= output[d];
                }
                let inside = (0..rank).all(|d| idx[d] >= before[d] && idx[d] < before[d] + input[d]);
                for b in 0..elem {
                    want[k * elem + b] = if inside {
                        let src = (0..rank).fold(0, |acc, d| acc * input[d] + idx[d] - before[d]);
                        x[src * elem + b]
                    } else {
                        value[b]
                    };
                }
            }
            let mut got = vec![0u8; want.len()];
            pad(&p, &x, &mut got);
            assert_eq!(got, want, "case {case}: {input:?} {before:?} {output:?}");
        }
    }
}
