//! LOGISTIC on int16 (TFLM `reference_integer_ops::Logistic`, int16 overload: a linear
//! interpolation in the 256-entry sigmoid table) and float32 (`reference_ops::Logistic`). int8
//! LOGISTIC goes through [`super::lut_s8`].

use super::sigmoid16::{logistic_one, Sigmoid16Params};

/// LOGISTIC int16, bit-exact with TFLM. Little-endian 2-byte elements, output scale 2^-15.
pub fn logistic_s16(p: &Sigmoid16Params, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let y = logistic_one(p, i32::from(i16::from_le_bytes([x[0], x[1]])));
        o.copy_from_slice(&y.to_le_bytes());
    }
}

/// TFLM's float `Logistic` of one value: `1 / (1 + exp(−x))` in f32, with its cut-offs (1
/// above 16.619047…, `exp(x)` below −9) and [`crate::float_math::expf`] for the host's `expf`.
/// Also the float LSTM's gate activation.
#[inline(always)]
pub(crate) fn logistic(x: f32) -> f32 {
    const CUTOFF_UPPER: f32 = 16.619_047; // exactly 16.619047164916992188, TFLM's constant
    const CUTOFF_LOWER: f32 = -9.0;
    if x > CUTOFF_UPPER {
        1.0
    } else if x < CUTOFF_LOWER {
        crate::float_math::expf(x)
    } else {
        1.0 / (1.0 + crate::float_math::expf(-x))
    }
}

/// LOGISTIC float32: `logistic` on each element.
pub fn logistic_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, logistic);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn tracks_the_real_sigmoid() {
        // Input scale 1/4096 (x = 8 at 32767): the power-of-two case, multiplier 3.
        let p = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };
        for x in (i16::MIN..=i16::MAX).step_by(97) {
            let real = 1.0 / (1.0 + std::primitive::f64::exp(-(x as f64) / 4096.0));
            let mut out = [0u8; 2];
            logistic_s16(&p, &x.to_le_bytes(), &mut out);
            let got = i16::from_le_bytes(out) as f64 / 32768.0;
            assert!((got - real).abs() < 3e-4, "x {x}: {got} vs {real}");
        }
    }

    #[test]
    fn float_matches_the_formula_on_host_expf() {
        use super::super::f32_map::testing::{run, specials};
        let xs = specials();
        for (x, y) in xs.iter().zip(run(logistic_f32, &xs)) {
            let want = if *x > 16.619_047 {
                1.0
            } else if *x < -9.0 {
                std::primitive::f32::exp(*x)
            } else {
                1.0 / (1.0 + std::primitive::f32::exp(-*x))
            };
            assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "logistic({x}) = {y}");
        }
    }

    #[test]
    fn symmetric_around_one_half() {
        let p = Sigmoid16Params { input_multiplier: 24575, input_left_shift: 13 };
        for x in (1..=i16::MAX).step_by(31) {
            let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
            logistic_s16(&p, &x.to_le_bytes(), &mut a);
            logistic_s16(&p, &(-x).to_le_bytes(), &mut b);
            let s = i16::from_le_bytes(a) as i32 + i16::from_le_bytes(b) as i32;
            assert!((s - 32768).abs() <= 1, "x {x}: {a:?} {b:?}");
        }
    }
}
