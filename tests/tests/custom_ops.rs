//! The extension point for the user's own custom ops (`custom_ops = { … }`, `kiln::custom`), on
//! tests/fixtures/custom/user_ops.tflite (tests/scripts/make_custom_op_model.py): two custom ops
//! no interpreter knows, `ScaleShift` (two outputs of different types: the scratch-window path)
//! and `Clip` (one output, written in place).
//!
//! **The oracle for a user op is the user's formula**: the Python script computes the expected
//! outputs with the same formula, in the same float32 order, as the functions below. What this
//! checks is kiln's side: inputs and outputs in the op's order with their shapes, types and
//! quantization, the constant input from flash, the flexbuffer options decoded at compile time,
//! and the outputs delivered to the model's tensors, element for element on 200 inputs.

use kiln::custom::{Input, Options, Output, Value};

/// `y = alpha · x · w + offset`, and `y` quantized with the second output's own scale and
/// zero point: `clamp(floor(y / s + 0.5) + z, −128, 127)`.
pub fn scale_shift(inputs: &[Input<'_>], outputs: &mut [Output<'_>], options: &Options) {
    let (Some(alpha), Some(offset)) = (options.float("alpha"), options.int("offset")) else { return };
    let ([x, w], [y, q]) = (inputs, outputs) else { return };
    let (Some(x), Some(w)) = (x.as_slice::<f32>(), w.as_slice::<f32>()) else { return };
    let (s, z) = (q.info.scale, q.info.zero_point as f32);
    let Some(ys) = y.as_mut_slice::<f32>() else { return };
    for ((y, &x), &w) in ys.iter_mut().zip(x).zip(w) {
        *y = alpha as f32 * x * w + offset as f32;
    }
    let ys: [f32; 6] = core::array::from_fn(|i| ys.get(i).copied().unwrap_or(0.0));
    let Some(qs) = q.as_mut_slice::<i8>() else { return };
    for (q, y) in qs.iter_mut().zip(ys) {
        *q = ((y / s + 0.5).floor() + z).clamp(-128.0, 127.0) as i8;
    }
}

/// `min(max(x, lo), hi)`.
pub fn clip(inputs: &[Input<'_>], outputs: &mut [Output<'_>], options: &Options) {
    let (Some(lo), Some(hi)) = (options.float("lo"), options.float("hi")) else { return };
    let ([x], [out]) = (inputs, outputs) else { return };
    let (Some(x), Some(out)) = (x.as_slice::<f32>(), out.as_mut_slice::<f32>()) else { return };
    for (o, &x) in out.iter_mut().zip(x) {
        *o = x.max(lo as f32).min(hi as f32);
    }
}

mod net {
    kiln::include_model!(
        "fixtures/custom/user_ops.tflite",
        name = UserOps,
        custom_ops = { "ScaleShift" => crate::scale_shift, "Clip" => crate::clip }
    );
}

fn golden_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/custom/user_ops")
}

#[test]
fn user_ops_reproduce_their_formula() {
    kiln_tests::assert_bit_exact::<net::UserOps>(golden_dir(), 200);
}

/// The same model through the build.rs API (`Config::custom_op`, tests/build.rs).
mod via_config {
    include!(concat!(env!("OUT_DIR"), "/build_rs/user_ops.rs"));
}

#[test]
fn config_api_compiles_the_same_model() {
    kiln_tests::assert_bit_exact::<via_config::UserOps>(golden_dir(), 200);
}

thread_local!(static SEEN: std::cell::Cell<Option<(f64, i64, &'static str, usize)>> = const { std::cell::Cell::new(None) });

/// [`scale_shift`], recording what it was given.
pub fn spy(inputs: &[Input<'_>], outputs: &mut [Output<'_>], options: &Options) {
    let tag = match options.get("tag") {
        Some(Value::Str(s)) => s,
        _ => "",
    };
    SEEN.set(Some((options.float("alpha").unwrap(), options.int("offset").unwrap(), tag, options.raw.len())));
    assert_eq!(inputs[1].info.name, "w");
    assert_eq!(inputs[1].info.shape, &[6]);
    assert_eq!((outputs[1].info.dtype, outputs[1].info.scale, outputs[1].info.zero_point), (kiln::DType::Int8, 0.05, -10));
    scale_shift(inputs, outputs, options);
}

mod spied {
    kiln::include_model!("fixtures/custom/user_ops.tflite", name = Spied, custom_ops = { "ScaleShift" => crate::spy, "Clip" => crate::clip });
}

/// The options reach the function decoded, with their types (the string too).
#[test]
fn options_are_decoded_at_compile_time() {
    let mut m = spied::Spied::new();
    m.invoke();
    let (alpha, offset, tag, raw) = SEEN.get().expect("the function ran");
    assert_eq!((alpha, offset, tag), (0.75, 3, "kiln"));
    assert!(raw > 0);
}
