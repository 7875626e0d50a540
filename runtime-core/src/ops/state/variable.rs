//! READ_VARIABLE and ASSIGN_VARIABLE: copies between a resource variable (a window of the
//! model's state) and an activation in the arena. TFLM's resource variables copy bytes the
//! same way, whatever the element type.

/// Copies `src` into `dst` (equal lengths under the kernel contract).
pub fn copy_variable(src: &[u8], dst: &mut [u8]) {
    super::super::copy_prefix(dst, src);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_every_byte() {
        let src: [u8; 7] = [1, 2, 3, 250, 0, 9, 128];
        let mut dst = [0u8; 7];
        copy_variable(&src, &mut dst);
        assert_eq!(dst, src);
    }
}
