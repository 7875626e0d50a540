//! CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: TFLM's prepare-time geometry, per-channel
//! multipliers and folded biases.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::limits::{MAX_BROADCAST_WIDTH, MAX_BROADCAST_WORDS, MAX_CONST_CHANNELS, MAX_GEMM_WINDOW, MAX_PATCH};
use crate::quant::{self, Requant};

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CONV_2D", dtype: DType::I8, lower: conv2d_s8 },
    Kernel { op: "DEPTHWISE_CONV_2D", dtype: DType::I8, lower: depthwise_conv2d_s8 },
    Kernel { op: "FULLY_CONNECTED", dtype: DType::I8, lower: fully_connected_s8 },
];


fn conv2d_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Conv2d { padding, stride, dilation, activation } = op.options else {
        return invalid("missing Conv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
        expect_dtype(t, DType::I8, r)?;
    }
    let [n, _, _, c] = nhwc(input, "input")?;
    let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
    expect_const(filter, "filter")?;
    if ic != c {
        return unsupported(format!("grouped convolution (filter depth {ic}, input depth {c})"));
    }
    let per_ch = kh * kw * ic;
    let opts = ConvOptions { padding, stride, dilation, activation };
    let conv = spatial_conv(cx, input, filter, out, [kh, kw], oc, 0, |i| i / per_ch, &opts)?;
    let fields = &conv.fields;
    let params = quote!(::kiln::ops::Conv2dParams { #fields });
    let [oh, ow] = conv.out_hw;
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "conv2d_s8_packed", ty: "Conv2dParams", params },
        (n * oh * ow * oc * kh * kw * ic) as u64,
        format!("{}, {}", conv.geometry, conv.quantization),
    );
    step.packed_filter = Some(pack_filter(expect_const(filter, "filter")?, oc, kh * kw, ic));
    // With AVX-512 VNNI, the layer is one int8 matrix product over its pixels
    // (`kiln::ops::conv2d_s8_gemm`: VPDPBUSD on a filter packed here with its bias): a 1×1
    // stride-1 layer over its input as it is, any other over each pixel's window, gathered.
    let gemm = conv.pointwise || per_ch <= MAX_GEMM_WINDOW;
    if gemm {
        let bias = folded_bias(cx.opt_input(2), expect_const(filter, "filter")?, oc, |i| i / per_ch, per_tensor(input)?.1)?;
        let layout = gemm_filter(expect_const(filter, "filter")?, &bias, oc, per_ch);
        step.variants.push(Variant { gate: Gate::Cfg(x86_vnni()), func: "conv2d_s8_gemm", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "GEMM" });
        // On AArch64, the same matrix product with NEON (`kiln::ops::conv2d_s8_neon`: SDOT with
        // `dotprod`, else SMULL/SMLAL/SADALP, or SMULL/SADALP for a filter with a −128) on the
        // same layout without the `+128` correction.
        let w = expect_const(filter, "filter")?;
        let pairs = no_min_weight(w);
        let layout = gemm_filter_offset(w, &bias, oc, per_ch, 0);
        step.variants.push(Variant { gate: Gate::Cfg(aarch64_neon()), func: "conv2d_s8_neon", generics: quote!(#pairs), filter: filter.index, layout: Some(layout), filter_name: "NEON" });
        // On x86-64 with SSE2 only (the default build), the same product on PMADDWD
        // (`kiln::ops::conv2d_s8_sse2`) over the filter widened to i16 here.
        let layout = sse2_filter(w, &bias, oc, per_ch);
        step.variants.push(Variant { gate: Gate::Cfg(x86_sse2()), func: "conv2d_s8_sse2", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "SSE2" });
        // A build of the runtime with its `std` feature on x86-64 without VNNI: both, chosen at
        // start-up (`kiln::ops::conv2d_s8_x86`).
        step.x86_dispatch = Some("conv2d_s8_x86");
    }
    // With AVX2, dot products over whole filter rows of a compile-time length beat the packed
    // broadcast loop (LLVM forms `vpmaddwd` from them; measured in BENCHMARKS.md) — from
    // `MIN_ROW` bytes on: shorter rows LLVM vectorizes across output channels with `vpmulld`,
    // slower than the packed kernel. Rows longer than `MAX_ROW` unroll into too much code.
    let row = kw * ic;
    if dilation[1] == 1 && (MIN_ROW..=MAX_ROW).contains(&row) {
        step.variants.push(Variant {
            // (Not where the VNNI kernel above takes the layer: exactly one variant per build.)
            gate: Gate::Cfg(if gemm {
                let vnni = x86_vnni();
                quote!(all(target_arch = "x86_64", target_feature = "avx2", not(#vnni)))
            } else {
                quote!(all(target_arch = "x86_64", target_feature = "avx2"))
            }),
            func: "conv2d_s8_rows",
            generics: quote!(#row),
            filter: filter.index,
            layout: None,
            filter_name: "OHWI",
        });
    }
    // With the Arm DSP extension, SMLAD over filter rows (pairs of bytes widened by SXTB16 in
    // place), two channels' rows interleaved word by word; a dilated row is not contiguous.
    let window_len = kh * kw * ic;
    if dilation[1] == 1 && [kh, kw] != [1, 1] && window_len <= MAX_PATCH && ic % 4 != 0 {
        // A small window over a depth the word kernels cannot take (first layers: 3×3 over RGB,
        // KWS's 10×4 over one channel): gathered per pixel on the stack, zero point in the
        // padding, then one dot product per channel over it (`kiln::ops::conv2d_s8_dsp_patch`);
        // the filter is one row of the whole window. A depth divisible by four goes to the word
        // kernel below, which the model links anyway: on ResNet-8 (3×3 over 16 channels) a
        // second patch instance was 4.1 KB of flash for 4.5 % fewer instructions, and with it
        // kiln's image was larger than CMSIS-NN's (BENCHMARKS.md).
        let layout = dsp_filter(expect_const(filter, "filter")?, oc, 1, window_len);
        step.variants.push(Variant { gate: Gate::ArmDsp, func: "conv2d_s8_dsp_patch", generics: quote!(#window_len), filter: filter.index, layout: Some(layout), filter_name: "DSP" });
    } else if dilation[1] == 1 {
        let layout = dsp_filter(expect_const(filter, "filter")?, oc, kh, kw * ic);
        // A short filter row (`k_w · in_c` up to `kiln::ops::MAX_CONST_ROW` bytes) is passed as a
        // constant: the kernel's rows then unroll. So is the depth of a 1×1 stride-1 layer
        // divisible by four (up to `MAX_CONST_DEPTH`): its kernel then walks the depth in
        // unrolled blocks at constant offsets, with no loop state spilled (one instantiation,
        // about 1 KB of code, per distinct depth).
        let row = kw * ic;
        let pointwise = [kh, kw] == [1, 1] && stride == [1, 1] && ic % 4 == 0 && ic <= MAX_CONST_DEPTH;
        // A 1×1 layer of such a depth calls the pointwise kernel alone
        // (`kiln::ops::conv2d_s8_dsp_pointwise`): through the general entry point it linked the
        // general kernel too, for nothing.
        let row = if row <= MAX_CONST_ROW || pointwise { row } else { 0 };
        // Any other layer over a depth divisible by four (past the first layers, nearly all)
        // calls the entry point that links only the border code for that depth
        // (`kiln::ops::conv2d_s8_dsp_words`): same kernel, ~7 KB less flash on ResNet-8.
        let func = if pointwise {
            "conv2d_s8_dsp_pointwise"
        } else if ic % 4 == 0 && !([kh, kw] == [1, 1] && stride == [1, 1]) {
            "conv2d_s8_dsp_words"
        } else {
            "conv2d_s8_dsp"
        };
        step.variants.push(Variant { gate: Gate::ArmDsp, func, generics: quote!(#row), filter: filter.index, layout: Some(layout), filter_name: "DSP" });
    }
    Ok(vec![step])
}


fn depthwise_conv2d_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = op.options else {
        return invalid("missing DepthwiseConv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
        expect_dtype(t, DType::I8, r)?;
    }
    let (n, [kh, kw], oc, dm) = depthwise_geometry(input, filter)?;
    expect_const(filter, "filter")?;
    let opts = ConvOptions { padding, stride, dilation, activation };
    let conv = spatial_conv(&cx, input, filter, out, [kh, kw], oc, 3, |i| i % oc, &opts)?;
    let fields = &conv.fields;
    let params = quote!(::kiln::ops::DepthwiseConv2dParams { depth_multiplier: #dm, #fields });
    let [oh, ow] = conv.out_hw;
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "depthwise_conv2d_s8", ty: "DepthwiseConv2dParams", params },
        (n * oh * ow * oc * kh * kw) as u64,
        format!("{}, depth multiplier {dm}, {}", conv.geometry, conv.quantization),
    );
    // With AVX-512 VNNI, sixteen channels per vector, one VPDPWSSD per tap
    // (`kiln::ops::depthwise_conv2d_s8_gemm`): depth multiplier 1, or one input channel
    // broadcast to all (person_detect's first layer).
    let in_depth = input.shape.last().copied().unwrap_or(0);
    if (dm == 1 && in_depth == oc) || (in_depth == 1 && dm == oc && oc > 1) {
        let layout = depthwise_gemm_filter(expect_const(filter, "filter")?, oc, kh * kw);
        step.variants.push(Variant { gate: Gate::Cfg(x86_vnni()), func: "depthwise_conv2d_s8_gemm", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "GEMM" });
    }
    // On AArch64, sixteen channels per NEON vector, SMULL/SADDW per tap
    // (`kiln::ops::depthwise_conv2d_s8_neon`): depth multiplier 1, or one input channel
    // broadcast to every output (micro_speech's first layer).
    if (dm == 1 && in_depth == oc) || (in_depth == 1 && dm == oc && oc > 1) {
        let layout = depthwise_neon_filter(expect_const(filter, "filter")?, oc, kh * kw);
        step.variants.push(Variant { gate: Gate::Cfg(aarch64_neon()), func: "depthwise_conv2d_s8_neon", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "NEON" });
    }
    // On x86-64 with SSE2 only (the default build), eight channels per block, one PMADDWD per
    // two taps and four channels (`kiln::ops::depthwise_conv2d_s8_sse2`), the same shapes.
    if (dm == 1 && in_depth == oc) || (in_depth == 1 && dm == oc && oc > 1) {
        let layout = depthwise_sse2_filter(expect_const(filter, "filter")?, oc, kh * kw);
        step.variants.push(Variant { gate: Gate::Cfg(x86_sse2()), func: "depthwise_conv2d_s8_sse2", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "SSE2" });
        step.x86_dispatch = Some("depthwise_conv2d_s8_x86");
    }
    // With the Arm DSP extension, four channels per word, on the model's own filter
    // (`kiln::ops::depthwise_conv2d_s8_dsp`): depth multiplier 1 on a multiple of four channels;
    // up to `kiln::ops::MAX_CONST_CHANNELS` channels as a constant (a pixel's accumulators then
    // stay in registers), which also covers one input channel broadcast to all outputs.
    let in_c = input.shape.last().copied().unwrap_or(0);
    let constant = oc % 4 == 0 && oc <= MAX_CONST_CHANNELS && (in_c == oc || in_c == 1);
    if in_c == 1 && oc % 4 == 0 && kw % 4 == 0 && (4..=MAX_BROADCAST_WIDTH).contains(&kw) && dilation[1] == 1 && kh * kw / 4 <= MAX_BROADCAST_WORDS {
        // One input channel to all outputs with a filter width of four taps per word
        // (micro_speech's first layer): SMLAD pairs taps, over a layout of tap pairs of two
        // channels per word (`kiln::ops::depthwise_conv2d_s8_dsp_broadcast`).
        let layout = broadcast_filter(expect_const(filter, "filter")?, kh, kw, oc);
        step.variants.push(Variant { gate: Gate::ArmDsp, func: "depthwise_conv2d_s8_dsp_broadcast", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "DSP" });
    } else if oc % 4 == 0 && (dm == 1 || constant || groups_3x3(kh, kw, dilation, dm, in_c, oc)) {
        // 3×3 undilated with depth multiplier 1 or one input channel (MobileNet's depthwise
        // layers, a depthwise first layer): four channels at a time through a ring of widened
        // input rows, one kernel for all of them; the constant depth only for the others.
        // A 3×3 layer calls the ring kernel alone (`kiln::ops::depthwise_conv2d_s8_dsp_3x3`):
        // through the general entry point it also linked the general kernel (3 KB) for nothing.
        let groups = groups_3x3(kh, kw, dilation, dm, in_c, oc);
        let channels = if constant { oc } else { 0 };
        let (func, generics) = if groups { ("depthwise_conv2d_s8_dsp_3x3", quote!()) } else { ("depthwise_conv2d_s8_dsp", quote!(#channels)) };
        step.variants.push(Variant { gate: Gate::ArmDsp, func, generics, filter: filter.index, layout: None, filter_name: "DSP" });
    }
    Ok(vec![step])
}

/// Whether `kiln::ops::depthwise_conv2d_s8_dsp`'s 3×3 group kernel takes the layer (its
/// `GROUPS`): 3×3 undilated, four-channel groups, depth multiplier 1 or one input channel.
fn groups_3x3(kh: usize, kw: usize, dilation: [usize; 2], dm: usize, in_c: usize, oc: usize) -> bool {
    [kh, kw] == [3, 3] && dilation == [1, 1] && oc % 4 == 0 && ((dm == 1 && in_c == oc) || (in_c == 1 && dm == oc))
}

/// A one-input-channel depthwise filter `[1, k_h, k_w, c]` in the order of
/// `kiln::ops::depthwise_conv2d_s8_dsp_broadcast` (its `pack_filter_broadcast`): per group of
/// four channels, per filter row, per four taps `t..t + 4`, four words — taps `t, t + 2` of
/// channels 0, 1 and of channels 2, 3, then taps `t + 1, t + 3` likewise — each word
/// `[w(t, c), w(t, c + 1), w(t + 2, c), w(t + 2, c + 1)]`, so that SXTB16 and SXTB16 ROR #8 of
/// one word give one channel's pair of taps each. Same bytes, same length.
fn broadcast_filter(filter: &[u8], k_h: usize, k_w: usize, c: usize) -> std::sync::Arc<[u8]> {
    let w = |tap: usize, ch: usize| filter.get(tap * c + ch).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(filter.len());
    for g in 0..c / 4 {
        for ky in 0..k_h {
            for q in 0..k_w / 4 {
                let t = ky * k_w + 4 * q;
                for (dt, dc) in [(0, 0), (0, 2), (1, 0), (1, 2)] {
                    let ch = 4 * g + dc;
                    out.extend([w(t + dt, ch), w(t + dt, ch + 1), w(t + dt + 2, ch), w(t + dt + 2, ch + 1)]);
                }
            }
        }
    }
    out.into()
}


fn fully_connected_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::FullyConnected { activation, shuffled_weights, .. } = op.options else {
        return invalid("missing FullyConnectedOptions");
    };
    if shuffled_weights {
        return unsupported("shuffled weights format");
    }
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
        expect_dtype(t, DType::I8, r)?;
    }
    let fdata = expect_const(filter, "filter")?;
    let (batches, depth, od) = fc_geometry(input, filter, out)?;
    let (in_s, in_zp) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    let scales = filter_scales(filter, od, 0)?;
    let requant: Vec<Requant> = if scales.len() > 1 {
        scales.iter().map(|&fs| quant::quantize_multiplier(in_s as f64 * fs as f64 / out_s as f64)).collect()
    } else {
        // TFLM's per-tensor path multiplies the two scales in single precision first.
        vec![quant::quantize_multiplier((in_s * scales[0]) as f64 / out_s as f64)]
    };
    let bias = folded_bias(cx.opt_input(2), fdata, od, |i| i / depth, in_zp)?;
    let (act_min, act_max) = act_range(activation, out, (out_s, out_zp))?;
    let rq = requant_tokens(&requant)?;
    let params = quote!(::kiln::ops::FullyConnectedParams {
        batches: #batches, input_depth: #depth, output_depth: #od,
        output_zero_point: #out_zp, act_min: #act_min, act_max: #act_max,
        bias: &[#(#bias),*], requant: #rq,
    });
    let summary = format!(
        "{depth} → {od}, {} row(s), {}, {}",
        batches,
        activation.name(),
        if scales.len() > 1 { "per-channel" } else { "per-tensor" }
    );
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "fully_connected_s8", ty: "FullyConnectedParams", params },
        (batches * depth * od) as u64,
        summary,
    );
    // With AVX-512 VNNI, the int8 matrix product of the 1×1 convolutions.
    step.variants.push(Variant { gate: Gate::Cfg(x86_vnni()), func: "fully_connected_s8_gemm", generics: quote!(), filter: filter.index, layout: Some(gemm_filter(fdata, &bias, od, depth)), filter_name: "GEMM" });
    // On AArch64, the NEON matrix product.
    let pairs = no_min_weight(fdata);
    step.variants.push(Variant { gate: Gate::Cfg(aarch64_neon()), func: "fully_connected_s8_neon", generics: quote!(#pairs), filter: filter.index, layout: Some(gemm_filter_offset(fdata, &bias, od, depth, 0)), filter_name: "NEON" });
    // On x86-64 with SSE2 only, the PMADDWD matrix product.
    step.variants.push(Variant { gate: Gate::Cfg(x86_sse2()), func: "fully_connected_s8_sse2", generics: quote!(), filter: filter.index, layout: Some(sse2_filter(fdata, &bias, od, depth)), filter_name: "SSE2" });
    step.x86_dispatch = Some("fully_connected_s8_x86");
    // With the Arm DSP extension, the 1×1 convolution's dot products (SMLAD) over its layout.
    let layout = dsp_filter(fdata, od, 1, depth);
    step.variants.push(Variant { gate: Gate::ArmDsp, func: "fully_connected_s8_dsp", generics: quote!(), filter: filter.index, layout: Some(layout), filter_name: "DSP" });
    Ok(vec![step])
}

/// Shortest filter row (`k_w · in_c`) for which the row-dot kernel beats the packed one on
/// AVX2 (measured, BENCHMARKS.md: from 32 bytes; rows under 64 bytes it keeps out of line, where
/// LLVM 1.95 forms `vpmaddwd` for them instead of `vpmulld` across channels).
const MIN_ROW: usize = 32;

/// Longest filter row passed to `kiln::ops::conv2d_s8_dsp` as a constant
/// (`kiln::ops::MAX_CONST_ROW`).
const MAX_CONST_ROW: usize = 32;

/// Deepest input of a 1×1 stride-1 CONV_2D passed to `kiln::ops::conv2d_s8_dsp` as a
/// constant (its depth loop is unrolled in blocks of at most 32 bytes, so the code size does not
/// grow with the depth).
const MAX_CONST_DEPTH: usize = 4096;

/// Longest filter row (`k_w · in_c`) the row-dot CONV_2D kernel is instantiated for.
const MAX_ROW: usize = 4096;

/// Output channels per block of a packed filter (`kiln::ops::OC_BLOCK`).
const OC_BLOCK: usize = 8;

/// OHWI `[out_c][taps][in_c]` (`taps = kh · kw`) → the layout of
/// `kiln::ops::conv2d_s8_packed`: blocks of [`OC_BLOCK`] output
/// channels `[taps][in_c][OC_BLOCK]`, then a narrower tail block `[taps][in_c][out_c % OC_BLOCK]`,
/// so that for each tap and input channel the kernel finds the weights of a whole block of
/// output channels together. Same bytes, same length.
fn pack_filter(ohwi: &[u8], out_c: usize, taps: usize, in_c: usize) -> std::sync::Arc<[u8]> {
    let mut packed = Vec::with_capacity(ohwi.len());
    for c0 in (0..out_c).step_by(OC_BLOCK) {
        let width = (out_c - c0).min(OC_BLOCK);
        for t in 0..taps {
            for i in 0..in_c {
                for c in c0..c0 + width {
                    packed.push(ohwi.get((c * taps + t) * in_c + i).copied().unwrap_or(0));
                }
            }
        }
    }
    packed.into()
}

/// OHWI `[out_c][k_h][L]` (`L = k_w · in_c`) → the layout of `kiln::ops::conv2d_s8_dsp`:
/// output channels in pairs, each pair's rows (per `ky`) interleaved word by word (`L / 4` words
/// of channel c, c + 1 alternately), then the two rows' `L % 4` remaining bytes; an odd last
/// channel keeps its rows. The inner loop then reads both channels' filter words with one load.
fn dsp_filter(ohwi: &[u8], out_c: usize, k_h: usize, row_len: usize) -> std::sync::Arc<[u8]> {
    let f_len = k_h * row_len;
    let body = row_len / 4 * 4;
    let row = |c: usize, ky: usize| &ohwi[c * f_len + ky * row_len..c * f_len + (ky + 1) * row_len];
    let mut out = Vec::with_capacity(ohwi.len());
    for c in (0..out_c).step_by(2) {
        for ky in 0..k_h {
            if c + 1 < out_c {
                let (r0, r1) = (row(c, ky), row(c + 1, ky));
                for (a, b) in r0[..body].chunks_exact(4).zip(r1[..body].chunks_exact(4)) {
                    out.extend_from_slice(a);
                    out.extend_from_slice(b);
                }
                out.extend_from_slice(&r0[body..]);
                out.extend_from_slice(&r1[body..]);
            } else {
                out.extend_from_slice(row(c, ky));
            }
        }
    }
    out.into()
}

/// The targets of the AVX-512 VNNI kernels (`kiln::ops::conv2d_s8_gemm`,
/// `kiln::ops::fully_connected_s8_gemm`): the runtime's `cfg(kiln_x86_vnni)`, which the user's
/// crate, built with the same flags, evaluates the same.
fn x86_vnni() -> TokenStream {
    quote!(all(target_arch = "x86_64", target_feature = "avx512f", target_feature = "avx512vnni"))
}

/// The targets of the SSE2 kernels (`kiln::ops::conv2d_s8_sse2`,
/// `kiln::ops::fully_connected_s8_sse2`): x86-64 builds with SSE2 but without AVX2 (the default
/// `x86_64-*` target's build; AVX2 builds take the row kernel or the VNNI one). The runtime's
/// `cfg(kiln_x86_sse2)` only says whether the instructions or their twins run.
fn x86_sse2() -> TokenStream {
    quote!(all(target_arch = "x86_64", target_feature = "sse2", not(target_feature = "avx2")))
}

/// Output channels per block of `kiln::ops::conv2d_s8_sse2`'s filter (`kiln::ops::SSE2_LANES`).
const SSE2_LANES: usize = 8;

/// `[out_c][depth]` int8 weights and their folded bias → the layout of
/// `kiln::ops::conv2d_s8_sse2` (`kiln::ops::pack_filter_sse2` at compile time): blocks of
/// [`SSE2_LANES`] output channels (the last padded with zero channels), each its eight biases
/// (little-endian i32), then per two input channels 32 bytes: each channel's two weights as
/// little-endian i16 (zero past the depth), PMADDWD's operand.
fn sse2_filter(w: &[u8], bias: &[i32], out_c: usize, depth: usize) -> std::sync::Arc<[u8]> {
    let weight = |c: usize, i: usize| if c < out_c && i < depth { w[c * depth + i] as i8 as i16 } else { 0 };
    let mut out = Vec::with_capacity(out_c.div_ceil(SSE2_LANES) * 32 * (1 + depth.div_ceil(2)));
    for c0 in (0..out_c).step_by(SSE2_LANES) {
        for c in c0..c0 + SSE2_LANES {
            let b = if c < out_c { bias.get(c).copied().unwrap_or(0) } else { 0 };
            out.extend_from_slice(&b.to_le_bytes());
        }
        for q in 0..depth.div_ceil(2) {
            for c in c0..c0 + SSE2_LANES {
                out.extend_from_slice(&weight(c, 2 * q).to_le_bytes());
                out.extend_from_slice(&weight(c, 2 * q + 1).to_le_bytes());
            }
        }
    }
    out.into()
}

/// `[1][k_h][k_w][c]` depthwise weights → the layout of `kiln::ops::depthwise_conv2d_s8_sse2`
/// (`kiln::ops::pack_filter_depthwise_sse2` at compile time): per block of [`SSE2_LANES`]
/// channels (the last padded with zero channels), per pair of taps (an odd last one paired
/// with zero weights), per channel its two weights as little-endian i16: PMADDWD's operand.
fn depthwise_sse2_filter(w: &[u8], c: usize, taps: usize) -> std::sync::Arc<[u8]> {
    let weight = |t: usize, ch: usize| if t < taps && ch < c { w[t * c + ch] as i8 as i16 } else { 0 };
    let mut out = Vec::with_capacity(c.div_ceil(SSE2_LANES) * taps.div_ceil(2) * 4 * SSE2_LANES);
    for c0 in (0..c).step_by(SSE2_LANES) {
        for q in 0..taps.div_ceil(2) {
            for ch in c0..c0 + SSE2_LANES {
                out.extend_from_slice(&weight(2 * q, ch).to_le_bytes());
                out.extend_from_slice(&weight(2 * q + 1, ch).to_le_bytes());
            }
        }
    }
    out.into()
}

/// The targets of the AArch64 NEON kernels (`kiln::ops::conv2d_s8_neon`,
/// `kiln::ops::fully_connected_s8_neon`, `kiln::ops::depthwise_conv2d_s8_neon`): the runtime's
/// `cfg(kiln_aarch64_neon)`, which the user's crate, built with the same flags, evaluates the
/// same (with or without `dotprod`: the layout is the same, the runtime picks the instructions).
fn aarch64_neon() -> TokenStream {
    quote!(all(target_arch = "aarch64", target_feature = "neon"))
}

/// Whether an int8 filter lacks the weight −128 (TFLite's int8 weights are in `−127..=127`):
/// `kiln::ops::conv2d_s8_neon`'s `PAIRS`, which lets its NEON kernel without `dotprod` add two
/// products in one `i16` lane (at most `2 · 128 · 127` in magnitude).
fn no_min_weight(w: &[u8]) -> bool {
    !w.contains(&0x80)
}

/// Output channels per block of `kiln::ops::conv2d_s8_gemm`'s filter (`kiln::ops::GEMM_LANES`).
const GEMM_LANES: usize = 16;

/// `[out_c][depth]` int8 weights and their folded bias → the layout of
/// `kiln::ops::conv2d_s8_gemm` (`kiln::ops::pack_filter_gemm` at compile time): blocks of
/// [`GEMM_LANES`] output channels (the last padded with zero channels), each its 16 biases
/// `bias − 128 · Σ w` (little-endian i32: the kernel feeds the input as `x + 128`), then per
/// four input channels 64 bytes, the four weights of each channel in turn (zero past the depth).
fn gemm_filter(w: &[u8], bias: &[i32], out_c: usize, depth: usize) -> std::sync::Arc<[u8]> {
    gemm_filter_offset(w, bias, out_c, depth, 128)
}

/// [`gemm_filter`] with `offset · Σ w` folded out of the bias instead of `128 · Σ w`: 0 for
/// `kiln::ops::conv2d_s8_neon` (`kiln::ops::pack_filter_neon`), whose SDOT and SMULL take the
/// signed input as it is.
fn gemm_filter_offset(w: &[u8], bias: &[i32], out_c: usize, depth: usize, offset: i32) -> std::sync::Arc<[u8]> {
    let mut out = Vec::with_capacity(out_c.div_ceil(GEMM_LANES) * 64 * (1 + depth.div_ceil(4)));
    for c0 in (0..out_c).step_by(GEMM_LANES) {
        for c in c0..c0 + GEMM_LANES {
            let folded = match (bias.get(c), w.get(c * depth..(c + 1) * depth)) {
                (Some(&b), Some(row)) if c < out_c => {
                    b.wrapping_sub(row.iter().fold(0i32, |s, &x| s.wrapping_add(x as i8 as i32)).wrapping_mul(offset))
                }
                _ => 0,
            };
            out.extend_from_slice(&folded.to_le_bytes());
        }
        for q in 0..depth.div_ceil(4) {
            for c in c0..c0 + GEMM_LANES {
                for i in 4 * q..4 * q + 4 {
                    out.push(if c < out_c && i < depth { w[c * depth + i] } else { 0 });
                }
            }
        }
    }
    out.into()
}

/// `[1][k_h][k_w][c]` depthwise weights → the layout of `kiln::ops::depthwise_conv2d_s8_gemm`
/// (`kiln::ops::pack_filter_depthwise_gemm` at compile time): per block of [`GEMM_LANES`]
/// channels (the last padded with zero channels), per tap, one little-endian `i32` per channel
/// holding the weight in its low 16 bits (sign-extended) and zero above, VPDPWSSD's operand.
fn depthwise_gemm_filter(w: &[u8], c: usize, taps: usize) -> std::sync::Arc<[u8]> {
    let mut out = Vec::with_capacity(c.div_ceil(GEMM_LANES) * taps * 4 * GEMM_LANES);
    for c0 in (0..c).step_by(GEMM_LANES) {
        for t in 0..taps {
            for ch in c0..c0 + GEMM_LANES {
                let x = if ch < c { w[t * c + ch] as i8 as i16 as u16 } else { 0 };
                out.extend_from_slice(&u32::from(x).to_le_bytes());
            }
        }
    }
    out.into()
}

/// `[1][k_h][k_w][c]` depthwise weights → the layout of `kiln::ops::depthwise_conv2d_s8_neon`
/// (`kiln::ops::pack_filter_depthwise_neon` at compile time): per block of [`GEMM_LANES`]
/// channels (the last padded with zero channels), per tap, the block's 16 weight bytes.
fn depthwise_neon_filter(w: &[u8], c: usize, taps: usize) -> std::sync::Arc<[u8]> {
    let mut out = Vec::with_capacity(c.div_ceil(GEMM_LANES) * taps * GEMM_LANES);
    for c0 in (0..c).step_by(GEMM_LANES) {
        for t in 0..taps {
            for ch in c0..c0 + GEMM_LANES {
                out.push(if ch < c { w[t * c + ch] } else { 0 });
            }
        }
    }
    out.into()
}

/// Bias with `-input_zero_point * Σ filter` folded in, per output channel. Exact: i32
/// arithmetic wraps, and wrapping is a ring homomorphism, so the kernel's `bias + Σ x·w`
/// equals TFLM's `bias + Σ (x - zp)·w` bit for bit even in the (theoretical) overflow case.
fn folded_bias(bias: Option<&Tensor>, filter: &[u8], channels: usize, channel_of: impl Fn(usize) -> usize, input_zp: i32) -> R<Vec<i32>> {
    let mut sums = vec![0i32; channels];
    for (i, &w) in filter.iter().enumerate() {
        let c = channel_of(i);
        sums[c] = sums[c].wrapping_add(w as i8 as i32);
    }
    let raw: Vec<i32> = match bias {
        None => vec![0; channels],
        Some(b) => {
            expect_dtype(b, DType::I32, "bias")?;
            let d = expect_const(b, "bias")?;
            if b.elements() != channels {
                return invalid(format!("bias {} has {} elements, expected {channels}", b.label(), b.elements()));
            }
            d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        }
    };
    Ok(raw.iter().zip(&sums).map(|(&b, &s)| b.wrapping_sub(input_zp.wrapping_mul(s))).collect())
}

/// The options CONV_2D and DEPTHWISE_CONV_2D share.
pub(super) struct ConvOptions {
    pub padding: Padding,
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub activation: Activation,
}

/// The geometry of a conv-family op as TFLM computes it at prepare time.
pub(super) struct ConvGeometry {
    /// NHWC input shape.
    pub input: [usize; 4],
    /// NHWC output shape (checked against the model's output tensor).
    pub output: [usize; 4],
    /// Rows above, columns left.
    pub pad: [usize; 2],
}

impl ConvGeometry {
    /// Output size and leading padding per spatial dimension ([`window`]); the model's output
    /// shape must agree.
    pub(super) fn new(input: &Tensor, out: &Tensor, [kh, kw]: [usize; 2], out_channels: usize, o: &ConvOptions) -> R<Self> {
        Self::band(input, out, [kh, kw], out_channels, o, None)
    }

    /// [`ConvGeometry::new`], or for a row band (`pad_top` set) the band's rows: its own top
    /// padding, and the output height the band tensor has.
    pub(super) fn band(
        input: &Tensor,
        out: &Tensor,
        [kh, kw]: [usize; 2],
        out_channels: usize,
        o: &ConvOptions,
        pad_top: Option<usize>,
    ) -> R<Self> {
        let [n, h, w, c] = nhwc(input, "input")?;
        let (oh, pad_h) = match pad_top {
            None => window(o.padding, h, kh, o.stride[0], o.dilation[0]),
            Some(p) => (out.shape.get(1).copied().unwrap_or(0), p),
        };
        let (ow, pad_w) = window(o.padding, w, kw, o.stride[1], o.dilation[1]);
        let output = [n, oh, ow, out_channels];
        if out.shape != output {
            return invalid(format!("output {} has shape {:?}, the options give {output:?}", out.label(), out.shape));
        }
        Ok(ConvGeometry { input: [n, h, w, c], output, pad: [pad_h, pad_w] })
    }

    /// `3x3 stride 2x2 dilation 1x1 Same padding 0/0`
    pub(super) fn describe(&self, [kh, kw]: [usize; 2], o: &ConvOptions) -> String {
        format!(
            "{kh}x{kw} stride {}x{} dilation {}x{} {:?} padding {}/{}",
            o.stride[0], o.stride[1], o.dilation[0], o.dilation[1], o.padding, self.pad[0], self.pad[1]
        )
    }
}

/// TFLM's per-channel multipliers: `input_scale · filter_scale / output_scale` in double
/// precision, one per filter scale.
pub(super) fn conv_requant(input_scale: f32, filter_scales: &[f32], output_scale: f32) -> Vec<Requant> {
    filter_scales.iter().map(|&fs| quant::quantize_multiplier(input_scale as f64 * fs as f64 / output_scale as f64)).collect()
}

/// What CONV_2D and DEPTHWISE_CONV_2D share once each has read its filter layout.
struct SpatialConv {
    /// The params fields both structs have (shapes, window, zero points, clamp, bias, requant).
    fields: TokenStream,
    out_hw: [usize; 2],
    /// `3x3 stride 2x2 dilation 1x1 Same padding 0/0`
    geometry: String,
    /// `RELU6, per-channel`
    quantization: String,
    /// 1×1, stride 1, no padding, output size = input size: a matrix product over the pixels.
    pointwise: bool,
}

/// Output geometry and padding as TFLM computes them, per-channel multipliers from TFLM's
/// double-precision product `input_scale · filter_scale / output_scale`, the folded bias and the
/// activation clamp. `channel_of` maps a filter byte index to its output channel.
#[allow(clippy::too_many_arguments)]
fn spatial_conv(
    cx: &Ctx<'_>,
    input: &Tensor,
    filter: &Tensor,
    out: &Tensor,
    [kh, kw]: [usize; 2],
    out_channels: usize,
    filter_axis: usize,
    channel_of: impl Fn(usize) -> usize,
    o: &ConvOptions,
) -> R<SpatialConv> {
    let fdata = expect_const(filter, "filter")?;
    let geo = ConvGeometry::band(input, out, [kh, kw], out_channels, o, cx.band_pad_top)?;
    let (in_s, in_zp) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    let scales = filter_scales(filter, out_channels, filter_axis)?;
    let requant = conv_requant(in_s, &scales, out_s);
    let bias = folded_bias(cx.opt_input(2), fdata, out_channels, channel_of, in_zp)?;
    let (act_min, act_max) = act_range(o.activation, out, (out_s, out_zp))?;
    let (i4, o4, k, s, d, p) = (
        usizes(&geo.input),
        usizes(&geo.output),
        usizes(&[kh, kw]),
        usizes(&o.stride),
        usizes(&o.dilation),
        usizes(&geo.pad),
    );
    let rq = requant_tokens(&requant)?;
    let fields = quote!(
        input: #i4, output: #o4, kernel: #k, stride: #s, dilation: #d, pad: #p,
        input_zero_point: #in_zp, output_zero_point: #out_zp, act_min: #act_min, act_max: #act_max,
        bias: &[#(#bias),*], requant: #rq,
    );
    let geometry = geo.describe([kh, kw], o);
    let quantization =
        format!("{}, {}", o.activation.name(), if scales.len() > 1 { "per-channel" } else { "per-tensor" });
    let pointwise = [kh, kw] == [1, 1] && o.stride == [1, 1] && geo.pad == [0, 0] && geo.input[1..3] == geo.output[1..3];
    Ok(SpatialConv { fields, out_hw: [geo.output[1], geo.output[2]], geometry, quantization, pointwise })
}

/// The compiler's filter layouts against the runtime's `pack_filter_*` (the kernels' own
/// definition of their operand, which their unit tests check against the reference kernels),
/// byte for byte over random shapes: around the block widths, with and without remainders. A
/// layout that drifted on one side would otherwise show only in the zoo, and only for the
/// shapes the zoo has.
#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*): the same cases on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn usize(&mut self, lo: usize, hi: usize) -> usize {
            lo + (self.next() % (hi - lo + 1) as u64) as usize
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
        fn biases(&mut self, n: usize) -> Vec<i32> {
            (0..n).map(|_| self.next() as i32).collect()
        }
    }

    /// A runtime packer that writes into a buffer of its stated length.
    fn packed(len: usize, pack: impl FnOnce(&mut [u8])) -> Vec<u8> {
        let mut out = vec![0xa5u8; len];
        pack(&mut out);
        out
    }

    #[test]
    fn matrix_product_layouts_match_the_runtime() {
        let mut rng = Rng(0x6b69_6c6e);
        for case in 0..400 {
            let out_c = if case % 3 == 0 { 16 * rng.usize(1, 5) } else { rng.usize(1, 70) };
            let depth = if case % 4 == 0 { 4 * rng.usize(1, 40) } else { rng.usize(1, 300) };
            let (w, bias) = (rng.bytes(out_c * depth), rng.biases(out_c));
            let at = format!("case {case}: out_c {out_c}, depth {depth}");
            let gemm_len = kiln::ops::gemm_filter_bytes(out_c, depth);
            let want = packed(gemm_len, |o| kiln::ops::pack_filter_gemm(&w, &bias, out_c, depth, o));
            assert_eq!(&*gemm_filter(&w, &bias, out_c, depth), &want[..], "VNNI, {at}");
            let want = packed(gemm_len, |o| kiln::ops::pack_filter_neon(&w, &bias, out_c, depth, o));
            assert_eq!(&*gemm_filter_offset(&w, &bias, out_c, depth, 0), &want[..], "NEON, {at}");
            let sse2_len = kiln::ops::sse2_filter_bytes(out_c, depth);
            let want = packed(sse2_len, |o| kiln::ops::pack_filter_sse2(&w, &bias, out_c, depth, o));
            assert_eq!(&*sse2_filter(&w, &bias, out_c, depth), &want[..], "SSE2, {at}");
        }
    }

    #[test]
    fn depthwise_layouts_match_the_runtime() {
        let mut rng = Rng(0x6477_636f);
        for case in 0..400 {
            let c = if case % 3 == 0 { 16 * rng.usize(1, 6) } else { rng.usize(1, 90) };
            let taps = rng.usize(1, 90);
            let w = rng.bytes(taps * c);
            let at = format!("case {case}: channels {c}, taps {taps}");
            let want = packed(kiln::ops::depthwise_gemm_filter_bytes(c, taps), |o| kiln::ops::pack_filter_depthwise_gemm(&w, c, taps, o));
            assert_eq!(&*depthwise_gemm_filter(&w, c, taps), &want[..], "VNNI, {at}");
            let want = packed(kiln::ops::depthwise_neon_filter_bytes(c, taps), |o| kiln::ops::pack_filter_depthwise_neon(&w, c, taps, o));
            assert_eq!(&*depthwise_neon_filter(&w, c, taps), &want[..], "NEON, {at}");
            let want = packed(kiln::ops::depthwise_sse2_filter_bytes(c, taps), |o| kiln::ops::pack_filter_depthwise_sse2(&w, c, taps, o));
            assert_eq!(&*depthwise_sse2_filter(&w, c, taps), &want[..], "SSE2, {at}");
        }
    }

    #[test]
    fn cortex_m_layouts_match_the_runtime() {
        let mut rng = Rng(0x636d_3473);
        for case in 0..300 {
            let (out_c, k_h, k_w, in_c) = (rng.usize(1, 40), rng.usize(1, 5), rng.usize(1, 5), rng.usize(1, 24));
            let ohwi = rng.bytes(out_c * k_h * k_w * in_c);
            let at = format!("case {case}: out_c {out_c}, kernel {k_h}x{k_w}, in_c {in_c}");
            let want: Vec<u8> = kiln::ops::pack_filter(&ohwi, out_c, k_h * k_w, in_c).collect();
            assert_eq!(&*pack_filter(&ohwi, out_c, k_h * k_w, in_c), &want[..], "packed, {at}");
            let want: Vec<u8> = kiln::ops::pack_filter_dsp(&ohwi, out_c, k_h, k_w * in_c).collect();
            assert_eq!(&*dsp_filter(&ohwi, out_c, k_h, k_w * in_c), &want[..], "DSP, {at}");
            // One input channel broadcast to `c` outputs: groups of four channels, rows of
            // four taps (what the compiler sends to that kernel).
            let (c, k_w4) = (4 * rng.usize(1, 8), 4 * rng.usize(1, 3));
            let filter = rng.bytes(k_h * k_w4 * c);
            let want: Vec<u8> = kiln::ops::pack_filter_broadcast(&filter, k_h, k_w4, c).collect();
            assert_eq!(&*broadcast_filter(&filter, k_h, k_w4, c), &want[..], "broadcast, {at}, c {c}, k_w {k_w4}");
        }
    }
}
