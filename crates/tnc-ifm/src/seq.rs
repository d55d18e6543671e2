//! Lazy, borrowed sequences of fixed- or variable-size wire items.
//!
//! A decoded list attribute (Installed Packages, File Measurement, …) holds a
//! [`Seq::Wire`]: the validated wire bytes and the item count. Iterating parses
//! each item on the fly, so decoding allocates nothing. For encoding, a
//! [`Seq::Items`] borrows a slice of items the caller built.

use core::fmt;

use tnc_wire::{DecodeError, EncodeError, Reader, Writer};

/// Layout context of a [`SeqItem`]: a number the item layout depends on (the
/// digest length of File Measurement entries); 0 and ignored by self-describing
/// items. A plain integer (not an associated type) keeps [`Seq`] covariant in
/// its lifetime.
pub type Ctx = u16;

/// An element of a [`Seq`].
pub trait SeqItem<'a>: Copy + PartialEq + fmt::Debug {
    /// Reads and validates one item.
    fn read(r: &mut Reader<'a>, ctx: Ctx) -> Result<Self, DecodeError>;

    /// Like [`read`](Self::read), with a [`TextView`] of the sequence's bytes
    /// that lets text fields skip per-string UTF-8 validation. Items with text
    /// override it; the default ignores the view.
    fn read_in(r: &mut Reader<'a>, ctx: Ctx, view: TextView<'a>) -> Result<Self, DecodeError> {
        let _ = view;
        Self::read(r, ctx)
    }

    /// Checks one item without building it (the validation walk of
    /// [`Seq::read`]); must accept exactly what [`read_in`](Self::read_in)
    /// accepts. The default builds the item and drops it.
    fn validate(r: &mut Reader<'a>, ctx: Ctx, view: TextView<'a>) -> Result<(), DecodeError> {
        Self::read_in(r, ctx, view).map(|_| ())
    }

    /// Octets [`write`](Self::write) appends.
    fn wire_len(&self, ctx: Ctx) -> usize;

    /// Appends the wire form.
    fn write(&self, w: &mut Writer<'_>, ctx: Ctx) -> Result<(), EncodeError>;
}

/// The octets of a sequence viewed as text when they are all ASCII (then every
/// sub-range is a valid `&str`, obtained by a checked slice instead of a UTF-8
/// validation per string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextView<'a> {
    /// The sequence octets as text, when all of them are ASCII.
    pub(crate) text: Option<&'a str>,
    /// Absolute offset of the first octet of `text`.
    pub(crate) base: usize,
    /// No string of the sequence can contain NUL: the items were validated
    /// before, or the sequence octets hold no NUL at all.
    pub(crate) nul_free: bool,
    /// The items were validated before (UTF-8 already checked too).
    pub(crate) validated: bool,
}

impl<'a> TextView<'a> {
    /// A view of `bytes` (at absolute offset `base`).
    pub(crate) fn new(bytes: &'a [u8], base: usize, validated: bool) -> Self {
        let text = if bytes.is_ascii() {
            core::str::from_utf8(bytes).ok()
        } else {
            None
        };
        Self {
            text,
            base,
            // one vectorised scan instead of one per string
            nul_free: validated || !bytes.contains(&0),
            validated,
        }
    }

    /// The text at absolute `at..at + n`, if the view covers it.
    pub(crate) fn get(&self, at: usize, n: usize) -> Option<&'a str> {
        let start = at.checked_sub(self.base)?;
        self.text?.get(start..start.checked_add(n)?)
    }
}

/// A sequence of items: validated wire bytes (after decoding) or a borrowed slice
/// (for encoding). Equality compares the items, not the representation.
#[derive(Clone, Copy)]
pub enum Seq<'a, T: SeqItem<'a>> {
    /// Validated wire bytes holding exactly `count` items.
    Wire {
        /// The items' octets.
        bytes: &'a [u8],
        /// Absolute offset of `bytes[0]` (for error offsets).
        base: usize,
        /// Number of items.
        count: usize,
        /// Layout context.
        ctx: Ctx,
    },
    /// Items to encode.
    Items(&'a [T]),
}

impl<'a, T: SeqItem<'a>> Seq<'a, T> {
    /// Reads `count` items from `r`, validating each, without allocating.
    ///
    /// `min_item_len` bounds `count` against the octets left before anything is
    /// walked, so a huge count fails at once.
    pub fn read(
        r: &mut Reader<'a>,
        count: u64,
        min_item_len: usize,
        ctx: Ctx,
        count_offset: usize,
    ) -> Result<Self, DecodeError> {
        let max = (r.remaining() / min_item_len.max(1)) as u64;
        if count > max {
            return Err(DecodeError::new(
                count_offset,
                tnc_wire::DecodeErrorKind::LengthTooLarge {
                    field: "item count",
                    max,
                    actual: count,
                },
            ));
        }
        let start = r.clone();
        let base = r.offset();
        let view = TextView::new(r.peek_rest(), base, false);
        for _ in 0..count {
            T::validate(r, ctx, view)?;
        }
        let used = r.offset() - base;
        let bytes = start.peek_rest().get(..used).unwrap_or_default();
        Ok(Seq::Wire {
            bytes,
            base,
            count: count as usize,
            ctx,
        })
    }

    /// The rest of `r` as `count` items, without walking them: only for bytes
    /// that [`read`](Self::read) has already validated (iteration stops early,
    /// without panicking, if they were not).
    pub(crate) fn trusted(r: &mut Reader<'a>, count: u64, ctx: Ctx) -> Self {
        let base = r.offset();
        Seq::Wire {
            bytes: r.rest(),
            base,
            count: usize::try_from(count).unwrap_or(usize::MAX),
            ctx,
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            Seq::Wire { count, .. } => *count,
            Seq::Items(items) => items.len(),
        }
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates the items (parsing wire bytes lazily).
    pub fn iter(&self) -> SeqIter<'a, T> {
        match *self {
            Seq::Wire {
                bytes,
                base,
                count,
                ctx,
            } => SeqIter::Wire {
                r: Reader::with_base(bytes, base),
                left: count,
                ctx,
                view: TextView::new(bytes, base, true),
            },
            Seq::Items(items) => SeqIter::Items(items.iter()),
        }
    }

    /// Octets of the items on the wire (given the context used for writing).
    pub fn wire_len(&self, ctx: Ctx) -> usize {
        match self {
            Seq::Wire { bytes, .. } => bytes.len(),
            Seq::Items(items) => items.iter().map(|i| i.wire_len(ctx)).sum(),
        }
    }

    /// Appends every item.
    pub fn write(&self, w: &mut Writer<'_>, ctx: Ctx) -> Result<(), EncodeError> {
        for item in self.iter() {
            item.write(w, ctx)?;
        }
        Ok(())
    }
}

impl<'a, T: SeqItem<'a>> PartialEq for Seq<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: SeqItem<'a>> Eq for Seq<'a, T> {}

impl<'a, T: SeqItem<'a>> fmt::Debug for Seq<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: SeqItem<'a>> IntoIterator for &Seq<'a, T> {
    type Item = T;
    type IntoIter = SeqIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`Seq`].
#[derive(Debug, Clone)]
pub enum SeqIter<'a, T: SeqItem<'a>> {
    /// Parsing wire bytes.
    #[doc(hidden)]
    Wire {
        /// Reader over the remaining items.
        r: Reader<'a>,
        /// Items left.
        left: usize,
        /// Layout context.
        ctx: Ctx,
        /// Text view of the validated bytes.
        view: TextView<'a>,
    },
    /// Walking a slice.
    #[doc(hidden)]
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: SeqItem<'a>> Iterator for SeqIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            SeqIter::Wire { r, left, ctx, view } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // The bytes were validated by `Seq::read`; a failure cannot happen,
                // and if it did the iteration simply ends.
                match T::read_in(r, *ctx, *view) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        *left = 0;
                        None
                    }
                }
            }
            SeqIter::Items(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            SeqIter::Wire { left, .. } => (*left, Some(*left)),
            SeqIter::Items(it) => it.size_hint(),
        }
    }
}
