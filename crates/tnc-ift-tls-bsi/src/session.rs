//! The sans-IO PT-TLS session (RFC 6876 §3.6–§3.9) for both roles.
//!
//! The session takes received TLS application data and `now` in, and gives bytes to
//! send, [`Event`]s and a deadline out. It opens no socket and reads no clock, so
//! every flow — version negotiation, SASL PLAIN, the data transport phase, the
//! one-assessment rule, the 48-hour lifetime — is a plain unit test with simulated time.
//!
//! Phases are data: [`State`] plus [`allowed`], the table of which message type is
//! legal in which state for which role; anything else gets the PT-TLS Error the RFC
//! names (see [`State`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::consts::{
    DEFAULT_MAX_MESSAGE_LEN, HEADER_LEN, MAX_ERROR_COPY, PT_TLS_VERSION, PtTlsErrorCode,
    PtTlsMessageType, SASL_PLAIN, SaslResultCode,
};
use crate::error::Error;
use crate::message::{
    ErrorValue, Header, Message, PlainCredentials, SaslMechanisms, mechanisms_value,
};
use tnc_wire::Pen;

/// Which end of PT-TLS this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// NEA Client (PT-TLS initiator, TLS client; the smart-meter gateway).
    Client,
    /// NEA Server (PT-TLS responder, TLS server; the GWA).
    Server,
}

/// A server-side check of SASL PLAIN credentials.
pub type PlainVerifier = Arc<dyn Fn(&PlainCredentials) -> bool + Send + Sync>;

/// Configuration of one PT-TLS session.
#[derive(Clone)]
pub struct SessionConfig {
    /// Role of this end.
    pub role: Role,
    /// Largest PT-TLS message accepted (header included), checked before buffering.
    pub max_message_len: u32,
    /// Lifetime of the session from its creation (BSI: at most 48 h); `None` = unlimited.
    pub lifetime: Option<Duration>,
    /// Whether the client-authentication (SASL) phase exists. `false` in the BSI
    /// profile: the data transport phase starts right after the Version Response and
    /// any SASL message is an *Invalid Message*.
    pub sasl_phase: bool,
    /// Client: PLAIN credentials to use when the server asks for PLAIN.
    pub plain_credentials: Option<PlainCredentials>,
    /// Server: offer PLAIN and check credentials with this function.
    pub plain_verifier: Option<PlainVerifier>,
    /// Most PB-TNC assessments (handshakes ending in a RESULT batch) per session;
    /// a CRETRY/SRETRY after that many RESULT batches is an *Invalid Message*.
    /// `Some(1)` in the BSI profile.
    pub max_assessments: Option<u32>,
    /// Server: SASL attempts before the server answers *Abort* and closes.
    pub max_sasl_attempts: u32,
}

impl core::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("role", &self.role)
            .field("max_message_len", &self.max_message_len)
            .field("lifetime", &self.lifetime)
            .field("sasl_phase", &self.sasl_phase)
            .field("plain_credentials", &self.plain_credentials)
            .field("plain_verifier", &self.plain_verifier.is_some())
            .field("max_assessments", &self.max_assessments)
            .finish()
    }
}

impl SessionConfig {
    /// The BSI profile: no SASL, one assessment, 48-hour lifetime.
    pub fn bsi(role: Role) -> Self {
        SessionConfig {
            role,
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            lifetime: Some(Duration::from_secs(48 * 3600)),
            sasl_phase: false,
            plain_credentials: None,
            plain_verifier: None,
            max_assessments: Some(1),
            max_sasl_attempts: 3,
        }
    }

    /// Plain RFC 6876: SASL phase (empty mechanism list unless a verifier is set),
    /// no assessment or lifetime limit.
    pub fn rfc6876(role: Role) -> Self {
        SessionConfig {
            role,
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            lifetime: None,
            sasl_phase: true,
            plain_credentials: None,
            plain_verifier: None,
            max_assessments: None,
            max_sasl_attempts: 3,
        }
    }
}

/// The protocol state. Which messages are legal in which state: [`allowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Client before [`Session::start`].
    Idle,
    /// Server waiting for the Version Request.
    AwaitVersionRequest,
    /// Client waiting for the Version Response.
    AwaitVersionResponse,
    /// Client waiting for SASL Mechanisms.
    AwaitMechanisms,
    /// Client waiting for SASL Result after its selection.
    AwaitSaslResult,
    /// Server waiting for SASL Mechanism Selection.
    AwaitSelection,
    /// Server waiting for SASL Authentication Data (selection without initial response).
    AwaitAuthData,
    /// Data transport phase: PB-TNC batches.
    Data,
    /// Closed; nothing more is accepted.
    Closed,
}

/// The phase table: may a message of IETF type `t` be received by `role` in `state`?
/// `Some(false)` → *Invalid Message*; `None` → not an IETF type of this table
/// (unknown types are answered with *Type Not Supported* in every state).
pub fn allowed(role: Role, state: State, t: PtTlsMessageType) -> Option<bool> {
    use PtTlsMessageType as T;
    use State as S;
    let ok = match (role, t) {
        (_, T::PT_TLS_ERROR) => state != S::Closed,
        (Role::Server, T::VERSION_REQUEST) => state == S::AwaitVersionRequest,
        (Role::Client, T::VERSION_RESPONSE) => state == S::AwaitVersionResponse,
        (Role::Client, T::SASL_MECHANISMS) => state == S::AwaitMechanisms,
        (Role::Client, T::SASL_RESULT) => state == S::AwaitSaslResult,
        (Role::Server, T::SASL_MECHANISM_SELECTION) => state == S::AwaitSelection,
        (Role::Server, T::SASL_AUTHENTICATION_DATA) => state == S::AwaitAuthData,
        (_, T::PB_TNC_BATCH) => state == S::Data,
        // Experimental is always answered with Invalid Message (§3.6); the rest are
        // messages the other role sends.
        (
            _,
            T::EXPERIMENTAL
            | T::VERSION_REQUEST
            | T::VERSION_RESPONSE
            | T::SASL_MECHANISMS
            | T::SASL_RESULT
            | T::SASL_MECHANISM_SELECTION
            | T::SASL_AUTHENTICATION_DATA,
        ) => false,
        _ => return None,
    };
    Some(ok)
}

/// Why a session closed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The assessment finished (PB-TNC CLOSE batch sent or received, or [`Session::close`]).
    Done,
    /// The configured lifetime expired.
    Expired,
    /// We sent the fatal PT-TLS Error `code`.
    LocalError(PtTlsErrorCode),
    /// The peer sent the fatal PT-TLS Error `code`.
    PeerError(PtTlsErrorCode),
    /// SASL authentication failed.
    AuthenticationFailed,
}

/// Something the caller should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The version exchange completed.
    Negotiated {
        /// The PT-TLS version (always 1).
        version: u8,
    },
    /// SASL PLAIN succeeded (server: the client's authcid; client: our authcid).
    Authenticated {
        /// The authenticated identity.
        identity: String,
    },
    /// The data transport phase began: PB-TNC batches may flow.
    Ready,
    /// A PB-TNC batch arrived.
    Batch(Vec<u8>),
    /// The peer sent a non-fatal PT-TLS Error.
    PeerError {
        /// Vendor of the code.
        vendor: Pen,
        /// The code.
        code: PtTlsErrorCode,
    },
    /// The session closed; flush [`Session::take_transmit`] and close TLS.
    Closed(CloseReason),
}

const PB_BATCH_RESULT: u8 = 3;
const PB_BATCH_CRETRY: u8 = 4;
const PB_BATCH_SRETRY: u8 = 5;
const PB_BATCH_CLOSE: u8 = 6;

/// The PB-TNC batch type (low nibble of octet 3), if the batch has a header.
/// The only octet of a batch PT-TLS looks at, for the one-assessment rule.
pub fn pb_batch_type(batch: &[u8]) -> Option<u8> {
    (batch.len() >= 8).then(|| batch[3] & 0x0F)
}

/// A PT-TLS session.
#[derive(Debug)]
pub struct Session {
    cfg: SessionConfig,
    state: State,
    deadline: Option<Instant>,
    rx: Vec<u8>,
    rx_pos: usize,
    tx: Vec<u8>,
    next_id: u32,
    events: VecDeque<Event>,
    results_seen: u32,
    sasl_attempts: u32,
    offered_plain: bool,
}

impl Session {
    /// A new session created at `now` (the lifetime counts from here).
    pub fn new(cfg: SessionConfig, now: Instant) -> Self {
        let state = match cfg.role {
            Role::Client => State::Idle,
            Role::Server => State::AwaitVersionRequest,
        };
        Session {
            deadline: cfg.lifetime.and_then(|d| now.checked_add(d)),
            cfg,
            state,
            rx: Vec::new(),
            rx_pos: 0,
            tx: Vec::new(),
            next_id: 0,
            events: VecDeque::new(),
            results_seen: 0,
            sasl_attempts: 0,
            offered_plain: false,
        }
    }

    /// A session placed directly in `state` (for decoders and tests that judge a
    /// message in the phase where its type is legal). A server in
    /// [`State::AwaitSelection`] counts PLAIN as offered when a verifier is configured.
    pub fn with_state(cfg: SessionConfig, state: State, now: Instant) -> Self {
        let mut s = Session::new(cfg, now);
        s.offered_plain = s.cfg.plain_verifier.is_some();
        s.state = state;
        s
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// True in the data transport phase.
    pub fn is_ready(&self) -> bool {
        self.state == State::Data
    }

    /// When [`Session::handle_timeout`] must be called (the lifetime end).
    pub fn deadline(&self) -> Option<Instant> {
        if self.is_closed() {
            None
        } else {
            self.deadline
        }
    }

    /// Bytes to send (taken: the internal buffer is emptied).
    pub fn take_transmit(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.tx)
    }

    /// True when bytes wait to be sent.
    pub fn wants_write(&self) -> bool {
        !self.tx.is_empty()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Client: sends the Version Request.
    pub fn start(&mut self, now: Instant) -> Result<(), Error> {
        self.check_time(now)?;
        if self.cfg.role != Role::Client || self.state != State::Idle {
            return Err(Error::State("start() is for a client that has not started"));
        }
        self.send(&Message::VersionRequest {
            min: PT_TLS_VERSION,
            max: PT_TLS_VERSION,
            preferred: PT_TLS_VERSION,
        })?;
        self.state = State::AwaitVersionResponse;
        Ok(())
    }

    /// Queues a PB-TNC batch (data transport phase only). A CLOSE batch ends the session
    /// after it; a CRETRY/SRETRY beyond the assessment limit is refused.
    pub fn send_batch(&mut self, batch: &[u8], now: Instant) -> Result<(), Error> {
        self.check_time(now)?;
        if self.state != State::Data {
            return Err(Error::State(
                "PB-TNC batches only in the data transport phase",
            ));
        }
        let ty = pb_batch_type(batch);
        if matches!(ty, Some(PB_BATCH_CRETRY | PB_BATCH_SRETRY)) && self.limit_reached() {
            return Err(Error::State(
                "one assessment per connection: no handshake retry after the result",
            ));
        }
        self.send(&Message::PbTncBatch(batch))?;
        match ty {
            Some(PB_BATCH_RESULT) => self.results_seen += 1,
            Some(PB_BATCH_CLOSE) => self.close_with(CloseReason::Done),
            _ => {}
        }
        Ok(())
    }

    /// Ends the session locally (after the assessment, or to abort).
    pub fn close(&mut self) {
        if !self.is_closed() {
            self.close_with(CloseReason::Done);
        }
    }

    /// Closes the session when its lifetime is over.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(d) = self.deadline() {
            if now >= d {
                self.close_with(CloseReason::Expired);
            }
        }
    }

    fn check_time(&mut self, now: Instant) -> Result<(), Error> {
        self.handle_timeout(now);
        if self.is_closed() {
            if self.deadline.is_some_and(|d| now >= d) {
                return Err(Error::Expired);
            }
            return Err(Error::State("session closed"));
        }
        Ok(())
    }

    fn limit_reached(&self) -> bool {
        self.cfg
            .max_assessments
            .is_some_and(|m| self.results_seen >= m)
    }

    fn close_with(&mut self, reason: CloseReason) {
        if self.state != State::Closed {
            self.state = State::Closed;
            self.events.push_back(Event::Closed(reason));
        }
    }

    fn send(&mut self, m: &Message<'_>) -> Result<(), Error> {
        m.encode(self.next_id, &mut self.tx)?;
        self.next_id = self.next_id.wrapping_add(1);
        Ok(())
    }

    /// Sends PT-TLS Error `code` with a copy of `original`; fatal codes close.
    fn send_error(&mut self, code: PtTlsErrorCode, original: &[u8]) -> Result<(), Error> {
        let copy = &original[..original.len().min(MAX_ERROR_COPY)];
        self.send(&Message::Error(ErrorValue {
            vendor: Pen::IETF,
            code,
            original: copy,
        }))?;
        if code.is_fatal() {
            self.close_with(CloseReason::LocalError(code));
        }
        Ok(())
    }

    fn violation(&mut self, code: PtTlsErrorCode, original: &[u8], reason: &'static str) -> Error {
        if let Err(e) = self.send_error(code, original) {
            return e;
        }
        self.close_with(CloseReason::LocalError(code));
        Error::Protocol { code, reason }
    }

    /// Feeds received TLS application data. Complete messages are processed at once;
    /// a partial message is buffered (never more than the configured maximum length).
    /// On a protocol violation the PT-TLS Error is queued for sending, the session
    /// closes and the error is returned.
    pub fn feed(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        self.check_time(now)?;
        self.rx.extend_from_slice(data);
        let r = self.process();
        if self.rx_pos == self.rx.len() {
            self.rx.clear();
            self.rx_pos = 0;
        } else if self.rx_pos > 0 {
            self.rx.drain(..self.rx_pos);
            self.rx_pos = 0;
        }
        r
    }

    fn process(&mut self) -> Result<(), Error> {
        while !self.is_closed() {
            let avail = &self.rx[self.rx_pos..];
            let Some(hdr) = avail.get(..HEADER_LEN) else {
                return Ok(());
            };
            let mut hb = [0u8; HEADER_LEN];
            hb.copy_from_slice(hdr);
            let h = Header::parse(&hb);
            if let Err(e) = h.check(self.cfg.max_message_len) {
                let code = e.wire_code().unwrap_or(PtTlsErrorCode::INVALID_PARAMETER);
                // never answer an Error with an Error
                if h.ietf_type() != Some(PtTlsMessageType::PT_TLS_ERROR) {
                    self.send_error(code, &hb)?;
                }
                self.close_with(CloseReason::LocalError(code));
                return Err(e);
            }
            let len = h.length as usize;
            if avail.len() < len {
                return Ok(());
            }
            let start = self.rx_pos;
            self.rx_pos += len;
            let msg_bytes = core::mem::take(&mut self.rx);
            let r = self.handle(&h, &msg_bytes[start..start + len]);
            self.rx = msg_bytes;
            r?;
        }
        Ok(())
    }

    fn handle(&mut self, h: &Header, raw: &[u8]) -> Result<(), Error> {
        let is_error_msg = h.ietf_type() == Some(PtTlsMessageType::PT_TLS_ERROR);
        let msg = match Message::decode_value(h, &raw[HEADER_LEN..]) {
            Ok(m) => m,
            Err(e) => {
                let code = e.wire_code().unwrap_or(PtTlsErrorCode::MALFORMED_MESSAGE);
                if !is_error_msg {
                    self.send_error(code, raw)?;
                }
                self.close_with(CloseReason::LocalError(code));
                return Err(e);
            }
        };
        let t = match h.ietf_type() {
            Some(t) => t,
            None => PtTlsMessageType(u32::MAX - 1),
        };
        let ok = if h.vendor == Pen::IETF {
            allowed(self.cfg.role, self.state, t)
        } else {
            None
        };
        match ok {
            None => {
                // vendor-specific or unassigned: Type Not Supported, ignore, carry on
                return self.send_error(PtTlsErrorCode::TYPE_NOT_SUPPORTED, raw);
            }
            Some(false) => {
                return Err(self.violation(
                    PtTlsErrorCode::INVALID_MESSAGE,
                    raw,
                    "message not valid in the current PT-TLS phase",
                ));
            }
            Some(true) => {}
        }
        match msg {
            Message::Error(e) => {
                if e.vendor == Pen::IETF && e.code.is_fatal() {
                    self.close_with(CloseReason::PeerError(e.code));
                    return Err(Error::PeerError {
                        vendor: e.vendor.get(),
                        code: e.code,
                    });
                }
                self.events.push_back(Event::PeerError {
                    vendor: e.vendor,
                    code: e.code,
                });
                Ok(())
            }
            Message::VersionRequest { min, max, .. } => {
                if min <= PT_TLS_VERSION && PT_TLS_VERSION <= max {
                    self.send(&Message::VersionResponse {
                        version: PT_TLS_VERSION,
                    })?;
                    self.events.push_back(Event::Negotiated {
                        version: PT_TLS_VERSION,
                    });
                    self.server_after_version()
                } else {
                    Err(self.violation(
                        PtTlsErrorCode::VERSION_NOT_SUPPORTED,
                        raw,
                        "no common PT-TLS version",
                    ))
                }
            }
            Message::VersionResponse { version } => {
                if version != PT_TLS_VERSION {
                    return Err(self.violation(
                        PtTlsErrorCode::VERSION_NOT_SUPPORTED,
                        raw,
                        "server selected a version outside our range",
                    ));
                }
                self.events.push_back(Event::Negotiated { version });
                if self.cfg.sasl_phase {
                    self.state = State::AwaitMechanisms;
                } else {
                    self.enter_data();
                }
                Ok(())
            }
            Message::SaslMechanisms(m) => self.client_mechanisms(m, raw),
            Message::SaslResult { code, .. } => self.client_result(code),
            Message::SaslMechanismSelection {
                mechanism,
                initial_response,
            } => {
                if mechanism != SASL_PLAIN || !self.offered_plain {
                    return Err(self.violation(
                        PtTlsErrorCode::SASL_MECHANISM_ERROR,
                        raw,
                        "client selected a mechanism that was not offered",
                    ));
                }
                if initial_response.is_empty() {
                    // RFC 4616: no initial response -> empty challenge
                    self.send(&Message::SaslAuthenticationData(&[]))?;
                    self.state = State::AwaitAuthData;
                    Ok(())
                } else {
                    self.server_check_plain(initial_response)
                }
            }
            Message::SaslAuthenticationData(d) => self.server_check_plain(d),
            Message::PbTncBatch(b) => self.receive_batch(b, raw),
            // Experimental and Unknown never reach here (allowed() answers first)
            Message::Experimental(_) | Message::Unknown { .. } => {
                Err(self.violation(PtTlsErrorCode::INVALID_MESSAGE, raw, "unexpected message"))
            }
        }
    }

    fn enter_data(&mut self) {
        self.state = State::Data;
        self.events.push_back(Event::Ready);
    }

    fn server_after_version(&mut self) -> Result<(), Error> {
        if !self.cfg.sasl_phase {
            self.enter_data();
            return Ok(());
        }
        self.offer_mechanisms()
    }

    fn offer_mechanisms(&mut self) -> Result<(), Error> {
        if self.cfg.plain_verifier.is_some() {
            let v = mechanisms_value(&[SASL_PLAIN])?;
            self.send(&Message::SaslMechanisms(SaslMechanisms::from_raw(&v)))?;
            self.offered_plain = true;
            self.state = State::AwaitSelection;
        } else {
            self.send(&Message::SaslMechanisms(SaslMechanisms::from_raw(&[])))?;
            self.enter_data();
        }
        Ok(())
    }

    fn server_check_plain(&mut self, resp: &[u8]) -> Result<(), Error> {
        let verdict = match (PlainCredentials::parse(resp), &self.cfg.plain_verifier) {
            (Some(c), Some(v)) => v(&c).then_some(c.authcid),
            _ => None,
        };
        if let Some(identity) = verdict {
            self.send(&Message::SaslResult {
                code: SaslResultCode::SUCCESS,
                data: &[],
            })?;
            self.events.push_back(Event::Authenticated { identity });
            self.send(&Message::SaslMechanisms(SaslMechanisms::from_raw(&[])))?;
            self.enter_data();
            return Ok(());
        }
        self.sasl_attempts += 1;
        if self.sasl_attempts >= self.cfg.max_sasl_attempts {
            self.send(&Message::SaslResult {
                code: SaslResultCode::ABORT,
                data: &[],
            })?;
            self.close_with(CloseReason::AuthenticationFailed);
            return Err(Error::Authentication("too many failed SASL PLAIN attempts"));
        }
        self.send(&Message::SaslResult {
            code: SaslResultCode::FAILURE,
            data: &[],
        })?;
        self.offer_mechanisms()
    }

    fn client_mechanisms(&mut self, m: SaslMechanisms<'_>, raw: &[u8]) -> Result<(), Error> {
        if m.is_empty() {
            self.enter_data();
            return Ok(());
        }
        match &self.cfg.plain_credentials {
            Some(c) if m.contains(SASL_PLAIN) => {
                let resp = c.encode();
                self.send(&Message::SaslMechanismSelection {
                    mechanism: SASL_PLAIN,
                    initial_response: &resp,
                })?;
                self.state = State::AwaitSaslResult;
                Ok(())
            }
            _ => Err(self.violation(
                PtTlsErrorCode::SASL_MECHANISM_ERROR,
                raw,
                "no offered SASL mechanism is supported",
            )),
        }
    }

    fn client_result(&mut self, code: SaslResultCode) -> Result<(), Error> {
        if code == SaslResultCode::SUCCESS {
            let identity = self
                .cfg
                .plain_credentials
                .as_ref()
                .map(|c| c.authcid.clone())
                .unwrap_or_default();
            self.events.push_back(Event::Authenticated { identity });
            self.state = State::AwaitMechanisms;
            return Ok(());
        }
        // The same credentials would fail again: give up (RFC: the client *may* retry).
        self.close_with(CloseReason::AuthenticationFailed);
        Err(Error::Authentication(
            "server rejected the SASL PLAIN credentials",
        ))
    }

    fn receive_batch(&mut self, b: &[u8], raw: &[u8]) -> Result<(), Error> {
        let ty = pb_batch_type(b);
        if matches!(ty, Some(PB_BATCH_CRETRY | PB_BATCH_SRETRY)) && self.limit_reached() {
            return Err(self.violation(
                PtTlsErrorCode::INVALID_MESSAGE,
                raw,
                "one assessment per connection: handshake retry after the result",
            ));
        }
        self.events.push_back(Event::Batch(b.to_vec()));
        match ty {
            Some(PB_BATCH_RESULT) => self.results_seen += 1,
            Some(PB_BATCH_CLOSE) => self.close_with(CloseReason::Done),
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
