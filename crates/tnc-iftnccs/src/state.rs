//! The PB-TNC state machine (RFC 5793 §3.2) as data.
//!
//! [`EDGES`] lists every legal (sender, state, batch type) → next state edge; both sides keep
//! their own copy of the state and apply the same edge when a batch is *sent* and when it is
//! *received*. Edges that are not in the RFC figure are marked; some of them are accepted when
//! received but never sent by this implementation (`sendable: false`). See the project digest
//! `pb-tnc.md` §5.1 for the sources of each edge.

use crate::consts::BatchType;
use crate::error::Error;

/// The two PB-TNC roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Posture Broker Client (TNCC), D bit 0.
    Client,
    /// Posture Broker Server (TNCS), D bit 1.
    Server,
}

impl Role {
    /// The other side.
    pub const fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

/// PB-TNC states (identical on both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No batch exchanged yet.
    Init,
    /// The server is working on a batch (the client waits).
    ServerWorking,
    /// The client is working on a batch (the server waits).
    ClientWorking,
    /// The server sent RESULT.
    Decided,
    /// CLOSE was sent or received.
    End,
}

impl State {
    /// Every state.
    pub const ALL: [State; 5] = [
        State::Init,
        State::ServerWorking,
        State::ClientWorking,
        State::Decided,
        State::End,
    ];
}

/// Whether a batch is being sent or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// This side sends the batch.
    Send,
    /// This side receives the batch.
    Receive,
}

/// One legal transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Who sends the batch.
    pub sender: Role,
    /// State before.
    pub from: State,
    /// The batch type.
    pub batch: BatchType,
    /// State after (on both sides).
    pub to: State,
    /// False for edges that are accepted on receipt only (this implementation never sends them).
    pub sendable: bool,
    /// True when the edge is drawn in the RFC 5793 §3.2 figure.
    pub in_rfc_figure: bool,
}

const fn e(
    sender: Role,
    from: State,
    batch: BatchType,
    to: State,
    sendable: bool,
    fig: bool,
) -> Edge {
    Edge {
        sender,
        from,
        batch,
        to,
        sendable,
        in_rfc_figure: fig,
    }
}

use BatchType as B;
use Role::{Client as C, Server as S};
use State::{ClientWorking as CW, Decided as D, End, Init, ServerWorking as SW};

/// Every legal edge.
pub const EDGES: &[Edge] = &[
    // batches sent by the client
    e(C, Init, B::CDATA, SW, true, true),
    e(C, CW, B::CDATA, SW, true, true),
    e(C, D, B::CRETRY, SW, true, true),
    // the answer to an SRETRY received in Decided: the RFC figure's "receive CRETRY" loop on
    // Server Working (strongSwan's send table has the sending edge)
    e(C, SW, B::CRETRY, SW, true, false),
    // strongSwan/jTNC: CRETRY passing the turn like CDATA (receive only)
    e(C, CW, B::CRETRY, SW, false, false),
    e(C, Init, B::CLOSE, End, true, true),
    e(C, SW, B::CLOSE, End, true, true),
    e(C, CW, B::CLOSE, End, true, true),
    e(C, D, B::CLOSE, End, true, true),
    e(C, End, B::CLOSE, End, false, false),
    // batches sent by the server
    e(S, Init, B::SDATA, CW, true, true),
    e(S, SW, B::SDATA, CW, true, true),
    e(S, SW, B::RESULT, D, true, true),
    e(S, D, B::SRETRY, SW, true, true),
    // strongSwan: SRETRY passing the turn in Server Working (used for a retry requested by an
    // IMV before the decision; a crossing SRETRY is handled by the session)
    e(S, SW, B::SRETRY, CW, true, false),
    e(S, Init, B::CLOSE, End, true, true),
    e(S, SW, B::CLOSE, End, true, true),
    e(S, CW, B::CLOSE, End, true, true),
    e(S, D, B::CLOSE, End, true, true),
    e(S, End, B::CLOSE, End, false, false),
];

/// The state after `role` sends or receives a `batch` in `state`, or the
/// [`Error::UnexpectedBatchType`] that makes the batch illegal.
pub fn transition(
    role: Role,
    action: Action,
    state: State,
    batch: BatchType,
) -> Result<State, Error> {
    let sender = match action {
        Action::Send => role,
        Action::Receive => role.peer(),
    };
    EDGES
        .iter()
        .find(|x| {
            x.sender == sender
                && x.from == state
                && x.batch == batch
                && (action == Action::Receive || x.sendable)
        })
        .map(|x| x.to)
        .ok_or(Error::UnexpectedBatchType {
            role,
            action: match action {
                Action::Send => "send",
                Action::Receive => "receive",
            },
            batch_type: batch,
            state,
        })
}
