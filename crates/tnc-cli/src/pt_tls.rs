//! PT-TLS (RFC 6876) view: a stream of PT-TLS messages with typed values (PB-TNC
//! batches decoded through [`crate::pb_tnc`], and PA-TNC inside them), and the PT-TLS
//! Error(s) a receiver would send.
//!
//! The receiver is the role the first message is addressed to (a Version Request goes
//! to the server, a Version Response to the client, a PB-TNC batch to the peer of the
//! role its D bit names), starting in the phase where that first message is legal and
//! judging the rest of the stream as a real session (`tnc_ift_tls_bsi::session`,
//! RFC 6876 profile, every SASL PLAIN credential accepted) would.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use tnc_ift_tls_bsi::consts::{
    DEFAULT_MAX_MESSAGE_LEN, HEADER_LEN, PtTlsErrorCode, PtTlsMessageType,
};
use tnc_ift_tls_bsi::message::{Header, Message, PlainCredentials};
use tnc_ift_tls_bsi::session::{Role, Session, SessionConfig, State};

use crate::{View, hex};

/// Decodes `input` as a stream of PT-TLS messages.
pub fn view(input: &[u8]) -> View {
    let doc = to_json(input);
    let ok = doc["errors"].as_array().is_some_and(Vec::is_empty);
    let text = to_text(input.len(), &doc);
    View {
        text,
        json: doc,
        ok,
    }
}

fn receiver(first: &[u8]) -> (Role, State) {
    let Some(h) = first
        .get(..HEADER_LEN)
        .and_then(|b| <&[u8; HEADER_LEN]>::try_from(b).ok())
    else {
        return (Role::Server, State::AwaitVersionRequest);
    };
    let h = Header::parse(h);
    match h.ietf_type() {
        Some(PtTlsMessageType::VERSION_REQUEST) => (Role::Server, State::AwaitVersionRequest),
        Some(PtTlsMessageType::VERSION_RESPONSE) => (Role::Client, State::AwaitVersionResponse),
        Some(PtTlsMessageType::SASL_MECHANISMS) => (Role::Client, State::AwaitMechanisms),
        Some(PtTlsMessageType::SASL_RESULT) => (Role::Client, State::AwaitSaslResult),
        Some(PtTlsMessageType::SASL_MECHANISM_SELECTION) => (Role::Server, State::AwaitSelection),
        Some(PtTlsMessageType::SASL_AUTHENTICATION_DATA) => (Role::Server, State::AwaitAuthData),
        Some(PtTlsMessageType::PB_TNC_BATCH)
            if first.get(HEADER_LEN + 1).is_some_and(|d| d & 0x80 != 0) =>
        {
            (Role::Client, State::Data)
        }
        _ => (Role::Server, State::Data),
    }
}

fn has_selection(input: &[u8]) -> bool {
    let mut at = 0usize;
    while let Some(hb) = input
        .get(at..at + HEADER_LEN)
        .and_then(|b| <&[u8; HEADER_LEN]>::try_from(b).ok())
    {
        let h = Header::parse(hb);
        if h.ietf_type() == Some(PtTlsMessageType::SASL_MECHANISM_SELECTION) {
            return true;
        }
        if (h.length as usize) < HEADER_LEN {
            return false;
        }
        at += h.length as usize;
    }
    false
}

fn error_json(code: PtTlsErrorCode, vendor: u32, message: String) -> Value {
    json!({ "code": code.0, "vendor_id": vendor, "message": message })
}

/// The JSON document: `{"receiver", "messages": [...], "errors": [...]}`.
pub fn to_json(input: &[u8]) -> Value {
    let (role, state) = receiver(input);
    let mut cfg = SessionConfig::rfc6876(role);
    cfg.max_message_len = DEFAULT_MAX_MESSAGE_LEN;
    // the server offered PLAIN only if the client selected it somewhere in the stream
    if has_selection(input) {
        cfg.plain_verifier = Some(Arc::new(|_: &PlainCredentials| true));
    }
    cfg.plain_credentials = Some(PlainCredentials {
        authzid: String::new(),
        authcid: "tnc-decode".into(),
        password: "-".into(),
    });
    let now = Instant::now();
    let mut session = Session::with_state(cfg, state, now);
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    let mut at = 0usize;
    while at < input.len() {
        let rest = &input[at..];
        let Some(hb) = rest
            .get(..HEADER_LEN)
            .and_then(|b| <&[u8; HEADER_LEN]>::try_from(b).ok())
        else {
            errors.push(error_json(
                PtTlsErrorCode::MALFORMED_MESSAGE,
                0,
                format!(
                    "stream ends inside a message header at offset {at} ({} of 16 octets)",
                    rest.len()
                ),
            ));
            break;
        };
        let h = Header::parse(hb);
        let len = h.length as usize;
        let complete = h.check(DEFAULT_MAX_MESSAGE_LEN).is_ok() && rest.len() >= len;
        let (value, name) = if complete {
            match Message::decode(&rest[..len], DEFAULT_MAX_MESSAGE_LEN) {
                Ok((_, m)) => (value_json(&m), type_name(&h)),
                Err(e) => (
                    json!({ "hex": hex(&rest[HEADER_LEN..len]), "error": e.to_string() }),
                    type_name(&h),
                ),
            }
        } else {
            (Value::Null, type_name(&h))
        };
        messages.push(json!({
            "offset": at,
            "vendor_id": h.vendor.get(),
            "type": h.msg_type,
            "name": name,
            "identifier": h.identifier,
            "length": h.length,
            "value": value,
        }));
        // what the receiving session does with the message
        if !session.is_closed() {
            let end = if complete { len } else { rest.len() };
            let r = session.feed(&rest[..end], now);
            let reason = r.err().map(|e| e.to_string());
            let out = session.take_transmit();
            let mut o = &out[..];
            while let Some(hb) = o
                .get(..HEADER_LEN)
                .and_then(|b| <&[u8; HEADER_LEN]>::try_from(b).ok())
            {
                let l = (Header::parse(hb).length as usize).min(o.len());
                if let Ok((_, Message::Error(e))) = Message::decode(&o[..l], u32::MAX) {
                    let msg = reason
                        .clone()
                        .unwrap_or_else(|| format!("{} (message at offset {at})", e.code));
                    errors.push(error_json(e.code, e.vendor.get(), msg));
                }
                o = &o[l..];
            }
            if out.is_empty() {
                if let Some(reason) = reason {
                    // the session closed without sending an error (e.g. after a peer error)
                    errors.push(error_json(PtTlsErrorCode::RESERVED, 0, reason));
                }
            }
        }
        if !complete {
            if h.check(DEFAULT_MAX_MESSAGE_LEN).is_ok() {
                errors.push(error_json(
                    PtTlsErrorCode::MALFORMED_MESSAGE,
                    0,
                    format!(
                        "stream ends inside the message at offset {at} ({} of {len} octets)",
                        rest.len()
                    ),
                ));
            }
            break;
        }
        at += len;
    }
    json!({
        "receiver": if role == Role::Server { "server" } else { "client" },
        "messages": messages,
        "errors": errors,
    })
}

fn type_name(h: &Header) -> &'static str {
    h.ietf_type().and_then(|t| t.name()).unwrap_or("Unknown")
}

fn value_json(m: &Message<'_>) -> Value {
    match *m {
        Message::Experimental(v) | Message::SaslAuthenticationData(v) => json!({ "hex": hex(v) }),
        Message::VersionRequest {
            min,
            max,
            preferred,
        } => {
            json!({ "min_version": min, "max_version": max, "preferred_version": preferred })
        }
        Message::VersionResponse { version } => json!({ "version": version }),
        Message::SaslMechanisms(ms) => json!({ "mechanisms": ms.iter().collect::<Vec<_>>() }),
        Message::SaslMechanismSelection {
            mechanism,
            initial_response,
        } => {
            json!({ "mechanism": mechanism, "initial_response_hex": hex(initial_response) })
        }
        Message::SaslResult { code, data } => json!({
            "result": code.0,
            "result_name": code.name(),
            "data_hex": hex(data),
        }),
        Message::PbTncBatch(b) => json!({ "batch": crate::pb_tnc::to_json(b) }),
        Message::Error(e) => json!({
            "error_vendor_id": e.vendor.get(),
            "error_code": e.code.0,
            "error_name": if e.vendor.get() == 0 { e.code.name() } else { None },
            "original_hex": hex(e.original),
        }),
        Message::Unknown { value, .. } => json!({ "hex": hex(value) }),
        // Message is non_exhaustive
        _ => json!({}),
    }
}

fn to_text(len: usize, doc: &Value) -> String {
    let s = crate::text::scalar;
    let mut out = String::new();
    let n = doc["messages"].as_array().map_or(0, Vec::len);
    let _ = writeln!(
        out,
        "PT-TLS stream: {n} message(s), {len} octets, receiver {}",
        s(&doc["receiver"])
    );
    if let Some(msgs) = doc["messages"].as_array() {
        for m in msgs {
            let _ = writeln!(
                out,
                "  @{} {}/{} {} (id {}, length {})",
                m["offset"],
                s(&m["vendor_id"]),
                s(&m["type"]),
                s(&m["name"]),
                s(&m["identifier"]),
                s(&m["length"]),
            );
            crate::text::render(&mut out, &m["value"], 4);
        }
    }
    if let Some(errs) = doc["errors"].as_array() {
        for e in errs {
            let _ = writeln!(
                out,
                "  receiver sends PT-TLS Error {} (vendor {}): {}",
                s(&e["code"]),
                s(&e["vendor_id"]),
                s(&e["message"])
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn version_exchange_and_batch() {
        // Version Request, then a CDATA batch
        let input = crate::input::parse(
            b"00000000 00000001 00000014 00000000 00010101
              00000000 00000007 00000018 00000001 02000001 00000008",
        )
        .unwrap();
        let v = view(&input);
        assert!(v.ok, "{}", v.json);
        assert_eq!(v.json["receiver"], "server");
        assert_eq!(v.json["messages"][0]["name"], "Version Request");
        assert_eq!(v.json["messages"][0]["value"]["preferred_version"], 1);
        assert_eq!(
            v.json["messages"][1]["value"]["batch"]["batch_type_name"],
            "CDATA"
        );
    }

    #[test]
    fn errors_a_receiver_would_send() {
        // a second Version Request: Invalid Message
        let vr = "00000000 00000001 00000014 00000000 00010101";
        let v = view(&crate::input::parse(format!("{vr} {vr}").as_bytes()).unwrap());
        assert!(!v.ok);
        assert_eq!(v.json["errors"][0]["code"], 4);
        // SASL PLAIN selection and then a batch: fine for the RFC 6876 receiver
        let sel = "00000000 00000004 0000001A 00000001 05504C41494E 00610062";
        let b = "00000000 00000007 00000018 00000002 02000001 00000008";
        let v = view(&crate::input::parse(format!("{vr} {sel} {b}").as_bytes()).unwrap());
        assert!(v.ok, "{}", v.json);
        assert_eq!(v.json["messages"][1]["value"]["mechanism"], "PLAIN");
        // a vendor type: Type Not Supported, not fatal
        let v = view(&crate::input::parse(b"00005597 00000001 00000010 00000000").unwrap());
        assert_eq!(v.json["errors"][0]["code"], 3);
        // a zero length: Invalid Parameter
        let v = view(&crate::input::parse(b"00000000 00000001 00000000 00000000").unwrap());
        assert_eq!(v.json["errors"][0]["code"], 6);
        // truncated
        let v = view(&crate::input::parse(b"00000000 00000001 00000014 00000000 0001").unwrap());
        assert!(!v.ok);
        // garbage never panics
        for n in 0..64u8 {
            let junk: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ n).collect();
            let _ = view(&junk);
        }
    }
}
