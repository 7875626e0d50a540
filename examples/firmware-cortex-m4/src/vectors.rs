//! The device-interrupt part of the vector table (cortex-m-rt's `__INTERRUPTS`, with its
//! `device` feature): one entry, where cortex-m-rt's generic default has 240 (960 bytes of
//! flash on a firmware that enables no interrupt). The firmware never enables an interrupt
//! in the NVIC, so only the 16 core exception vectors (cortex-m-rt's, `HardFault` in `rt.rs`)
//! can be taken; cortex-m-rt's linker script wants at least one device vector. IRQ 0's entry
//! is 0, never used. build.rs writes the empty `device.x` the `device` feature's `link.x`
//! includes.

#[cfg(not(fw_no_cortex_m))]
#[allow(unsafe_code)] // `no_mangle` / `link_section`: the symbol and section cortex-m-rt's link.x places
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
static __INTERRUPTS: [usize; 1] = [0];
