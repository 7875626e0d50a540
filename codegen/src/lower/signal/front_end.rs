//! The integer audio front end: SignalWindow, SignalEnergy, SignalFilterBank,
//! SignalFilterBankSquareRoot, SignalFilterBankSpectralSubtraction, SignalPCAN, SignalFilterBankLog.

use quote::quote;

use super::*;

/// `SignalWindow`: int16 input rows times the constant int16 window, `>> shift`, saturated.
pub(super) fn window(cx: &Ctx<'_>) -> R<Vec<Step>> {
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

/// `SignalEnergy`: |z|² of complex bins `start_index..end_index`.
pub(super) fn energy(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
pub(super) fn filter_bank(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
pub(super) fn filter_bank_square_root(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
pub(super) fn spectral_subtraction(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
    let clamping = flag(&o[2], "clamping")?;
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
pub(super) fn pcan(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
pub(super) fn filter_bank_log(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
