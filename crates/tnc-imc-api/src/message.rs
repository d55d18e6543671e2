//! PA messages as plug-ins receive and send them.

use crate::PostureId;
use tnc_wire::MessageType;

/// A PA message delivered to an IMC (from an IMV) or an IMV (from an IMC):
/// `TNC_IMC_ReceiveMessageLong` / `TNC_IMV_ReceiveMessageLong`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedMessage<'a> {
    /// Vendor and subtype of the PA message.
    pub message_type: MessageType,
    /// `TNC_MESSAGE_FLAGS_EXCLUSIVE`: the sender addressed this plug-in exclusively.
    pub exclusive: bool,
    /// The sending peer's id (the IMV id at an IMC, the IMC id at an IMV); may be
    /// [`PostureId::ANY`].
    pub source: PostureId,
    /// The destination id the sender put on the wire (this plug-in's id or [`PostureId::ANY`]).
    pub destination: PostureId,
    /// The PA message (a PA-TNC message, RFC 5792), valid only during the call.
    pub body: &'a [u8],
}

/// A PA message a plug-in sends through its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Vendor and subtype.
    pub message_type: MessageType,
    /// Deliver only to `destination` (PB-PA EXCL flag).
    pub exclusive: bool,
    /// The peer id the message is meant for, or [`PostureId::ANY`].
    pub destination: PostureId,
    /// The PA message octets.
    pub body: bytes::Bytes,
}
