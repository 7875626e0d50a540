//! ZEROS_LIKE (TFLM `zeros_like.cc`; kiln compiles the int32 and float32 cases, TFLM also has
//! int64): an output of zeros of the input's shape. Zero is all-zero bytes in each type, so one
//! kernel serves them.

/// Writes zeros over the whole output; the input only supplies the shape (fixed at compile time).
pub fn zeros_like(_input: &[u8], output: &mut [u8]) {
    output.fill(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroes_the_output() {
        let mut out = [0xffu8; 12];
        zeros_like(&[1, 2, 3], &mut out);
        assert_eq!(out, [0; 12]);
    }
}
