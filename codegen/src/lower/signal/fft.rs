//! SignalRfft and SignalIrfft: KISS FFT's plans (factors, twiddles in the transform's scalar
//! type) built at compile time.

use quote::quote;

use super::*;

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
pub(super) fn irfft(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
pub(super) fn rfft(cx: &Ctx<'_>) -> R<Vec<Step>> {
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
