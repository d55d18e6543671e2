//! The collector trait.

use crate::{ApiError, ConnectionState, ImcContext, MessageTypeFilter, ReceivedMessage};

/// An Integrity Measurement Collector with IF-IMC 1.3 semantics.
///
/// One IMC instance serves every connection of its TNC client (possibly concurrently), so the
/// methods take `&self`; keep per-connection state keyed by [`ImcContext::connection`]. Call
/// order per connection: `notify_connection_change(CREATE)`, `(HANDSHAKE)`, `begin_handshake`,
/// then per received batch `receive_message`* and `batch_ending`, then
/// `notify_connection_change(ACCESS_*)` when the decision arrives, `HANDSHAKE` +
/// `begin_handshake` again on a retry, and finally `DELETE`. `terminate` is called once when the
/// TNC client unloads the IMC.
#[async_trait::async_trait]
pub trait Imc: Send + Sync {
    /// A human-readable name (the `tnc_config` name), used in logs.
    fn name(&self) -> &str;

    /// The message types this IMC wants to receive (`ReportMessageTypesLong`). Queried when
    /// the IMC is registered with a TNC client.
    fn message_types(&self) -> Vec<MessageTypeFilter>;

    /// The connection changed state (`TNC_IMC_NotifyConnectionChange`).
    async fn notify_connection_change(
        &self,
        _ctx: &mut ImcContext,
        _state: ConnectionState,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// An integrity check starts: send the first measurements (`TNC_IMC_BeginHandshake`).
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError>;

    /// A PA message of a subscribed type arrived (`TNC_IMC_ReceiveMessageLong`).
    async fn receive_message(
        &self,
        _ctx: &mut ImcContext,
        _message: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// All messages of the received batch were delivered; last chance to add messages to the
    /// reply batch (`TNC_IMC_BatchEnding`).
    async fn batch_ending(&self, _ctx: &mut ImcContext) -> Result<(), ApiError> {
        Ok(())
    }

    /// The TNC client unloads the IMC (`TNC_IMC_Terminate`).
    async fn terminate(&self) {}
}
