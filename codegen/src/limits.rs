//! The runtime kernels' size limits the compiler chooses kernels by. The compiler does not
//! depend on the runtime crate (it runs on the host; the runtime is built for the target), so
//! each limit is mirrored here under the runtime's name, and `tests/tests/limits.rs` checks
//! every one against `kiln::ops`. A mismatch would not be unsafe (a kernel handed a shape
//! outside its limit leaves its output untouched), but it would be wrong output, so it fails
//! the build's tests instead.

/// Widest filter of `kiln::ops::depthwise_conv2d_s8_dsp_broadcast`.
pub const MAX_BROADCAST_WIDTH: usize = 32;

/// Most window words (`k_h · k_w / 4`) of `kiln::ops::depthwise_conv2d_s8_dsp_broadcast`.
pub const MAX_BROADCAST_WORDS: usize = 64;

/// Most channels passed to `kiln::ops::depthwise_conv2d_s8_dsp` as a constant.
pub const MAX_CONST_CHANNELS: usize = 16;

/// Longest window (`k_h · k_w · in_c`) `kiln::ops::conv2d_s8_gemm` gathers.
pub const MAX_GEMM_WINDOW: usize = 2048;

/// Longest window (`k_h · k_w · in_c`) `kiln::ops::conv2d_s8_dsp_patch` gathers.
pub const MAX_PATCH: usize = 192;

/// Widest depthwise layer `kiln::ops::depthwise_conv2d_s8_3x3_in_place` runs over one buffer
/// (the ring kernel's one tile).
pub const MAX_IN_PLACE_WIDTH: usize = 24;
