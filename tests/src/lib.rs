//! Golden-output harness: runs a kiln model over inputs recorded by
//! `tests/scripts/make_goldens.py` and compares every output element with what the oracle
//! produced: the TFLM interpreter, or for models TFLM cannot run (float16 weights,
//! dynamic-range) LiteRT's reference kernels (`meta.json` "oracle"). Missing fixtures are a loud
//! failure, never a skip.

use std::path::{Path, PathBuf};

use kiln::Model;

/// Oracle inputs and outputs of one model (`<dir>/input<k>.bin`, `<dir>/output<k>.bin`).
pub struct Golden {
    pub dir: PathBuf,
    pub samples: usize,
    pub inputs: Vec<Vec<u8>>,
    pub outputs: Vec<Vec<u8>>,
    pub meta: serde_json::Value,
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "missing golden file {} ({e}); regenerate with tests/scripts/make_fixtures.sh \
             (or, for ../shared models, the command in .ci/run)",
            path.display()
        )
    })
}

impl Golden {
    /// Loads the goldens for model `M`, checking sizes against the model's own tensor table.
    pub fn load<M: Model>(dir: impl AsRef<Path>) -> Golden {
        let dir = dir.as_ref().to_path_buf();
        let meta: serde_json::Value = serde_json::from_slice(&read(&dir.join("meta.json")))
            .unwrap_or_else(|e| panic!("{}: bad meta.json: {e}", dir.display()));
        let load = |prefix: &str, infos: &[kiln::TensorInfo]| -> (Vec<Vec<u8>>, usize) {
            let mut samples = None;
            let files: Vec<Vec<u8>> = infos
                .iter()
                .enumerate()
                .map(|(k, info)| {
                    let path = dir.join(format!("{prefix}{k}.bin"));
                    let bytes = read(&path);
                    let per = info.byte_len();
                    assert!(
                        per > 0 && !bytes.is_empty() && bytes.len() % per == 0,
                        "{}: {} bytes is not a whole number of {per}-byte samples",
                        path.display(),
                        bytes.len()
                    );
                    let n = bytes.len() / per;
                    assert!(samples.is_none_or(|s| s == n), "{}: sample count differs between files", path.display());
                    samples = Some(n);
                    bytes
                })
                .collect();
            (files, samples.unwrap_or(0))
        };
        let (inputs, n_in) = load("input", M::INPUTS);
        let (outputs, n_out) = load("output", M::OUTPUTS);
        assert_eq!(n_in, n_out, "{}: input and output sample counts differ", dir.display());
        Golden { dir, samples: n_in, inputs, outputs, meta }
    }

    /// Which interpreter produced the outputs: `tflm`, or `litert-ref (…)` for models TFLM
    /// cannot run. Goldens written before the field existed are TFLM's.
    pub fn oracle(&self) -> &str {
        self.meta["oracle"].as_str().unwrap_or("tflm")
    }
}

/// One differing output element.
#[derive(Debug)]
pub struct Mismatch {
    pub sample: usize,
    pub output: usize,
    pub element: usize,
    pub expected: String,
    pub got: String,
}

fn element(bytes: &[u8], dtype: kiln::DType) -> String {
    match dtype {
        kiln::DType::Int8 => (bytes[0] as i8).to_string(),
        kiln::DType::UInt8 => bytes[0].to_string(),
        kiln::DType::Int16 => i16::from_le_bytes([bytes[0], bytes[1]]).to_string(),
        kiln::DType::Int32 => i32::from_le_bytes(bytes.try_into().unwrap()).to_string(),
        kiln::DType::Int64 => i64::from_le_bytes(bytes.try_into().unwrap()).to_string(),
        kiln::DType::UInt32 => u32::from_le_bytes(bytes.try_into().unwrap()).to_string(),
        kiln::DType::UInt64 => u64::from_le_bytes(bytes.try_into().unwrap()).to_string(),
        kiln::DType::Float32 => f32::from_le_bytes(bytes.try_into().unwrap()).to_string(),
        kiln::DType::Bool => (bytes[0] != 0).to_string(),
    }
}

/// Runs every golden sample through `model` on the zero-copy path (inputs written into the
/// arena, `invoke`, outputs read where the model left them); returns (elements compared,
/// mismatches).
pub fn compare<M: Model>(model: &mut M, golden: &Golden) -> (usize, Vec<Mismatch>) {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for s in 0..golden.samples {
        for (i, (info, data)) in M::INPUTS.iter().zip(&golden.inputs).enumerate() {
            let input = model.input_bytes_mut(i).expect("one arena view per input");
            input.copy_from_slice(&data[s * info.byte_len()..(s + 1) * info.byte_len()]);
        }
        model.invoke();
        for (k, info) in M::OUTPUTS.iter().enumerate() {
            let size = info.dtype.size();
            let want = &golden.outputs[k][s * info.byte_len()..(s + 1) * info.byte_len()];
            let got = model.output_bytes(k).expect("one arena view per output");
            assert_eq!(got.len(), want.len(), "output {k} has the golden's size");
            for (e, (w, g)) in want.chunks_exact(size).zip(got.chunks_exact(size)).enumerate() {
                compared += 1;
                if w != g {
                    mismatches.push(Mismatch {
                        sample: s,
                        output: k,
                        element: e,
                        expected: element(w, info.dtype),
                        got: element(g, info.dtype),
                    });
                }
            }
        }
    }
    (compared, mismatches)
}

/// Asserts that `M` reproduces every golden output element exactly.
pub fn assert_bit_exact<M: Model + Default>(dir: impl AsRef<Path>, min_samples: usize) {
    let golden = Golden::load::<M>(dir);
    assert!(
        golden.samples >= min_samples,
        "{}: only {} golden samples, need at least {min_samples}",
        golden.dir.display(),
        golden.samples
    );
    let mut model = Box::<M>::default();
    let (compared, bad) = compare(&mut *model, &golden);
    assert!(compared > 0, "{}: nothing compared", golden.dir.display());
    if !bad.is_empty() {
        let shown: Vec<String> = bad
            .iter()
            .take(8)
            .map(|m| format!("sample {} output {} [{}]: oracle {} kiln {}", m.sample, m.output, m.element, m.expected, m.got))
            .collect();
        panic!(
            "{}: {} of {compared} output elements differ from {}:\n  {}",
            golden.dir.display(),
            bad.len(),
            golden.oracle(),
            shown.join("\n  ")
        );
    }
    eprintln!("{}: {} samples, {compared} elements, 0 differ ({})", golden.dir.display(), golden.samples, golden.oracle());
}
