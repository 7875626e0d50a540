//! ELU on float32 (TFLM `reference_ops::Elu`: `x < 0 ? expm1(x) : x`, with
//! [`crate::float_math::expm1f`] for the host's `expm1f`). int8 ELU is not compiled: the TF converter
//! keeps ELU in float between DEQUANTIZE and QUANTIZE.

/// ELU float32.
pub fn elu_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, |x| if x < 0.0 { crate::float_math::expm1f(x) } else { x });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn matches_the_formula_on_host_expm1f() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(elu_f32, &xs)) {
            let want = if *x < 0.0 { std::primitive::f32::exp_m1(*x) } else { *x };
            assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "elu({x}) = {y}");
        }
    }
}
