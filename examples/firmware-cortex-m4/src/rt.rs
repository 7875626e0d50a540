//! Board support shared by the kiln firmware and the MicroFlow peer firmware
//! (`tests/firmware/microflow` includes this file with `#[path]`), so both measure the same way:
//! semihosting exit, the instruction-count region markers, stack painting and the panic
//! handlers.
//!
//! `cfg(fw_no_cortex_m)` (set by the firmware's build.rs for non-`thumb` targets, i.e. the
//! build-only Cortex-R firmware) leaves out what only exists with cortex-m-rt.
//!
//! This is the only code with `unsafe` in either firmware: reading and writing the unused
//! stack below the stack pointer (stack painting cannot be done otherwise), cortex-m-rt's
//! `HardFault` signature, and the call of the undefined symbol in the panic-check build.

use core::ptr::{read_volatile, write_volatile};

#[cfg(not(fw_no_cortex_m))]
use cortex_m_semihosting::debug;

/// Leaves QEMU with status 0 (`ok`) or 1.
pub fn exit(ok: bool) -> ! {
    #[cfg(not(fw_no_cortex_m))]
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Not reached under QEMU; on a board without a debugger, stop here. The build-only Cortex-R
    // firmware (no semihosting) ends here at once: `black_box` keeps the run, which only feeds
    // `ok`, from being optimized away.
    loop {
        core::hint::black_box(ok);
        #[cfg(not(fw_no_cortex_m))]
        cortex_m::asm::bkpt();
    }
}

/// Start of an instruction-count region: `tests/firmware/report.sh` passes this function's
/// address to the qemu-insncount plugin (`start=`). Distinct body from [`region_end`] so the
/// linker never folds the two.
#[inline(never)]
pub fn region_begin() {
    core::hint::black_box(0x6b69_6c6e_u32);
}

/// End of an instruction-count region (`end=`).
#[inline(never)]
pub fn region_end() {
    core::hint::black_box(0x2e65_6e64_u32);
    core::hint::black_box(0x2e65_6e64_u32);
}

const PAINT: u32 = 0x5afe_c0de;
/// How far below the stack pointer [`paint_stack`] paints (capped at the end of `.bss`).
const PAINT_BYTES: usize = 1024 * 1024;

#[cfg(not(fw_no_cortex_m))]
extern "C" {
    /// First address after `.bss`/`.uninit` (cortex-m-rt's `link.x`): the stack may grow down
    /// to here.
    static __sheap: u32;
}

/// Lowest address the stack may grow down to.
fn stack_limit() -> usize {
    // Taking the address of an extern static is safe.
    #[cfg(not(fw_no_cortex_m))]
    return core::ptr::addr_of!(__sheap) as usize;
    // Build-only targets without cortex-m-rt's linker script (Cortex-R): never runs.
    #[cfg(fw_no_cortex_m)]
    return 0;
}

/// Stack-use measurement: [`Painted::paint`] fills the free stack below the caller with a
/// pattern, [`Painted::peak`] finds the deepest word overwritten since.
pub struct Painted {
    /// Stack pointer of the measuring caller.
    base: usize,
    /// Lowest painted address.
    bottom: usize,
}

impl Painted {
    /// Paints the unused stack below the caller's frame. `#[inline(never)]`: the paint starts
    /// below this function's own frame.
    #[inline(never)]
    pub fn paint(base: usize) -> Painted {
        let sp = sp();
        let top = (sp - 16) & !3;
        let bottom = top.saturating_sub(PAINT_BYTES).max(stack_limit());
        let mut p = bottom;
        while p < top {
            #[allow(unsafe_code)]
            // SAFETY: [bottom, top) is RAM between the end of .bss and this frame: unused stack.
            unsafe {
                write_volatile(p as *mut u32, PAINT)
            };
            p += 4;
        }
        Painted { base, bottom }
    }

    /// Peak stack bytes used below `base` since [`Painted::paint`], and whether the paint was
    /// exhausted (the figure is then a lower bound).
    #[inline(never)]
    pub fn peak(&self) -> (usize, bool) {
        let mut p = self.bottom;
        while p < self.base {
            #[allow(unsafe_code)]
            // SAFETY: [bottom, base) is the stack region painted above, below our own frame's
            // caller; reading it is a plain RAM read.
            let w = unsafe { read_volatile(p as *const u32) };
            if w != PAINT {
                break;
            }
            p += 4;
        }
        (self.base - p, p == self.bottom)
    }
}

/// Runs `f` once as the measured inference: the stack below the caller is painted first, and the
/// call sits between [`region_begin`] and [`region_end`]. `f` runs inside an `#[inline(never)]`
/// frame, so everything the inference needs (its locals included) lands below the painted
/// stack pointer and counts: returns `f`'s result, the peak stack bytes and whether the paint
/// was exhausted.
#[inline(always)]
#[allow(dead_code)] // the MicroFlow firmware's; the kiln harness paints and counts itself
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, (usize, bool)) {
    let painted = Painted::paint(sp());
    let r = counted(f);
    (r, painted.peak())
}

/// Runs `f` between [`region_begin`] and [`region_end`] (one instruction-count region). Never
/// inlined: the whole region is this one function body, so every call of it runs the same
/// instructions around `f` (inlined into the caller, the compiler may schedule the code around
/// the markers differently at different call sites or loop iterations).
#[inline(never)]
pub fn counted<R>(f: impl FnOnce() -> R) -> R {
    region_begin();
    let r = f();
    region_end();
    r
}

/// Stack pointer now (the measuring caller's `base`).
#[inline(always)]
pub fn sp() -> usize {
    #[cfg(not(fw_no_cortex_m))]
    return cortex_m::register::msp::read() as usize;
    // Build-only Cortex-R firmware (cortex-m's MSP read is M-profile only): a local's address.
    #[cfg(fw_no_cortex_m)]
    return core::hint::black_box(&0u32) as *const u32 as usize;
}

/// A fault (bad memory access, undefined instruction) fails the run instead of hanging. (Not in
/// the build-only Cortex-R firmware: cortex-m-rt's exception trampoline is M-profile assembly.)
#[cfg(not(fw_no_cortex_m))]
#[allow(unsafe_code)]
#[cortex_m_rt::exception]
unsafe fn HardFault(_frame: &cortex_m_rt::ExceptionFrame) -> ! {
    #[cfg(not(feature = "panic-check"))]
    cortex_m_semihosting::hprintln!("FAIL: HardFault");
    exit(false)
}

/// Normal builds: report the panic and fail.
#[cfg(not(feature = "panic-check"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    #[cfg(not(fw_no_cortex_m))]
    cortex_m_semihosting::hprintln!("FAIL: panic: {}", info);
    #[cfg(fw_no_cortex_m)]
    let _ = info;
    exit(false)
}

/// Panic-check builds: the handler calls a symbol that is defined nowhere. With LTO the handler
/// survives only if some panic path survives optimization, and then the link fails naming
/// `kiln_panic_path_is_reachable`.
#[cfg(feature = "panic-check")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        fn kiln_panic_path_is_reachable() -> !;
    }
    #[allow(unsafe_code)]
    // SAFETY: never runs: the symbol does not exist, so a binary containing this call does not link.
    unsafe {
        kiln_panic_path_is_reachable()
    }
}
