//! A bounded big-endian reader over a borrowed buffer.

use crate::error::{DecodeError, DecodeErrorKind};

/// A cursor over borrowed bytes. Every read is bounds-checked and returns a
/// [`DecodeError`] carrying the **absolute** offset of the field, counted from the
/// start of the outermost buffer (sub-readers inherit their parent's base offset).
///
/// Nothing is ever allocated: slices returned borrow the input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first octet is offset 0.
    #[inline]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf`, whose first octet is at absolute offset `base`.
    #[inline]
    pub const fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next octet to be read.
    #[inline]
    pub const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Absolute offset of this reader's first octet.
    #[inline]
    pub const fn base(&self) -> usize {
        self.base
    }

    /// Octets left to read.
    #[inline]
    pub const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when nothing is left.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread rest, without consuming it.
    #[inline]
    pub fn peek_rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The whole buffer this reader covers (read and unread).
    #[inline]
    pub const fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    fn truncated(&self, needed: usize) -> DecodeError {
        DecodeError::new(
            self.offset(),
            DecodeErrorKind::Truncated {
                needed,
                available: self.remaining(),
            },
        )
    }

    /// Reads `n` octets as a borrowed slice.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.truncated(n));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a fixed-size array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Skips `n` octets.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.bytes(n).map(|_| ())
    }

    /// Reads everything that is left.
    #[inline]
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Reads one octet.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a big-endian 16-bit integer.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian 24-bit integer.
    #[inline]
    pub fn u24(&mut self) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian 32-bit integer.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian 64-bit integer.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Splits off the next `n` octets as a sub-reader that keeps absolute offsets.
    #[inline]
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, DecodeError> {
        let base = self.offset();
        let s = self.bytes(n)?;
        Ok(Reader::with_base(s, base))
    }

    /// Reads `n` octets as UTF-8 text.
    #[inline]
    pub fn utf8(&mut self, n: usize, field: &'static str) -> Result<&'a str, DecodeError> {
        let at = self.offset();
        let s = self.bytes(n)?;
        core::str::from_utf8(s)
            .map_err(|_| DecodeError::new(at, DecodeErrorKind::InvalidUtf8 { field }))
    }

    /// Fails with [`DecodeErrorKind::TrailingBytes`] unless everything was read.
    #[inline]
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(
                self.offset(),
                DecodeErrorKind::TrailingBytes {
                    count: self.remaining(),
                },
            ))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_and_tracks_offsets() {
        let data = [1u8, 0, 2, 0, 0, 3, 0, 0, 0, 4, 9, 9];
        let mut r = Reader::with_base(&data, 100);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(2));
        assert_eq!(r.u24(), Ok(3));
        assert_eq!(r.u32(), Ok(4));
        assert_eq!(r.offset(), 110);
        let err = r.u32().unwrap_err();
        assert_eq!(err.offset, 110);
        assert_eq!(
            err.kind,
            DecodeErrorKind::Truncated {
                needed: 4,
                available: 2
            }
        );
        // a failed read consumes nothing
        assert_eq!(r.remaining(), 2);
        assert!(r.finish().is_err());
    }

    #[test]
    fn sub_reader_keeps_absolute_offsets_and_bounds() {
        let data = [0u8, 1, 2, 3, 4, 5];
        let mut r = Reader::new(&data);
        r.skip(1).unwrap();
        let mut s = r.sub(3).unwrap();
        assert_eq!(s.base(), 1);
        assert_eq!(s.u16(), Ok(0x0102));
        let e = s.u16().unwrap_err();
        assert_eq!(e.offset, 3);
        assert_eq!(r.offset(), 4);
        assert!(r.sub(3).is_err());
    }

    #[test]
    fn huge_lengths_fail_without_allocation() {
        let data = [0u8; 4];
        let mut r = Reader::new(&data);
        assert!(r.bytes(usize::MAX).is_err());
        assert!(r.sub(u32::MAX as usize).is_err());
    }

    #[test]
    fn utf8_is_checked() {
        let mut r = Reader::new(&[0xff, 0xfe]);
        assert_eq!(
            r.utf8(2, "name").unwrap_err().kind,
            DecodeErrorKind::InvalidUtf8 { field: "name" }
        );
    }
}
