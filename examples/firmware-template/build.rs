//! Puts the memory map as `memory.x` where the linker finds it (cortex-m-rt's `link.x` includes
//! it): `memory/nrf52840-dk.x` for the board, `memory/mps2-an386.x` with the `qemu` feature.
//! Your board: edit `memory/nrf52840-dk.x`, or add a file and name it here.
use std::{env, fs, path::PathBuf};

fn main() {
    let map = if env::var_os("CARGO_FEATURE_QEMU").is_some() {
        "memory/mps2-an386.x"
    } else {
        "memory/nrf52840-dk.x"
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    fs::copy(map, out.join("memory.x")).unwrap_or_else(|e| panic!("cannot copy {map}: {e}"));
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={map}");
    println!("cargo:rerun-if-changed=build.rs");
}
