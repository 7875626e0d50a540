//! The graph IR: what the reader extracts from the flatbuffer, already validated structurally
//! (indices in range, buffers sized to their shapes), with no flatbuffer types leaking out.

/// Tensor element type, in TFLite's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F16,
    I32,
    U8,
    I64,
    String,
    Bool,
    I16,
    Complex64,
    I8,
    F64,
    Complex128,
    U64,
    Resource,
    Variant,
    U32,
    U16,
    I4,
}

impl DType {
    pub(crate) fn from_tflite(v: i8) -> Option<DType> {
        use DType::*;
        Some(match v {
            0 => F32,
            1 => F16,
            2 => I32,
            3 => U8,
            4 => I64,
            5 => String,
            6 => Bool,
            7 => I16,
            8 => Complex64,
            9 => I8,
            10 => F64,
            11 => Complex128,
            12 => U64,
            13 => Resource,
            14 => Variant,
            15 => U32,
            16 => U16,
            17 => I4,
            _ => return None,
        })
    }

    /// Bytes per element; `None` for types without a fixed size (string, resource, variant, int4).
    pub fn size(self) -> Option<usize> {
        use DType::*;
        match self {
            I8 | U8 | Bool => Some(1),
            I16 | U16 | F16 => Some(2),
            I32 | U32 | F32 => Some(4),
            I64 | U64 | F64 | Complex64 => Some(8),
            Complex128 => Some(16),
            String | Resource | Variant | I4 => None,
        }
    }

    /// TFLite's lower-case name (`int8`, `float32`).
    pub fn name(self) -> &'static str {
        use DType::*;
        match self {
            F32 => "float32",
            F16 => "float16",
            I32 => "int32",
            U8 => "uint8",
            I64 => "int64",
            String => "string",
            Bool => "bool",
            I16 => "int16",
            Complex64 => "complex64",
            I8 => "int8",
            F64 => "float64",
            Complex128 => "complex128",
            U64 => "uint64",
            Resource => "resource",
            Variant => "variant",
            U32 => "uint32",
            U16 => "uint16",
            I4 => "int4",
        }
    }
}

/// Affine quantization: `real = scale * (q - zero_point)`, per tensor or per slice of `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quant {
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
    /// Quantized dimension (meaningful only when there is more than one scale).
    pub axis: usize,
}

impl Quant {
    pub fn is_per_channel(&self) -> bool {
        self.scales.len() > 1
    }
}

#[derive(Clone, Debug)]
pub struct Tensor {
    pub index: usize,
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub quant: Option<Quant>,
    /// Constant contents (weights, biases, shape operands); `None` for activations. Shared:
    /// tensors that use the same buffer point at one copy. For a variable tensor this is its
    /// initial value (a resource variable's CALL_ONCE constant; the reader drops the buffer of
    /// a file variable, which TFLM ignores), never a constant: see [`Tensor::is_const`].
    pub data: Option<std::sync::Arc<[u8]>>,
    /// A variable tensor (TFLite `is_variable`): state that an op (SVDF, LSTM) reads and
    /// updates in place, and that persists from one inference to the next.
    pub is_variable: bool,
}

impl Tensor {
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// Size in bytes; the reader guarantees the product does not overflow.
    pub fn bytes(&self) -> usize {
        self.elements() * self.dtype.size().unwrap_or(0)
    }

    /// Constant data. A variable tensor is never constant, even when it has an initial value.
    pub fn is_const(&self) -> bool {
        self.data.is_some() && !self.is_variable
    }

    /// Human-readable reference for error messages: ``tensor #3 `conv/Relu` ``.
    pub fn label(&self) -> String {
        tensor_label(self.index, &self.name)
    }
}

/// ``tensor #3 `conv/Relu` ``, or `tensor #3` when the file gives no name.
/// Control characters in the name are escaped and names past 200 characters cut, since the
/// name comes straight from the file and lands in a compiler diagnostic.
pub fn tensor_label(index: usize, name: &str) -> String {
    if name.is_empty() {
        return format!("tensor #{index}");
    }
    let mut shown = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == 200 {
            shown.push('…');
            break;
        }
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    format!("tensor #{index} `{shown}`")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// Fused activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
    SignBit,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "NONE",
            Activation::Relu => "RELU",
            Activation::ReluN1To1 => "RELU_N1_TO_1",
            Activation::Relu6 => "RELU6",
            Activation::Tanh => "TANH",
            Activation::SignBit => "SIGN_BIT",
        }
    }
}

/// The builtin options kiln reads, decoded from the flatbuffer union.
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    None,
    Conv2d { padding: Padding, stride: [usize; 2], dilation: [usize; 2], activation: Activation },
    DepthwiseConv2d {
        padding: Padding,
        stride: [usize; 2],
        dilation: [usize; 2],
        depth_multiplier: i32,
        activation: Activation,
    },
    Pool2d { padding: Padding, stride: [usize; 2], filter: [usize; 2], activation: Activation },
    FullyConnected {
        activation: Activation,
        keep_num_dims: bool,
        shuffled_weights: bool,
        /// Hybrid (float input, int8 weights) kernels quantize the input asymmetrically.
        asymmetric_quantize_inputs: bool,
    },
    Softmax { beta: f32 },
    Add { activation: Activation },
    Concatenation { axis: i32, activation: Activation },
    Reducer { keep_dims: bool },
    LeakyRelu { alpha: f32 },
    L2Norm { activation: Activation },
    /// SVDFOptions (`asymmetric_quantize_inputs` only matters for hybrid models, which kiln
    /// rejects by type).
    Svdf { rank: usize, activation: Activation },
    /// UnidirectionalSequenceLSTMOptions (the cell gate's activation, clips, layout).
    SequenceLstm { activation: Activation, cell_clip: f32, proj_clip: f32, time_major: bool },
    /// CallOnceOptions (`usize::MAX` for a negative index).
    CallOnce { init_subgraph: usize },
    /// VarHandleOptions: the variable's identity.
    VarHandle { container: String, shared_name: String },
    /// Options of a type kiln does not decode.
    Other(&'static str),
    /// Options of the data-movement ops (STRIDED_SLICE, GATHER, PACK, ...).
    Movement(MovementOptions),
    // ---- reduce family ----
    TransposeConv { padding: Padding, stride: [usize; 2], activation: Activation },
    /// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR.
    Resize { align_corners: bool, half_pixel_centers: bool },
    BatchMatMul { adj_x: bool, adj_y: bool },
}

#[derive(Clone, Debug)]
pub struct Op {
    /// Position in the subgraph's operator list.
    pub index: usize,
    /// Builtin code (`BuiltinOperator`), `32` for custom ops.
    pub code: i32,
    /// `CONV_2D`, or `CUSTOM(<code>)`.
    pub name: String,
    /// Input tensor indices; `None` where the file has −1 (an omitted optional input).
    pub inputs: Vec<Option<usize>>,
    pub outputs: Vec<usize>,
    pub options: Options,
}

#[derive(Clone, Debug)]
pub struct Graph {
    pub tensors: Vec<Tensor>,
    /// In execution order (the reader checks every input is written before it is read).
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Ops evaluated at compile time (shape arithmetic, see `shapes.rs`), as (index in the
    /// model, name): their outputs are constants and they have no code.
    pub folded_ops: Vec<(usize, String)>,
}

// ---- movement ----

/// Builtin options of the data-movement ops (decoded by `read::movement_options`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovementOptions {
    StridedSlice { begin_mask: i32, end_mask: i32, ellipsis_mask: i32, new_axis_mask: i32, shrink_axis_mask: i32 },
    /// PACK and UNPACK: the new (or removed) axis and the number of tensors.
    Pack { axis: i32, count: i32 },
    Gather { axis: i32, batch_dims: i32 },
    /// DEPTH_TO_SPACE and SPACE_TO_DEPTH.
    Block { block_size: i32 },
    /// MIRROR_PAD: `true` for SYMMETRIC (edge repeated), `false` for REFLECT.
    MirrorPad { symmetric: bool },
}
