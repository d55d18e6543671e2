//! Message-type subscriptions (`ReportMessageTypes[Long]`) with the IF-IMC wildcards.

use tnc_wire::{MessageType, Pen};

/// One entry of an IMC's or IMV's subscription list: a vendor and a subtype, either of which
/// may be a wildcard.
///
/// Matching follows IF-IMC/IF-IMV as strongSwan implements it (`pb-tnc.md` §7): the entry
/// (`ANY` vendor, `ANY` subtype) matches everything; an entry with a concrete vendor matches that
/// vendor's messages of the given subtype, or of every subtype when the subtype is
/// [`SUBTYPE_ANY`](Self::SUBTYPE_ANY). An `ANY` vendor with a concrete subtype matches nothing.
///
/// ```
/// use tnc_imc_api::{MessageType, MessageTypeFilter, Pen};
/// let os = MessageType::new(Pen::IETF, 1);
/// assert!(MessageTypeFilter::exact(os).matches(os));
/// assert!(MessageTypeFilter::vendor(Pen::IETF).matches(os));
/// assert!(MessageTypeFilter::ALL.matches(MessageType::new(Pen::ITA, 9)));
/// assert!(!MessageTypeFilter::new(Pen::RESERVED, 1).matches(os));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageTypeFilter {
    /// Vendor, or [`Pen::RESERVED`] (`TNC_VENDORID_ANY`, `0xFFFFFF`) for any vendor.
    pub vendor: Pen,
    /// Subtype, or [`SUBTYPE_ANY`](Self::SUBTYPE_ANY) for any subtype of the vendor.
    pub subtype: u32,
}

impl MessageTypeFilter {
    /// `TNC_VENDORID_ANY`.
    pub const VENDOR_ANY: Pen = Pen::RESERVED;
    /// `TNC_SUBTYPE_ANY` (used for both legacy and long registrations).
    pub const SUBTYPE_ANY: u32 = 0xFF;
    /// Every message type.
    pub const ALL: MessageTypeFilter = MessageTypeFilter {
        vendor: Self::VENDOR_ANY,
        subtype: Self::SUBTYPE_ANY,
    };

    /// A filter entry from its two fields.
    pub const fn new(vendor: Pen, subtype: u32) -> Self {
        Self { vendor, subtype }
    }

    /// Exactly one message type.
    pub const fn exact(t: MessageType) -> Self {
        Self::new(t.vendor, t.subtype)
    }

    /// Every subtype of one vendor.
    pub const fn vendor(vendor: Pen) -> Self {
        Self::new(vendor, Self::SUBTYPE_ANY)
    }

    /// A legacy 32-bit `TNC_MessageType` (`vendor << 8 | subtype8`).
    pub const fn from_legacy(t: u32) -> Self {
        Self::new(Pen::from_u24(t >> 8), t & 0xFF)
    }

    /// True when a message of type `t` is delivered to this subscription.
    pub fn matches(&self, t: MessageType) -> bool {
        if self.vendor == Self::VENDOR_ANY {
            return self.subtype == Self::SUBTYPE_ANY;
        }
        self.vendor == t.vendor && (self.subtype == Self::SUBTYPE_ANY || self.subtype == t.subtype)
    }

    /// True when `t` may be *sent*: a wildcard vendor or subtype (or the reserved subtype
    /// `0xFFFFFFFF`) is refused with `TNC_RESULT_INVALID_PARAMETER`.
    pub fn is_sendable(t: MessageType) -> bool {
        t.vendor != Self::VENDOR_ANY && t.subtype != Self::SUBTYPE_ANY && t.subtype != u32::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_rules() {
        let t = MessageType::new(Pen::TCG, 0x20);
        assert!(MessageTypeFilter::new(Pen::TCG, 0x20).matches(t));
        assert!(!MessageTypeFilter::new(Pen::TCG, 0x21).matches(t));
        assert!(!MessageTypeFilter::new(Pen::ITA, 0xFF).matches(t));
        assert!(!MessageTypeFilter::new(Pen::RESERVED, 0x20).matches(t));
        assert_eq!(
            MessageTypeFilter::from_legacy(0x0055_9720),
            MessageTypeFilter::new(Pen::TCG, 0x20)
        );
        assert!(!MessageTypeFilter::is_sendable(MessageType::new(
            Pen::RESERVED,
            1
        )));
        assert!(!MessageTypeFilter::is_sendable(MessageType::new(
            Pen::IETF,
            0xFF
        )));
        assert!(MessageTypeFilter::is_sendable(MessageType::new(
            Pen::IETF,
            1
        )));
    }
}
