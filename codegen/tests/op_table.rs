//! The README's op table is the registry's: regenerate it with
//! `KILN_BLESS=1 cargo test -p kiln-codegen --test op_table`.

use std::path::PathBuf;

const BEGIN: &str = "<!-- op-table:begin -->\n";
const END: &str = "<!-- op-table:end -->";

#[test]
fn readme_op_table_matches_the_registry() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(BEGIN).expect("README.md has no op-table:begin marker") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("README.md has no op-table:end marker");
    let table = kiln_codegen::op_table::op_table_markdown();
    if std::env::var_os("KILN_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == table,
        "README.md's op table differs from the registry; run KILN_BLESS=1 cargo test -p kiln-codegen --test op_table\n\
         --- README ---\n{}\n--- registry ---\n{table}",
        &readme[start..end]
    );
}

/// Every registry entry names a real TFLite builtin op, once per type, or one of the custom ops
/// TFLite and TFLM themselves ship (by the custom code their converters write).
#[test]
fn registry_names_real_builtin_ops() {
    const TFLITE_CUSTOM_OPS: &[&str] = &[
        "CUSTOM(TFLite_Detection_PostProcess)",
        // TFLM's signal library (signal/micro/kernels), registered by its Python interpreter.
        "CUSTOM(SignalWindow)",
        "CUSTOM(SignalRfft)",
        "CUSTOM(SignalIrfft)",
        "CUSTOM(SignalEnergy)",
        "CUSTOM(SignalFilterBank)",
        "CUSTOM(SignalFilterBankSquareRoot)",
        "CUSTOM(SignalFilterBankSpectralSubtraction)",
        "CUSTOM(SignalPCAN)",
        "CUSTOM(SignalFilterBankLog)",
        "CUSTOM(SignalFftAutoScale)",
        "CUSTOM(SignalDelay)",
        "CUSTOM(SignalOverlapAdd)",
        "CUSTOM(SignalFramer)",
        "CUSTOM(SignalStacker)",
        // TFLM's old streaming-convolution op (kernels/circular_buffer.cc).
        "CUSTOM(CIRCULAR_BUFFER)",
    ];
    let ops = kiln_codegen::op_table::supported_ops();
    assert!(ops.len() >= 16, "registry lost ops: {ops:?}");
    for op in ops.keys().filter(|op| !TFLITE_CUSTOM_OPS.contains(op)) {
        assert!(
            kiln_codegen::schema::BuiltinOperator::ENUM_VALUES.iter().any(|v| v.variant_name() == Some(op)),
            "{op} is not a TFLite builtin op name"
        );
    }
}

/// Every ✓ in the table is exercised by a committed zoo model (whose TFLM or LiteRT goldens the
/// zoo tests compare element by element), or is listed here with the suite that covers it.
#[test]
fn every_table_entry_has_a_zoo_model() {
    use std::collections::BTreeSet;
    // Covered by the suites over ../shared (tests/shared-models), not by a zoo model.
    const SHARED_ONLY: &[(&str, &str)] = &[("QUANTIZE", "int32")]; // tflm-int16-ops/quantize/quantize1
    // The converter mostly turns these into RESHAPE (only int8 EXPAND_DIMS appears, in
    // dynamic_length_conv1d); they are RESHAPE's code (the output aliases the input's bytes),
    // which the zoo checks in all three types.
    const RESHAPE_ALIASES: [&str; 2] = ["SQUEEZE", "EXPAND_DIMS"];
    let zoo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo");
    // Models with a dynamic input are compiled for the shape make_zoo.py recorded.
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(zoo.join("manifest.json")).unwrap()).unwrap();
    let mut covered = BTreeSet::new();
    // Also the detection post-processing models outside the zoo (LiteRT-ref goldens, checked
    // element by element by tests/tests/detection.rs; the zoo's arena bound does not fit them)
    // and TFLM's signal ops (TFLM goldens, tests/tests/signal.rs).
    let detection = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/detection");
    // And the uint8 legacy models (LiteRT-ref goldens, tests/tests/uint8.rs).
    let uint8 = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/uint8");
    let signal = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/signal");
    let entries = std::fs::read_dir(&zoo)
        .expect("tests/fixtures/zoo")
        .chain(std::fs::read_dir(&detection).expect("tests/fixtures/detection"))
        .chain(std::fs::read_dir(&uint8).expect("tests/fixtures/uint8"))
        .chain(std::fs::read_dir(&signal).expect("tests/fixtures/signal"));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tflite") {
            let bytes = std::fs::read(&path).unwrap();
            let label = path.display().to_string();
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let input_shape: Option<Vec<usize>> = manifest["models"][stem]["input_shape"]
                .as_array()
                .map(|dims| dims.iter().map(|d| d.as_u64().unwrap() as usize).collect());
            let kernels = kiln_codegen::op_table::kernels_in_model(&label, &bytes, input_shape.as_deref());
            for (op, dtype) in kernels.unwrap_or_else(|e| panic!("{e}")) {
                covered.insert((op, dtype.name()));
            }
        }
    }
    let mut missing = Vec::new();
    for (op, types) in kiln_codegen::op_table::supported_ops() {
        for d in types {
            let key = (op.to_string(), d.name());
            let alias_of_reshape = RESHAPE_ALIASES.contains(&op) && covered.contains(&("RESHAPE".to_string(), d.name()));
            if !covered.contains(&key) && !SHARED_ONLY.contains(&(op, d.name())) && !alias_of_reshape {
                missing.push(format!("{op} {}", d.name()));
            }
        }
    }
    assert!(missing.is_empty(), "registry entries without a zoo model: {missing:?}");
}
