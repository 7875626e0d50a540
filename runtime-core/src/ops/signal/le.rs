//! Little-endian element access on byte tensors, bounds-safe: an index outside the buffer reads
//! 0 and writes nothing (the lowering's shape checks rule that out; this keeps kernels panic-free).

macro_rules! access {
    ($get:ident, $set:ident, $t:ty, $n:expr) => {
        #[inline(always)]
        pub(crate) fn $get(b: &[u8], i: usize) -> $t {
            match b.get(i * $n..i * $n + $n) {
                Some(s) => {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(s);
                    <$t>::from_le_bytes(a)
                }
                None => 0,
            }
        }
        #[inline(always)]
        pub(crate) fn $set(b: &mut [u8], i: usize, v: $t) {
            if let Some(s) = b.get_mut(i * $n..i * $n + $n) {
                s.copy_from_slice(&v.to_le_bytes());
            }
        }
    };
}

access!(get_i16, set_i16, i16, 2);
access!(get_u32, set_u32, u32, 4);
access!(get_u64, set_u64, u64, 8);
