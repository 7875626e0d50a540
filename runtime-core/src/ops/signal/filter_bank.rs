//! `SignalFilterBank` (TFLM `filter_bank.cc`): triangular mel channels over uint32 energies.
//! Channel `i` spans `widths[i]` bins from `freq_starts[i]`, with weights from
//! `weight_starts[i]`; each bin's weighted part goes to channel `i`, its unweighted part to
//! channel `i + 1`. There are `num_channels + 1` channel descriptions; the first one's sum is
//! dropped (it only seeds channel 0 with its unweighted part).

use super::le::{get_i16, get_u32, set_u64};

/// The five int16 tables are the model's constant inputs; `output` is `num_channels` uint64.
#[allow(clippy::too_many_arguments)] // one slice per TFLM input, as every kernel takes its tensors
pub fn signal_filter_bank(
    input: &[u8],
    weights: &[u8],
    unweights: &[u8],
    freq_starts: &[u8],
    weight_starts: &[u8],
    widths: &[u8],
    output: &mut [u8],
    num_channels: usize,
) {
    let (mut weighted, mut unweighted) = (0u64, 0u64);
    for i in 0..=num_channels {
        // TFLM reads the tables as int16 and indexes with them; the lowering checks every
        // index is in range, so the `as usize` of a negative start never happens.
        let freq = get_i16(freq_starts, i) as usize;
        let wstart = get_i16(weight_starts, i) as usize;
        for j in 0..get_i16(widths, i).max(0) as usize {
            let x = u64::from(get_u32(input, freq + j));
            // int16 × uint64: the weight converts to uint64 (sign-extended) and the product wraps.
            weighted = weighted.wrapping_add((i64::from(get_i16(weights, wstart + j)) as u64).wrapping_mul(x));
            unweighted = unweighted.wrapping_add((i64::from(get_i16(unweights, wstart + j)) as u64).wrapping_mul(x));
        }
        if i > 0 {
            set_u64(output, i - 1, weighted);
        }
        weighted = unweighted;
        unweighted = 0;
    }
}
