//! `kiln-insns MODEL`: one warm-up inference of MODEL, then one inference between two marker
//! functions, `region_begin` and `region_end`. `benches/insns.sh` runs this binary under QEMU's
//! user mode with the qemu-insncount plugin pointed at the two markers' addresses, which gives
//! the executed instructions of exactly one inference on AArch64 and x86-64 (instructions, not
//! time: repeatable under emulation and on a loaded machine).

use kiln::Model;
use kiln_benches::{input_bytes, models::*, MODELS};

/// Start of the counted region (`#[inline(never)]`, and a body of its own so that the linker
/// cannot fold it with [`region_end`]).
#[inline(never)]
fn region_begin(tag: u32) -> u32 {
    std::hint::black_box(tag.wrapping_mul(3))
}

/// End of the counted region.
#[inline(never)]
fn region_end(tag: u32) -> u32 {
    std::hint::black_box(tag.wrapping_add(7))
}

fn count<M: Model + Default>(model: &str) {
    let mut m = Box::<M>::default();
    let inputs: Vec<Vec<u8>> = M::INPUTS.iter().map(|i| input_bytes(model, i.byte_len())).collect();
    let mut outputs: Vec<Vec<u8>> = M::OUTPUTS.iter().map(|i| vec![0u8; i.byte_len()]).collect();
    let ins: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let mut outs: Vec<&mut [u8]> = outputs.iter_mut().map(Vec::as_mut_slice).collect();
    // Warm-up: the counted run then sees the same state as every later inference.
    m.run_bytes(&ins, &mut outs).expect("input sizes come from the model");
    let tag = region_begin(1);
    let r = m.run_bytes(std::hint::black_box(&ins), &mut outs);
    region_end(tag);
    r.expect("input sizes come from the model");
    // A hash of every output byte (FNV-1a), so that a build computing other bits shows up as a
    // different line: benches/insns.sh requires the same line from every build.
    let hash = outs.iter().flat_map(|o| o.iter()).fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
    // Zoo models run their first golden input: their outputs must be TFLM's, bit for bit.
    let golden = kiln_benches::repo_root().join("tests/fixtures/golden").join(model);
    let mut verdict = "no golden";
    if golden.join("input0.bin").exists() {
        for (k, o) in outs.iter().enumerate() {
            let path = golden.join(format!("output{k}.bin"));
            let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if want.get(..o.len()) != Some(&o[..]) {
                eprintln!("{model}: output {k} differs from TFLM's ({})", path.display());
                std::process::exit(1);
            }
        }
        verdict = "= TFLM";
    }
    println!("{model}: outputs fnv1a64 {hash:016x} ({verdict})");
}

fn main() {
    let model = std::env::args().nth(1).unwrap_or_default();
    match model.as_str() {
        "digits_int8" => count::<Digits>(&model),
        "mobilenet_v1_025_96" => count::<MobileNetV1>(&model),
        "mobilenet_v2_035_96" => count::<MobileNetV2>(&model),
        "person_detect" => count::<PersonDetect>(&model),
        "micro_speech_quantized" => count::<MicroSpeech>(&model),
        "hello_world_int8" => count::<HelloWorld>(&model),
        "digits_f32" => count::<DigitsF32>(&model),
        "hello_world_float" => count::<HelloWorldFloat>(&model),
        #[cfg(kiln_mobilenet_v1_100_224)]
        "mobilenet_v1_100_224" => count::<MobileNetV1Full>(&model),
        _ => {
            eprintln!("usage: kiln-insns MODEL   (models: {:?})", MODELS.iter().map(|m| m.0).collect::<Vec<_>>());
            std::process::exit(2);
        }
    }
}
