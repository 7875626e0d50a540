//! CAST (TFLM `cast.cc`): `static_cast<To>(from)` per element, no requantization (a CAST of a
//! quantized tensor converts the stored integers, exactly as TFLM does).

/// An element type CAST reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastType {
    /// bool (one byte, 0 or 1).
    Bool,
    /// int8.
    I8,
    /// int16.
    I16,
    /// int32.
    I32,
    /// uint32.
    U32,
    /// float32.
    F32,
}

impl CastType {
    const fn size(self) -> usize {
        match self {
            CastType::Bool | CastType::I8 => 1,
            CastType::I16 => 2,
            CastType::I32 | CastType::U32 | CastType::F32 => 4,
        }
    }
}

/// Source and destination element types (TFLM reads bool, int8, int16, int32, uint32 and
/// float32, and writes all of these but bool).
#[derive(Clone, Copy, Debug)]
pub struct CastParams {
    /// The input's element type.
    pub from: CastType,
    /// The output's element type.
    pub to: CastType,
}

#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    Float(f32),
}

/// The first `N` bytes of `b` (zero-padded: `cast` only passes whole elements).
#[inline(always)]
fn bytes<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    a
}

#[inline(always)]
fn read(t: CastType, b: &[u8]) -> Value {
    match t {
        CastType::Bool => Value::Int(i64::from(bytes::<1>(b)[0] != 0)),
        CastType::I8 => Value::Int(i64::from(i8::from_le_bytes(bytes(b)))),
        CastType::I16 => Value::Int(i64::from(i16::from_le_bytes(bytes(b)))),
        CastType::I32 => Value::Int(i64::from(i32::from_le_bytes(bytes(b)))),
        CastType::U32 => Value::Int(i64::from(u32::from_le_bytes(bytes(b)))),
        CastType::F32 => Value::Float(f32::from_le_bytes(bytes(b))),
    }
}

/// Integer conversions wrap (C++ integral conversion is modulo 2^n). Floats convert to integers
/// by truncation toward zero; for values outside the target's range, where C++ is undefined,
/// kiln truncates to 64 bits (saturating) and then wraps, which is what the usual x86-64
/// code for the C++ does for 8/16/32-bit targets within ±2^63.
#[inline(always)]
fn write(t: CastType, v: Value, o: &mut [u8]) {
    let int = match v {
        Value::Int(i) => i,
        Value::Float(f) => f as i64,
    };
    let float = match v {
        Value::Int(i) => i as f32,
        Value::Float(f) => f,
    };
    match t {
        CastType::Bool => o.copy_from_slice(&[u8::from(int != 0 || float != 0.0)]),
        CastType::I8 => o.copy_from_slice(&[int as i8 as u8]),
        CastType::I16 => o.copy_from_slice(&(int as i16).to_le_bytes()),
        CastType::I32 => o.copy_from_slice(&(int as i32).to_le_bytes()),
        CastType::U32 => o.copy_from_slice(&(int as u32).to_le_bytes()),
        CastType::F32 => o.copy_from_slice(&float.to_le_bytes()),
    }
}

/// CAST, bit-exact with TFLM for every value TFLM defines.
pub fn cast(p: &CastParams, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(p.to.size()).zip(input.chunks_exact(p.from.size())) {
        write(p.to, read(p.from, x), o);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn run(from: CastType, to: CastType, input: &[u8]) -> Vec<u8> {
        let n = input.len() / from.size();
        let mut out = std::vec![0xaau8; n * to.size()];
        cast(&CastParams { from, to }, input, &mut out);
        out
    }

    #[test]
    fn conversions() {
        use CastType::*;
        let i8s: Vec<u8> = [-128i8, -1, 0, 1, 127].iter().map(|&v| v as u8).collect();
        let f: Vec<f32> = run(I8, F32, &i8s).chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(f, [-128.0, -1.0, 0.0, 1.0, 127.0]);
        let i32s: Vec<i32> =
            run(I8, I32, &i8s).chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(i32s, [-128, -1, 0, 1, 127]);
        // Truncation toward zero, then modulo 2^8.
        let fs: Vec<u8> = [-1.9f32, -0.5, 0.7, 200.0, 300.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(run(F32, I8, &fs), [-1i8 as u8, 0, 0, 200, 44]);
        // 2^24 + 1 rounds to even in float.
        let big = 16_777_217i32.to_le_bytes();
        assert_eq!(run(I32, F32, &big), 16_777_216.0f32.to_le_bytes());
        assert_eq!(run(Bool, I16, &[0, 1, 1]), [0, 0, 1, 0, 1, 0]);
        assert_eq!(run(U32, I32, &u32::MAX.to_le_bytes()), (-1i32).to_le_bytes());
        assert_eq!(run(I16, I8, &300i16.to_le_bytes()), [44]);
    }
}
