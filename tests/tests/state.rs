//! The state API of models with variable tensors (SVDF, LSTM): state carries from one `run` to
//! the next exactly as in TFLM, `reset()` restores the initial state, and `invoke_in` with a
//! caller-kept state is the same computation. The golden files are the TFLM sequences the
//! zoo test checks element by element.

use std::path::PathBuf;

use kiln::Model;
use kiln_tests::Golden;

mod svdf {
    kiln::include_model!("fixtures/zoo/svdf_int8_state.tflite", name = Net);
}
mod lstm {
    kiln::include_model!("fixtures/zoo/unidirectional_sequence_lstm_batches.tflite", name = Net);
}

fn golden<M: Model>(stem: &str) -> Golden {
    Golden::load::<M>(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden").join(stem))
}

/// Runs samples `range` of the golden inputs through `model`, returning the output bytes.
fn run<M: Model>(model: &mut M, g: &Golden, range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    let (n_in, n_out) = (M::INPUTS[0].byte_len(), M::OUTPUTS[0].byte_len());
    range
        .map(|s| {
            let mut out = vec![0u8; n_out];
            model.run_bytes(&[&g.inputs[0][s * n_in..(s + 1) * n_in]], &mut [&mut out]).unwrap();
            out
        })
        .collect()
}

fn tflm<M: Model>(g: &Golden, range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    let n = M::OUTPUTS[0].byte_len();
    range.map(|s| g.outputs[0][s * n..(s + 1) * n].to_vec()).collect()
}

/// Fresh model ≡ TFLM's sequence; after `reset` the sequence starts over identically.
fn reset_restarts_the_sequence<M: Model + Default>(stem: &str, reset: fn(&mut M)) {
    let g = golden::<M>(stem);
    let mut m = M::default();
    assert_eq!(run(&mut m, &g, 0..50), tflm::<M>(&g, 0..50), "{stem}: fresh sequence");
    reset(&mut m);
    assert_eq!(run(&mut m, &g, 0..50), tflm::<M>(&g, 0..50), "{stem}: sequence after reset");
}

/// The state matters: skipping the first samples changes later outputs (otherwise the golden
/// sequence would not test the state at all).
fn history_changes_outputs<M: Model + Default>(stem: &str) {
    let g = golden::<M>(stem);
    let mut m = M::default();
    let skipped = run(&mut m, &g, 10..20);
    let differing = skipped.iter().zip(tflm::<M>(&g, 10..20)).filter(|(a, b)| **a != *b).count();
    assert!(differing > 0, "{stem}: outputs do not depend on earlier inputs");
}

#[test]
fn svdf_reset_restarts_the_sequence() {
    reset_restarts_the_sequence::<svdf::Net>("svdf_int8_state", svdf::Net::reset);
}

#[test]
fn lstm_reset_restarts_the_sequence() {
    reset_restarts_the_sequence::<lstm::Net>("unidirectional_sequence_lstm_batches", lstm::Net::reset);
}

/// Generic harnesses reset through the `kiln::Model` trait and see the state size there too.
#[test]
fn model_trait_reset_and_state_bytes() {
    reset_restarts_the_sequence::<lstm::Net>("unidirectional_sequence_lstm_batches", <lstm::Net as Model>::reset);
    assert_eq!(<svdf::Net as Model>::STATE_BYTES, svdf::Net::STATE_BYTES);
    assert!(<lstm::Net as Model>::STATE_BYTES > 0);
}

#[test]
fn svdf_and_lstm_outputs_depend_on_history() {
    history_changes_outputs::<svdf::Net>("svdf_int8_state");
    history_changes_outputs::<lstm::Net>("unidirectional_sequence_lstm_batches");
}

/// TFLM starts an int8 variable at its zero point (7 here) and int16 ones at 0.
#[test]
fn initial_state_is_tflms() {
    assert_eq!(svdf::Net::INITIAL_STATE, [7u8; svdf::Net::STATE_BYTES]);
    // LSTM: hidden int8 [3, 5] at zero point −5, then the int16 cell state [3, 5] at 0.
    let mut want = vec![(-5i8) as u8; 15];
    want.extend([0u8; 30]);
    assert_eq!(lstm::Net::INITIAL_STATE.as_slice(), want.as_slice());
}

/// The zero-copy path in a caller-kept arena and state (`input_in`, `invoke_in`, `output_in`)
/// computes exactly what `run` does; the arena is larger than the model needs, as one shared
/// by several models is.
#[test]
fn caller_arena_and_state_match_run() {
    let g = golden::<lstm::Net>("unidirectional_sequence_lstm_batches");
    let mut arena = kiln::Aligned([0u8; lstm::Net::ARENA_BYTES + 40]);
    let mut state = lstm::Net::INITIAL_STATE;
    let mut model = lstm::Net::new();
    for s in 0..20 {
        let x: [i8; 72] = std::array::from_fn(|i| g.inputs[0][s * 72 + i] as i8);
        *lstm::Net::input_in(&mut arena) = x;
        lstm::Net::invoke_in(&mut arena, &mut state);
        assert_eq!(lstm::Net::output_in(&arena), model.run(&x), "sample {s}");
    }
}

/// A stateful model is its arena and its state, nothing else (up to the arena's 16-byte
/// alignment).
#[test]
fn stateful_model_size_is_arena_plus_state() {
    use kiln::Model;
    fn check<M: Model>() {
        let want = (M::ARENA_BYTES.next_multiple_of(16) + M::STATE_BYTES).next_multiple_of(16);
        assert_eq!(std::mem::size_of::<M>(), want, "ARENA_BYTES {} STATE_BYTES {}", M::ARENA_BYTES, M::STATE_BYTES);
    }
    check::<lstm::Net>();
    check::<svdf::Net>();
}

/// Zoo models with one defect each (`make_state_models.py` writes them): a specific message,
/// never a panic and never a model.
#[test]
fn defective_stateful_models_are_rejected_by_name() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/state_errors");
    for (stem, want) in [
        ("init_subgraph_computes", "subgraph 1 op #0 ADD: kiln runs CALL_ONCE init subgraphs that only assign constants"),
        ("extra_subgraph_without_call_once", "the model has 2 subgraphs; kiln compiles extra subgraphs only as IF/WHILE branches and loops"),
        ("variable_never_initialised", "op #2 VAR_HANDLE: variable `Variable` is never initialised by CALL_ONCE"),
        ("svdf_state_not_variable", "op #0 SVDF reads tensor #4 `state` before any op writes it"),
        ("lstm_with_peephole", "op #0 UNIDIRECTIONAL_SEQUENCE_LSTM: LSTM with peephole weights (input 10)"),
    ] {
        let file = format!("{stem}.tflite");
        let bytes = std::fs::read(dir.join(&file)).unwrap_or_else(|e| panic!("missing {file} ({e})"));
        match kiln_codegen::compile(&file, &bytes, &Default::default()) {
            Ok(_) => panic!("{stem}: compiled"),
            Err(e) => assert!(e.to_string().contains(want), "{stem}: `{e}` lacks `{want}`"),
        }
    }
}
