//! `SignalFilterBankLog` (TFLM `filter_bank_log.cc`, `log.cc`): scaled natural log of each
//! uint32 channel, as int16, from a 128-segment interpolated log2 table.

use super::le::{get_u32, set_i16};
use super::msb32;

/// log2(1 + k/128) − k/128, in 1/65536 units, k = 0..=128 (and a guard entry): the correction
/// TFLM's `kLogLut` adds to the linear fraction.
const LOG_LUT: [u16; 130] = [
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732,
    3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408,
    5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524,
    5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416,
    4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323,
    2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
];

const SCALE_LOG2: u32 = 16;
const SEGMENTS_LOG2: u32 = 7;
/// ln 2 in 1/65536 units.
const LN2: u64 = 45426;

fn lut(i: u32) -> i32 {
    LOG_LUT.get(i as usize).map_or(0, |&v| i32::from(v))
}

/// TFLM's `Log32`: ln(x) · out_scale / 65536 for x ≥ 2, with its uint32 wrap-around.
pub(crate) fn log32(x: u32, out_scale: u32) -> u32 {
    let integer = msb32(x) - 1;
    let mut frac = x.wrapping_sub(1 << integer) as i32;
    if integer < SCALE_LOG2 {
        frac <<= SCALE_LOG2 - integer;
    } else {
        frac >>= integer - SCALE_LOG2;
    }
    let seg = (frac as u32) >> (SCALE_LOG2 - SEGMENTS_LOG2);
    let (c0, c1) = (lut(seg), lut(seg + 1));
    let seg_base = ((1u32 << SCALE_LOG2 >> SEGMENTS_LOG2) * seg) as i32;
    let rel = (c1 - c0).wrapping_mul(frac - seg_base) >> SCALE_LOG2;
    let fraction = (frac + c0 + rel) as u32;
    let log2 = (integer << SCALE_LOG2).wrapping_add(fraction);
    let round = 1u32 << (SCALE_LOG2 - 1);
    let ln = ((LN2 * u64::from(log2) + u64::from(round)) >> SCALE_LOG2) as u32;
    out_scale.wrapping_mul(ln).wrapping_add(round) >> SCALE_LOG2
}

/// `correction_bits` < 32 (the lowering checks it).
pub fn signal_filter_bank_log(input: &[u8], output: &mut [u8], output_scale: u32, correction_bits: u32) {
    for i in 0..output.len() / 2 {
        let scaled = get_u32(input, i).wrapping_shl(correction_bits);
        let v = if scaled > 1 { log32(scaled, output_scale).min(i16::MAX as u32) as i16 } else { 0 };
        set_i16(output, i, v);
    }
}
