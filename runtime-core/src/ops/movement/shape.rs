//! SHAPE: the input's shape is known at compile time, so the output is constant bytes.

/// The bytes of a value known at compile time.
#[derive(Clone, Copy, Debug)]
pub struct ConstBytesParams {
    pub bytes: &'static [u8],
}

/// Writes the compile-time bytes into the output (SHAPE's int32/int64 dimension list).
pub fn const_bytes(p: &ConstBytesParams, output: &mut [u8]) {
    crate::ops::copy_prefix(output, p.bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_bytes() {
        let mut out = [0u8; 4];
        const_bytes(&ConstBytesParams { bytes: &[4, 0, 0, 0] }, &mut out);
        assert_eq!(out, [4, 0, 0, 0]);
    }
}
