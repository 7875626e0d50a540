//! FLOOR_DIV and FLOOR_MOD, float32 (the only type TFLM registers for them):
//! `floor(x / y)` and `x − floor(x / y) · y` computed as TFLite does, from `fmod` with a sign
//! fix-up. `core` has no `floor`/`fmod` for f32 in `no_std`, so both are implemented here exactly
//! (bit for bit what libm returns: `floor` and `fmod` are exact operations, no rounding).

use super::{broadcast_map, f32_of, BroadcastShapes};

/// `floor(x)`, exact, keeping the sign of zero (`floor(-0.0) = -0.0`) and passing NaN/inf.
#[inline]
pub(crate) fn floor_f32(x: f32) -> f32 {
    // From 2^23 on every f32 is an integer; NaN and ±inf pass through unchanged too. (|x| by
    // clearing the sign bit: `f32::abs` is not in `core` at the crate's MSRV.)
    if x.is_nan() || f32::from_bits(x.to_bits() & 0x7fff_ffff) >= 8_388_608.0 {
        return x;
    }
    let t = x as i32 as f32; // truncation toward zero, exact in this range
    let f = if t > x { t - 1.0 } else { t };
    if f == 0.0 {
        // ±0 keeps x's sign: floor(0.3) = +0, floor(-0.0) = -0.
        f32::from_bits(x.to_bits() & 0x8000_0000)
    } else {
        f
    }
}

/// C `fmodf(x, y)`: `x − trunc(x / y) · y` computed exactly (the result is always representable),
/// with the sign of `x`; NaN for `y = 0`, infinite `x` or a NaN operand; `x` for infinite `y`.
/// Long division on the integer significands, one bit per exponent step.
pub(crate) fn fmod_f32(x: f32, y: f32) -> f32 {
    let (ux, uy) = (x.to_bits(), y.to_bits());
    let sign = ux & 0x8000_0000;
    let (ax, ay) = (ux & 0x7fff_ffff, uy & 0x7fff_ffff);
    if ay == 0 || ax >= 0x7f80_0000 || ay > 0x7f80_0000 {
        return f32::NAN;
    }
    if ax < ay {
        return x; // |x| < |y| (includes an infinite y)
    }
    if ax == ay {
        return f32::from_bits(sign); // ±0
    }
    // Integer significands with their exponents (subnormals normalised by hand).
    let split = |a: u32| -> (u32, i32) {
        let e = (a >> 23) as i32;
        if e == 0 {
            let shift = a.leading_zeros() as i32 - 8; // bring the top bit to bit 23
            (a << shift, 1 - shift)
        } else {
            ((a & 0x007f_ffff) | 0x0080_0000, e)
        }
    };
    let (mut mx, mut ex) = split(ax);
    let (my, ey) = split(ay);
    // mx · 2^ex mod my · 2^ey: subtract whenever possible, shift the remainder left each step.
    while ex > ey {
        if mx >= my {
            mx -= my;
            if mx == 0 {
                return f32::from_bits(sign);
            }
        }
        mx <<= 1;
        ex -= 1;
    }
    if mx >= my {
        mx -= my;
        if mx == 0 {
            return f32::from_bits(sign);
        }
    }
    // Renormalise: the remainder is below my · 2^ey, hence exactly representable.
    while mx < 0x0080_0000 {
        mx <<= 1;
        ex -= 1;
    }
    let bits = if ex > 0 {
        (mx & 0x007f_ffff) | ((ex as u32) << 23)
    } else {
        // Subnormal result; the shifted-out bits are zero (exact). The shift is at most 23
        // (a non-zero remainder is a multiple of 2^-149); `checked_shr` keeps it panic-free.
        mx.checked_shr((1 - ex) as u32).unwrap_or(0)
    };
    f32::from_bits(bits | sign)
}

/// FLOOR_DIV float32: `floor(x / y)` (TFLite `FloorDiv`: one IEEE division, then floor).
///
/// TFLM refuses the whole inference (an error status, no outputs) when any divisor element is
/// exactly 0. Generated code has no error path, so kiln computes the IEEE result there
/// (`floor(±inf) = ±inf`, `floor(NaN) = NaN` for 0/0); every other element is TFLM's.
pub fn floor_div_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| floor_f32(f32_of(a) / f32_of(b)).to_le_bytes());
}

/// FLOOR_MOD float32 (TFLite `FloorMod`): `r = fmod(x, y)`, then `r + y` when `r` is non-zero
/// and its sign differs from `y`'s, so the result takes the divisor's sign.
pub fn floor_mod_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| {
        let (x, y) = (f32_of(a), f32_of(b));
        let r = fmod_f32(x, y);
        let r = if r != 0.0 && ((y < 0.0) != (r < 0.0)) { r + y } else { r };
        r.to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;

    /// Random floats over many binades, subnormals, zeros of both signs and specials.
    fn edgy(rng: &mut Rng) -> f32 {
        match rng.next_u64() % 6 {
            0 => [0.0, -0.0, 1.0, -1.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE, 1e-45][rng.usize(0, 8)],
            1 => f32::from_bits(rng.next_u64() as u32), // anything, including subnormals and NaNs
            2 => (rng.range(-50, 50) as f32) * 0.5,
            _ => (rng.range(-1_000_000, 1_000_000) as f32) / (rng.range(1, 1000) as f32),
        }
    }

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn floor_matches_std() {
        let mut rng = Rng::new(83);
        for _ in 0..200_000 {
            let x = edgy(&mut rng);
            assert!(same(floor_f32(x), x.floor()), "floor({x:e}) = {:e}, std {:e}", floor_f32(x), x.floor());
        }
    }

    /// Rust's `%` on f32 is C's `fmodf` (exact), the reference here.
    #[test]
    fn fmod_matches_std_remainder() {
        let mut rng = Rng::new(84);
        for _ in 0..300_000 {
            let (x, y) = (edgy(&mut rng), edgy(&mut rng));
            assert!(same(fmod_f32(x, y), x % y), "fmod({x:e}, {y:e}) = {:e}, std {:e}", fmod_f32(x, y), x % y);
        }
    }

    #[test]
    fn floor_mod_takes_the_divisor_sign() {
        let s = BroadcastShapes { input1: [1, 1, 1, 4], input2: [1, 1, 1, 1], output: [1, 1, 1, 4] };
        let x: std::vec::Vec<u8> = [7.0f32, -7.0, 6.0, -0.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = [0u8; 16];
        floor_mod_f32(&s, &x, &(-3.0f32).to_le_bytes(), &mut out);
        let got: std::vec::Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [-2.0, -1.0, 0.0, -0.5]);
        floor_div_f32(&s, &x, &(-3.0f32).to_le_bytes(), &mut out);
        let got: std::vec::Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [-3.0, 2.0, -2.0, 0.0]);
    }
}
