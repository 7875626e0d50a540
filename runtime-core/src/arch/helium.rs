//! Arm Helium (M-Profile Vector Extension, MVE; Armv8.1-M: Cortex-M55, M85): sixteen int8
//! multiply-adds into a general-purpose accumulator per instruction (VMLADAVA.S8).
//!
//! With `cfg(kiln_arm_mve)` (the runtime's `mve` feature on a `thumbv8m.main`/`thumbv8.1m.main`
//! target, built with `-C target-cpu=cortex-m55` or `-C target-feature=+mve`, see `build.rs`) each
//! function is one fixed sequence of MVE instructions in `asm!`; elsewhere it is its
//! [`portable`] twin (the same bits, compared with each other on the target by
//! `examples/firmware-cortex-m4/src/bin/arch_check.rs` under QEMU `mps3-an547`, and run by Miri).
//!
//! Rust's `qreg` operand class needs the `neon` feature (absent on M-profile), so the sequences
//! name their vector registers (`q0`–`q3`, declared clobbered) and take the accumulators in
//! explicit even general registers (VMLADAVA's `RdaLo` field is even-only; `r6` is LLVM's base
//! pointer and `r7` the frame pointer, so `r0`, `r2`, `r4`, `r8`).

/// Plain-Rust twins: exactly the bits of each sequence, for every operand.
pub mod portable {
    /// `Σ x[i] · w[i]` over sixteen int8 lanes, added to `acc` modulo 2^32 (VMLADAVA.S8).
    #[inline(always)]
    fn dot16(acc: i32, x: &[u8; 16], w: [u8; 16]) -> i32 {
        x.iter().zip(w).fold(acc, |s, (&a, b)| {
            s.wrapping_add(i32::from(a as i8) * i32::from(b as i8))
        })
    }

    /// Channel `ch` (0 or 1) of a row pair of eight little-endian words interleaved word by
    /// word (channel 0's bytes 0–3, channel 1's bytes 0–3, channel 0's bytes 4–7, …): what
    /// VLD20.32 + VLD21.32 put in the first (`ch` = 0) and second register.
    #[inline(always)]
    fn channel(w: &[u32; 8], ch: usize) -> [u8; 16] {
        core::array::from_fn(|i| w[(i / 4) * 2 + ch].to_le_bytes()[i % 4])
    }

    /// Two pixels × two output channels over sixteen int8 depth steps: `acc[0] += x0·w₀`,
    /// `acc[1] += x0·w₁`, `acc[2] += x1·w₀`, `acc[3] += x1·w₁`, each wrapping, where `w₀`, `w₁`
    /// are the channels of `w`, a row pair interleaved word by word (the layout of
    /// `ops::pack_filter_dsp`; as words, so aligned as VLD2x.32 needs).
    #[inline(always)]
    pub fn dot_2x2_s8x16(acc: [i32; 4], x0: &[u8; 16], x1: &[u8; 16], w: &[u32; 8]) -> [i32; 4] {
        let (w0, w1) = (channel(w, 0), channel(w, 1));
        [
            dot16(acc[0], x0, w0),
            dot16(acc[1], x0, w1),
            dot16(acc[2], x1, w0),
            dot16(acc[3], x1, w1),
        ]
    }

    /// [`dot_2x2_s8x16`] for a depth of eight: `x` is the two pixels `x0 ‖ x1` (eight bytes
    /// each), `w` a row pair of four words interleaved word by word (channel 0's bytes 0–3,
    /// channel 1's 0–3, channel 0's 4–7, channel 1's 4–7).
    #[inline(always)]
    pub fn dot_2x2_s8x8(acc: [i32; 4], x: &[u8; 16], w: &[u32; 4]) -> [i32; 4] {
        let ch = |c: usize| -> [u8; 8] {
            core::array::from_fn(|i| w[(i / 4) * 2 + c].to_le_bytes()[i % 4])
        };
        let (w0, w1) = (ch(0), ch(1));
        let dot8 = |acc: i32, px: usize, wc: &[u8; 8]| {
            wc.iter().enumerate().fold(acc, |s, (i, &b)| {
                s.wrapping_add(i32::from(x[8 * px + i] as i8) * i32::from(b as i8))
            })
        };
        [
            dot8(acc[0], 0, &w0),
            dot8(acc[1], 0, &w1),
            dot8(acc[2], 1, &w0),
            dot8(acc[3], 1, &w1),
        ]
    }
}

#[cfg(not(kiln_arm_mve))]
pub use portable::{dot_2x2_s8x16, dot_2x2_s8x8};

#[cfg(kiln_arm_mve)]
pub use mve::{dot_2x2_s8x16, dot_2x2_s8x8};

/// The instructions themselves.
#[cfg(kiln_arm_mve)]
mod mve {
    use core::arch::asm;

    /// See [`super::portable::dot_2x2_s8x16`]: VLDRB.U8 × 2 (the pixels), VLD20.32 + VLD21.32
    /// (the row pair, de-interleaved word by word into one register per channel), VMLADAVA.S8 × 4.
    /// VLD2x.32 needs a word-aligned address (else a UsageFault): `w` is words.
    #[inline(always)]
    pub fn dot_2x2_s8x16(acc: [i32; 4], x0: &[u8; 16], x1: &[u8; 16], w: &[u32; 8]) -> [i32; 4] {
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: reads exactly the 16 + 16 + 32 bytes behind the three references (VLDRB.U8 has
        // no alignment requirement; `w` is a `u32` array, so word-aligned, as VLD2x.32 needs);
        // writes only q0–q3 (declared clobbered, caller-saved) and the four accumulators; no
        // stack, no flags (MVE integer multiply-adds leave APSR and FPSCR alone), no predication.
        unsafe {
            asm!(
                "vldrb.u8 q0, [{x0}]",
                "vldrb.u8 q1, [{x1}]",
                "vld20.32 {{q2, q3}}, [{w}]",
                "vld21.32 {{q2, q3}}, [{w}]",
                "vmladava.s8 r0, q0, q2",
                "vmladava.s8 r2, q0, q3",
                "vmladava.s8 r4, q1, q2",
                "vmladava.s8 r8, q1, q3",
                x0 = in(reg) x0.as_ptr(),
                x1 = in(reg) x1.as_ptr(),
                w = in(reg) w.as_ptr(),
                inout("r0") a0,
                inout("r2") a1,
                inout("r4") a2,
                inout("r8") a3,
                out("q0") _,
                out("q1") _,
                out("q2") _,
                out("q3") _,
                options(pure, readonly, nostack, preserves_flags)
            )
        };
        [a0, a1, a2, a3]
    }

    /// See [`super::portable::dot_2x2_s8x8`]: VLDRB.U8 (both pixels), the four weight words
    /// into general registers (two LDRD) and from there into two vectors that repeat each
    /// channel's eight bytes (`[c0 0–3, c0 4–7, c0 0–3, c0 4–7]`, the same for channel 1: four
    /// VMOV of two lanes), then VMLADAVA.S8 × 4 under a VPT block whose predicate (VPR.P0 =
    /// 0x00ff: byte lanes 0–7, pixel 0) is "then, then, else, else": pixel 0 with each channel,
    /// then pixel 1 (lanes 8–15) with each. VPR is saved and restored around the block.
    #[inline(always)]
    pub fn dot_2x2_s8x8(acc: [i32; 4], x: &[u8; 16], w: &[u32; 4]) -> [i32; 4] {
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: reads exactly the 16 + 16 bytes behind the two references (VLDRB.U8: any
        // alignment; LDRD of the `u32` array: word-aligned by type); writes q0–q2 (declared
        // clobbered), the four scratch registers `t*` (outputs), the accumulators, and VPR,
        // which it restores (VMRS at the start, VMSR at the end), so nothing else sees it; no
        // stack, no APSR flags (VMLADAVA, VMOV, VMRS/VMSR of P0 leave them alone).
        unsafe {
            asm!(
                "vldrb.u8 q0, [{x}]",
                "ldrd {t0}, {t1}, [{w}]",
                "ldrd {t2}, {t3}, [{w}, #8]",
                "vmov q1[2], q1[0], {t0}, {t0}",
                "vmov q1[3], q1[1], {t2}, {t2}",
                "vmov q2[2], q2[0], {t1}, {t1}",
                "vmov q2[3], q2[1], {t3}, {t3}",
                "vmrs {t0}, p0",
                "movw {t1}, #255",
                "vmsr p0, {t1}",
                "vpsttee",
                "vmladavat.s8 r0, q0, q1",
                "vmladavat.s8 r2, q0, q2",
                "vmladavae.s8 r4, q0, q1",
                "vmladavae.s8 r8, q0, q2",
                "vmsr p0, {t0}",
                x = in(reg) x.as_ptr(),
                w = in(reg) w.as_ptr(),
                t0 = out(reg) _,
                t1 = out(reg) _,
                t2 = out(reg) _,
                t3 = out(reg) _,
                inout("r0") a0,
                inout("r2") a1,
                inout("r4") a2,
                inout("r8") a3,
                out("q0") _,
                out("q1") _,
                out("q2") _,
                options(pure, readonly, nostack, preserves_flags)
            )
        };
        [a0, a1, a2, a3]
    }
}

#[cfg(test)]
mod tests {
    //! The twin against the definition (VMLADAVA.S8 on the channels of the interleaved pair,
    //! written out element by element); runs under Miri. The instructions are compared with the
    //! twin on the target (arch_check).
    use super::portable::{dot_2x2_s8x16, dot_2x2_s8x8};
    use crate::fixed_point::testing::Rng;

    #[test]
    fn twin_matches_the_definition() {
        let mut rng = Rng::new(0x4e1);
        for case in 0..if cfg!(miri) { 300 } else { 20_000 } {
            let mut x = [0u8; 32];
            let mut w = [0u8; 32];
            rng.fill(&mut x);
            rng.fill(&mut w);
            if case % 5 == 0 {
                // The largest products (−128 · −128), every lane.
                x = [0x80; 32];
                w = [0x80; 32];
            }
            let acc = [
                rng.edgy_i32(),
                rng.edgy_i32(),
                rng.edgy_i32(),
                rng.edgy_i32(),
            ];
            let (x0, x1) = (x[..16].try_into().unwrap(), x[16..].try_into().unwrap());
            let byte = |b: u8| b as i8 as i64;
            let want: [i32; 4] = core::array::from_fn(|k| {
                let (px, ch) = (if k < 2 { &x[..16] } else { &x[16..] }, k % 2);
                // Channel `ch`'s byte i sits at word (i / 4) of the pair's word list, which
                // alternates channel 0, channel 1.
                let s: i64 = (0..16)
                    .map(|i| byte(px[i]) * byte(w[8 * (i / 4) + 4 * ch + i % 4]))
                    .sum();
                (acc[k] as i64 + s) as i32
            });
            let words: [u32; 8] = core::array::from_fn(|k| {
                u32::from_le_bytes([w[4 * k], w[4 * k + 1], w[4 * k + 2], w[4 * k + 3]])
            });
            assert_eq!(dot_2x2_s8x16(acc, x0, x1, &words), want, "case {case}");
            // Depth eight: pixels x[0..8], x[8..16]; the first four words of the pair.
            let w4 = [words[0], words[1], words[2], words[3]];
            let want8: [i32; 4] = core::array::from_fn(|k| {
                let (px, ch) = (if k < 2 { &x[..8] } else { &x[8..16] }, k % 2);
                let s: i64 = (0..8)
                    .map(|i| byte(px[i]) * byte(w[8 * (i / 4) + 4 * ch + i % 4]))
                    .sum();
                (acc[k] as i64 + s) as i32
            });
            assert_eq!(
                dot_2x2_s8x8(acc, x[..16].try_into().unwrap(), &w4),
                want8,
                "depth 8, case {case}"
            );
        }
    }
}
