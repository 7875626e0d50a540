//! Real TFLM example models: compiled through `include_model!`, compared element by element
//! with the TFLM interpreter on ≥ 200 random inputs each.
//!
//! If this fails to *compile* with "cannot read the model file", `../shared` is missing: the
//! suite needs the shared model directory beside the repository, as in CI.

use kiln::Model;
use kiln_shared_models::goldens_dir;
use kiln_tests::assert_bit_exact;

kiln::include_model!("../../../shared/models/tflm/hello_world_int8.tflite");
kiln::include_model!("../../../shared/models/tflm/hello_world_float.tflite");
kiln::include_model!("../../../shared/models/tflm/micro_speech_quantized.tflite", name = MicroSpeech);
kiln::include_model!("../../../shared/models/tflm/person_detect.tflite");
kiln::include_model!("../../../shared/models/tflm/simple_add_model.tflite");
kiln::include_model!("../../../shared/models/tflm/test_conv_model.tflite");
kiln::include_model!("../../../shared/models/tflm/trained_lstm_int8.tflite");
kiln::include_model!("../../../shared/models/tflm/trained_lstm.tflite");
kiln::include_model!("../../../shared/models/tflm/keyword_scrambled.tflite");

#[test]
fn hello_world_int8_matches_tflm() {
    assert_bit_exact::<HelloWorldInt8>(goldens_dir().join("hello_world_int8"), 200);
}

/// The float32 hello_world (three FULLY_CONNECTED layers): bit-exact with TFLM's float kernels.
#[test]
fn hello_world_float_matches_tflm() {
    assert_bit_exact::<HelloWorldFloat>(goldens_dir().join("hello_world_float"), 200);
}

#[test]
fn micro_speech_matches_tflm() {
    assert_bit_exact::<MicroSpeech>(goldens_dir().join("micro_speech_quantized"), 200);
}

#[test]
fn person_detect_matches_tflm() {
    assert_bit_exact::<PersonDetect>(goldens_dir().join("person_detect"), 200);
}

#[test]
fn simple_add_model_matches_tflm() {
    assert_bit_exact::<SimpleAddModel>(goldens_dir().join("simple_add_model"), 200);
}

#[test]
fn test_conv_model_matches_tflm() {
    assert_bit_exact::<TestConvModel>(goldens_dir().join("test_conv_model"), 200);
}

/// An LSTM over 28 time steps with int16 cell state; its hidden and cell state also carry from
/// one call to the next (TFLM does not reset variables between invocations), so the 200
/// goldens are one long sequence.
#[test]
fn trained_lstm_int8_matches_tflm() {
    assert_bit_exact::<TrainedLstmInt8>(goldens_dir().join("trained_lstm_int8"), 200);
}

/// The float32 LSTM (then FULLY_CONNECTED and SOFTMAX), its state carried across the 200
/// calls; bit for bit, since kiln's LSTM computes tanhf and expf exactly as glibc does.
#[test]
fn trained_lstm_float_matches_tflm() {
    assert_bit_exact::<TrainedLstm>(goldens_dir().join("trained_lstm"), 200);
}

/// TFLM's keyword model with seven SVDF layers (int16 state): their state carries across the
/// 200 calls (one interpreter, as in TFLM), so the goldens are one long sequence.
#[test]
fn keyword_scrambled_matches_tflm() {
    assert_bit_exact::<KeywordScrambled>(goldens_dir().join("keyword_scrambled"), 200);
}

/// TFLM's person_detection example: on the bundled photos the right class must win, and
/// kiln's scores must equal TFLM's.
#[test]
fn person_detect_classifies_the_bundled_images() {
    const NO_PERSON: usize = 0;
    const PERSON: usize = 1;
    let dir = goldens_dir().join("person_detect/images");
    let mut model = Box::new(PersonDetect::new());
    for (image, winner, loser) in [("person", PERSON, NO_PERSON), ("no_person", NO_PERSON, PERSON)] {
        let read = |suffix: &str| {
            let p = dir.join(format!("{image}.{suffix}.bin"));
            std::fs::read(&p).unwrap_or_else(|e| panic!("missing {} ({e}); see .ci/run", p.display()))
        };
        let input: [i8; 96 * 96] = read("input0").iter().map(|&b| b as i8).collect::<Vec<_>>().try_into().unwrap();
        let tflm: Vec<i8> = read("output0").iter().map(|&b| b as i8).collect();
        let out = model.run(&input);
        assert_eq!(out.as_slice(), tflm.as_slice(), "{image}.bmp: kiln and TFLM scores differ");
        assert!(out[winner] > out[loser], "{image}.bmp: scores {out:?} pick the wrong class");
        eprintln!("{image}.bmp: person {} no-person {} (TFLM {tflm:?})", out[PERSON], out[NO_PERSON]);
    }
}

/// Prints each model's `ARENA_BYTES` beside the liveness lower bound and TFLM's own figures
/// (`print_allocations`: head = tensor data, total = head + interpreter metadata), and checks
/// kiln never needs more than TFLM's tensor area.
#[test]
fn arena_report() {
    fn row<M: Model>(name: &str, arena: usize, lower: usize) {
        let meta_path = goldens_dir().join(name).join("meta.json");
        let meta: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&meta_path).unwrap_or_else(|e| panic!("missing {} ({e})", meta_path.display())),
        )
        .unwrap();
        let field = |k: &str| meta[k].as_u64().unwrap_or_else(|| panic!("meta.json lacks {k}")) as usize;
        let (tflm, head) = (field("tflm_arena_bytes"), field("tflm_arena_head_bytes"));
        eprintln!(
            "{name:<24} {arena:>8} {lower:>12} {head:>15} {tflm:>16}"
        );
        assert_eq!(arena, M::ARENA_BYTES);
        // kiln's arena holds only tensor data: it can be no larger than TFLM's tensor area (head).
        assert!(lower <= arena && arena <= head, "{name}: arena {arena} vs lower bound {lower}, TFLM head {head}");
    }
    eprintln!("{:<24} {:>8} {:>12} {:>15} {:>16}", "model", "kiln", "lower bound", "TFLM head", "TFLM total");
    row::<HelloWorldInt8>("hello_world_int8", HelloWorldInt8::ARENA_BYTES, HelloWorldInt8::ARENA_LOWER_BOUND);
    row::<HelloWorldFloat>("hello_world_float", HelloWorldFloat::ARENA_BYTES, HelloWorldFloat::ARENA_LOWER_BOUND);
    row::<MicroSpeech>("micro_speech_quantized", MicroSpeech::ARENA_BYTES, MicroSpeech::ARENA_LOWER_BOUND);
    row::<PersonDetect>("person_detect", PersonDetect::ARENA_BYTES, PersonDetect::ARENA_LOWER_BOUND);
    row::<SimpleAddModel>("simple_add_model", SimpleAddModel::ARENA_BYTES, SimpleAddModel::ARENA_LOWER_BOUND);
    row::<TestConvModel>("test_conv_model", TestConvModel::ARENA_BYTES, TestConvModel::ARENA_LOWER_BOUND);
    row::<TrainedLstmInt8>("trained_lstm_int8", TrainedLstmInt8::ARENA_BYTES, TrainedLstmInt8::ARENA_LOWER_BOUND);
    row::<KeywordScrambled>("keyword_scrambled", KeywordScrambled::ARENA_BYTES, KeywordScrambled::ARENA_LOWER_BOUND);
    row::<TrainedLstm>("trained_lstm", TrainedLstm::ARENA_BYTES, TrainedLstm::ARENA_LOWER_BOUND);
}
