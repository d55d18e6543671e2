//! A big-endian writer with length back-patching.

use crate::error::EncodeError;

/// Width of a length field that [`Writer::reserve_len`] back-patches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenWidth {
    /// One octet.
    U8,
    /// Two octets.
    U16,
    /// Three octets.
    U24,
    /// Four octets.
    U32,
}

impl LenWidth {
    const fn octets(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
            Self::U32 => 4,
        }
    }

    const fn max(self) -> u64 {
        (1u64 << (8 * self.octets() as u32)) - 1
    }
}

/// A reserved length field, to be filled in by [`Writer::patch_len`].
#[derive(Debug)]
#[must_use = "a reserved length must be patched"]
pub struct LenMark {
    at: usize,
    start: usize,
    width: LenWidth,
    field: &'static str,
}

/// Appends big-endian fields to a `Vec<u8>`.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut Vec<u8>,
}

impl<'b> Writer<'b> {
    /// A writer appending to `buf`.
    #[inline]
    pub fn new(buf: &'b mut Vec<u8>) -> Self {
        Self { buf }
    }

    /// Current length of the underlying buffer (the offset of the next octet).
    #[inline]
    pub fn position(&self) -> usize {
        self.buf.len()
    }

    /// Appends one octet.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Appends a big-endian 16-bit integer.
    #[inline]
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends the low 24 bits of `v`, big-endian. Fails if `v` needs more bits.
    #[inline]
    pub fn u24(&mut self, v: u32, field: &'static str) -> Result<(), EncodeError> {
        if v > 0x00FF_FFFF {
            return Err(EncodeError::OutOfRange {
                field,
                value: u64::from(v),
            });
        }
        self.buf.extend_from_slice(&v.to_be_bytes()[1..]);
        Ok(())
    }

    /// Appends a big-endian 32-bit integer.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends a big-endian 64-bit integer.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends raw octets.
    #[inline]
    pub fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// Appends `n` zero octets (reserved fields, padding).
    #[inline]
    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Reserves a length field of `width` here. The value later written by
    /// [`patch_len`](Self::patch_len) counts the octets from absolute position
    /// `start` (usually the start of the enclosing header, since TNC length fields
    /// include their own header) to the end of the buffer at patch time.
    #[inline]
    pub fn reserve_len(&mut self, width: LenWidth, start: usize, field: &'static str) -> LenMark {
        let at = self.buf.len();
        self.zeros(width.octets());
        LenMark {
            at,
            start,
            width,
            field,
        }
    }

    /// Fills in a reserved length; returns the length written.
    #[inline]
    pub fn patch_len(&mut self, mark: LenMark) -> Result<usize, EncodeError> {
        let len = self.buf.len().saturating_sub(mark.start);
        let len64 = len as u64;
        if len64 > mark.width.max() {
            return Err(EncodeError::LengthOverflow {
                field: mark.field,
                len: len64,
                bits: 8 * mark.width.octets() as u32,
            });
        }
        let be = len64.to_be_bytes();
        let n = mark.width.octets();
        self.buf[mark.at..mark.at + n].copy_from_slice(&be[8 - n..]);
        Ok(len)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn back_patches_lengths_including_header() {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        w.u8(0xAA);
        let start = w.position();
        w.u16(7);
        let m = w.reserve_len(LenWidth::U32, start, "length");
        w.bytes(b"abc");
        assert_eq!(w.patch_len(m), Ok(9));
        assert_eq!(v, [0xAA, 0, 7, 0, 0, 0, 9, b'a', b'b', b'c']);
    }

    #[test]
    fn overflowing_lengths_are_errors() {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        let m = w.reserve_len(LenWidth::U8, 0, "len");
        w.zeros(300);
        assert!(matches!(
            w.patch_len(m),
            Err(EncodeError::LengthOverflow { bits: 8, .. })
        ));
        assert!(w.u24(0x0100_0000, "vendor").is_err());
    }
}
