//! `SignalFilterBankSquareRoot` (TFLM `filter_bank_square_root.cc`): the rounded integer square
//! root of each uint64 channel, shifted right by `scale_bits`.

use super::le::{get_u64, set_u32};
use super::msb32;

/// TFLM's `Sqrt32`: bit-by-bit root, rounded up when the remainder exceeds the root (but never
/// past 0xFFFF).
fn sqrt32(mut num: u32) -> u32 {
    if num == 0 {
        return 0;
    }
    let mut res = 0u32;
    let top = (32 - msb32(num)) | 1;
    let mut bit = 1u32 << (31 - top);
    for _ in 0..(31 - top) / 2 + 1 {
        if num >= res + bit {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF {
        res += 1;
    }
    res
}

/// TFLM's `Sqrt64` (its `Sqrt32` below 2³²).
pub(crate) fn sqrt64(mut num: u64) -> u32 {
    if num >> 32 == 0 {
        return sqrt32(num as u32);
    }
    let mut res = 0u64;
    let top = (64 - (64 - num.leading_zeros())) | 1;
    let mut bit = 1u64 << (63 - top);
    for _ in 0..(63 - top) / 2 + 1 {
        if num >= res + bit {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF_FFFF {
        res += 1;
    }
    res as u32
}

/// `scale_bits` < 32 (the lowering checks it; TFLM's shift is undefined beyond).
pub fn signal_filter_bank_square_root(input: &[u8], output: &mut [u8], scale_bits: u32) {
    for i in 0..output.len() / 4 {
        set_u32(output, i, sqrt64(get_u64(input, i)).wrapping_shr(scale_bits));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact floor roots are never rounded past; a remainder above the root rounds up.
    #[test]
    fn roots() {
        for (x, r) in [(0u64, 0u32), (1, 1), (4, 2), (8, 3), (15, 4), (1 << 32, 65536), (u64::MAX, 0xFFFF_FFFF), (0xFFFF_FFFF, 0xFFFF)] {
            assert_eq!(sqrt64(x), r, "{x}");
        }
    }
}
