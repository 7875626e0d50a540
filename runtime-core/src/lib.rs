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
//!
//! // The input and output are typed views into the model's arena: no copies.
//! *model.input_mut() = DigitsInt8::quantize_input(&image); // &mut [i8; 64]
//! model.invoke(); // no allocation, no panic
//! let scores: &[i8; 10] = model.output();
//! let probabilities: [f32; 10] = DigitsInt8::dequantize_output(scores);
//! let digit = (0..10).max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b])).unwrap();
//! assert!(digit < 10);
//!
//! // The model is its arena: sizes are constants (the arena, inputs and outputs included, and
//! // the weights in flash).
//! const _: () = assert!(DigitsInt8::ARENA_BYTES > 0 && DigitsInt8::WEIGHT_BYTES > 0);
//! assert_eq!(core::mem::size_of::<DigitsInt8>(), DigitsInt8::ARENA_BYTES.next_multiple_of(16));
//!
//! // Or bring the arena yourself: 16-byte aligned, at least ARENA_BYTES (several models can
//! // take turns in one buffer).
//! let mut arena = kiln::Aligned([0u8; DigitsInt8::ARENA_BYTES]);
//! *DigitsInt8::input_in(&mut arena) = DigitsInt8::quantize_input(&image);
//! DigitsInt8::invoke_in(&mut arena);
//! assert_eq!(DigitsInt8::output_in(&arena), model.output());
//!
//! // `run` copies an input in and returns the output view: the same inference in one call.
//! let input = DigitsInt8::quantize_input(&image);
//! assert_eq!(model.run(&input), DigitsInt8::output_in(&arena));
//! ```
//!
//! Every model also implements [`Model`] (tensor table, [`Model::run_bytes`]) for generic
//! harnesses. A model kiln cannot compile fails the build with a message naming the file and
//! every unsupported op. Build scripts and the `kiln` CLI use the same compiler, `kiln-codegen`.
//!
//! # How it works
//!
//! `kiln::include_model!` (re-exported from `kiln-macros`) compiles a `.tflite` file into a
//! struct whose `invoke` is a straight-line sequence of calls into [`ops`]. Everything the
//! interpreter would compute at prepare time (shapes, strides, padding, requantization
//! multipliers, arena offsets) is a literal in the generated code; this crate holds only the
//! arithmetic. It is `no_std` and allocates nothing; `unsafe` appears only in [`arch`]: one
//! `asm!` instruction or short fixed sequence (Arm DSP, Helium, AArch64 SDOT) or one
//! `core::arch` intrinsic (x86 AVX-512 VNNI and SSE2, AArch64 NEON) per wrapper, each with a plain-Rust
//! twin (the rest of the crate denies it).
//!
//! Tensors are byte storage (`[u8]`): the arena is one 16-byte-aligned `[u8; N]` ([`Aligned`])
//! and weights are aligned byte-string literals (they compile fast). The model's inputs and
//! outputs are typed views of their arena bytes ([`view_mut`], via `bytemuck`: no `unsafe`). Kernels give bytes their dtype at load
//! (`b as i8`) and store (`v as u8`), which costs nothing at run time.
//!
//! The opt-in `std` feature (host programs for unknown x86-64 PCs) links the standard library
//! only to ask the CPU once whether it has AVX-512 VNNI (`arch::dispatch`, in that build) and to
//! read `KILN_X86_BASELINE`, whose lookup is the one heap allocation (once, at the first layer
//! that asks); everything else stays as it is.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_code)]

#[cfg(feature = "std")]
extern crate std;

pub mod arch;
pub mod custom;
mod element;
pub mod fixed_point;
pub mod float_math;
mod model;
pub mod ops;
pub mod profile;

pub use kiln_macros::include_model;
pub use element::{split_arena, view, view_mut, ArenaElement, Element};
pub use ops::{dequantize_s8, quantize_s8};
pub use model::{Aligned, DType, Model, RunError, TensorInfo};
