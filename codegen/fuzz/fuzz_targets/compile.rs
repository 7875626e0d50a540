//! The whole compiler on arbitrary bytes: verifier → reader → graph → lowering → arena plan →
//! token emission (and the `kiln inspect` report), with no rustc. Any panic, hang or memory
//! blow-up is a bug: every input must end in `Ok` or a named `Error`.
//!
//! Half of the mutations are structure-aware: when the input verifies as a TFLite model, it is
//! decoded, one field is broken (an index, shape, type, scale, buffer, op code or option; see
//! `codegen/tests/common/model.rs`) and re-encoded, so mutations get past the flatbuffer
//! verifier into the passes behind it. The other half are libFuzzer's byte-level mutations.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};

#[path = "../../tests/common/model.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    // `inspect` first: it also lowers models with unsupported ops, reaching more of `lower`.
    // Its renderings too: they index the plan and the steps by what the report says.
    if let Ok(report) = kiln_codegen::report::inspect("fuzz.tflite", data) {
        let _ = (report.to_text(), report.to_svg(), report.to_html());
    }
    let _ = kiln_codegen::compile("fuzz.tflite", data, &Default::default());
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = model::Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(seed).wrapping_mul(0x1000_0000_01b3));
    if !rng.chance(2) {
        if let Some(mut m) = model::Model::decode(&data[..size]) {
            for _ in 0..1 + rng.below(3) {
                model::mutate(&mut m, &mut rng);
            }
            let out = m.encode();
            if out.len() <= max_size {
                data[..out.len()].copy_from_slice(&out);
                return out.len();
            }
        }
    }
    fuzzer_mutate(data, size, max_size)
});
