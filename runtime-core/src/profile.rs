//! Per-layer markers for models compiled with profiling on (`include_model!(…, profile = true)`,
//! `kiln_codegen::Config::profile_layers(true)`, `kiln generate --profile`).
//!
//! The generated `invoke` then calls [`layer_begin`] before and [`layer_end`] after every layer
//! that has code (aliases such as RESHAPE have none), with the layer's op index in the model.
//! The functions do nothing observable: they exist so that a tool outside the program can see
//! where each layer starts and ends. On a simulator, an instruction counter given the two
//! functions' addresses (`arm-none-eabi-nm -C fw.elf | grep kiln::profile`) as region start and
//! end counts every layer in order (`tests/firmware/report.sh --per-layer` does this with
//! QEMU and the qemu-insncount plugin); on hardware, a breakpoint or a trace trigger does the same.
//!
//! Both are `#[inline(never)]` and have different bodies, so the linker never folds them into
//! one address; `black_box` keeps the index (and the call) from being optimized away. Each costs
//! a handful of instructions per layer; models compiled without profiling contain no calls.

/// Called just before layer `index` (the op's index in the `.tflite` subgraph) runs.
#[inline(never)]
pub fn layer_begin(index: usize) {
    core::hint::black_box(index);
}

/// Called just after layer `index` has run.
#[inline(never)]
pub fn layer_end(index: usize) {
    // A different body from `layer_begin` (a second, distinct value), so identical-code folding
    // cannot give both functions one address.
    core::hint::black_box(index);
    core::hint::black_box(0x656e_64_usize);
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_are_callable_and_distinct() {
        super::layer_begin(3);
        super::layer_end(3);
        let (b, e) = (super::layer_begin as fn(usize), super::layer_end as fn(usize));
        assert_ne!(b as usize, e as usize, "the two markers must not share an address");
    }
}
