//! CONCATENATION (TFLM `reference_ops::Concatenation`), dtype-agnostic byte copies: TFLM's int8
//! concatenation requires all inputs to share the output's quantization, so it never rescales.

use super::{copy_prefix, window};

/// For each of `outer` rows, copies each input's `chunk` bytes of that row into `output`, in
/// input order. `inputs` holds `(data, chunk_bytes)` pairs; `data` is `outer · chunk_bytes` long.
pub fn concatenation(outer: usize, inputs: &[(&[u8], usize)], output: &mut [u8]) {
    let mut rest = output;
    for o in 0..outer {
        for &(data, chunk) in inputs {
            let Some((dst, tail)) = core::mem::take(&mut rest).split_at_mut_checked(chunk) else {
                return;
            };
            copy_prefix(dst, window(data, o * chunk, chunk));
            rest = tail;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_concatenation() {
        let mut rng = Rng::new(90);
        for _ in 0..500 {
            let outer = rng.usize(0, 5);
            let chunks: Vec<usize> = (0..rng.usize(1, 4)).map(|_| rng.usize(0, 9)).collect();
            let datas: Vec<Vec<u8>> = chunks
                .iter()
                .map(|&c| {
                    let mut v = vec![0u8; outer * c];
                    rng.fill(&mut v);
                    v
                })
                .collect();
            let inputs: Vec<(&[u8], usize)> = datas
                .iter()
                .zip(&chunks)
                .map(|(d, &c)| (d.as_slice(), c))
                .collect();
            let mut want = Vec::new();
            for o in 0..outer {
                for (d, &c) in datas.iter().zip(&chunks) {
                    want.extend_from_slice(&d[o * c..(o + 1) * c]);
                }
            }
            let mut got = vec![0u8; want.len()];
            concatenation(outer, &inputs, &mut got);
            assert_eq!(got, want);
        }
    }
}
