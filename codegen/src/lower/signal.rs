//! TFLM's signal library (custom ops `Signal…`, `signal/micro/kernels`): the integer audio front
//! end of micro_speech-style preprocessor models. Options are flexbuffer maps that TFLM reads
//! *by position* (`FlexbufferWrapper::ElementAsInt32(index)`, keys sorted): kiln reads them by
//! name and checks that each sits where TFLM looks for it, so a model TFLM would misread is a
//! named error instead of a different result. Everything TFLM leaves undefined (shifts past the
//! type's width, tables indexed out of range) is rejected at compile time.

use quote::quote;

use super::*;
use crate::flexbuffers::{self, Value};

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CUSTOM(SignalWindow)", dtype: DType::I16, lower: window },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::I16, lower: rfft },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::I32, lower: rfft },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::F32, lower: rfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::I16, lower: irfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::I32, lower: irfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::F32, lower: irfft },
    Kernel { op: "CUSTOM(SignalEnergy)", dtype: DType::I16, lower: energy },
    Kernel { op: "CUSTOM(SignalFilterBank)", dtype: DType::U32, lower: filter_bank },
    Kernel { op: "CUSTOM(SignalFilterBankSquareRoot)", dtype: DType::U64, lower: filter_bank_square_root },
    Kernel { op: "CUSTOM(SignalFilterBankSpectralSubtraction)", dtype: DType::U32, lower: spectral_subtraction },
    Kernel { op: "CUSTOM(SignalPCAN)", dtype: DType::U32, lower: pcan },
    Kernel { op: "CUSTOM(SignalFilterBankLog)", dtype: DType::U32, lower: filter_bank_log },
    Kernel { op: "CUSTOM(SignalFftAutoScale)", dtype: DType::I16, lower: fft_auto_scale },
    Kernel { op: "CUSTOM(SignalDelay)", dtype: DType::I16, lower: delay },
    Kernel { op: "CUSTOM(SignalOverlapAdd)", dtype: DType::I16, lower: overlap_add },
    Kernel { op: "CUSTOM(SignalOverlapAdd)", dtype: DType::F32, lower: overlap_add },
    Kernel { op: "CUSTOM(SignalFramer)", dtype: DType::I16, lower: framer },
    Kernel { op: "CUSTOM(SignalStacker)", dtype: DType::I16, lower: stacker },
];

/// The options TFLM reads, as `(position, key)`: each key must be in the map at the position
/// TFLM reads it from. Returns the values in the order asked.
fn options(cx: &Ctx<'_>, keys: &[(usize, &str)]) -> R<Vec<Value>> {
    let Options::Custom { options: bytes, .. } = &cx.op.options else {
        return invalid("missing custom options");
    };
    let map = match flexbuffers::read_map(bytes) {
        Ok(m) => m,
        Err(e) => return invalid(format!("custom options: {e}")),
    };
    let mut out = Vec::new();
    for &(at, key) in keys {
        if flexbuffers::get(&map, key).is_none() {
            return invalid(format!("custom options: no `{key}`"));
        }
        match map.get(at) {
            Some((k, v)) if k == key => out.push(v.clone()),
            _ => {
                let have: Vec<&str> = map.iter().map(|(k, _)| k.as_str()).collect();
                return invalid(format!(
                    "custom options: `{key}` is not entry {at} of the map (keys: {}); TFLM reads it by position",
                    have.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// `ElementAsInt32`: an integer option, truncated to int32 as TFLM does.
fn int(v: &Value, key: &str) -> R<i64> {
    match v {
        Value::Int(_) | Value::UInt(_) => Ok(v.as_i64().map_or(0, |i| i as i32 as i64)),
        other => invalid(format!("custom options: `{key}` is a {}, expected an integer", other.type_name())),
    }
}

/// An integer option that TFLM uses as a shift amount (or other bounded count): `0..=max`.
fn in_range(v: i64, key: &str, max: i64, why: &str) -> R<u32> {
    if (0..=max).contains(&v) {
        Ok(v as u32)
    } else {
        invalid(format!("custom options: `{key}` is {v}, must be in 0..={max} ({why})"))
    }
}

fn expect_inputs(cx: &Ctx<'_>, n: usize, what: &str) -> R<()> {
    if cx.op.inputs.len() != n {
        return invalid(format!("has {} inputs, expected {n} ({what})", cx.op.inputs.len()));
    }
    Ok(())
}

/// A rank-1 tensor's length.
fn vector(t: &Tensor, role: &str) -> R<usize> {
    match t.shape.as_slice() {
        &[n] => Ok(n),
        s => invalid(format!("{role} {} has shape {s:?}, expected rank 1", t.label())),
    }
}

fn expect_len(t: &Tensor, role: &str, n: usize, why: &str) -> R<()> {
    let have = vector(t, role)?;
    if have != n {
        return invalid(format!("{role} {} has {have} elements, expected {n} ({why})", t.label()));
    }
    Ok(())
}

/// A constant int16 table's values.
fn i16_values(t: &Tensor, role: &str) -> R<Vec<i16>> {
    expect_dtype(t, DType::I16, role)?;
    let d = expect_const(t, role)?;
    Ok(d.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect())
}

/// `SignalWindow`: int16 input rows times the constant int16 window, `>> shift`, saturated.
fn window(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 2, "input, window")?;
    let (input, weights, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let shift = options(cx, &[(0, "shift")])?;
    let shift = in_range(int(&shift[0], "shift")?, "shift", 31, "TFLM shifts an int32 by it")?;
    let n = vector(weights, "window")?;
    i16_values(weights, "window")?;
    expect_dtype(out, DType::I16, "output")?;
    if input.shape.is_empty() || n == 0 || input.elements() % n != 0 {
        return invalid(format!(
            "input {} has shape {:?}: TFLM windows it in rows of the window's {n} elements, which must divide it",
            input.label(),
            input.shape
        ));
    }
    if out.shape.len() != input.shape.len() || out.elements() != input.elements() {
        return invalid(format!("output {} has shape {:?}, expected the input's {:?}", out.label(), out.shape, input.shape));
    }
    let summary = format!("{} rows × {n}-point window, >> {shift}", input.elements() / n);
    let macs = input.elements() as u64;
    Ok(vec![cx.step(
        vec![cx.operand(input), cx.operand(weights)],
        out,
        Call::Scalars { func: "signal_window", scalars: quote!(#shift) },
        macs,
        summary,
    )])
}

/// KISS FFT v130's `kf_factor`: powers of 4 first, then 2, 3, 5, … — as `(radix, m)` stages.
fn kiss_factors(mut n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut p = 4;
    let floor_sqrt = (n as f64).sqrt().floor() as usize;
    loop {
        while n % p != 0 {
            p = match p {
                4 => 2,
                2 => 3,
                _ => p + 2,
            };
            if p > floor_sqrt {
                p = n;
            }
        }
        n /= p;
        out.push((p, n));
        if n <= 1 {
            return out;
        }
    }
}

/// KISS FFT's `kf_cexp` on each phase, as `[[re, im], …]` of the transform's scalar type:
/// `floor(0.5 + SAMP_MAX · cos phase)` in fixed point (SAMP_MAX 32767 or 2147483647), `(float) cos phase`.
fn twiddles(dtype: DType, phases: impl Iterator<Item = f64>) -> TokenStream {
    let items = phases.map(|phase| match dtype {
        DType::I16 => {
            let (r, i) = ((0.5 + 32767.0 * phase.cos()).floor() as i16, (0.5 + 32767.0 * phase.sin()).floor() as i16);
            quote!([#r, #i])
        }
        DType::I32 => {
            let m = 2147483647.0f64;
            let (r, i) = ((0.5 + m * phase.cos()).floor() as i32, (0.5 + m * phase.sin()).floor() as i32);
            quote!([#r, #i])
        }
        _ => {
            let (r, i) = (phase.cos() as f32, phase.sin() as f32);
            quote!([#r, #i])
        }
    });
    quote!(&[#(#items),*])
}

/// The kernel suffix and params type suffix of an FFT's scalar type.
fn fft_type(dtype: DType) -> (&'static str, &'static str) {
    match dtype {
        DType::I16 => ("s16", "I16"),
        DType::I32 => ("s32", "I32"),
        _ => ("f32", "F32"),
    }
}

/// A `kiln::ops::KissFft` literal.
fn kiss_plan(factors: &[(usize, usize)], tw: TokenStream, inverse: bool) -> TokenStream {
    let fs = factors.iter().map(|&(p, m)| quote!((#p, #m)));
    quote!(::kiln::ops::KissFft { factors: &[#(#fs),*], twiddles: #tw, inverse: #inverse })
}

/// `T` and `fft_length` of SignalRfft/SignalIrfft: `T` the input's type (TFLM picks its kernel
/// by `T`), the length a power of two from 4 (KISS FFT's radix-2/4 stages). Returns the length
/// and its plan's factors.
fn fft_options(cx: &Ctx<'_>) -> R<(usize, Vec<(usize, usize)>)> {
    let o = options(cx, &[(0, "T"), (1, "fft_length")])?;
    let t = int(&o[0], "T")?;
    let input = cx.input(0)?;
    // TensorType FLOAT32 0, INT32 2, INT16 7.
    let want = match input.dtype {
        DType::I16 => 7,
        DType::I32 => 2,
        _ => 0,
    };
    if t != want {
        return invalid(format!(
            "custom options: `T` is tensor type {t}, but input {} is {} (tensor type {want}); TFLM picks its kernel by `T`",
            input.label(),
            input.dtype.name()
        ));
    }
    let fft_length = int(&o[1], "fft_length")?;
    let n = (fft_length / 2) as usize;
    if fft_length < 4 || fft_length % 2 != 0 || !n.is_power_of_two() {
        return unsupported(format!(
            "custom options: `fft_length` is {fft_length}; kiln implements powers of two from 4 (KISS FFT radix-2/4 stages)"
        ));
    }
    let factors = kiss_factors(n);
    if factors.iter().any(|&(p, _)| p != 2 && p != 4) {
        return unsupported(format!("fft_length {fft_length}: KISS FFT stages {factors:?} (kiln has radix 2 and 4)"));
    }
    Ok((fft_length as usize, factors))
}

/// `SignalIrfft` on int16: KISS FFT's fixed-point inverse real FFT. Two steps: the split into a
/// scratch buffer, the inverse complex FFT from it.
fn irfft(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let (fft_length, factors) = fft_options(cx)?;
    expect_dtype(out, input.dtype, "output")?;
    let (suffix, ty) = fft_type(input.dtype);
    let n = fft_length / 2;
    let (Some(&in_last), Some(&out_last)) = (input.shape.last(), out.shape.last()) else {
        return invalid("input and output must have at least one dimension");
    };
    let same_rows = out.shape.len() == input.shape.len() && out.shape[..out.shape.len() - 1] == input.shape[..input.shape.len() - 1];
    if in_last != fft_length + 2 || out_last != fft_length || !same_rows {
        return invalid(format!(
            "input {} {:?} and output {} {:?}: expected rows of {} (fft_length / 2 + 1 complex values) in and {fft_length} samples out",
            input.label(),
            input.shape,
            out.label(),
            out.shape,
            fft_length + 2
        ));
    }
    let pi = std::f64::consts::PI;
    let tw = twiddles(input.dtype, (0..n).map(|i| 2.0 * pi * i as f64 / n as f64));
    let sw = twiddles(input.dtype, (0..n / 2).map(|i| pi * ((i + 1) as f64 / n as f64 + 0.5)));
    let fft = kiss_plan(&factors, tw, true);
    let input_length = n + 1;
    let (split_fn, fft_fn, params_ty) = match suffix {
        "s16" => ("signal_irfft_s16_split", "signal_irfft_s16_fft", "SignalIrfftParamsI16"),
        "s32" => ("signal_irfft_s32_split", "signal_irfft_s32_fft", "SignalIrfftParamsI32"),
        _ => ("signal_irfft_f32_split", "signal_irfft_f32_fft", "SignalIrfftParamsF32"),
    };
    let _ = ty;
    let params = quote!(::kiln::ops::SignalIrfftParams {
        fft_length: #fft_length,
        input_length: #input_length,
        fft: #fft,
        super_twiddles: #sw,
    });
    let rows = out.elements() / fft_length;
    let summary = format!("{rows} rows, {fft_length}-point {} inverse real FFT (KISS FFT)", input.dtype.name());
    let mut split = cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: split_fn, ty: params_ty, params: params.clone() },
        (rows * n) as u64,
        summary.clone(),
    );
    split.output = SCRATCH;
    split.scratch = rows * fft_length * input.dtype.size().unwrap_or(4);
    let macs = (rows * fft_length * (fft_length.trailing_zeros() as usize)) as u64;
    let fft = cx.step(vec![Operand::Arena(SCRATCH)], out, Call::Params { func: fft_fn, ty: params_ty, params }, macs, summary);
    Ok(vec![split, fft])
}

/// `SignalRfft` on int16: KISS FFT's fixed-point real FFT, its plan built here.
fn rfft(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let (fft_length, factors) = fft_options(cx)?;
    expect_dtype(out, input.dtype, "output")?;
    let (suffix, ty) = fft_type(input.dtype);
    let n = fft_length / 2;
    let (Some(&input_length), Some(&out_last)) = (input.shape.last(), out.shape.last()) else {
        return invalid("input and output must have at least one dimension");
    };
    if input_length == 0 || input_length > fft_length {
        return invalid(format!(
            "input {} rows have {input_length} samples, expected 1..={fft_length} (TFLM zero-pads each row to fft_length)",
            input.label()
        ));
    }
    if out_last != fft_length + 2
        || out.shape.len() != input.shape.len()
        || out.shape[..out.shape.len() - 1] != input.shape[..input.shape.len() - 1]
    {
        return invalid(format!(
            "output {} has shape {:?}; input {:?} needs its last dimension {} (fft_length / 2 + 1 complex values)",
            out.label(),
            out.shape,
            input.shape,
            fft_length + 2
        ));
    }
    let pi = std::f64::consts::PI;
    let tw = twiddles(input.dtype, (0..n).map(|i| -2.0 * pi * i as f64 / n as f64));
    let sw = twiddles(input.dtype, (0..n / 2).map(|i| -pi * ((i + 1) as f64 / n as f64 + 0.5)));
    let fft = kiss_plan(&factors, tw, false);
    let output_length = out_last / 2;
    let params = quote!(::kiln::ops::SignalRfftParams {
        fft_length: #fft_length,
        input_length: #input_length,
        output_length: #output_length,
        fft: #fft,
        super_twiddles: #sw,
    });
    let rows = input.elements() / input_length;
    let macs = (rows * fft_length * (fft_length.trailing_zeros() as usize)) as u64;
    let summary = format!("{rows} rows of {input_length} samples, {fft_length}-point {} real FFT (KISS FFT)", input.dtype.name());
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params {
            func: match suffix {
                "s16" => "signal_rfft_s16",
                "s32" => "signal_rfft_s32",
                _ => "signal_rfft_f32",
            },
            ty: match ty {
                "I16" => "SignalRfftParamsI16",
                "I32" => "SignalRfftParamsI32",
                _ => "SignalRfftParamsF32",
            },
            params,
        },
        macs,
        summary,
    )])
}

/// `SignalEnergy`: |z|² of complex bins `start_index..end_index`.
fn energy(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "end_index"), (1, "start_index")])?;
    let (end, start) = (int(&o[0], "end_index")?, int(&o[1], "start_index")?);
    let bins = vector(input, "input")? / 2;
    expect_dtype(out, DType::U32, "output")?;
    let outs = vector(out, "output")?;
    if start < 0 || start > end || end as usize > bins.min(outs) {
        return invalid(format!(
            "custom options: start_index {start}, end_index {end}: must satisfy 0 <= start <= end <= {} (input {} has {bins} complex bins, output {} {outs} elements)",
            bins.min(outs),
            input.label(),
            out.label()
        ));
    }
    let (s, e) = (start as usize, end as usize);
    let summary = format!("|z|² of bins {s}..{e} (others 0)");
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "signal_energy", scalars: quote!(#s, #e) },
        2 * (e - s) as u64,
        summary,
    )])
}

/// `SignalFilterBank`: mel channels from constant weight/index tables, every index checked.
fn filter_bank(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 6, "input, weights, unweights, channel_frequency_starts, channel_weight_starts, channel_widths")?;
    let input = cx.input(0)?;
    let o = options(cx, &[(0, "num_channels")])?;
    let channels = int(&o[0], "num_channels")?;
    if channels < 0 {
        return invalid(format!("custom options: `num_channels` is {channels}"));
    }
    let channels = channels as usize;
    let bins = vector(input, "input")?;
    let roles = ["weights", "unweights", "channel_frequency_starts", "channel_weight_starts", "channel_widths"];
    let mut tables = Vec::new();
    for (k, role) in roles.iter().enumerate() {
        let t = cx.input(k + 1)?;
        vector(t, role)?;
        tables.push(i16_values(t, role)?);
    }
    let out = cx.output()?;
    expect_dtype(out, DType::U64, "output")?;
    expect_len(out, "output", channels, "num_channels")?;
    for (k, t) in tables.iter().enumerate().skip(2) {
        if t.len() < channels + 1 {
            return invalid(format!("{} has {} entries, expected num_channels + 1 = {}", roles[k], t.len(), channels + 1));
        }
    }
    let weights = tables[0].len().min(tables[1].len());
    let mut macs = 0u64;
    let bands = tables[2].iter().zip(&tables[3]).zip(&tables[4]).take(channels + 1);
    for (i, ((&freq, &wstart), &width)) in bands.enumerate() {
        let (f, w, n) = (freq as i64, wstart as i64, width as i64);
        if f < 0 || w < 0 || n < 0 || f + n > bins as i64 || w + n > weights as i64 {
            return invalid(format!(
                "channel {i}: frequency start {freq}, weight start {wstart}, width {width} reach outside the input's {bins} bins or the {weights} weights"
            ));
        }
        macs += 2 * n as u64;
    }
    let operands = (0..6).map(|k| cx.input(k).map(|t| cx.operand(t))).collect::<R<Vec<_>>>()?;
    let summary = format!("{channels} channels over {bins} bins");
    Ok(vec![cx.step(operands, out, Call::Scalars { func: "signal_filter_bank", scalars: quote!(#channels) }, macs, summary)])
}

/// `SignalFilterBankSquareRoot`: rounded square root `>> scale_bits` (a constant int32 scalar).
fn filter_bank_square_root(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 2, "input, scale_bits")?;
    let (input, bits, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let n = vector(input, "input")?;
    if !bits.shape.is_empty() || bits.dtype != DType::I32 {
        return invalid(format!("scale_bits {} is {} {:?}, expected an int32 scalar", bits.label(), bits.dtype.name(), bits.shape));
    }
    let v = int_values(bits, "scale_bits")?;
    let scale_bits = in_range(v[0], "scale_bits", 31, "TFLM shifts a uint32 by it")
        .map_err(|_| Fail::Invalid(format!("scale_bits {} is {}, must be in 0..=31 (TFLM shifts a uint32 by it)", bits.label(), v[0])))?;
    expect_dtype(out, DType::U32, "output")?;
    expect_len(out, "output", n, "one per input channel")?;
    let summary = format!("{n} channels, sqrt >> {scale_bits}");
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "signal_filter_bank_square_root", scalars: quote!(#scale_bits) },
        0,
        summary,
    )])
}

/// `SignalFilterBankSpectralSubtraction`: two outputs (the signal and a copy of the noise
/// estimate) and a noise estimate kept between inferences (the op's state).
fn spectral_subtraction(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let keys = [
        "alternate_one_minus_smoothing",
        "alternate_smoothing",
        "clamping",
        "min_signal_remaining",
        "num_channels",
        "one_minus_smoothing",
        "smoothing",
        "smoothing_bits",
        "spectral_subtraction_bits",
    ];
    let pos: Vec<(usize, &str)> = keys.iter().copied().enumerate().collect();
    let o = options(cx, &pos)?;
    let clamping = match &o[2] {
        Value::Bool(b) => *b,
        v => match v.as_i64() {
            Some(i) => i != 0, // ElementAsBool accepts numbers too
            None => return invalid(format!("custom options: `clamping` is a {}, expected a bool", v.type_name())),
        },
    };
    let u = |k: usize| -> R<u32> { Ok(int(&o[k], keys[k])? as i32 as u32) };
    let channels = int(&o[4], "num_channels")?;
    if channels < 0 {
        return invalid(format!("custom options: `num_channels` is {channels}"));
    }
    let channels = channels as usize;
    let smoothing_bits = in_range(int(&o[7], keys[7])?, keys[7], 31, "TFLM shifts a uint32 by it")?;
    let sub_bits = in_range(int(&o[8], keys[8])?, keys[8], 63, "TFLM shifts a uint64 by it")?;
    expect_dtype(input, DType::U32, "input")?;
    expect_len(input, "input", channels, "num_channels")?;
    let outs: Vec<&Tensor> = cx.op.outputs.iter().map(|&t| &cx.g.tensors[t]).collect();
    if outs.len() != 2 {
        return invalid(format!("has {} outputs, expected 2 (output, noise estimate)", outs.len()));
    }
    for (t, role) in outs.iter().zip(["output", "noise estimate"]) {
        expect_dtype(t, DType::U32, role)?;
        expect_len(t, role, channels, "num_channels")?;
    }
    let (sm, oms, asm, aoms, msr) = (u(6)?, u(5)?, u(1)?, u(0)?, u(3)?);
    let params = quote!(::kiln::ops::SpectralSubtractionParams {
        smoothing: #sm,
        one_minus_smoothing: #oms,
        alternate_smoothing: #asm,
        alternate_one_minus_smoothing: #aoms,
        smoothing_bits: #smoothing_bits,
        spectral_subtraction_bits: #sub_bits,
        min_signal_remaining: #msr,
        clamping: #clamping,
    });
    let summary = format!(
        "{channels} channels, smoothing {sm}/{oms} (odd {asm}/{aoms}) >> {sub_bits}, {smoothing_bits} smoothing bits, floor {msr}{}",
        if clamping { ", clamped" } else { "" }
    );
    let mut main = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        outs[0],
        Call::Params { func: "signal_spectral_subtraction", ty: "SpectralSubtractionParams", params },
        0,
        summary,
    );
    main.state = vec![0; channels * 4];
    let copy = cx.step(
        vec![Operand::Arena(STATE)],
        outs[1],
        Call::Scalars { func: "copy_variable", scalars: quote!() },
        0,
        "noise estimate from the state".to_string(),
    );
    Ok(vec![main, copy])
}

/// Entries of PCAN's gain table TFLM can read: 4 per power-of-two interval of a uint32 noise
/// estimate, from `4 · 32 − 6 + 2`.
const PCAN_LUT: usize = 125;

/// `SignalPCAN`: per-channel gain control from the noise estimate and a gain table.
fn pcan(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 3, "input, noise estimate, gain table")?;
    let (input, noise, lut, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.output()?);
    let o = options(cx, &[(0, "snr_shift")])?;
    let snr_shift = in_range(int(&o[0], "snr_shift")?, "snr_shift", 63, "TFLM shifts a uint64 by it")?;
    let n = vector(input, "input")?;
    expect_dtype(noise, DType::U32, "noise estimate")?;
    expect_len(noise, "noise estimate", n, "one per input channel")?;
    expect_dtype(lut, DType::I16, "gain table")?;
    let entries = vector(lut, "gain table")?;
    if entries < PCAN_LUT {
        return invalid(format!(
            "gain table {} has {entries} entries; TFLM reads up to {PCAN_LUT} (4 per bit of a uint32 noise estimate)",
            lut.label()
        ));
    }
    expect_dtype(out, DType::U32, "output")?;
    expect_len(out, "output", n, "one per input channel")?;
    let summary = format!("{n} channels, snr >> {snr_shift}");
    Ok(vec![cx.step(
        vec![cx.operand(input), cx.operand(noise), cx.operand(lut)],
        out,
        Call::Scalars { func: "signal_pcan", scalars: quote!(#snr_shift) },
        n as u64,
        summary,
    )])
}

/// `SignalFilterBankLog`: scaled natural log of each channel, int16.
fn filter_bank_log(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "input_correction_bits"), (1, "output_scale")])?;
    let bits = in_range(int(&o[0], "input_correction_bits")?, "input_correction_bits", 31, "TFLM shifts a uint32 by it")?;
    let scale = int(&o[1], "output_scale")? as i32 as u32;
    let n = vector(input, "input")?;
    expect_dtype(out, DType::I16, "output")?;
    expect_len(out, "output", n, "one per input channel")?;
    let summary = format!("{n} channels, ln(x << {bits}) · {scale} / 65536");
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "signal_filter_bank_log", scalars: quote!(#scale, #bits) },
        n as u64,
        summary,
    )])
}

/// The op's outputs, exactly `n` of them.
fn outputs<'a>(cx: &Ctx<'a>, n: usize, what: &str) -> R<Vec<&'a Tensor>> {
    if cx.op.outputs.len() != n {
        return invalid(format!("has {} outputs, expected {n} ({what})", cx.op.outputs.len()));
    }
    Ok(cx.op.outputs.iter().map(|&t| &cx.g.tensors[t]).collect())
}

/// A bool scalar output (the framer's and stacker's "valid" flag).
fn valid_flag(t: &Tensor) -> R<()> {
    expect_dtype(t, DType::Bool, "valid flag")?;
    if !t.shape.is_empty() {
        return invalid(format!("valid flag {} has shape {:?}, expected a scalar", t.label(), t.shape));
    }
    Ok(())
}

/// `ElementAsBool`: a bool option (numbers count as their truth value).
fn flag(v: &Value, key: &str) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        v => match v.as_i64() {
            Some(i) => Ok(i != 0),
            None => invalid(format!("custom options: `{key}` is a {}, expected a bool", v.type_name())),
        },
    }
}

/// A positive integer option.
fn positive(v: &Value, key: &str) -> R<usize> {
    let i = int(v, key)?;
    if i < 1 {
        return invalid(format!("custom options: `{key}` is {i}, must be at least 1"));
    }
    Ok(i as usize)
}

/// `SignalFftAutoScale`: the frame shifted to full scale (output 0) and the shift (output 1),
/// each step computing the shift from the input.
fn fft_auto_scale(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "output, scale bits")?;
    let n = vector(input, "input")?;
    expect_dtype(outs[0], DType::I16, "output")?;
    expect_len(outs[0], "output", n, "the input's length")?;
    if outs[1].dtype != DType::I32 || !outs[1].shape.is_empty() {
        return invalid(format!(
            "scale bits {} is {} {:?}, expected an int32 scalar",
            outs[1].label(),
            outs[1].dtype.name(),
            outs[1].shape
        ));
    }
    let scaled = cx.step(
        vec![cx.operand(input)],
        outs[0],
        Call::Scalars { func: "signal_fft_auto_scale", scalars: quote!() },
        n as u64,
        format!("{n} samples to full scale"),
    );
    let bits = cx.step(
        vec![cx.operand(input)],
        outs[1],
        Call::Scalars { func: "signal_fft_auto_scale_bits", scalars: quote!() },
        0,
        "the shift".to_string(),
    );
    Ok(vec![scaled, bits])
}

/// `SignalDelay`: rows delayed by `delay_length` samples; the last ones are the op's state.
fn delay(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "delay_length")])?;
    let d = int(&o[0], "delay_length")?;
    if d < 0 {
        return invalid(format!("custom options: `delay_length` is {d}"));
    }
    let d = d as usize;
    expect_dtype(out, DType::I16, "output")?;
    let frame = match input.shape.last() {
        Some(&f) if f > 0 => f,
        _ => return invalid(format!("input {} has shape {:?}, expected rows of samples", input.label(), input.shape)),
    };
    if out.shape != input.shape {
        return invalid(format!("output {} has shape {:?}, expected the input's {:?}", out.label(), out.shape, input.shape));
    }
    let rows = input.elements() / frame;
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        out,
        Call::Scalars { func: "signal_delay", scalars: quote!(#frame, #d) },
        0,
        format!("{rows} rows of {frame} samples delayed by {d}"),
    );
    // A zero delay keeps no state; one byte keeps the state tensor (never read) non-empty.
    step.state = vec![0; (rows * d * 2).max(1)];
    Ok(vec![step])
}

/// `SignalOverlapAdd` (int16 or float32): frames overlap-added at `frame_step`.
fn overlap_add(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "T"), (1, "frame_step")])?;
    let (t, func, size) = match input.dtype {
        DType::I16 => (7, "signal_overlap_add_s16", 2),
        _ => (0, "signal_overlap_add_f32", 4),
    };
    if int(&o[0], "T")? != t {
        return invalid(format!(
            "custom options: `T` is tensor type {}, but input {} is {}",
            int(&o[0], "T")?,
            input.label(),
            input.dtype.name()
        ));
    }
    expect_dtype(out, input.dtype, "output")?;
    let step = positive(&o[1], "frame_step")?;
    let r = input.shape.len();
    if r < 2 {
        return invalid(format!("input {} has shape {:?}, expected [..., frames, frame size]", input.label(), input.shape));
    }
    let (frames, frame) = (input.shape[r - 2], input.shape[r - 1]);
    if step > frame {
        return invalid(format!("custom options: `frame_step` {step} exceeds the frame size {frame}"));
    }
    let mut want = input.shape[..r - 2].to_vec();
    want.push(frames * step);
    if out.shape != want {
        return invalid(format!("output {} has shape {:?}, expected {want:?}", out.label(), out.shape));
    }
    let rows = input.elements().checked_div(frames * frame).unwrap_or(0);
    let mut s = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        out,
        Call::Scalars { func, scalars: quote!(#frames, #frame, #step) },
        input.elements() as u64,
        format!("{rows} rows of {frames} frames of {frame}, hop {step}"),
    );
    s.state = vec![0; (rows * frame * size).max(1)];
    Ok(vec![s])
}

/// `SignalFramer`: overlapping frames from a sample stream (outputs: frames, valid flag).
fn framer(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "frames, valid flag")?;
    let o = options(cx, &[(0, "frame_size"), (1, "frame_step"), (2, "prefill")])?;
    let (frame, step, prefill) = (positive(&o[0], "frame_size")?, positive(&o[1], "frame_step")?, flag(&o[2], "prefill")?);
    expect_dtype(outs[0], DType::I16, "frames")?;
    valid_flag(outs[1])?;
    let inner = match input.shape.last() {
        Some(&n) if n >= step && n % step == 0 => n,
        _ => {
            return invalid(format!(
                "input {} has shape {:?}: its last dimension must be a positive multiple of frame_step {step}",
                input.label(),
                input.shape
            ))
        }
    };
    let frames = inner / step;
    let mut want = input.shape[..input.shape.len() - 1].to_vec();
    want.extend([frames, frame]);
    if outs[0].shape != want {
        return invalid(format!("frames {} have shape {:?}, expected {want:?}", outs[0].label(), outs[0].shape));
    }
    let rows = input.elements() / inner;
    let capacity = frame.div_ceil(step) * step;
    // [valid][per row: count u32, capacity × int16]; a prefilled FIFO holds frame − step zeros.
    let fifo = 4 + 2 * capacity;
    let mut init = vec![0u8; 1 + rows * fifo];
    if prefill {
        for r in 0..rows {
            init[1 + r * fifo..1 + r * fifo + 4].copy_from_slice(&((frame - step.min(frame)) as u32).to_le_bytes());
        }
    }
    let mut main = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        outs[0],
        Call::Scalars { func: "signal_framer", scalars: quote!(#frames, #frame, #step) },
        0,
        format!("{rows} rows, frames of {frame} every {step}{}", if prefill { ", prefilled" } else { "" }),
    );
    main.state = init;
    let valid = cx.step(
        vec![Operand::Arena(STATE)],
        outs[1],
        Call::Scalars { func: "copy_variable", scalars: quote!() },
        0,
        "valid flag from the state".to_string(),
    );
    Ok(vec![main, valid])
}

/// `SignalStacker`: `left + 1 + right` frames stacked, advancing `stacker_step` frames.
fn stacker(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "stack, valid flag")?;
    let o = options(cx, &[(0, "num_channels"), (1, "stacker_left_context"), (2, "stacker_right_context"), (3, "stacker_step")])?;
    let channels = positive(&o[0], "num_channels")?;
    let (left, right) = (int(&o[1], "stacker_left_context")?, int(&o[2], "stacker_right_context")?);
    if left < 0 || right < 0 {
        return invalid(format!("custom options: contexts {left} (left) and {right} (right) must not be negative"));
    }
    let (left, right) = (left as usize, right as usize);
    let frames = left + right + 1;
    let step = positive(&o[3], "stacker_step")?;
    if step > frames {
        return invalid(format!(
            "custom options: `stacker_step` {step} exceeds the {frames} stacked frames (TFLM would discard more than it holds)"
        ));
    }
    expect_len(input, "input", channels, "num_channels")?;
    expect_dtype(outs[0], DType::I16, "stack")?;
    expect_len(outs[0], "stack", channels * frames, "num_channels × (left + right + 1)")?;
    valid_flag(outs[1])?;
    let mut main = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        outs[0],
        Call::Scalars { func: "signal_stacker", scalars: quote!(#channels, #left, #step) },
        0,
        format!("{frames} frames of {channels} ({left} left, {right} right), step {step}"),
    );
    // [valid][has first frame][count u32][capacity × int16], all zero at start.
    main.state = vec![0; 2 + 4 + 2 * channels * frames];
    let valid = cx.step(
        vec![Operand::Arena(STATE)],
        outs[1],
        Call::Scalars { func: "copy_variable", scalars: quote!() },
        0,
        "valid flag from the state".to_string(),
    );
    Ok(vec![main, valid])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KISS FFT's factorizations of the lengths kiln accepts (radix 4 first, a final 2).
    #[test]
    fn factors() {
        assert_eq!(kiss_factors(2), [(2, 1)]);
        assert_eq!(kiss_factors(16), [(4, 4), (4, 1)]);
        assert_eq!(kiss_factors(32), [(4, 8), (4, 2), (2, 1)]);
        assert_eq!(kiss_factors(256), [(4, 64), (4, 16), (4, 4), (4, 1)]);
        assert_eq!(kiss_factors(12), [(4, 3), (3, 1)]);
    }
}
