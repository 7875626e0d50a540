//! Intel AMX tiles: the instructions under the AMX matrix product (`ops/gemm_amx.rs`).
//!
//! AMX multiplies 16 × 64-byte tiles: one TDPBSSD adds a 16 × 64 by 64 × 16 (signed bytes)
//! product into 16 × 16 `i32` accumulators, 16,384 multiply-adds — 256 VPDPBUSDs' worth. On this
//! project's benchmark host (Sapphire Rapids class) it ran at ~880 multiply-adds per cycle from
//! the tile registers, against VPDPBUSD's 128 (BENCHMARKS.md), and LiteRT's XNNPACK uses it.
//!
//! Why the shape of this module:
//! * Rust's AMX intrinsics are unstable (`x86_amx_intrinsics`) and stable `rustc` does not report
//!   `amx-*` in `cfg(target_feature)`, so the instructions are `asm!` and the choice is an
//!   explicit opt-in (`cfg(kiln_x86_amx)`: the `amx` feature on x86-64 Linux) plus a check once
//!   per process, not the usual compile-time `cfg`. It is for host programs (`std`), never MCUs.
//! * The tile registers are state across instructions (configuration, contents). A [`Tiles`]
//!   value is the proof that this thread's tiles are configured as kiln's one shape (eight
//!   tiles of 16 rows × 64 bytes); every wrapper takes it, so each is safe to call. It is not
//!   `Send` (tile state belongs to the thread), at most one exists per thread, and dropping it
//!   releases the tiles (TILERELEASE). A kernel configures on entry and releases on return, so
//!   other tile code on the thread between two layers cannot leave kiln a foreign shape.
//! * Linux hands out the 8 KB of tile state only on request: `arch_prctl(ARCH_REQ_XCOMP_PERM,
//!   XFEATURE_XTILEDATA)` once per process, before the first tile instruction (else SIGILL).
//!
//! Each product wrapper has a plain-Rust twin in [`portable`]; the unit test compares them on
//! this CPU (which must have AMX: the test fails loudly otherwise).
#![cfg(kiln_x86_amx)]

extern crate std;

use core::arch::asm;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU8, Ordering};
use std::cell::Cell;

/// Rows of every tile.
pub const ROWS: usize = 16;
/// Bytes per tile row.
pub const ROW_BYTES: usize = 64;

std::thread_local! {
    /// Whether a [`Tiles`] is alive on this thread.
    static CONFIGURED: Cell<bool> = const { Cell::new(false) };
}

/// The process's answer to [`available`]: 0 not asked yet, 1 no, 2 yes.
static AVAILABLE: AtomicU8 = AtomicU8::new(0);

/// Whether the CPU has AMX-TILE and AMX-INT8 and Linux granted this process the tile data
/// state, asked once per process.
fn available() -> bool {
    match AVAILABLE.load(Ordering::Relaxed) {
        0 => {
            let yes = ask();
            AVAILABLE.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        state => state == 2,
    }
}

/// CPUID leaf 7 (EDX bits 24 and 25: AMX-TILE, AMX-INT8), then the permission request.
fn ask() -> bool {
    // SAFETY: CPUID exists on every x86-64 CPU; leaf 7 sub-leaf 0 is defined on every CPU that
    // reports a maximum leaf ≥ 7, checked first.
    #[allow(unused_unsafe)]
    let (max, edx7) = unsafe {
        let max = core::arch::x86_64::__cpuid(0).eax;
        (max, if max >= 7 { core::arch::x86_64::__cpuid_count(7, 0).edx } else { 0 })
    };
    if max < 7 || edx7 & (3 << 24) != 3 << 24 {
        return false;
    }
    let rc: i64;
    // SAFETY: the `arch_prctl` system call (158) with ARCH_REQ_XCOMP_PERM (0x1023) and
    // XFEATURE_XTILEDATA (18) only changes this process's permitted XSAVE state; the kernel
    // clobbers RCX and R11 as every `syscall` does; no memory is passed.
    unsafe {
        asm!("syscall", inlateout("rax") 158i64 => rc, in("rdi") 0x1023i64, in("rsi") 18i64,
             lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    rc == 0
}

/// This thread's configured tiles, in kiln's one layout for a depth step of `k` bytes
/// (`4 ≤ k ≤ 64`, a multiple of 4): tiles 0–3 are 16 × 16 `i32` accumulators (C), tiles 4
/// and 5 are 16 rows × `k` bytes (A), tiles 6 and 7 are `k / 4` rows × 64 bytes (B) — so
/// every C += A · B of those tiles is a valid product.
pub struct Tiles {
    /// Rows and bytes per row of each tile, as configured.
    shape: [(usize, usize); 8],
    _per_thread: PhantomData<*const ()>,
}

impl Tiles {
    /// Configures this thread's tiles for depth steps of `k` bytes, or `None` when `k` is not
    /// one, the CPU or the OS does not offer AMX, or a [`Tiles`] is already alive on this thread.
    pub fn configure(k: usize) -> Option<Tiles> {
        if !(4..=ROW_BYTES).contains(&k) || k % 4 != 0 || CONFIGURED.with(Cell::get) || !available() {
            return None;
        }
        let shape: [(usize, usize); 8] =
            core::array::from_fn(|t| match t { 0..=3 => (ROWS, ROW_BYTES), 4 | 5 => (ROWS, k), _ => (k / 4, ROW_BYTES) });
        let mut cfg = [0u8; 64];
        cfg[0] = 1; // palette 1
        for (t, &(rows, bytes)) in shape.iter().enumerate() {
            cfg[16 + 2 * t..18 + 2 * t].copy_from_slice(&(bytes as u16).to_le_bytes());
            cfg[48 + t] = rows as u8;
        }
        // SAFETY: `available()` found AMX-TILE and the OS permission; LDTILECFG reads the 64
        // bytes of `cfg`, a valid palette-1 configuration (8 tiles of at most 16 rows × 64 bytes).
        unsafe { asm!("ldtilecfg [{}]", in(reg) cfg.as_ptr(), options(nostack, readonly, preserves_flags)) };
        CONFIGURED.with(|c| c.set(true));
        Some(Tiles { shape, _per_thread: PhantomData })
    }

    /// TILELOADD: tile `T` ← its rows (as configured), row `r` at `src[r · stride..]`. Returns
    /// `false` (and loads nothing) when `src` is too short for them.
    #[inline(always)]
    pub fn load<const T: u8>(&mut self, src: &[u8], stride: usize) -> bool {
        const { assert!(T < 8) };
        let (rows, bytes) = self.shape[T as usize];
        if src.len() < (rows - 1) * stride + bytes {
            return false;
        }
        // SAFETY: tiles configured (`self`); the tile's rows at `stride` lie inside `src`,
        // checked above.
        unsafe {
            asm!("tileloadd tmm{t}, [{base} + {stride} * 1]", t = const T, base = in(reg) src.as_ptr(),
                 stride = in(reg) stride, options(nostack, readonly, preserves_flags));
        }
        true
    }

    /// TDPBUSD: C tile `C` (16 × 16 `i32`) += A tile `A` (16 rows of `k` unsigned bytes) · B
    /// tile `B` (`k / 4` rows of 16 × 4 signed bytes: row `q` holds input bytes `4q..4q + 4` of
    /// each output column), wrapping.
    #[inline(always)]
    pub fn dpbusd<const C: u8, const A: u8, const B: u8>(&mut self) {
        const { assert!(C < 4 && (A == 4 || A == 5) && (B == 6 || B == 7)) };
        // SAFETY: tiles configured (`self`) in the layout above, where C, A and B (three
        // distinct tiles, by the assertion) make a valid product; register only.
        unsafe { asm!("tdpbusd tmm{c}, tmm{a}, tmm{b}", c = const C, a = const A, b = const B, options(nomem, nostack, preserves_flags)) };
    }

    /// TDPBSSD: as [`Tiles::dpbusd`] with tile `A` signed too.
    #[inline(always)]
    pub fn dpbssd<const C: u8, const A: u8, const B: u8>(&mut self) {
        const { assert!(C < 4 && (A == 4 || A == 5) && (B == 6 || B == 7)) };
        // SAFETY: as `dpbusd`.
        unsafe { asm!("tdpbssd tmm{c}, tmm{a}, tmm{b}", c = const C, a = const A, b = const B, options(nomem, nostack, preserves_flags)) };
    }

    /// TILESTORED: C tile `T` as 16 rows of 16 `i32` into `dst`.
    #[inline(always)]
    pub fn store<const T: u8>(&mut self, dst: &mut [[i32; 16]; 16]) {
        const { assert!(T < 4) };
        // SAFETY: tiles configured (`self`); tile T < 4 is 16 rows × 64 bytes and `dst` is 16
        // rows of 64 writable bytes at stride 64.
        unsafe {
            asm!("tilestored [{base} + {stride} * 1], tmm{t}", t = const T, base = in(reg) dst.as_mut_ptr(),
                 stride = in(reg) 64usize, options(nostack, preserves_flags));
        }
    }
}

impl Drop for Tiles {
    fn drop(&mut self) {
        // SAFETY: TILERELEASE returns the tiles to their initial state; register only.
        unsafe { asm!("tilerelease", options(nomem, nostack, preserves_flags)) };
        CONFIGURED.with(|c| c.set(false));
    }
}

/// The twins: TDPBUSD and TDPBSSD on arrays (for the test; the kernel's own test compares it
/// with the OHWI kernel).
#[cfg(test)]
pub mod portable {
    /// `c[m][n] += Σ_q Σ_j a[m][4q + j] · b[q][4n + j]` over the first `k` bytes of each `a`
    /// row (`k / 4` rows of `b`), both signed, wrapping.
    pub fn dpbssd(c: &mut [[i32; 16]; 16], a: &[[u8; 64]; 16], b: &[[u8; 64]; 16], k: usize) {
        for (m, row) in c.iter_mut().enumerate() {
            for (n, acc) in row.iter_mut().enumerate() {
                for k in 0..k / 4 {
                    for j in 0..4 {
                        let p = i32::from(a[m][4 * k + j] as i8) * i32::from(b[k][4 * n + j] as i8);
                        *acc = acc.wrapping_add(p);
                    }
                }
            }
        }
    }

    /// As [`dpbssd`] with `a` unsigned.
    pub fn dpbusd(c: &mut [[i32; 16]; 16], a: &[[u8; 64]; 16], b: &[[u8; 64]; 16], k: usize) {
        for (m, row) in c.iter_mut().enumerate() {
            for (n, acc) in row.iter_mut().enumerate() {
                for k in 0..k / 4 {
                    for j in 0..4 {
                        let p = i32::from(a[m][4 * k + j]) * i32::from(b[k][4 * n + j] as i8);
                        *acc = acc.wrapping_add(p);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed_point::testing::Rng;

    fn flat(t: &[[u8; 64]; 16]) -> &[u8] {
        t.as_flattened()
    }

    /// TDPBUSD and TDPBSSD against their twins on random and extreme tiles, for full and
    /// partial depth steps (this CPU must have AMX: a loud failure otherwise), and the
    /// configuration's rules: valid steps only, one [`Tiles`] per thread, short sources refused.
    #[test]
    fn instructions_match_the_twins() {
        for bad in [0, 2, 30, 68] {
            assert!(Tiles::configure(bad).is_none(), "depth step {bad}");
        }
        let mut rng = Rng::new(0xa3c5);
        for k in [64, 32, 4, 60] {
            let mut tiles = Tiles::configure(k).expect("AMX-INT8 with the OS permission on this CPU");
            assert!(Tiles::configure(k).is_none(), "a second Tiles on the same thread");
            for case in 0..100 {
                let mut a = [[0u8; 64]; 16];
                let mut b = [[0u8; 64]; 16];
                for r in 0..16 {
                    rng.fill(&mut a[r]);
                    rng.fill(&mut b[r]);
                }
                if case % 5 == 0 {
                    a = [[0xff; 64]; 16];
                    b = [[if case % 2 == 0 { 0x80 } else { 0x7f }; 64]; 16];
                }
                let mut want = [[0i32; 16]; 16];
                for row in want.iter_mut() {
                    for x in row.iter_mut() {
                        *x = rng.edgy_i32();
                    }
                }
                if case % 3 == 0 {
                    // A stride-0 load repeats one row (how the kernel starts every row from the bias).
                    want = [want[0]; 16];
                }
                let start = want;
                let signed = case % 2 == 1;
                if signed {
                    portable::dpbssd(&mut want, &a, &b, k);
                } else {
                    portable::dpbusd(&mut want, &a, &b, k);
                }
                let mut got = [[0i32; 16]; 16];
                // The start values go in through a byte view of the i32 rows.
                let bytes: std::vec::Vec<u8> = start.iter().flatten().flat_map(|x| x.to_le_bytes()).collect();
                assert!(if case % 3 == 0 { tiles.load::<0>(&bytes[..64], 0) } else { tiles.load::<0>(&bytes, 64) });
                assert!(tiles.load::<4>(flat(&a), 64));
                assert!(tiles.load::<6>(flat(&b), 64));
                if signed {
                    tiles.dpbssd::<0, 4, 6>();
                } else {
                    tiles.dpbusd::<0, 4, 6>();
                }
                tiles.store::<0>(&mut got);
                assert_eq!(got, want, "depth step {k}, case {case} (signed: {signed})");
            }
            assert!(!tiles.load::<5>(&std::vec![0u8; 15 * 64 + k - 1], 64), "a short A source must be refused");
            assert!(!tiles.load::<7>(&std::vec![0u8; (k / 4 - 1) * 64 + 63], 64), "a short B source must be refused");
            assert!(!tiles.load::<1>(&[0u8; 63], 0), "a short C source must be refused");
            drop(tiles);
        }
        assert!(Tiles::configure(64).is_some(), "released tiles can be configured again");
    }
}
