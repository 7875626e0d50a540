//! Typed model inputs and outputs in the byte arena: views in place (`view`, `view_mut`) and,
//! for bool, copies (`Element`).

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
element!(i8, u8, i16, i32, i64, u32, u64, f32);

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

/// A tensor element type a model's inputs and outputs can be viewed as in place: every bit
/// pattern is a value (so bytes the kernels wrote are always a valid element) and the arena's
/// little-endian encoding is the target's own. Multi-byte types are therefore implemented on
/// little-endian targets only (every Cortex-M, RISC-V and x86 one); elsewhere models copy
/// through [`crate::Model::run_bytes`].
pub trait ArenaElement: bytemuck::Pod + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! arena_element {
    ($($(#[$cfg:meta])* $t:ty),*) => {$(
        $(#[$cfg])* impl sealed::Sealed for $t {}
        $(#[$cfg])* impl ArenaElement for $t {}
    )*};
}
arena_element!(
    i8,
    u8,
    #[cfg(target_endian = "little")] i16,
    #[cfg(target_endian = "little")] i32,
    #[cfg(target_endian = "little")] i64,
    #[cfg(target_endian = "little")] u32,
    #[cfg(target_endian = "little")] u64,
    #[cfg(target_endian = "little")] f32
);

/// The `LEN` elements at byte `at` of `arena`, in place.
///
/// Panics if they are out of bounds or misaligned for `T`. Generated code passes literal
/// offsets, which the planner aligns to the element size, into a 16-byte-aligned arena
/// ([`crate::Aligned`]); the checks then fold to nothing.
#[inline(always)]
pub fn view<T: ArenaElement, const LEN: usize>(arena: &[u8], at: usize) -> &[T; LEN] {
    bytemuck::from_bytes(&arena[at..at + core::mem::size_of::<[T; LEN]>()])
}

/// [`view`], mutable: write a model's input here before `invoke`.
#[inline(always)]
pub fn view_mut<T: ArenaElement, const LEN: usize>(arena: &mut [u8], at: usize) -> &mut [T; LEN] {
    bytemuck::from_bytes_mut(&mut arena[at..at + core::mem::size_of::<[T; LEN]>()])
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

    #[test]
    fn views_see_the_little_endian_bytes() {
        let mut arena = crate::Aligned([0u8; 32]);
        *view_mut::<f32, 2>(&mut arena.0, 8) = [1.5, -2.0];
        let mut back = [0f32; 2];
        f32::load(&arena.0[8..16], &mut back);
        assert_eq!(back, [1.5, -2.0]);
        view_mut::<i8, 3>(&mut arena.0, 1).copy_from_slice(&[-1, 2, -3]);
        assert_eq!(&arena.0[1..4], &[0xff, 2, 0xfd]);
        assert_eq!(view::<i16, 1>(&arena.0, 2), &[i16::from_le_bytes([2, 0xfd])]);
    }
}
