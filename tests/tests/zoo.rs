//! Every zoo model (`tests/fixtures/zoo/*.tflite`, built by `tests/scripts/make_zoo.py`) is
//! compiled through `include_model!` and must reproduce the TFLM interpreter's outputs
//! element for element on every recorded input.

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Bit-exact on every golden input, and an arena no larger than TFLM's tensor area.
fn assert_zoo_model<M: kiln::Model + Default>(stem: &str) {
    let dir = fixtures().join("golden").join(stem);
    kiln_tests::assert_bit_exact::<M>(&dir, 200);
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    // Models TFLM cannot run (float16 weights, dynamic range; oracle LiteRT-ref) have no TFLM
    // arena figure: kiln's arena must then fit all non-constant tensors without reuse.
    let (head, what) = match meta["tflm_arena_head_bytes"].as_u64() {
        Some(head) => (head as usize, "TFLM tensor arena"),
        None => (
            meta["activation_bytes_no_reuse"].as_u64().expect("meta.json has tflm_arena_head_bytes or activation_bytes_no_reuse")
                as usize,
            "all non-constant tensors",
        ),
    };
    eprintln!("{stem}: ARENA_BYTES {} vs {what} {head}", M::ARENA_BYTES);
    // The model is its arena (16-byte aligned) and its state: no output fields, no copies.
    let size = (M::ARENA_BYTES.next_multiple_of(16) + M::STATE_BYTES).next_multiple_of(16);
    assert_eq!(std::mem::size_of::<M>(), size, "{stem}: size_of vs ARENA_BYTES {} + STATE_BYTES {}", M::ARENA_BYTES, M::STATE_BYTES);
    assert!(M::ARENA_BYTES <= head, "{stem}: kiln arena {} exceeds {what} ({head})", M::ARENA_BYTES);
}

include!(concat!(env!("OUT_DIR"), "/zoo_tests.rs"));

/// The digits CNN on the held-out split of scikit-learn's digits: outputs equal TFLM's, on the
/// typed zero-copy path (`input_mut`, `invoke`, `output`).
#[test]
fn digits_test_split_matches_tflm() {
    use digits_int8::Net;
    let dir = fixtures().join("digits");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("missing {f} ({e})"));
    let (inputs, labels, tflm) = (read("test_input0.bin"), read("test_labels.bin"), read("test_output0.bin"));
    let n = labels.len();
    let mut model = Net::new();
    let (in_len, out_len) = (model.input_mut().len(), model.output().len());
    assert!(n > 300 && inputs.len() == n * in_len && tflm.len() == n * out_len);
    for i in 0..n {
        for (x, &b) in model.input_mut().iter_mut().zip(&inputs[i * in_len..]) {
            *x = b as i8;
        }
        model.invoke();
        let want: Vec<i8> = tflm[i * out_len..(i + 1) * out_len].iter().map(|&b| b as i8).collect();
        assert_eq!(model.output().as_slice(), want, "digit sample {i}");
    }
}

/// Every golden sample of a one-input, one-output int8 zoo model through the typed zero-copy
/// path, element by element against the oracle.
macro_rules! typed_int8 {
    ($($stem:ident),* $(,)?) => {$(
        {
            use $stem::Net;
            let golden = kiln_tests::Golden::load::<Net>(fixtures().join("golden").join(stringify!($stem)));
            let mut model = Box::new(Net::new());
            let (n_in, n_out) = (model.input_mut().len(), model.output().len());
            for s in 0..golden.samples {
                for (x, &b) in model.input_mut().iter_mut().zip(&golden.inputs[0][s * n_in..(s + 1) * n_in]) {
                    *x = b as i8;
                }
                model.invoke();
                let want: Vec<i8> = golden.outputs[0][s * n_out..(s + 1) * n_out].iter().map(|&b| b as i8).collect();
                assert_eq!(model.output().as_slice(), want, "{} sample {s}", stringify!($stem));
            }
            assert!(golden.samples >= 200);
        }
    )*};
}

#[test]
fn int8_models_match_the_oracle_on_the_typed_zero_copy_path() {
    typed_int8!(digits_int8, conv_valid, dwconv_s1, avgpool_valid, conv_s1_same, mobilenet_v2_035_96);
}

/// Two models of different sizes take turns in one caller-owned arena as large as the larger:
/// each computes what it computes in its own arena.
#[test]
fn models_take_turns_in_one_shared_arena() {
    use conv_valid::Net as Conv;
    use digits_int8::Net as Digits;
    const BYTES: usize = if Conv::ARENA_BYTES > Digits::ARENA_BYTES { Conv::ARENA_BYTES } else { Digits::ARENA_BYTES };
    let mut arena = kiln::Aligned([0u8; BYTES]);
    let (mut conv, mut digits) = (Conv::new(), Digits::new());
    for s in 0..8i8 {
        let x: [i8; 400] = std::array::from_fn(|i| (i as i8).wrapping_mul(s));
        let y: [i8; 64] = std::array::from_fn(|i| (i as i8).wrapping_sub(s * 9));
        *Conv::input_in(&mut arena) = x;
        Conv::invoke_in(&mut arena);
        assert_eq!(Conv::output_in(&arena), conv.run(&x), "conv_valid, round {s}");
        *Digits::input_in(&mut arena) = y;
        Digits::invoke_in(&mut arena);
        assert_eq!(Digits::output_in(&arena), digits.run(&y), "digits_int8, round {s}");
    }
}
