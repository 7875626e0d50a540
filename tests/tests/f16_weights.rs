//! float16 weights (the converter's float16 mode: float16 constants + DEQUANTIZE ops), compiled
//! both ways: folded to f32 at compile time (the default, in `zoo.rs`) and kept as float16 in
//! flash (`f16 = "keep"`, kernels widen each weight as they read it). Widening is exact, so both
//! must reproduce the oracle's outputs (LiteRT's reference kernels; TFLM cannot run these models)
//! bit for bit, and keeping must halve the bytes of the filters it keeps.

use std::path::PathBuf;

use kiln_codegen::{analyze_with, F16Weights, Operand};

fn golden(stem: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden").join(stem)
}

mod conv {
    kiln::include_model!("fixtures/zoo/conv_s1_same_f16.tflite", name = Net, f16 = "keep");
}
mod dwconv {
    kiln::include_model!("fixtures/zoo/dwconv_mult2_f16.tflite", name = Net, f16 = "keep");
}
mod digits {
    kiln::include_model!("fixtures/zoo/digits_f16.tflite", name = Net, f16 = "keep");
}

#[test]
fn kept_float16_conv_matches_oracle() {
    kiln_tests::assert_bit_exact::<conv::Net>(golden("conv_s1_same_f16"), 200);
}

#[test]
fn kept_float16_depthwise_conv_matches_oracle() {
    kiln_tests::assert_bit_exact::<dwconv::Net>(golden("dwconv_mult2_f16"), 200);
}

#[test]
fn kept_float16_digits_cnn_matches_oracle() {
    kiln_tests::assert_bit_exact::<digits::Net>(golden("digits_f16"), 200);
}

/// Bytes of the constant operands the compiled steps read (filters and constant inputs), the
/// kernels called and the arena size.
fn const_operand_bytes(stem: &str, mode: F16Weights) -> (usize, Vec<&'static str>, usize) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/zoo/{stem}.tflite"));
    let a = analyze_with(stem, &std::fs::read(path).unwrap(), mode).unwrap();
    let mut bytes = 0;
    let mut funcs = Vec::new();
    for s in &a.steps {
        for o in &s.operands {
            if let Operand::Const(t) = *o {
                bytes += a.graph.tensors[t].bytes();
            }
        }
        if let kiln_codegen::Call::Params { func, .. } = s.call {
            funcs.push(func);
        }
    }
    (bytes, funcs, a.plan.size)
}

#[test]
fn keeping_float16_halves_the_filter_bytes() {
    for stem in ["conv_s1_same_f16", "dwconv_mult2_f16", "digits_f16"] {
        let (fold, fold_funcs, fold_arena) = const_operand_bytes(stem, F16Weights::Fold);
        let (keep, keep_funcs, keep_arena) = const_operand_bytes(stem, F16Weights::Keep);
        // Kept weights are read in place: no DEQUANTIZE output takes arena space.
        assert_eq!(fold_arena, keep_arena, "{stem}: arena {fold_arena} B folded vs {keep_arena} B kept");
        eprintln!("{stem}: filters {fold} B folded, {keep} B kept as float16 ({fold_funcs:?} vs {keep_funcs:?})");
        assert!(fold > 0 && keep * 2 == fold, "{stem}: {fold} B folded vs {keep} B kept");
        assert!(fold_funcs.iter().all(|f| !f.ends_with("_f16w")), "{stem}: {fold_funcs:?}");
        assert!(keep_funcs.iter().any(|f| f.ends_with("_f16w")), "{stem}: {keep_funcs:?}");
    }
}
