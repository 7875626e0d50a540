//! The ring buffers of TFLM's stateful signal ops (`circular_buffer.cc`) as kiln keeps them: the
//! buffered samples in order at the front of an int16 window of the state, and their count in
//! a uint32 before it. Same samples in, same samples out as TFLM's ring (whose wrap-around only
//! changes where they sit).

use super::le::{get_i16, get_u32, set_i16, set_u32};

/// One FIFO: `[count: u32][capacity × i16]` in `bytes`.
pub(crate) struct Fifo<'a> {
    bytes: &'a mut [u8],
    capacity: usize,
}

impl<'a> Fifo<'a> {
    pub(crate) const fn bytes(capacity: usize) -> usize {
        4 + 2 * capacity
    }

    pub(crate) fn new(bytes: &'a mut [u8], capacity: usize) -> Self {
        Fifo { bytes, capacity }
    }

    pub(crate) fn len(&self) -> usize {
        get_u32(self.bytes, 0) as usize
    }

    fn set_len(&mut self, n: usize) {
        set_u32(self.bytes, 0, n as u32);
    }

    /// Sample `k`, counting from the oldest (int16 element `2 + k`: after the count).
    pub(crate) fn get(&self, k: usize) -> i16 {
        get_i16(self.bytes, 2 + k)
    }

    /// Appends `n` samples `value(k)`; TFLM's callers never overfill (the lowering checks the
    /// capacities), and samples past the capacity are dropped here.
    pub(crate) fn write(&mut self, n: usize, value: impl Fn(&Self, usize) -> i16) {
        let len = self.len();
        let n = n.min(self.capacity.saturating_sub(len));
        for k in 0..n {
            let v = value(self, k);
            set_i16(self.bytes, 2 + len + k, v);
        }
        self.set_len(len + n);
    }

    /// Drops the oldest `n` samples.
    pub(crate) fn discard(&mut self, n: usize) {
        let len = self.len();
        let n = n.min(len);
        for k in 0..len - n {
            let v = self.get(k + n);
            set_i16(self.bytes, 2 + k, v);
        }
        self.set_len(len - n);
    }
}
