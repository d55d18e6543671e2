//! The verifier trait.

use crate::{ApiError, ConnectionState, ImvContext, MessageTypeFilter, ReceivedMessage};

/// An Integrity Measurement Verifier with IF-IMV 1.3 semantics.
///
/// One IMV instance serves every connection of its TNC server (concurrently, on a gateway
/// administrator's server), so the methods take `&self`; keep per-connection state keyed by
/// [`ImvContext::connection`](tnc_imc_api::Context::connection). Per connection: `CREATE`,
/// `HANDSHAKE`, then per received batch `receive_message`* and `batch_ending`;
/// `solicit_recommendation` when the server needs a decision and the IMV has not provided one;
/// `ACCESS_*` after the result was sent; `HANDSHAKE` again on a retry (recommendations are
/// cleared); `DELETE` at the end. `terminate` once at unload.
#[async_trait::async_trait]
pub trait Imv: Send + Sync {
    /// A human-readable name, used in logs.
    fn name(&self) -> &str;

    /// The message types this IMV wants to receive (`ReportMessageTypesLong`).
    fn message_types(&self) -> Vec<MessageTypeFilter>;

    /// The connection changed state (`TNC_IMV_NotifyConnectionChange`).
    async fn notify_connection_change(
        &self,
        _ctx: &mut ImvContext,
        _state: ConnectionState,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// A PA message of a subscribed type arrived (`TNC_IMV_ReceiveMessageLong`).
    async fn receive_message(
        &self,
        _ctx: &mut ImvContext,
        _message: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// All messages of the received batch were delivered (`TNC_IMV_BatchEnding`).
    async fn batch_ending(&self, _ctx: &mut ImvContext) -> Result<(), ApiError> {
        Ok(())
    }

    /// The server needs a decision now: call
    /// [`provide_recommendation`](ImvContext::provide_recommendation)
    /// (`TNC_IMV_SolicitRecommendation`). An IMV that provides none counts as
    /// (No Recommendation, Don't Know).
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError>;

    /// The TNC server unloads the IMV (`TNC_IMV_Terminate`).
    async fn terminate(&self) {}
}
