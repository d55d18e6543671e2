//! The sans-IO PB-TNC session of one side (TNCC or TNCS): bytes and `now` in, batches,
//! events and a deadline out. It opens no socket, spawns nothing and reads no clock.
//!
//! Time is an [`Instant`] supplied by the caller; tests use a fixed base instant plus simulated
//! offsets, so no real time passes.
//!
//! Receive rules (`pb-tnc.md` §6), each failure fatal: the batch is not processed, a CLOSE
//! batch carrying the PB-Error of [`Error::pb_error`] is queued, the state becomes End and
//! [`Event::Closed`] reports [`CloseReason::ProtocolError`]:
//!
//! 1. header: ≥ 8 octets, version 2, D bit = the peer's role, type ≤ 6, Batch Length ≤
//!    [`Limits::max_batch_size`] and = octets received;
//! 2. the state machine ([`crate::state`]) → Unexpected Batch Type;
//! 3. the round-trip limit → Local Error;
//! 4. every message: header and value checks of [`crate::message`]; an unknown NOSKIP message
//!    or a NOSKIP PB-Experimental → Unsupported Mandatory Message; PB-Assessment-Result,
//!    PB-Access-Recommendation or PB-Remediation-Parameters received by a server → Invalid
//!    Parameter at the message (RFC 5793 §4.6–§4.8); a PB-PA body above
//!    [`Limits::max_message_size`] → Invalid Parameter at its length field; a RESULT without
//!    PB-Assessment-Result → Invalid Parameter at offset 3 (jTNC refuses it too).
//!
//! Ignored without error: PB-Experimental and unknown messages without NOSKIP,
//! PB-Assessment-Result / PB-Access-Recommendation outside RESULT on a client (§4.6, §4.7),
//! PB-Reason-String on a server (strongSwan). A fatal PB-Error from the peer ends the session
//! after its batch; we answer with an empty CLOSE (no messages, §4.9).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tnc_wire::{Encode, MessageType, Pen};

use crate::batch::{Batch, BatchWriter};
use crate::consts::{
    AccessRecommendation, AssessmentResult, BATCH_HEADER_LEN, BatchType, ErrorCode,
};
use crate::error::Error;
use crate::message::{Message, RemediationParams};
use crate::state::{Action, Role, State, transition};

/// Limits of a session. Batches and messages above them are refused before anything is
/// buffered or allocated for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest batch accepted or sent (default: strongSwan's PT-TLS value 2 097 136).
    pub max_batch_size: u32,
    /// Largest PA message (PB-PA body) accepted or sent (default: batch − 32).
    pub max_message_size: u32,
    /// Most batches accepted from the peer per session, CLOSE excluded (default 64).
    pub max_round_trips: u32,
    /// How long either side may take for its turn (default 60 s). When the deadline passes,
    /// [`Session::handle_timeout`] closes the session with a fatal Local Error.
    pub turn_timeout: Duration,
}

impl Limits {
    /// Limits for PB-TNC over PT-EAP/EAP-TNC (batch 65 522 octets).
    pub const EAP: Limits = Limits {
        max_batch_size: 65_522,
        max_message_size: 65_490,
        max_round_trips: 64,
        turn_timeout: Duration::from_secs(60),
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_size: 2_097_136,
            max_message_size: 2_097_136 - 32,
            max_round_trips: 64,
            turn_timeout: Duration::from_secs(60),
        }
    }
}

/// A PA message received in a PB-PA (owned; the body shares one buffer per batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaMessage {
    /// Vendor and subtype.
    pub message_type: MessageType,
    /// EXCL flag.
    pub exclusive: bool,
    /// Posture Collector Identifier.
    pub collector: u16,
    /// Posture Validator Identifier.
    pub validator: u16,
    /// The PA message.
    pub body: Bytes,
}

/// Owned remediation parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemediationInfo {
    /// IETF Remediation-URI.
    Uri(String),
    /// IETF Remediation-String.
    Text {
        /// The instructions.
        text: String,
        /// Language tag.
        language: String,
    },
    /// Other vendor/type, raw.
    Other {
        /// Vendor.
        vendor: Pen,
        /// Type.
        remediation_type: u32,
        /// Raw parameters.
        params: Vec<u8>,
    },
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer sent CLOSE without a fatal PB-Error.
    PeerClosed,
    /// The peer sent a fatal PB-Error.
    PeerError {
        /// Error vendor.
        vendor: Pen,
        /// Error code.
        code: ErrorCode,
    },
    /// We refused the peer's batch; the CLOSE we sent carries the PB-Error of this error.
    ProtocolError(Error),
    /// The turn deadline passed; we sent CLOSE with a fatal Local Error.
    Timeout,
    /// We closed (see [`Session::close`]).
    LocalClose,
}

/// What a session reports to its broker, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A valid batch was accepted; its messages follow.
    BatchStarted {
        /// Its type.
        batch_type: BatchType,
    },
    /// A PB-PA message.
    Pa(PaMessage),
    /// PB-Language-Preference: the language list (after `Accept-Language:`).
    LanguagePreference(String),
    /// PB-Assessment-Result (only reported inside RESULT).
    AssessmentResult(AssessmentResult),
    /// PB-Access-Recommendation (only reported inside RESULT).
    AccessRecommendation(AccessRecommendation),
    /// PB-Reason-String (reported on the client only).
    ReasonString {
        /// Text.
        text: String,
        /// Language tag.
        language: String,
    },
    /// PB-Remediation-Parameters (reported on the client only).
    Remediation(RemediationInfo),
    /// TCG PB-PDP-Referral: the whole message value, raw.
    PdpReferral(Bytes),
    /// ITA PB-Mutual-Capability flags (mutual mode is not implemented; informational).
    MutualCapability(u32),
    /// A PB-Error from the peer.
    PeerError {
        /// FATAL flag.
        fatal: bool,
        /// Vendor.
        vendor: Pen,
        /// Code.
        code: ErrorCode,
        /// Offset parameter, if any.
        offset: Option<u32>,
    },
    /// All messages of the batch were reported; this side may now send.
    BatchEnded {
        /// Its type.
        batch_type: BatchType,
    },
    /// The session ended (after this, only [`Session::poll_batch`] may still yield a CLOSE).
    Closed(CloseReason),
}

/// One side of a PB-TNC conversation.
#[derive(Debug)]
pub struct Session {
    role: Role,
    state: State,
    limits: Limits,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    queued: VecDeque<Vec<u8>>,
    deadline: Option<Instant>,
    round_trips: u32,
    retry_sent: bool,
}

impl Session {
    /// A new session in state Init.
    pub fn new(role: Role, limits: Limits) -> Self {
        Session {
            role,
            state: State::Init,
            limits,
            out: VecDeque::new(),
            events: VecDeque::new(),
            queued: VecDeque::new(),
            deadline: None,
            round_trips: 0,
            retry_sent: false,
        }
    }

    /// The TNCC side of a session.
    pub fn client(limits: Limits) -> Self {
        Self::new(Role::Client, limits)
    }

    /// The TNCS side of a session.
    pub fn server(limits: Limits) -> Self {
        Self::new(Role::Server, limits)
    }

    /// A session that starts in `state` instead of Init — for tools that judge a single batch
    /// (what would a receiver in the state where this batch type is legal answer?) and tests.
    pub fn in_state(role: Role, limits: Limits, state: State) -> Self {
        Session {
            state,
            ..Session::new(role, limits)
        }
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Batches received from the peer so far (CLOSE excluded).
    pub fn round_trips(&self) -> u32 {
        self.round_trips
    }

    /// True once CLOSE was sent or received.
    pub fn is_ended(&self) -> bool {
        self.state == State::End
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called, if a turn is running.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The next batch to transmit.
    pub fn poll_batch(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event for the broker.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Processes one received batch. Bad input is answered on the wire (a CLOSE batch with the
    /// fatal PB-Error of RFC 5793 §4.9, ready in [`poll_batch`](Self::poll_batch)) and reported
    /// as [`Event::Closed`]; the error is also returned for logging.
    pub fn receive_batch(&mut self, bytes: &[u8], now: Instant) -> Result<(), Error> {
        if self.state == State::End {
            // strongSwan tolerates a CLOSE in End; anything else is dropped unanswered
            return match Batch::decode(bytes) {
                Ok(b) if b.batch_type == BatchType::CLOSE => Ok(()),
                _ => Err(Error::SessionEnded),
            };
        }
        match self.process(bytes, now) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    fn process(&mut self, bytes: &[u8], now: Instant) -> Result<(), Error> {
        let batch =
            Batch::decode_limited(bytes, Some(self.role.peer()), self.limits.max_batch_size)?;
        let bt = batch.batch_type;
        let mut next = transition(self.role, Action::Receive, self.state, bt)?;
        let crossing = self.role == Role::Client
            && bt == BatchType::SRETRY
            && self.state == State::ServerWorking;
        let crossed = crossing && self.retry_sent;
        if crossing && !self.retry_sent {
            // strongSwan's extra edge: SRETRY passes the turn (see state::EDGES)
            next = State::ClientWorking;
        } else if crossing {
            // our CRETRY crossed the server's SRETRY: keep waiting (RFC loop)
            next = State::ServerWorking;
        }
        if bt != BatchType::CLOSE {
            self.round_trips = self.round_trips.saturating_add(1);
            if self.round_trips > self.limits.max_round_trips {
                return Err(Error::Local("maximum number of round trips exceeded"));
            }
        }
        let mut events = Vec::new();
        let mut peer_fatal = None;
        let mut has_result = false;
        let mut shared: Option<Bytes> = None;
        for raw in batch.raw_messages() {
            let raw = raw?;
            let at = raw.offset;
            let m = Message::from_raw(raw)?;
            match m {
                Message::Experimental { noskip: true, .. } => {
                    // RFC 5793 §4.4: fatal Unsupported Mandatory Message
                    return Err(Error::UnsupportedMandatoryMessage {
                        offset: u32::try_from(at).unwrap_or(u32::MAX),
                        vendor: Pen::IETF,
                        message_type: 0,
                    });
                }
                Message::Pa(pa) => {
                    if pa.body.len() as u64 > u64::from(self.limits.max_message_size) {
                        return Err(Error::invalid(
                            at + 8,
                            "PA message exceeds the maximum message size",
                        ));
                    }
                    let buf = shared.get_or_insert_with(|| Bytes::copy_from_slice(bytes));
                    let start = at + 24;
                    events.push(Event::Pa(PaMessage {
                        message_type: pa.message_type,
                        exclusive: pa.exclusive,
                        collector: pa.collector,
                        validator: pa.validator,
                        body: buf.slice(start..start + pa.body.len()),
                    }));
                }
                Message::AssessmentResult(_)
                | Message::AccessRecommendation(_)
                | Message::RemediationParameters(_)
                    if self.role == Role::Server =>
                {
                    // RFC 5793 §4.6–§4.8: server-only messages received by a server
                    return Err(Error::invalid(
                        at,
                        "server-only PB-TNC message sent by the client",
                    ));
                }
                // a client ignores these two outside RESULT (§4.6, §4.7)
                Message::AssessmentResult(a) if bt == BatchType::RESULT => {
                    has_result = true;
                    events.push(Event::AssessmentResult(a));
                }
                Message::AccessRecommendation(a) if bt == BatchType::RESULT => {
                    events.push(Event::AccessRecommendation(a));
                }
                Message::RemediationParameters(rp) => {
                    events.push(Event::Remediation(match rp.params {
                        RemediationParams::Uri(u) => RemediationInfo::Uri(u.to_owned()),
                        RemediationParams::String { text, language } => RemediationInfo::Text {
                            text: text.to_owned(),
                            language: language.to_owned(),
                        },
                        RemediationParams::Raw(b) => RemediationInfo::Other {
                            vendor: rp.vendor,
                            remediation_type: rp.remediation_type,
                            params: b.to_vec(),
                        },
                    }));
                }
                Message::Error(e) => {
                    if e.fatal && peer_fatal.is_none() {
                        peer_fatal = Some((e.vendor, e.code));
                    }
                    events.push(Event::PeerError {
                        fatal: e.fatal,
                        vendor: e.vendor,
                        code: e.code,
                        offset: e.offset(),
                    });
                }
                Message::LanguagePreference(l) => {
                    events.push(Event::LanguagePreference(l.languages().to_owned()));
                }
                // the client must never send one; a server ignores it (strongSwan does)
                Message::ReasonString(rs) if self.role == Role::Client => {
                    events.push(Event::ReasonString {
                        text: rs.text.to_owned(),
                        language: rs.language.to_owned(),
                    });
                }
                Message::PdpReferral(_) => {
                    events.push(Event::PdpReferral(Bytes::copy_from_slice(raw.value)));
                }
                Message::MutualCapability(mc) => events.push(Event::MutualCapability(mc.flags)),
                // PB-Experimental without NOSKIP and unknown messages without NOSKIP are skipped
                _ => {}
            }
        }
        if bt == BatchType::RESULT && !has_result {
            return Err(Error::invalid(
                3,
                "RESULT batch without PB-Assessment-Result",
            ));
        }
        // accepted
        self.state = next;
        self.retry_sent = false;
        self.events
            .push_back(Event::BatchStarted { batch_type: bt });
        self.events.extend(events);
        if bt == BatchType::CLOSE {
            self.state = State::End;
            self.deadline = None;
            self.queued.clear();
            self.events.push_back(Event::Closed(match peer_fatal {
                Some((vendor, code)) => CloseReason::PeerError { vendor, code },
                None => CloseReason::PeerClosed,
            }));
        } else if let Some((vendor, code)) = peer_fatal {
            // RFC 5793 §4.9: end the session after this batch, no messages in response
            self.queued.clear();
            self.push_close(false);
            self.events
                .push_back(Event::Closed(CloseReason::PeerError { vendor, code }));
        } else if crossed {
            self.deadline = now.checked_add(self.limits.turn_timeout);
        } else {
            self.deadline = now.checked_add(self.limits.turn_timeout);
            self.events.push_back(Event::BatchEnded { batch_type: bt });
        }
        Ok(())
    }

    /// Refuses the peer's input: CLOSE with the error's fatal PB-Error, End.
    fn fail(&mut self, e: Error) {
        self.queued.clear();
        if let Some(pe) = e.pb_error() {
            self.queue_encoded(&Message::Error(pe));
        }
        self.push_close(false);
        self.events
            .push_back(Event::Closed(CloseReason::ProtocolError(e)));
    }

    fn queue_encoded(&mut self, m: &Message<'_>) {
        if let Ok(v) = m.to_vec() {
            self.queued.push_back(v);
        }
    }

    /// Queues a message for the next batch this side sends. A message that can never fit into a
    /// batch, or a PB-PA above the message-size limit, is refused.
    pub fn queue(&mut self, m: &Message<'_>) -> Result<(), Error> {
        if self.state == State::End {
            return Err(Error::SessionEnded);
        }
        if let Message::Pa(pa) = m {
            if pa.body.len() as u64 > u64::from(self.limits.max_message_size) {
                return Err(Error::Local("PA message exceeds the maximum message size"));
            }
        }
        let len = m.encoded_len();
        if len + BATCH_HEADER_LEN > self.limits.max_batch_size as usize {
            return Err(Error::Local("message does not fit into a batch"));
        }
        self.queued.push_back(m.to_vec()?);
        Ok(())
    }

    /// Number of queued messages.
    pub fn queued_messages(&self) -> usize {
        self.queued.len()
    }

    /// True when `batch_type` may be sent now.
    pub fn can_send(&self, batch_type: BatchType) -> bool {
        transition(self.role, Action::Send, self.state, batch_type).is_ok()
    }

    /// Builds and queues a batch of `batch_type` with the queued messages that fit (the rest
    /// stay queued for the next batch), and applies the state transition.
    pub fn send_batch(&mut self, batch_type: BatchType, now: Instant) -> Result<(), Error> {
        let next = transition(self.role, Action::Send, self.state, batch_type)?;
        let mut w = BatchWriter::new(self.role, batch_type);
        let max = self.limits.max_batch_size as usize;
        while let Some(m) = self.queued.front() {
            if w.len() + m.len() > max {
                break;
            }
            w.push_encoded(m);
            self.queued.pop_front();
        }
        let bytes = w.finish()?;
        self.out.push_back(bytes);
        if batch_type == BatchType::CRETRY && self.state == State::Decided {
            self.retry_sent = true;
        }
        self.state = next;
        if next == State::End {
            self.deadline = None;
            self.queued.clear();
        } else {
            self.deadline = now.checked_add(self.limits.turn_timeout);
        }
        Ok(())
    }

    /// Ends the session with a CLOSE batch (carrying `error`'s PB-Error when given; the
    /// queued messages are discarded).
    pub fn close(&mut self, error: Option<&Error>) -> Result<(), Error> {
        if self.state == State::End {
            return Err(Error::SessionEnded);
        }
        self.queued.clear();
        if let Some(pe) = error.and_then(Error::pb_error) {
            self.queue_encoded(&Message::Error(pe));
        }
        self.push_close(true);
        Ok(())
    }

    fn push_close(&mut self, event: bool) {
        let mut w = BatchWriter::new(self.role, BatchType::CLOSE);
        for m in self.queued.drain(..) {
            w.push_encoded(&m);
        }
        if let Ok(b) = w.finish() {
            self.out.push_back(b);
        }
        self.state = State::End;
        self.deadline = None;
        if event {
            self.events
                .push_back(Event::Closed(CloseReason::LocalClose));
        }
    }

    /// Call when [`next_deadline`](Self::next_deadline) has passed: the session is closed with a
    /// fatal Local Error (in a CLOSE batch) and [`Event::Closed`]`(Timeout)` is reported.
    /// Returns true if the deadline had expired.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        match self.deadline {
            Some(d) if now >= d && self.state != State::End => {
                self.queued.clear();
                if let Some(pe) = Error::Local("deadline expired").pb_error() {
                    self.queue_encoded(&Message::Error(pe));
                }
                self.push_close(false);
                self.events.push_back(Event::Closed(CloseReason::Timeout));
                true
            }
            _ => false,
        }
    }
}
