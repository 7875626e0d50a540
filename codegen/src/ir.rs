//! The graph IR: what the reader extracts from the flatbuffer, already validated structurally
//! (indices in range, buffers sized to their shapes), with no flatbuffer types leaking out.

/// Tensor element type, in TFLite's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// float32.
    F32,
    /// float16.
    F16,
    /// int32.
    I32,
    /// uint8.
    U8,
    /// int64.
    I64,
    /// string (variable-length; kiln rejects it).
    String,
    /// bool (one byte).
    Bool,
    /// int16.
    I16,
    /// complex64 (kiln rejects it).
    Complex64,
    /// int8.
    I8,
    /// float64.
    F64,
    /// complex128 (kiln rejects it).
    Complex128,
    /// uint64.
    U64,
    /// resource (a handle to a variable).
    Resource,
    /// variant (kiln rejects it).
    Variant,
    /// uint32.
    U32,
    /// uint16.
    U16,
    /// int4 (kiln rejects it).
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
    /// One scale per tensor, or one per slice of `axis`.
    pub scales: Vec<f32>,
    /// Zero points, one per scale.
    pub zero_points: Vec<i64>,
    /// Quantized dimension (meaningful only when there is more than one scale).
    pub axis: usize,
}

impl Quant {
    /// Whether there is one scale per slice of `axis` (per-channel quantization).
    pub fn is_per_channel(&self) -> bool {
        self.scales.len() > 1
    }
}

/// One tensor of the subgraph.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// Position in the subgraph's tensor list (tensors of inlined IF/WHILE subgraphs follow
    /// the main subgraph's, their names suffixed with `(subgraph k)`).
    pub index: usize,
    /// The name the file gives it (may be empty).
    pub name: String,
    /// Dimensions, outermost first (static: the reader rejects dynamic shapes).
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Quantization parameters, if the file has them.
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
    /// Number of elements (the product of the shape).
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

/// Padding scheme of a convolution or pooling op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(input / stride)`, zero-point padding split around the input.
    Same,
    /// No padding: only windows that lie inside the input.
    Valid,
}

/// Fused activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// No activation.
    None,
    /// `max(x, 0)`.
    Relu,
    /// Clamp to `[-1, 1]`.
    ReluN1To1,
    /// Clamp to `[0, 6]`.
    Relu6,
    /// tanh (rejected where TFLM rejects it).
    Tanh,
    /// Sign bit (rejected where TFLM rejects it).
    SignBit,
}

impl Activation {
    /// TFLite's name (`RELU6`).
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
    /// The op has no options (or none kiln needs).
    None,
    /// Conv2DOptions.
    Conv2d {
        /// Padding scheme.
        padding: Padding,
        /// Stride along height and width.
        stride: [usize; 2],
        /// Dilation along height and width.
        dilation: [usize; 2],
        /// The fused activation.
        activation: Activation,
    },
    /// DepthwiseConv2DOptions.
    DepthwiseConv2d {
        /// Padding scheme.
        padding: Padding,
        /// Stride along height and width.
        stride: [usize; 2],
        /// Dilation along height and width.
        dilation: [usize; 2],
        /// Output channels per input channel.
        depth_multiplier: i32,
        /// The fused activation.
        activation: Activation,
    },
    /// Pool2DOptions (AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D).
    Pool2d {
        /// Padding scheme.
        padding: Padding,
        /// Stride along height and width.
        stride: [usize; 2],
        /// Window height and width.
        filter: [usize; 2],
        /// The fused activation.
        activation: Activation,
    },
    /// FullyConnectedOptions.
    FullyConnected {
        /// The fused activation.
        activation: Activation,
        /// Keep the input's leading dimensions in the output (else it is 2-D).
        keep_num_dims: bool,
        /// The weights are in TFLite's shuffled int8 layout (kiln rejects it).
        shuffled_weights: bool,
        /// Hybrid (float input, int8 weights) kernels quantize the input asymmetrically.
        asymmetric_quantize_inputs: bool,
    },
    /// SoftmaxOptions.
    Softmax {
        /// The logits' multiplier.
        beta: f32,
    },
    /// The fused activation of the elementwise ops (ADD, SUB, MUL, DIV).
    Add {
        /// The fused activation.
        activation: Activation,
    },
    /// ConcatenationOptions.
    Concatenation {
        /// The axis (negative counts from the end).
        axis: i32,
        /// The fused activation.
        activation: Activation,
    },
    /// ReducerOptions (MEAN, SUM, REDUCE_MAX, ...).
    Reducer {
        /// Keep reduced axes as size 1.
        keep_dims: bool,
    },
    /// LeakyReluOptions.
    LeakyRelu {
        /// The slope below zero.
        alpha: f32,
    },
    /// L2NormOptions.
    L2Norm {
        /// The fused activation.
        activation: Activation,
    },
    /// SVDFOptions (`asymmetric_quantize_inputs` only matters for hybrid models, which kiln
    /// rejects by type).
    Svdf {
        /// Filters summed into one output unit.
        rank: usize,
        /// The fused activation.
        activation: Activation,
    },
    /// UnidirectionalSequenceLSTMOptions (the cell gate's activation, clips, layout).
    SequenceLstm {
        /// The cell gate's activation (and the hidden state's).
        activation: Activation,
        /// Cell state clip; 0 disables it.
        cell_clip: f32,
        /// Projection clip; 0 disables it.
        proj_clip: f32,
        /// Input `[time, batch, input]` instead of `[batch, time, input]`.
        time_major: bool,
    },
    /// CallOnceOptions (`usize::MAX` for a negative index).
    CallOnce {
        /// The subgraph that initializes the variables.
        init_subgraph: usize,
    },
    /// VarHandleOptions: the variable's identity.
    VarHandle {
        /// The variable's container.
        container: String,
        /// The variable's name within it.
        shared_name: String,
    },
    /// IfOptions: the branch subgraphs (`usize::MAX` for a negative index).
    If {
        /// Run when the condition is true.
        then_subgraph: usize,
        /// Run when it is false.
        else_subgraph: usize,
    },
    /// WhileOptions: the loop's subgraphs (`usize::MAX` for a negative index).
    While {
        /// Computes the condition from the loop-carried tensors.
        cond_subgraph: usize,
        /// Computes the next loop-carried tensors.
        body_subgraph: usize,
    },
    /// A piece of an inlined IF or WHILE (`crate::control_flow`), never in a file.
    Flow(Flow),
    /// Options of a type kiln does not decode.
    Other(&'static str),
    /// A custom op: its full custom code and its raw `custom_options` bytes (a flexbuffer for
    /// every custom op TFLite ships; empty when the file has none).
    Custom {
        /// The operator code's `custom_code`, in full.
        code: String,
        /// The operator's `custom_options`.
        options: std::sync::Arc<[u8]>,
        /// The user's function for this op (a Rust path), from `custom_ops`.
        function: Option<String>,
    },
    /// Options of the data-movement ops (STRIDED_SLICE, GATHER, PACK, ...).
    Movement(MovementOptions),
    // ---- reduce family ----
    /// TransposeConvOptions.
    TransposeConv {
        /// Padding scheme.
        padding: Padding,
        /// Stride along height and width.
        stride: [usize; 2],
        /// The fused activation.
        activation: Activation,
    },
    /// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR.
    Resize {
        /// Align the corner pixels of input and output.
        align_corners: bool,
        /// Sample at pixel centers (`+0.5` offsets).
        half_pixel_centers: bool,
    },
    /// BatchMatMulOptions.
    BatchMatMul {
        /// Transpose the left operand's last two axes.
        adj_x: bool,
        /// Transpose the right operand's last two axes.
        adj_y: bool,
    },
}

/// The pieces an IF or WHILE is inlined into (`crate::control_flow`): markers that open and
/// close the generated `if`/`loop` blocks, and byte copies into the construct's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// `if cond {`: input 0 is the bool condition.
    IfBegin,
    /// `} else {` (input 0: the IF's condition, kept alive across the construct).
    Else,
    /// `}` closing the IF (input 0: the condition).
    EndIf,
    /// `loop {` (input 0: the first loop-carried tensor).
    LoopBegin,
    /// `if !cond { break }`: input 0 is the cond subgraph's bool output.
    BreakUnless,
    /// `}` closing the loop (input 0: the first loop-carried tensor).
    LoopEnd,
    /// Input 0's bytes into output 0 (same type and shape): a branch's result into the IF's
    /// output, a WHILE's input or its body's result into a loop-carried tensor. The one op the
    /// reader lets write a tensor more than once.
    Copy,
}

/// One operator of the subgraph.
#[derive(Clone, Debug)]
pub struct Op {
    /// Position in the model's operator list; ops inlined from IF/WHILE subgraphs are numbered
    /// after the main subgraph's, in inlining order (`crate::control_flow`).
    pub index: usize,
    /// Builtin code (`BuiltinOperator`), `32` for custom ops.
    pub code: i32,
    /// `CONV_2D`, or `CUSTOM(<code>)`.
    pub name: String,
    /// Input tensor indices; `None` where the file has −1 (an omitted optional input).
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
    /// Its builtin options, decoded.
    pub options: Options,
}

/// The model's one subgraph: tensors, operators in execution order, and its boundary.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Every tensor, indexed by [`Tensor::index`].
    pub tensors: Vec<Tensor>,
    /// In execution order (the reader checks every input is written before it is read).
    pub ops: Vec<Op>,
    /// The model's input tensors, in order.
    pub inputs: Vec<usize>,
    /// The model's output tensors, in order.
    pub outputs: Vec<usize>,
    /// Ops evaluated at compile time (shape arithmetic, see `shapes.rs`), as (index in the
    /// model, name): their outputs are constants and they have no code.
    pub folded_ops: Vec<(usize, String)>,
}

// ---- movement ----

/// Builtin options of the data-movement ops (decoded by `read::movement_options`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovementOptions {
    /// StridedSliceOptions: per-axis bit masks, as TFLite defines them.
    StridedSlice {
        /// Axes whose `begin` is ignored (start at the first element).
        begin_mask: i32,
        /// Axes whose `end` is ignored (run to the last element).
        end_mask: i32,
        /// The axis that stands for all the axes not otherwise named.
        ellipsis_mask: i32,
        /// Axes inserted with size 1.
        new_axis_mask: i32,
        /// Axes removed from the output (a single index taken).
        shrink_axis_mask: i32,
    },
    /// CumsumOptions.
    CumSum {
        /// Each output sums the elements strictly before it.
        exclusive: bool,
        /// Sum from the end of the axis.
        reverse: bool,
    },
    /// PACK and UNPACK: the new (or removed) axis and the number of tensors.
    Pack {
        /// The new (or removed) axis.
        axis: i32,
        /// The number of tensors packed (or unpacked).
        count: i32,
    },
    /// GatherOptions.
    Gather {
        /// The axis gathered along.
        axis: i32,
        /// Leading axes shared by the input and the indices.
        batch_dims: i32,
    },
    /// DEPTH_TO_SPACE and SPACE_TO_DEPTH.
    Block {
        /// The block's height and width.
        block_size: i32,
    },
    /// MIRROR_PAD: `true` for SYMMETRIC (edge repeated), `false` for REFLECT.
    MirrorPad {
        /// SYMMETRIC (else REFLECT).
        symmetric: bool,
    },
}
