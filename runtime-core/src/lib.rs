//! The firmware-side half of kiln.
//!
//! `kiln::include_model!` (re-exported from `kiln-macros`) compiles a `.tflite` file into a
//! struct whose `run` is a straight-line sequence of calls into [`ops`]. Everything the
//! interpreter would compute at prepare time (shapes, strides, padding, requantization
//! multipliers, arena offsets) is a literal in the generated code; this crate holds only the
//! arithmetic. It is `no_std` and allocates nothing; `unsafe` appears only in [`arch`], one
//! `asm!` per instruction wrapper, each with a plain-Rust twin (the rest of the crate denies it).
//!
//! Tensors are byte storage (`[u8]`): the arena is one `[u8; N]` and weights are aligned
//! byte-string literals (they compile fast). Kernels give bytes their dtype at load
//! (`b as i8`) and store (`v as u8`), which costs nothing at run time.
#![no_std]
#![deny(unsafe_code)]

pub mod arch;
mod element;
pub mod fixed_point;
pub mod float_math;
mod model;
pub mod ops;
pub mod profile;

pub use kiln_macros::include_model;
pub use element::{split_arena, Element};
pub use ops::{dequantize_s8, quantize_s8};
pub use model::{Aligned, DType, Model, RunError, TensorInfo};
