//! Your own custom ops: a `.tflite` model may contain ops with a custom code (`CUSTOM(MyOp)`)
//! that no interpreter knows. Map each to a function of yours when compiling the model:
//!
//! ```ignore
//! kiln::include_model!("models/net.tflite", custom_ops = { "MyOp" => crate::my_op });
//! // build.rs: kiln_codegen::Config::new().model("net.tflite").custom_op("MyOp", "crate::my_op")
//! // CLI:      kiln generate net.tflite --custom-op MyOp=crate::my_op
//! ```
//!
//! The generated code calls the function where the op runs, with this signature:
//!
//! ```ignore
//! fn my_op(inputs: &[kiln::custom::Input<'_>], outputs: &mut [kiln::custom::Output<'_>], options: &kiln::custom::Options)
//! ```
//!
//! - `inputs` and `outputs` are in the op's order, each a tensor of the model: its
//!   [`TensorInfo`] (name, shape, dtype, scale and zero point, all compile-time constants) and
//!   its bytes in the arena (or in flash, for a constant input). [`Input::as_slice`] and
//!   [`Output::as_mut_slice`] view them as typed slices (`&[f32]`, `&mut [i8]`, …) in place:
//!   kiln aligns every tensor a custom op touches to its element size, so these are always
//!   `Some` for the tensors kiln passes (they are `None` only for a wrong element type).
//! - `options` is the op's `custom_options`, decoded **at compile time**: a flexbuffer map of
//!   scalars (what TFLite's converters write) becomes a `'static` table of typed values
//!   ([`Options::int`], [`Options::float`], [`Options::bool`], [`Options::str`]) — no parser
//!   and no allocation on the device — and [`Options::raw`] keeps the bytes for any other
//!   format.
//! - The function must not panic (generated code is panic-free; a panic in your op is yours)
//!   and must write every output element (the arena is not cleared between layers).
//!
//! Outputs are written in place (one output) or into one scratch window of the arena that
//! kiln then copies to each output (several outputs). A custom op's result is whatever your
//! function computes: kiln's tests check the plumbing against a Python re-implementation of
//! the same formula, not against an interpreter (TFLite cannot run your op either).

use crate::{ArenaElement, TensorInfo};

/// One value of a custom op's options map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float (FlexBuffers floats are 32 or 64 bits; widened to f64).
    Float(f64),
    /// A bool.
    Bool(bool),
    /// A string.
    Str(&'static str),
    /// A nested vector, map or blob (read it from [`Options::raw`] if you need it).
    Other,
}

/// A custom op's options, decoded at compile time.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The raw `custom_options` bytes, as in the file.
    pub raw: &'static [u8],
    /// The flexbuffer map's entries in key order; empty if the options are not a flexbuffer
    /// map (then read `raw`).
    pub map: &'static [(&'static str, Value)],
}

impl Options {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.map.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// An integer (ints, uints that fit, bools as 0/1).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Int(i) => Some(i),
            Value::UInt(u) => i64::try_from(u).ok(),
            Value::Bool(b) => Some(b as i64),
            _ => None,
        }
    }

    /// A float (floats, and integers converted).
    pub fn float(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Float(f) => Some(f),
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            _ => None,
        }
    }

    /// A bool (bools, and integers: non-zero is true).
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(b),
            Value::Int(i) => Some(i != 0),
            Value::UInt(u) => Some(u != 0),
            _ => None,
        }
    }

    /// A string.
    pub fn str(&self, key: &str) -> Option<&'static str> {
        match self.get(key)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// One input of a custom op: what it is and its bytes (little-endian elements).
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// Name, shape, type and quantization.
    pub info: &'a TensorInfo,
    /// The tensor's bytes (`info.byte_len()` of them).
    pub bytes: &'a [u8],
}

impl<'a> Input<'a> {
    /// The elements as a typed slice, in place; `None` if `T` is not the tensor's element
    /// type (or, never for tensors kiln passes, if the bytes are misaligned for `T`).
    pub fn as_slice<T: ArenaElement>(&self) -> Option<&'a [T]> {
        if core::mem::size_of::<T>() != self.info.dtype.size() {
            return None;
        }
        bytemuck::try_cast_slice(self.bytes).ok()
    }
}

/// One output of a custom op.
#[derive(Debug)]
pub struct Output<'a> {
    /// Name, shape, type and quantization.
    pub info: &'a TensorInfo,
    /// The tensor's bytes (`info.byte_len()` of them), to be written.
    pub bytes: &'a mut [u8],
}

impl Output<'_> {
    /// The elements as a typed mutable slice, in place; `None` as for [`Input::as_slice`].
    pub fn as_mut_slice<T: ArenaElement>(&mut self) -> Option<&mut [T]> {
        if core::mem::size_of::<T>() != self.info.dtype.size() {
            return None;
        }
        bytemuck::try_cast_slice_mut(self.bytes).ok()
    }
}

/// What the generated code knows about one custom op at compile time.
#[derive(Debug)]
pub struct Op<const I: usize, const O: usize> {
    /// The inputs, in the op's order.
    pub inputs: [TensorInfo; I],
    /// The outputs, in the op's order.
    pub outputs: [TensorInfo; O],
    /// Byte offset of each output in the output window (0 for a single output, which is the
    /// tensor itself).
    pub offsets: [usize; O],
    /// The decoded options.
    pub options: Options,
}

/// Calls the user's function `f` for one custom op (generated code only): the inputs' bytes,
/// and `window`, the output tensor (one output) or the scratch window holding every output at
/// `op.offsets`.
#[inline(always)]
pub fn call<const I: usize, const O: usize>(
    op: &Op<I, O>,
    inputs: [&[u8]; I],
    window: &mut [u8],
    f: impl FnOnce(&[Input<'_>], &mut [Output<'_>], &Options),
) {
    let mut k = 0;
    let ins: [Input<'_>; I] = inputs.map(|bytes| {
        let info = op.inputs.get(k).unwrap_or(&EMPTY);
        k += 1;
        Input { info, bytes }
    });
    let mut rest = window;
    let mut at = 0;
    let mut j = 0;
    let mut outs: [Output<'_>; O] = core::array::from_fn(|_| {
        let info = op.outputs.get(j).unwrap_or(&EMPTY);
        let start = op.offsets.get(j).copied().unwrap_or(at);
        j += 1;
        let all = core::mem::take(&mut rest);
        let skip = start.saturating_sub(at).min(all.len());
        let (_, all) = all.split_at_mut(skip);
        let len = info.byte_len().min(all.len());
        let (bytes, tail) = all.split_at_mut(len);
        rest = tail;
        at = start + len;
        Output { info, bytes }
    });
    f(&ins, &mut outs, &op.options);
}

/// Copies output bytes `offset..offset + output.len()` of a custom op's scratch window to the
/// output tensor (generated code only, for ops with several outputs).
pub fn copy_output(window: &[u8], output: &mut [u8], offset: usize) {
    crate::ops::detection_postprocess_output(window, output, offset)
}

/// Stands in for a missing entry (never: the arrays have `I` and `O` entries).
static EMPTY: TensorInfo = TensorInfo { name: "", shape: &[], dtype: crate::DType::UInt8, scale: 0.0, zero_point: 0 };

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    static OPTS: Options = Options { raw: &[1, 2], map: &[("alpha", Value::Float(0.5)), ("n", Value::Int(3)), ("on", Value::Bool(true))] };

    fn info(dtype: DType, shape: &'static [usize]) -> TensorInfo {
        TensorInfo { name: "t", shape, dtype, scale: 0.0, zero_point: 0 }
    }

    #[test]
    fn options_convert() {
        assert_eq!(OPTS.float("alpha"), Some(0.5));
        assert_eq!(OPTS.int("n"), Some(3));
        assert_eq!(OPTS.float("n"), Some(3.0));
        assert_eq!(OPTS.bool("on"), Some(true));
        assert_eq!(OPTS.int("missing"), None);
        assert_eq!(OPTS.str("alpha"), None);
    }

    #[test]
    fn outputs_are_split_at_their_offsets() {
        let op = Op { inputs: [info(DType::Float32, &[2])], outputs: [info(DType::Int8, &[3]), info(DType::Float32, &[1])], offsets: [0, 8], options: OPTS };
        let x = crate::Aligned([0u8; 8]);
        let mut window = crate::Aligned([0u8; 12]);
        call(&op, [&x.0], &mut window.0, |ins, outs, o| {
            assert_eq!(ins[0].as_slice::<f32>(), Some(&[0.0f32, 0.0][..]));
            assert!(ins[0].as_slice::<i8>().is_none(), "wrong element type");
            outs[0].as_mut_slice::<i8>().unwrap().copy_from_slice(&[-1, 2, -3]);
            outs[1].as_mut_slice::<f32>().unwrap()[0] = o.float("alpha").unwrap() as f32;
        });
        assert_eq!(&window.0[..3], &[0xff, 2, 0xfd]);
        assert_eq!(&window.0[8..], &0.5f32.to_le_bytes());
    }
}
