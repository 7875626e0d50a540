//! kiln compiles a quantized TensorFlow Lite model into specialized `no_std` Rust at build time:
//! no interpreter, no heap, one arena whose size is a constant, outputs bit-exact with TensorFlow
//! Lite Micro's reference kernels. This crate (the package `kiln-tflite`, the library `kiln`) is
//! what your firmware depends on: the [`include_model!`] macro and the kernels it calls.
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! kiln-tflite = "0.1"
//! ```
//!
//! ```
//! // The path is relative to your Cargo.toml; the model becomes `struct DigitsInt8`.
//! kiln::include_model!("models/digits_int8.tflite");
//!
//! let mut model = DigitsInt8::new(); // a const fn: the model can live in a `static`
//! let image = [0.5f32; 64]; // an 8×8 image, as the model was trained
//! let input: [i8; 64] = DigitsInt8::quantize_input(&image);
//! let scores: &[i8; 10] = model.run(&input); // no allocation, no panic
//! let probabilities: [f32; 10] = DigitsInt8::dequantize_output(scores);
//! let digit = (0..10).max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b])).unwrap();
//! assert!(digit < 10);
//!
//! // Sizes are constants: the arena (inputs and outputs included) and the weights in flash.
//! const _: () = assert!(DigitsInt8::ARENA_BYTES > 0 && DigitsInt8::WEIGHT_BYTES > 0);
//!
//! // Or bring the arena yourself (several models can take turns in one buffer):
//! let mut arena = [0u8; DigitsInt8::ARENA_BYTES];
//! let mut output = [0i8; 10];
//! DigitsInt8::run_in(&mut arena, &input, &mut output);
//! assert_eq!(&output, model.run(&input));
//! ```
//!
//! Every model also implements [`Model`] (tensor table, [`Model::run_bytes`]) for generic
//! harnesses. A model kiln cannot compile fails the build with a message naming the file and
//! every unsupported op. Build scripts and the `kiln` CLI use the same compiler, `kiln-codegen`.
//!
//! # How it works
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
#![warn(missing_docs)]
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
