//! FILL (TFLM `fill.cc`): every output element is the (run-time) scalar `value`; also
//! BROADCAST_TO of a one-element tensor.

/// Repeats the bytes of one element (`value`) over the whole output.
pub fn fill(value: &[u8], output: &mut [u8]) {
    for (o, &v) in output.iter_mut().zip(value.iter().cycle()) {
        *o = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_one_element() {
        let mut out = [0u8; 8];
        fill(&[1, 2, 3, 4], &mut out);
        assert_eq!(out, [1, 2, 3, 4, 1, 2, 3, 4]);
        let mut out = [9u8; 3];
        fill(&[7], &mut out);
        assert_eq!(out, [7, 7, 7]);
    }
}
