//! TANH on int16 (TFLM `reference_integer_ops::Tanh`, int16 overload: `2·sigmoid(2x) − 1` by
//! linear interpolation in the sigmoid table) and float32 (`std::tanh`, fdlibm's `tanhf` on top
//! of [`super::expm1::expm1f`]). int8 TANH goes through [`super::lut_s8`].

use super::sigmoid16::{interpolate, rescale_input, Sigmoid16Params};

/// tanh of one int16 input in Q0.15.
#[inline(always)]
fn tanh_one(p: &Sigmoid16Params, x: i16) -> i16 {
    let v = rescale_input(p, x);
    // Steps of 2^8 input units: the doubled argument of tanh = 2·sigmoid(2x) − 1.
    let magnitude = interpolate(v.unsigned_abs(), 8).unwrap_or(0xffff << 8) as i32;
    // Subtracting 1/2 (2^23 in Q.24) then dropping 8 bits doubles the sigmoid and centres it,
    // with 2^7 (and 2^7 − 1 on the negative side) rounding to nearest as TFLM does.
    let r = if v >= 0 {
        magnitude - (1 << 23) + (1 << 7)
    } else {
        -magnitude + (1 << 23) + (1 << 7) - 1
    };
    (r >> 8) as i16
}

/// TANH int16, bit-exact with TFLM. Little-endian 2-byte elements, output scale 2^-15.
pub fn tanh_s16(p: &Sigmoid16Params, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let y = tanh_one(p, i16::from_le_bytes([x[0], x[1]]));
        o.copy_from_slice(&y.to_le_bytes());
    }
}

/// fdlibm `tanhf`: `x` itself below 2^-55 (as `x·(1 + x)`), `1 − 2/(expm1(2|x|) + 2)` for
/// |x| ≥ 1, `−t/(t + 2)` with `t = expm1(−2|x|)` below, ±1 from 22 on.
fn tanhf(x: f32) -> f32 {
    let jx = x.to_bits();
    let ix = jx & 0x7fff_ffff;
    let positive = jx & 0x8000_0000 == 0;
    if ix >= 0x7f80_0000 {
        // ±∞ → ±1, NaN → NaN
        return if positive { 1.0 / x + 1.0 } else { 1.0 / x - 1.0 };
    }
    let z = if ix < 0x41b0_0000 {
        // |x| < 22
        if ix == 0 {
            return x;
        }
        if ix < 0x2400_0000 {
            return x * (1.0 + x); // |x| < 2^-55
        }
        if ix >= 0x3f80_0000 {
            let t = super::expm1::expm1f(2.0 * x.abs());
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = super::expm1::expm1f(-2.0 * x.abs());
            -t / (t + 2.0)
        }
    } else {
        1.0 // 1 − 1e-30 rounds to 1
    };
    if positive {
        z
    } else {
        -z
    }
}

/// TANH float32, bit-exact with the host's `tanhf`.
pub fn tanh_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, tanhf);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn float_bit_identical_to_the_host_tanhf() {
        let mut xs = super::super::f32_map::testing::specials();
        let mut s = 0x3141_5926_5358_9793u64;
        for i in 0..300_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            xs.push((u * [1.0, 3.0, 30.0][i as usize % 3]) as f32);
            xs.push(f32::from_bits(s as u32));
        }
        for x in xs {
            let (got, want) = (tanhf(x), std::primitive::f32::tanh(x));
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "tanh({x:e}): {got:e} vs {want:e}");
        }
    }

    #[test]
    fn tracks_the_real_tanh_and_is_odd() {
        // Input scale 1/4096: TFLM's power-of-two case (shift 0 → multiplier 3).
        let p = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };
        for x in (-32767i16..=i16::MAX).step_by(89) {
            let real = std::primitive::f64::tanh(x as f64 / 4096.0);
            let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
            tanh_s16(&p, &x.to_le_bytes(), &mut a);
            tanh_s16(&p, &(-x).to_le_bytes(), &mut b);
            let (ya, yb) = (i16::from_le_bytes(a), i16::from_le_bytes(b));
            assert!((ya as f64 / 32768.0 - real).abs() < 6e-4, "x {x}: {ya} vs {real}");
            assert!((ya as i32 + yb as i32).abs() <= 1, "x {x}: {ya} {yb}");
        }
    }
}
