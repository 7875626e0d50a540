//! PAD / PADV2, int8 (TFLM `reference_ops::PadImpl`): constant padding on a rank-4 tensor.

use super::{copy_prefix, window, window_mut};

/// Static parameters of one PAD: shapes extended to rank 4, `before[d]` elements added in
/// front of axis `d`, and the fill value (the output zero point for PAD, the constant for PADV2).
#[derive(Clone, Copy, Debug)]
pub struct PadParams {
    pub input: [usize; 4],
    pub output: [usize; 4],
    pub before: [usize; 4],
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
}
