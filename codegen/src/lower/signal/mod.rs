//! TFLM's signal library (custom ops `Signal…`, `signal/micro/kernels`): the integer audio front
//! end of micro_speech-style preprocessor models. Options are flexbuffer maps that TFLM reads
//! *by position* (`FlexbufferWrapper::ElementAsInt32(index)`, keys sorted): kiln reads them by
//! name and checks that each sits where TFLM looks for it, so a model TFLM would misread is a
//! named error instead of a different result. Everything TFLM leaves undefined (shifts past the
//! type's width, tables indexed out of range) is rejected at compile time.

mod fft;
mod front_end;
mod streams;

use super::*;
use crate::flexbuffers::{self, Value};

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CUSTOM(SignalWindow)", dtype: DType::I16, lower: front_end::window },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::I16, lower: fft::rfft },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::I32, lower: fft::rfft },
    Kernel { op: "CUSTOM(SignalRfft)", dtype: DType::F32, lower: fft::rfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::I16, lower: fft::irfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::I32, lower: fft::irfft },
    Kernel { op: "CUSTOM(SignalIrfft)", dtype: DType::F32, lower: fft::irfft },
    Kernel { op: "CUSTOM(SignalEnergy)", dtype: DType::I16, lower: front_end::energy },
    Kernel { op: "CUSTOM(SignalFilterBank)", dtype: DType::U32, lower: front_end::filter_bank },
    Kernel { op: "CUSTOM(SignalFilterBankSquareRoot)", dtype: DType::U64, lower: front_end::filter_bank_square_root },
    Kernel { op: "CUSTOM(SignalFilterBankSpectralSubtraction)", dtype: DType::U32, lower: front_end::spectral_subtraction },
    Kernel { op: "CUSTOM(SignalPCAN)", dtype: DType::U32, lower: front_end::pcan },
    Kernel { op: "CUSTOM(SignalFilterBankLog)", dtype: DType::U32, lower: front_end::filter_bank_log },
    Kernel { op: "CUSTOM(SignalFftAutoScale)", dtype: DType::I16, lower: streams::fft_auto_scale },
    Kernel { op: "CUSTOM(SignalDelay)", dtype: DType::I16, lower: streams::delay },
    Kernel { op: "CUSTOM(SignalOverlapAdd)", dtype: DType::I16, lower: streams::overlap_add },
    Kernel { op: "CUSTOM(SignalOverlapAdd)", dtype: DType::F32, lower: streams::overlap_add },
    Kernel { op: "CUSTOM(SignalFramer)", dtype: DType::I16, lower: streams::framer },
    Kernel { op: "CUSTOM(SignalStacker)", dtype: DType::I16, lower: streams::stacker },
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
