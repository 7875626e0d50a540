//! SQUARE on float32 (TFLM: `f * f`, one correctly rounded product).

use super::f32_map::map_f32;

/// SQUARE float32.
pub fn square_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, |x| x * x);
}

#[cfg(test)]
mod tests {
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn squares() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(square_f32, &xs)) {
            let want = (*x as f64 * *x as f64) as f32; // exact product, one rounding
            assert!(y.to_bits() == want.to_bits() || (y.is_nan() && x.is_nan()), "{x}");
        }
    }
}
