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

/// TFLite stores bool as one byte, 0 or 1; any non-zero byte reads as `true`.
impl Element for bool {
    #[inline]
    fn store(src: &[Self], dst: &mut [u8]) {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = u8::from(s);
        }
    }
    #[inline]
    fn load(src: &[u8], dst: &mut [Self]) {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s != 0;
        }
    }
}

/// Splits the arena around an op's output so the op can read its inputs (before or after the
/// output) while writing the output. Offsets are literals in generated code, so the bounds
/// checks fold away.
#[inline(always)]
pub fn split_arena(arena: &mut [u8], start: usize, len: usize) -> (&[u8], &mut [u8], &[u8]) {
    let (before, rest) = arena.split_at_mut(start);
    let (output, after) = rest.split_at_mut(len);
    (before, output, after)
}

#[cfg(test)]
mod tests {
    use super::*;

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
