//! IANA Private Enterprise Numbers (24 bits on the TNC wire) and message types.

use core::fmt;

/// A 24-bit IANA Private Enterprise Number, as TNC carries vendor ids.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pen(u32);

impl Pen {
    /// IETF (standard) namespace.
    pub const IETF: Pen = Pen(0);
    /// Trusted Computing Group.
    pub const TCG: Pen = Pen(0x005597);
    /// ITA / HSR Rapperswil (strongSwan's namespace).
    pub const ITA: Pen = Pen(0x00902A);
    /// Printer Working Group.
    pub const PWG: Pen = Pen(0x000A8B);
    /// Hochschule Hannover (TNC@FHH).
    pub const FHH: Pen = Pen(0x0080AB);
    /// Reserved; never a real vendor. IF-IMC/IF-IMV use it as the "any vendor" wildcard.
    pub const RESERVED: Pen = Pen(0x00FF_FFFF);

    /// The largest value a 24-bit PEN can hold.
    pub const MAX: u32 = 0x00FF_FFFF;

    /// A PEN from its number; `None` if it needs more than 24 bits.
    #[inline]
    pub const fn new(v: u32) -> Option<Pen> {
        if v <= Self::MAX { Some(Pen(v)) } else { None }
    }

    /// A PEN from the low 24 bits of `v` (what a 24-bit wire field yields).
    #[inline]
    pub const fn from_u24(v: u32) -> Pen {
        Pen(v & Self::MAX)
    }

    /// The number.
    #[inline]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The registered name of well-known PENs.
    #[inline]
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("IETF"),
            0x005597 => Some("TCG"),
            0x00902A => Some("ITA"),
            0x000A8B => Some("PWG"),
            0x0080AB => Some("FHH"),
            0x00FF_FFFF => Some("RESERVED"),
            _ => None,
        }
    }
}

impl fmt::Debug for Pen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "Pen::{n}"),
            None => write!(f, "Pen(0x{:06x})", self.0),
        }
    }
}

impl fmt::Display for Pen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl From<Pen> for u32 {
    fn from(p: Pen) -> u32 {
        p.0
    }
}

/// A message type: vendor PEN plus a 32-bit subtype, as PB-PA headers and
/// IF-IMC/IF-IMV message-type subscriptions carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageType {
    /// Who defined the subtype.
    pub vendor: Pen,
    /// The subtype within the vendor's namespace.
    pub subtype: u32,
}

impl MessageType {
    /// A message type.
    #[inline]
    pub const fn new(vendor: Pen, subtype: u32) -> Self {
        Self { vendor, subtype }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.vendor, self.subtype)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_names() {
        assert_eq!(Pen::new(0x0100_0000), None);
        assert_eq!(Pen::new(0x5597), Some(Pen::TCG));
        assert_eq!(format!("{:?}", Pen::ITA), "Pen::ITA");
        assert_eq!(format!("{:?}", Pen::from_u24(0x1234)), "Pen(0x001234)");
        assert_eq!(Pen::from_u24(0xAB12_3456).get(), 0x12_3456);
        assert_eq!(MessageType::new(Pen::TCG, 1).to_string(), "TCG/1");
    }
}
