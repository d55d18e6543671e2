//! The handle a plug-in uses during a callback.

use std::sync::Arc;

use crate::{
    ApiError, ConnectionAttributes, ConnectionId, MessageTypeFilter, OutgoingMessage, PostureId,
    RetryReason,
};
use tnc_wire::MessageType;

/// The per-callback handle of a collector or verifier: it identifies the plug-in and the
/// connection, collects the PA messages the plug-in sends and its retry request, and gives access
/// to the [`ConnectionAttributes`].
///
/// The TNC client/server creates one for each callback and drains it afterwards
/// ([`take_outbox`](Self::take_outbox), [`take_retry_request`](Self::take_retry_request)); this is
/// how IF-IMC's rule "sending is only allowed inside a callback" is enforced by construction.
/// The verifier side wraps it (`tnc_imv_api::ImvContext`) and adds recommendations.
#[derive(Debug, Clone)]
pub struct Context {
    id: PostureId,
    connection: ConnectionId,
    attributes: Arc<ConnectionAttributes>,
    outbox: Vec<OutgoingMessage>,
    retry: Option<RetryReason>,
}

/// The context handed to an IMC.
pub type ImcContext = Context;

impl Context {
    /// A context for plug-in `id` on `connection` (called by the TNC client/server).
    pub fn new(
        id: PostureId,
        connection: ConnectionId,
        attributes: Arc<ConnectionAttributes>,
    ) -> Self {
        Self {
            id,
            connection,
            attributes,
            outbox: Vec::new(),
            retry: None,
        }
    }

    /// This plug-in's id (`TNC_IMCID` / `TNC_IMVID`).
    pub fn id(&self) -> PostureId {
        self.id
    }

    /// The connection the callback concerns.
    pub fn connection(&self) -> ConnectionId {
        self.connection
    }

    /// The connection's attributes.
    pub fn attributes(&self) -> &ConnectionAttributes {
        &self.attributes
    }

    /// Sends a PA message to every peer plug-in subscribed to its type
    /// (`SendMessageLong` without the exclusive flag, destination ANY).
    pub fn send(
        &mut self,
        message_type: MessageType,
        body: impl Into<bytes::Bytes>,
    ) -> Result<(), ApiError> {
        self.push(message_type, body.into(), false, PostureId::ANY)
    }

    /// Sends a PA message exclusively to the peer plug-in `destination` (PB-PA EXCL). If
    /// `destination` is [`PostureId::ANY`] the message is sent without the exclusive flag, as
    /// IF-IMC prescribes.
    pub fn send_exclusive(
        &mut self,
        message_type: MessageType,
        body: impl Into<bytes::Bytes>,
        destination: PostureId,
    ) -> Result<(), ApiError> {
        let exclusive = destination != PostureId::ANY && self.attributes.has_exclusive;
        self.push(message_type, body.into(), exclusive, destination)
    }

    /// Sends a PA message with an explicit destination and exclusive flag, as
    /// `SendMessageLong` does: the destination goes into PB-PA even without the exclusive flag,
    /// and the flag is honoured only when `destination` is not [`PostureId::ANY`] and the
    /// connection supports exclusive delivery.
    pub fn send_to(
        &mut self,
        message_type: MessageType,
        body: impl Into<bytes::Bytes>,
        exclusive: bool,
        destination: PostureId,
    ) -> Result<(), ApiError> {
        let exclusive = exclusive && destination != PostureId::ANY && self.attributes.has_exclusive;
        self.push(message_type, body.into(), exclusive, destination)
    }

    fn push(
        &mut self,
        message_type: MessageType,
        body: bytes::Bytes,
        exclusive: bool,
        destination: PostureId,
    ) -> Result<(), ApiError> {
        if !MessageTypeFilter::is_sendable(message_type) {
            return Err(ApiError::InvalidParameter(
                "wildcard or reserved message type",
            ));
        }
        let max = self.attributes.max_message_size;
        if u32::try_from(body.len()).map_or(true, |n| n > max) {
            return Err(ApiError::ExceededMaxMessageSize {
                size: body.len(),
                max,
            });
        }
        self.outbox.push(OutgoingMessage {
            message_type,
            exclusive,
            destination,
            body,
        });
        Ok(())
    }

    /// Asks for a new handshake (`RequestHandshakeRetry`). The TNC client/server honours it at
    /// the next point the protocol allows; the request is recorded here, a refusal is reported
    /// by the broker (its log), as IF-IMC allows (`CANT_RETRY` / `WONT_RETRY`).
    pub fn request_handshake_retry(&mut self, reason: RetryReason) {
        self.retry = Some(reason);
    }

    /// The PA messages sent during the callback (drained; called by the TNC client/server).
    pub fn take_outbox(&mut self) -> Vec<OutgoingMessage> {
        core::mem::take(&mut self.outbox)
    }

    /// The retry request made during the callback, if any (drained).
    pub fn take_retry_request(&mut self) -> Option<RetryReason> {
        self.retry.take()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tnc_wire::Pen;

    fn ctx(max: u32) -> Context {
        let a = ConnectionAttributes {
            max_message_size: max,
            ..ConnectionAttributes::default()
        };
        Context::new(PostureId(3), ConnectionId(1), Arc::new(a))
    }

    #[test]
    fn send_checks_type_and_size() {
        let mut c = ctx(4);
        let t = MessageType::new(Pen::IETF, 1);
        assert!(c.send(t, vec![1, 2, 3, 4]).is_ok());
        assert_eq!(
            c.send(t, vec![0; 5]),
            Err(ApiError::ExceededMaxMessageSize { size: 5, max: 4 })
        );
        assert!(matches!(
            c.send(MessageType::new(Pen::RESERVED, 1), vec![]),
            Err(ApiError::InvalidParameter(_))
        ));
        c.send_exclusive(t, vec![], PostureId(9)).unwrap();
        c.send_exclusive(t, vec![], PostureId::ANY).unwrap();
        let out = c.take_outbox();
        assert_eq!(out.len(), 3);
        assert!(!out[0].exclusive);
        assert!(out[1].exclusive && out[1].destination == PostureId(9));
        assert!(!out[2].exclusive);
        assert!(c.take_outbox().is_empty());
    }

    #[test]
    fn retry_request_is_drained() {
        let mut c = ctx(10);
        assert_eq!(c.take_retry_request(), None);
        c.request_handshake_retry(RetryReason::IMC_PERIODIC);
        assert_eq!(c.take_retry_request(), Some(RetryReason::IMC_PERIODIC));
        assert_eq!(c.take_retry_request(), None);
    }
}
