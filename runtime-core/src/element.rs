//! Moving typed model inputs and outputs in and out of the byte arena.

/// A tensor element type that can cross the model boundary. Encoding is little-endian, as in
/// `.tflite` files, so arena bytes mean the same on every target.
pub trait Element: Copy {
    /// Writes `src` into `dst` (`dst.len() == src.len() * size_of::<Self>()`).
    fn store(src: &[Self], dst: &mut [u8]);
    /// Reads `dst.len()` elements from `src`.
    fn load(src: &[u8], dst: &mut [Self]);
}

macro_rules! element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            #[inline]
            fn store(src: &[Self], dst: &mut [u8]) {
                for (d, s) in dst.chunks_exact_mut(core::mem::size_of::<$t>()).zip(src) {
                    d.copy_from_slice(&s.to_le_bytes());
                }
            }
            #[inline]
            fn load(src: &[u8], dst: &mut [Self]) {
                for (d, s) in dst.iter_mut().zip(src.chunks_exact(core::mem::size_of::<$t>())) {
                    let mut b = [0u8; core::mem::size_of::<$t>()];
                    b.copy_from_slice(s);
                    *d = <$t>::from_le_bytes(b);
                }
            }
        }
    )*};
}
element!(i8, u8, i16, i32, i64, f32);

/// Splits the arena around an op's output so the op can read its inputs (before or after the
/// output) while writing the output. Offsets are literals in generated code, so the bounds
/// checks fold away.
#[inline(always)]
pub fn split_arena(arena: &mut [u8], start: usize, len: usize) -> (&[u8], &mut [u8], &[u8]) {
    let (before, rest) = arena.split_at_mut(start);
    let (output, after) = rest.split_at_mut(len);
    (before, output, after)
}

/// `real → int8` exactly as TFLM's QUANTIZE: `round(real / scale)` in f32 (half away from
/// zero) plus the zero point, saturated.
#[inline]
pub fn quantize_s8(real: f32, scale: f32, zero_point: i32) -> i8 {
    let q = round_half_away(real / scale);
    // `as i32` saturates (and maps NaN to 0), so no input can overflow here.
    (q as i32).saturating_add(zero_point).clamp(-128, 127) as i8
}

/// `int8 → real` exactly as TFLM's DEQUANTIZE: the product is formed in f64, then narrowed.
#[inline]
pub fn dequantize_s8(q: i8, scale: f32, zero_point: i32) -> f32 {
    (scale as f64 * (q as i32 - zero_point) as f64) as f32
}

/// `f32::round` without `std`: half away from zero.
#[inline]
pub fn round_half_away(x: f32) -> f32 {
    // Beyond 2^23 every f32 is an integer already.
    if !(x.abs() < 8_388_608.0) {
        return x;
    }
    let t = x.abs() + 0.5;
    let r = (t as i32) as f32;
    // `t as i32` truncates; x.abs()+0.5 can round up in f32 for the largest value below .5.
    let r = if r - x.abs() > 0.5 { r - 1.0 } else { r };
    if x < 0.0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_half_away_matches_std() {
        extern crate std;
        let mut x = -300.0f32;
        while x < 300.0 {
            for y in [x, x + 0.5, x - 0.5, f32::from_bits(x.to_bits() + 1), 0.49999997] {
                assert_eq!(round_half_away(y), y.round(), "{y}");
            }
            x += 0.37;
        }
        for y in [1e10f32, -1e10, 8_388_607.5, -8_388_607.5, 0.0, -0.0] {
            assert_eq!(round_half_away(y), y.round(), "{y}");
        }
    }

    #[test]
    fn store_load_round_trip() {
        let v = [-3.5f32, 1.0e-7, 7.0];
        let mut bytes = [0u8; 12];
        f32::store(&v, &mut bytes);
        let mut back = [0f32; 3];
        f32::load(&bytes, &mut back);
        assert_eq!(v, back);
    }
}
