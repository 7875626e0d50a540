//! Table lookup: every int8 elementwise unary op (ABS, HARD_SWISH, LEAKY_RELU, LOGISTIC, RELU,
//! RELU6, TANH on int8).

/// A complete int8 → int8 function, precomputed by the compiler.
///
/// TFLM fills such a table at prepare time for its float-defined int8 ops (ELU); for the
/// fixed-point ops (LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, ABS) the compiler runs TFLM's
/// integer arithmetic on all 256 inputs instead of kiln repeating it per element at run time.
/// Either way the table *is* TFLM's output for each input, so the lookup is bit-exact by
/// construction, and 256 bytes of flash replace the per-element fixed-point code.
#[derive(Clone, Copy, Debug)]
pub struct LutS8Params {
    /// `table[k]` is the output for the input value `k − 128` (ascending input order, which
    /// keeps the emitted table readable).
    pub table: &'static [i8; 256],
}

/// `output[i] = table[input[i] + 128]`. Flipping the sign bit of the byte maps −128..=127 to
/// 0..=255, and a `u8` index into a 256-entry array cannot be out of bounds (no panic path).
pub fn lut_s8(p: &LutS8Params, input: &[u8], output: &mut [u8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = p.table[usize::from(x ^ 0x80)] as u8;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    #[test]
    fn looks_up_every_byte_in_input_order() {
        // A table that is not its own inverse or symmetric: out = 3·x + 1 (wrapping).
        let mut table = [0i8; 256];
        for (k, e) in table.iter_mut().enumerate() {
            *e = ((k as i32 - 128) * 3 + 1) as i8;
        }
        let table: &'static [i8; 256] = std::boxed::Box::leak(std::boxed::Box::new(table));
        let p = LutS8Params { table };
        let mut rng = Rng::new(7);
        let mut input = vec![0u8; 1000];
        rng.fill(&mut input);
        let mut out = vec![0u8; 1000];
        lut_s8(&p, &input, &mut out);
        for (&x, &o) in input.iter().zip(&out) {
            assert_eq!(o as i8, ((x as i8 as i32) * 3 + 1) as i8, "input {}", x as i8);
        }
        // The extremes.
        let mut out = [0u8; 2];
        lut_s8(&p, &[0x80, 0x7f], &mut out);
        assert_eq!(out.map(|b| b as i8), [(-384 + 1) as i8, (381 + 1) as i8]);
    }
}
