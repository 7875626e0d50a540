//! A small reader for the FlexBuffers maps custom ops keep their options in
//! (`Operator.custom_options`): a map from keys to scalars (ints, uints, floats, bools, null,
//! strings), which is all TFLite's own custom ops write. Every read is bounds-checked; a
//! malformed buffer is an error message, never a panic.
//!
//! Written here rather than taken from the `flexbuffers` crate (2.0.0, last released in 2021,
//! serde-based): kiln needs only maps of scalars, and a reader it can check against untrusted
//! bytes line by line (the model file is input).
//!
//! Conversions follow the C++ `flexbuffers::Reference` that TFLM calls (`AsInt32`, `AsFloat`,
//! `AsBool`): any numeric type converts to the requested one, `null` (and a missing key) reads
//! as 0 / false.

/// One value of the map.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// A signed integer (inline or indirect).
    Int(i64),
    /// An unsigned integer (inline or indirect).
    UInt(u64),
    /// A float (32 or 64 bits, inline or indirect), widened to f64.
    Float(f64),
    /// A bool.
    Bool(bool),
    /// A string (or a key used as a value).
    String(String),
    /// A nested map, vector or blob: kiln does not read these; the type's name.
    Other(&'static str),
}

impl Value {
    /// C++ `AsInt64`: numbers converted (floats truncated toward zero, saturating), bools 0/1,
    /// null 0; `None` for strings and containers.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            Value::Null => 0,
            Value::Int(i) => i,
            Value::UInt(u) => u as i64,
            Value::Float(f) => f as i64,
            Value::Bool(b) => b as i64,
            Value::String(_) | Value::Other(_) => return None,
        })
    }

    /// C++ `AsDouble`.
    pub fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Value::Null => 0.0,
            Value::Int(i) => i as f64,
            Value::UInt(u) => u as f64,
            Value::Float(f) => f,
            Value::Bool(b) => b as u8 as f64,
            Value::String(_) | Value::Other(_) => return None,
        })
    }

    /// C++ `AsBool`: non-zero numbers are true.
    pub fn as_bool(&self) -> Option<bool> {
        Some(match *self {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::Int(i) => i != 0,
            Value::UInt(u) => u != 0,
            Value::Float(f) => f != 0.0,
            Value::String(_) | Value::Other(_) => return None,
        })
    }

    /// The value's FlexBuffers type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "int",
            Value::UInt(_) => "uint",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::String(_) => "string",
            Value::Other(t) => t,
        }
    }
}

const NULL: u8 = 0;
const INT: u8 = 1;
const UINT: u8 = 2;
const FLOAT: u8 = 3;
const KEY: u8 = 4;
const STRING: u8 = 5;
const INDIRECT_INT: u8 = 6;
const INDIRECT_UINT: u8 = 7;
const INDIRECT_FLOAT: u8 = 8;
const MAP: u8 = 9;
const BOOL: u8 = 26;

struct Buf<'a>(&'a [u8]);

impl Buf<'_> {
    fn bytes(&self, at: usize, n: usize) -> Result<&[u8], String> {
        at.checked_add(n)
            .and_then(|end| self.0.get(at..end))
            .ok_or_else(|| format!("flexbuffer: {n} bytes at offset {at} are past its end ({} bytes)", self.0.len()))
    }

    fn uint(&self, at: usize, width: usize) -> Result<u64, String> {
        let b = self.bytes(at, width)?;
        let mut v = [0u8; 8];
        v[..width].copy_from_slice(b);
        Ok(u64::from_le_bytes(v))
    }

    fn int(&self, at: usize, width: usize) -> Result<i64, String> {
        let u = self.uint(at, width)?;
        let shift = 64 - 8 * width as u32;
        Ok(((u << shift) as i64) >> shift)
    }

    fn float(&self, at: usize, width: usize) -> Result<f64, String> {
        match width {
            4 => Ok(f32::from_bits(self.uint(at, 4)? as u32) as f64),
            8 => Ok(f64::from_bits(self.uint(at, 8)?)),
            w => Err(format!("flexbuffer: a {w}-byte float (FlexBuffers floats are 4 or 8 bytes)")),
        }
    }

    /// The target of the backward offset stored at `at` in `width` bytes.
    fn indirect(&self, at: usize, width: usize) -> Result<usize, String> {
        let off = self.uint(at, width)?;
        usize::try_from(off)
            .ok()
            .and_then(|o| at.checked_sub(o))
            .ok_or_else(|| format!("flexbuffer: offset {off} at {at} points before the buffer"))
    }

    /// A null-terminated key at `at`.
    fn key(&self, at: usize) -> Result<String, String> {
        let tail = self.0.get(at..).ok_or("flexbuffer: a key past the end")?;
        let end = tail.iter().position(|&b| b == 0).ok_or("flexbuffer: an unterminated key")?;
        String::from_utf8(tail[..end].to_vec()).map_err(|_| "flexbuffer: a key that is not UTF-8".to_string())
    }

    /// The value stored at `at` in `parent_width` bytes with packed type `packed`.
    fn value(&self, at: usize, parent_width: usize, packed: u8) -> Result<Value, String> {
        let (ty, width) = (packed >> 2, 1usize << (packed & 3));
        Ok(match ty {
            NULL => Value::Null,
            INT => Value::Int(self.int(at, parent_width)?),
            UINT => Value::UInt(self.uint(at, parent_width)?),
            FLOAT => Value::Float(self.float(at, parent_width)?),
            BOOL => Value::Bool(self.uint(at, parent_width)? != 0),
            INDIRECT_INT => Value::Int(self.int(self.indirect(at, parent_width)?, width)?),
            INDIRECT_UINT => Value::UInt(self.uint(self.indirect(at, parent_width)?, width)?),
            INDIRECT_FLOAT => Value::Float(self.float(self.indirect(at, parent_width)?, width)?),
            KEY => Value::String(self.key(self.indirect(at, parent_width)?)?),
            STRING => {
                let s = self.indirect(at, parent_width)?;
                let len = self.uint(s.checked_sub(width).ok_or("flexbuffer: a string before the buffer")?, width)?;
                let len = usize::try_from(len).map_err(|_| "flexbuffer: string too long".to_string())?;
                Value::String(String::from_utf8_lossy(self.bytes(s, len)?).into_owned())
            }
            MAP => Value::Other("map"),
            10..=25 | 36 => Value::Other("vector or blob"),
            t => return Err(format!("flexbuffer: unknown value type {t}")),
        })
    }
}

/// The root map of a FlexBuffers buffer, as `(key, value)` pairs in key order.
pub fn read_map(bytes: &[u8]) -> Result<Vec<(String, Value)>, String> {
    let b = Buf(bytes);
    let n = bytes.len();
    if n < 3 {
        return Err(format!("flexbuffer: {n} bytes, too short to hold a root value"));
    }
    let root_width = bytes[n - 1] as usize;
    if !matches!(root_width, 1 | 2 | 4 | 8) {
        return Err(format!("flexbuffer: root byte width {root_width} (must be 1, 2, 4 or 8)"));
    }
    let packed = bytes[n - 2];
    let root_at = (n - 2).checked_sub(root_width).ok_or("flexbuffer: root value before the buffer")?;
    if packed >> 2 != MAP {
        return Err(format!("flexbuffer: the root is a {} (type {}), not a map", b.value(root_at, root_width, packed)?.type_name(), packed >> 2));
    }
    let width = 1usize << (packed & 3);
    let values = b.indirect(root_at, root_width)?;
    let size_at = values.checked_sub(width).ok_or("flexbuffer: map header before the buffer")?;
    let size = usize::try_from(b.uint(size_at, width)?).map_err(|_| "flexbuffer: map too large".to_string())?;
    // A map's entries take at least `width + 1` bytes each: a larger size is a corrupt header.
    if size > n {
        return Err(format!("flexbuffer: a map of {size} entries in {n} bytes"));
    }
    let keys_field = values.checked_sub(3 * width).ok_or("flexbuffer: map header before the buffer")?;
    let keys = b.indirect(keys_field, width)?;
    let key_width = b.uint(values - 2 * width, width)? as usize;
    if !matches!(key_width, 1 | 2 | 4 | 8) {
        return Err(format!("flexbuffer: key vector byte width {key_width}"));
    }
    let types_at = values + size * width;
    let mut out = Vec::with_capacity(size);
    for i in 0..size {
        let key = b.key(b.indirect(keys + i * key_width, key_width)?)?;
        let packed = b.bytes(types_at + i, 1)?[0];
        out.push((key, b.value(values + i * width, width, packed)?));
    }
    Ok(out)
}

/// The value under `key` (`None` if absent).
pub fn get<'m>(map: &'m [(String, Value)], key: &str) -> Option<&'m Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn reads_python_builders_map() {
        // {"a": 1, "b": -300, "c": 0.5, "d": true, "e": 0.3 (f64), "f": "hi"}
        let bytes = hex(PY_MAP);
        let m = read_map(&bytes).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(get(&m, "a").unwrap().as_i64(), Some(1));
        assert_eq!(get(&m, "b").unwrap().as_i64(), Some(-300));
        assert_eq!(get(&m, "c").unwrap().as_f64(), Some(0.5));
        assert_eq!(get(&m, "d").unwrap().as_bool(), Some(true));
        assert_eq!(get(&m, "e").unwrap().as_f64(), Some(0.3));
        assert_eq!(get(&m, "f").unwrap(), &Value::String("hi".into()));
        assert!(get(&m, "g").is_none());
    }

    /// Every truncation and every single-byte corruption is an error or a value, never a panic.
    #[test]
    fn malformed_buffers_never_panic() {
        let bytes = hex(PY_MAP);
        for n in 0..bytes.len() {
            let _ = read_map(&bytes[..n]);
            let _ = read_map(&bytes[n..]);
        }
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 3, 4, 7, 8, 0x24, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = read_map(&b);
            }
        }
        assert!(read_map(&[]).is_err());
        assert!(read_map(&[1, 4, 1]).is_err(), "an int root");
    }

    /// Written by the `flatbuffers` Python package (25.12.19), as make_state_models.py writes
    /// custom options: `b = flexbuffers.Builder()`; in `b.Map()`: `b.Int("a", 1)`,
    /// `b.Int("b", -300)`, `b.Float("c", 0.5)`, `b.Bool("d", True)`, `b.Float("e", 0.3)`,
    /// `b.String("f", "hi")`; `bytes(b.Finish()).hex()`.
    const PY_MAP: &str = "610062006300640065006600026869000611100f0e0d0c000700000000000000010000000000000006000000000000\
                          000100000000000000d4feffffffffffff000000000000e03f0100000000000000333333333333d33f4b0000000000\
                          000007070f6b0f14362701";
}
