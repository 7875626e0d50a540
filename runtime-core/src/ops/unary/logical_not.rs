//! LOGICAL_NOT on bool tensors (one byte per element, 0 or 1).

/// `!x` per element. TFLM's bools are C++ `bool`s (0 or 1); any non-zero byte counts as true.
pub fn logical_not(input: &[u8], output: &mut [u8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = u8::from(x == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negates() {
        let mut out = [7u8; 4];
        logical_not(&[0, 1, 1, 0], &mut out);
        assert_eq!(out, [1, 0, 0, 1]);
    }
}
