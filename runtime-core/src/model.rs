//! Types shared by every generated model.

/// 16-byte alignment: constant weight data (wide loads never straddle lines) and every model's
/// arena, so inputs and outputs of any element type can be viewed in place.
///
/// A caller-owned arena is `Aligned([0u8; N])` with `N` at least the model's `ARENA_BYTES`;
/// one such arena, as large as the largest, can serve several models in turn.
#[repr(C, align(16))]
pub struct Aligned<T: ?Sized>(pub T);

impl<const N: usize> Aligned<[u8; N]> {
    /// The first `M` bytes: a model's arena (`M` its `ARENA_BYTES`) in a caller-owned one.
    /// A compile-time error if the arena is smaller.
    #[inline(always)]
    pub fn prefix<const M: usize>(&self) -> &[u8; M] {
        const { assert!(M <= N, "the arena is smaller than the model's ARENA_BYTES") };
        match self.0.first_chunk::<M>() {
            Some(prefix) => prefix,
            None => unreachable!(),
        }
    }

    /// [`prefix`](Self::prefix), mutable.
    #[inline(always)]
    pub fn prefix_mut<const M: usize>(&mut self) -> &mut [u8; M] {
        const { assert!(M <= N, "the arena is smaller than the model's ARENA_BYTES") };
        match self.0.first_chunk_mut::<M>() {
            Some(prefix) => prefix,
            None => unreachable!(),
        }
    }
}

/// Element type of a model's input or output tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// int8.
    Int8,
    /// uint8.
    UInt8,
    /// int16.
    Int16,
    /// int32.
    Int32,
    /// int64.
    Int64,
    /// uint32 (TFLM signal ops' energies and filter-bank channels).
    UInt32,
    /// uint64 (TFLM's SignalFilterBank sums).
    UInt64,
    /// float32 (IEEE binary32).
    Float32,
    /// One byte per element, 0 or 1 (TFLite's bool).
    Bool,
}

impl DType {
    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            DType::Int8 | DType::UInt8 | DType::Bool => 1,
            DType::Int16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 => 8,
        }
    }
}

/// Static description of one model input or output.
#[derive(Clone, Copy, Debug)]
pub struct TensorInfo {
    /// Tensor name in the `.tflite` file.
    pub name: &'static str,
    /// Dimensions, outermost first.
    pub shape: &'static [usize],
    /// Element type.
    pub dtype: DType,
    /// Affine quantization (`real = scale * (q - zero_point)`); `scale == 0.0` when unquantized.
    pub scale: f32,
    /// Zero point of the affine quantization; 0 when unquantized.
    pub zero_point: i32,
}

impl TensorInfo {
    /// Number of elements.
    pub const fn len(&self) -> usize {
        let mut n = 1;
        let mut i = 0;
        while i < self.shape.len() {
            n *= self.shape[i];
            i += 1;
        }
        n
    }

    /// Size in bytes (little-endian element encoding).
    pub const fn byte_len(&self) -> usize {
        self.len() * self.dtype.size()
    }

    /// Whether the tensor has no elements (a zero dimension).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why [`Model::run_bytes`] refused its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunError {
    /// Wrong number of input or output buffers.
    TensorCount {
        /// How many the model has.
        expected: usize,
        /// How many were passed.
        got: usize,
    },
    /// Buffer `index` (input or output) has the wrong byte length.
    ByteLength {
        /// An output buffer (else an input).
        output: bool,
        /// Which input or output.
        index: usize,
        /// Its size in bytes.
        expected: usize,
        /// The length of the buffer passed.
        got: usize,
    },
}

/// Dtype-erased access to a generated model, for generic harnesses (golden checks,
/// benchmarks, firmware test loops). The typed `input_mut` / `invoke` / `output` on each model
/// are the primary API; this is the same zero-copy path over little-endian bytes.
pub trait Model {
    /// The model's inputs, in the order `run` takes them.
    const INPUTS: &'static [TensorInfo];
    /// The model's outputs, in the order `run` returns them.
    const OUTPUTS: &'static [TensorInfo];
    /// Bytes of the one arena the model needs (inputs and outputs included).
    const ARENA_BYTES: usize;
    /// Multiply-accumulates of one inference.
    const MACS: u64;
    /// Bytes of state kept from one inference to the next (variable tensors: SVDF, LSTM,
    /// resource variables); 0 for stateless models.
    const STATE_BYTES: usize = 0;

    /// The arena bytes of input `index` (little-endian elements): write them, then
    /// [`invoke`](Model::invoke). `None` past the last input. `invoke` may overwrite them (the
    /// arena reuses an input's bytes once no layer needs it), so write every input before
    /// every inference.
    fn input_bytes_mut(&mut self, index: usize) -> Option<&mut [u8]>;

    /// Runs every layer over the arena: inputs in, outputs out.
    fn invoke(&mut self);

    /// The arena bytes of output `index` (little-endian elements), valid after
    /// [`invoke`](Model::invoke) until the inputs are written again. `None` past the last output.
    fn output_bytes(&self, index: usize) -> Option<&[u8]>;

    /// Runs one inference on little-endian tensor bytes: copies `inputs` into the arena,
    /// invokes, copies the outputs out.
    fn run_bytes(&mut self, inputs: &[&[u8]], outputs: &mut [&mut [u8]]) -> Result<(), RunError> {
        for (count, output) in [(inputs.len(), false), (outputs.len(), true)] {
            let expected = if output { Self::OUTPUTS.len() } else { Self::INPUTS.len() };
            if count != expected {
                return Err(RunError::TensorCount { expected, got: count });
            }
        }
        for (index, src) in inputs.iter().enumerate() {
            let Some(dst) = self.input_bytes_mut(index) else { break };
            if dst.len() != src.len() {
                return Err(RunError::ByteLength { output: false, index, expected: dst.len(), got: src.len() });
            }
            dst.copy_from_slice(src);
        }
        self.invoke();
        for (index, dst) in outputs.iter_mut().enumerate() {
            let Some(src) = self.output_bytes(index) else { break };
            if dst.len() != src.len() {
                return Err(RunError::ByteLength { output: true, index, expected: src.len(), got: dst.len() });
            }
            dst.copy_from_slice(src);
        }
        Ok(())
    }

    /// Restores the initial state, so the next inference starts a new sequence (a no-op for
    /// stateless models).
    fn reset(&mut self) {}
}
