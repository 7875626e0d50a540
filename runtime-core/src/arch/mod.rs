//! Instruction-set code: the only module of the runtime allowed to contain `unsafe`.
//!
//! Rust requires `unsafe` around every `asm!` (and every `core::arch` intrinsic), even when
//! the instruction is always there on the target. So each instruction kiln uses is wrapped here,
//! once, under these rules:
//!
//! * one function per instruction (or a tiny fixed sequence), exposed as a *safe* function;
//! * `asm!` with the strictest options that are true for it (`pure, nomem, nostack`, plus
//!   `preserves_flags` unless the instruction writes APSR: SMLAD sets Q on overflow);
//! * a `// SAFETY:` line saying why the block is sound;
//! * a twin in plain Rust (`portable`) with the same bits for every operand. The twins are what
//!   other targets compile, what Miri runs, and what the on-target test
//!   (`examples/firmware-cortex-m4/src/bin/arch_check.rs`, run by `.ci/firmware.sh` under QEMU)
//!   compares each wrapper with, on random and edge operands.
//!
//! The x86-64 wrappers ([`x86`] for AVX-512 VNNI, [`sse2`] for the baseline every x86-64 CPU
//! has) use `core::arch` intrinsics instead of `asm!` (the same rules;
//! their twins are compared with them by a unit test in a build that has the instructions).
//! So do the AArch64 ones ([`aarch64`]: NEON's SMULL, SADALP, SADDW, SQRDMULH, SRSHL, …),
//! except SDOT, whose intrinsic is unstable: one `asm!` instruction; their unit test runs
//! under `qemu-aarch64` (`.ci/aarch64.sh`, with and without `+dotprod`).
//!
//! The Helium (MVE) ones ([`helium`]) are `asm!` sequences as the DSP ones, with named vector
//! registers (Rust's `qreg` class needs `neon`); their twins are compared with them by
//! `arch_check` on QEMU `mps3-an547` (Cortex-M55).
//!
//! The AMX ones (`amx`, only with the opt-in `amx` feature on x86-64 Linux) are `asm!` too
//! (the intrinsics are unstable); the tile registers are configured state, so each takes a
//! `Tiles` token, and whether the CPU and the OS offer AMX is asked once per process at run
//! time (stable `cfg` cannot see AMX): the one run-time choice besides the `std` feature's,
//! both for host programs, never MCUs.
//!
//! Which one a kernel gets is decided at compile time by `build.rs` (`cfg(kiln_arm_dsp)`,
//! `cfg(kiln_arm_mve)`, `cfg(kiln_x86_vnni)`, `cfg(kiln_x86_sse2)`, `cfg(kiln_aarch64_neon)`,
//! `cfg(kiln_aarch64_dotprod)`, `cfg(kiln_x86_amx)`), never at run time (but for the two
//! host-only exceptions above). Generated model code chooses its filter layout with the same
//! `cfg` through [`crate::if_arm_dsp`].
#![allow(unsafe_code)]

pub mod aarch64;
// Crate-private: a `Tiles` held by user code across someone else's LDTILECFG would leave the
// wrappers' bounds checks describing tiles that are no longer there. Inside kiln a `Tiles`
// lives only within one kernel call, where no foreign code runs.
#[cfg(kiln_x86_amx)]
pub(crate) mod amx;
pub mod arm_dsp;
#[cfg(kiln_x86_dispatch)]
pub mod dispatch;
pub mod helium;
pub mod sse2;
pub mod x86;

/// Whether this build uses the AArch64 NEON kernels (`cfg(kiln_aarch64_neon)`, see `build.rs`:
/// AArch64 with the target feature `neon`, the default). Generated code tests
/// `all(target_arch = "aarch64", target_feature = "neon")` (the user's crate is built with the
/// same flags), unless the runtime's `portable` feature turned the instructions off: then the
/// kernels it calls run on the twins, still bit-exact.
pub const AARCH64_NEON: bool = cfg!(kiln_aarch64_neon);

/// Whether the AArch64 matrix product uses SDOT (`cfg(kiln_aarch64_dotprod)`: NEON and the
/// target feature `dotprod`). The filter layout is the same with and without it.
pub const AARCH64_DOTPROD: bool = cfg!(kiln_aarch64_dotprod);

/// Whether this build uses the AVX-512 VNNI instructions (`cfg(kiln_x86_vnni)`, see
/// `build.rs`: x86-64 with the target features `avx512f` and `avx512vnni`). Generated code
/// tests the same two features with `#[cfg(target_feature)]` (the user's crate is built with
/// the same flags), unless the runtime's `portable` feature turned the instructions off: then
/// the kernels it calls run on the twins, still bit-exact.
pub const X86_VNNI: bool = cfg!(kiln_x86_vnni);

/// Whether this build uses the SSE2 instructions (`cfg(kiln_x86_sse2)`, see `build.rs`: x86-64
/// with the target feature `sse2`, on in every x86-64 target but the soft-float kernel ones).
/// Generated code calls the SSE2 kernels on x86-64 builds with `sse2` but without `avx2` (the
/// default `x86_64-*` build; AVX2 and AVX-512 VNNI builds have their own kernels).
pub const X86_SSE2: bool = cfg!(kiln_x86_sse2);

/// Whether this build chooses between the AVX-512 VNNI and the SSE2 kernels at start-up
/// (`cfg(kiln_x86_dispatch)`, see `build.rs`: the `std` feature on x86-64 without VNNI in the
/// build; the module `dispatch`, in that build only).
pub const X86_DISPATCH: bool = cfg!(kiln_x86_dispatch);

/// Whether this build uses the Arm DSP instructions (`cfg(kiln_arm_dsp)`, see `build.rs`).
pub const ARM_DSP: bool = cfg!(kiln_arm_dsp);

/// Whether this build uses the Arm Helium (MVE) instructions (`cfg(kiln_arm_mve)`, see
/// `build.rs`: the `mve` feature on an Armv8-M/8.1-M Mainline target). The filter layout is the
/// DSP one ([`ARM_DSP`] is on too): only the kernels' inner loops differ.
pub const ARM_MVE: bool = cfg!(kiln_arm_mve);

/// Expands to the first block where the runtime was built with the Arm DSP kernels
/// (`cfg(kiln_arm_dsp)`), else to the block after `else`.
///
/// Generated model code lives in the user's crate, which cannot see the runtime's `cfg`; this
/// macro is defined by the runtime, so its expansion carries the runtime's choice. It is how a
/// model compiles exactly one filter layout and one kernel call per layer (`#[doc(hidden)]`:
/// generated code's, not the user's).
#[cfg(kiln_arm_dsp)]
#[doc(hidden)]
#[macro_export]
macro_rules! if_arm_dsp {
    ({ $($dsp:tt)* } else { $($other:tt)* }) => { $($dsp)* };
}

/// See the `kiln_arm_dsp` definition above: this build has no DSP kernels.
#[cfg(not(kiln_arm_dsp))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_arm_dsp {
    ({ $($dsp:tt)* } else { $($other:tt)* }) => { $($other)* };
}

/// Expands to the first block where the runtime chooses its x86-64 kernels at start-up
/// (`cfg(kiln_x86_dispatch)`: the `std` feature), else to the block after `else`: how a
/// model compiles both filter layouts and the dispatching call in that build only
/// (`#[doc(hidden)]`: generated code's, not the user's).
#[cfg(kiln_x86_dispatch)]
#[doc(hidden)]
#[macro_export]
macro_rules! if_x86_dispatch {
    ({ $($dispatch:tt)* } else { $($other:tt)* }) => { $($dispatch)* };
}

/// See the `kiln_x86_dispatch` definition above: this build chooses at compile time.
#[cfg(not(kiln_x86_dispatch))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_x86_dispatch {
    ({ $($dispatch:tt)* } else { $($other:tt)* }) => { $($other)* };
}
