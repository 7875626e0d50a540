//! The 127 int16 single-op models TFLM ships as kernel tests (`../shared/models/tflm-int16-ops`):
//! each compiled through `include_model!` and compared element by element with TFLM on 200
//! random inputs, and its arena checked against TFLM's. `tests/scripts/shared_goldens.sh`
//! writes the goldens.

use kiln_shared_models::goldens_dir;

fn assert_int16_model<M: kiln::Model + Default>(stem: &str) {
    let dir = goldens_dir().join("int16").join(stem);
    kiln_tests::assert_bit_exact::<M>(&dir, 200);
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    let head = meta["tflm_arena_head_bytes"].as_u64().expect("meta.json has tflm_arena_head_bytes") as usize;
    assert!(M::ARENA_BYTES <= head, "{stem}: kiln arena {} exceeds TFLM's {head}", M::ARENA_BYTES);
}

include!(concat!(env!("OUT_DIR"), "/int16_tests.rs"));

/// All 127 are compiled unless `KILN_INT16_OPS` narrows the suite on purpose.
#[test]
fn every_model_is_in_the_suite() {
    if std::env::var_os("KILN_INT16_OPS").is_none() {
        assert_eq!(MODELS, 127);
    }
}
