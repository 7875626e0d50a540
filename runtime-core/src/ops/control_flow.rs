//! IF and WHILE have no kernel: the compiler inlines their subgraphs as `if`/`loop` blocks. What
//! they need at run time is a byte copy: a branch's result into the IF's output, a loop's inputs
//! and each iteration's results into the loop-carried tensors (TFLM copies them the same way,
//! whatever the element type).

/// Copies `src` into `dst` (equal lengths under the kernel contract; never panics).
pub fn copy_tensor(src: &[u8], dst: &mut [u8]) {
    super::copy_prefix(dst, src);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_every_byte() {
        let src: [u8; 5] = [1, 255, 0, 128, 7];
        let mut dst = [9u8; 5];
        copy_tensor(&src, &mut dst);
        assert_eq!(dst, src);
    }
}
