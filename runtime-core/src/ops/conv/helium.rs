//! The depth loop of the 1×1 CONV_2D kernel ([`super::pointwise`]) on Helium (MVE, Cortex-M55):
//! two pixels × two output channels, sixteen depth steps per [`dot_2x2_s8x16`] (eight
//! instructions for 64 multiply-adds, where the DSP step takes 18 for 16), on the same filter
//! layout (channel pairs interleaved word by word, [`super::pack_filter_dsp`]). Depth words left
//! over past the last multiple of sixteen go through the DSP step (SXTB16 + SMLAD).
//!
//! Depth eight (MobileNet expansions, person_detect's second layer) is one [`dot_2x2_s8x8`]
//! (both pixels in one vector, the channels under a VPT predicate).
//!
//! The pointwise kernel calls it with `cfg(kiln_arm_mve)` for depth 8 and every depth of sixteen or more.
//! Same bits as the DSP loop (the sums wrap the same way), so bit-exact with TFLM. Compiled
//! everywhere (on the twins elsewhere), so the host tests compare it with the DSP loop.
#![cfg_attr(not(kiln_arm_mve), allow(dead_code))]

use super::word;
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};
use crate::arch::helium::{dot_2x2_s8x16, dot_2x2_s8x8};

/// `acc[0] += x0·w0`, `acc[1] += x0·w1`, `acc[2] += x1·w0`, `acc[3] += x1·w1` (wrapping) for two
/// pixels `x = x0 ‖ x1` (`2C` bytes) and one interleaved row pair `w` (`2C` bytes) of a filter
/// with `C % 4 == 0`: what [`super::pointwise::dot_2x2_depth`] computes.
#[inline(always)]
pub(super) fn dot_2x2_depth<const C: usize>(acc: &mut [i32; 4], x: &[u8], w: &[u8]) {
    if x.len() != 2 * C || w.len() != 2 * C || C % 4 != 0 {
        return;
    }
    // Depth eight: the two pixels are one 16-byte vector, the row pair four words.
    if C == 8 {
        let w4 = bytemuck::try_cast_slice::<u8, u32>(w)
            .ok()
            .and_then(|w| <&[u32; 4]>::try_from(w).ok());
        if let (Ok(x16), Some(w4)) = (<&[u8; 16]>::try_from(x), w4) {
            *acc = dot_2x2_s8x8(*acc, x16, w4);
            return;
        }
    }
    let (x0, x1) = x.split_at(C);
    let mut a = *acc;
    // The row pair as words (VLD2x.32 needs them aligned): a checked cast, once per call; the
    // compiler's filters are 16-byte aligned with rows of a multiple of 4 bytes, so it never
    // fails for them, and if it did the DSP loop below would take the whole depth.
    let (w32, done) = match bytemuck::try_cast_slice::<u8, u32>(w) {
        Ok(w32) => (w32, C / 16 * 16),
        Err(_) => (&[][..], 0),
    };
    let blocks = x0
        .chunks_exact(16)
        .zip(x1.chunks_exact(16))
        .zip(w32.chunks_exact(8));
    for ((p0, p1), wb) in blocks {
        if let (Ok(p0), Ok(p1), Ok(wb)) = (p0.try_into(), p1.try_into(), wb.try_into()) {
            a = dot_2x2_s8x16(a, p0, p1, wb);
        }
    }
    // The words past the last block of sixteen bytes (`C % 16` bytes): the DSP step.
    let (t0, t1, tw) = (
        x0.get(done..).unwrap_or(&[]),
        x1.get(done..).unwrap_or(&[]),
        w.get(2 * done..).unwrap_or(&[]),
    );
    for ((p0, p1), wp) in t0
        .chunks_exact(4)
        .zip(t1.chunks_exact(4))
        .zip(tw.chunks_exact(8))
    {
        let (xa, xb, wa, wb) = (
            word(p0),
            word(p1),
            word(wp.get(..4).unwrap_or(&[])),
            word(wp.get(4..).unwrap_or(&[])),
        );
        let [a0, a1, a2, a3] = &mut a;
        let (xa_e, xa_o, xb_e, xb_o) = (sxtb16(xa), sxtb16_ror8(xa), sxtb16(xb), sxtb16_ror8(xb));
        let (wa_e, wa_o, wb_e, wb_o) = (sxtb16(wa), sxtb16_ror8(wa), sxtb16(wb), sxtb16_ror8(wb));
        *a0 = smlad(xa_o, wa_o, smlad(xa_e, wa_e, *a0));
        *a2 = smlad(xb_o, wa_o, smlad(xb_e, wa_e, *a2));
        *a1 = smlad(xa_o, wb_o, smlad(xa_e, wb_e, *a1));
        *a3 = smlad(xb_o, wb_o, smlad(xb_e, wb_e, *a3));
    }
    *acc = a;
}

#[cfg(test)]
mod tests {
    extern crate std;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    /// Against the DSP depth loop ([`super::super::pointwise::dot_2x2_depth`], on the twins on the
    /// host): depth 8, every depth class ≥ 16 (multiples of 16, and 16·k + 4, 8, 12 with a DSP
    /// tail), random bytes and −128 everywhere, edge accumulators, and the row pair off a word
    /// boundary (the fallback).
    #[test]
    fn matches_the_dsp_depth_loop() {
        fn check<const C: usize>(rng: &mut Rng) {
            for case in 0..200 {
                let (mut x, mut w) = (vec![0u8; 2 * C], vec![0u8; 2 * C]);
                if case % 7 == 0 {
                    x.fill(0x80);
                    w.fill(0x80);
                } else {
                    rng.fill(&mut x);
                    rng.fill(&mut w);
                }
                let acc = [
                    rng.edgy_i32(),
                    rng.edgy_i32(),
                    rng.edgy_i32(),
                    rng.edgy_i32(),
                ];
                let (mut got, mut want) = (acc, acc);
                super::dot_2x2_depth::<C>(&mut got, &x, &w);
                super::super::pointwise::dot_2x2_depth::<C>(&mut want, &x, &w);
                assert_eq!(got, want, "depth {C}, case {case}");
                // The row pair one byte off a word boundary: the DSP loop takes the whole depth.
                let mut shifted = vec![0u8; 2 * C + 4];
                let at = 1 + (4 - shifted.as_ptr() as usize % 4) % 4;
                shifted[at..at + 2 * C].copy_from_slice(&w);
                let mut odd = acc;
                super::dot_2x2_depth::<C>(&mut odd, &x, &shifted[at..at + 2 * C]);
                assert_eq!(odd, want, "depth {C}, case {case}, unaligned row pair");
            }
        }
        let mut rng = Rng::new(0x55e);
        check::<8>(&mut rng);
        check::<16>(&mut rng);
        check::<20>(&mut rng);
        check::<24>(&mut rng);
        check::<28>(&mut rng);
        check::<32>(&mut rng);
        check::<48>(&mut rng);
        check::<56>(&mut rng);
        check::<64>(&mut rng);
        check::<128>(&mut rng);
        check::<256>(&mut rng);
    }
}
