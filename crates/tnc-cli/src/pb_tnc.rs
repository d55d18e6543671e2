//! PB-TNC (RFC 5793, TCG IF-TNCCS 2.0) view: batch header, messages with typed fields (PA-TNC
//! messages inside PB-PA decoded through [`crate::pa_tnc`]), and the PB-Error(s) a receiver
//! would send back.
//!
//! The receiver is the peer of the role the D bit names, judged in the state in which the
//! batch's type is legal (e.g. a RESULT is judged by a client in Server Working), so that the
//! errors are about the batch itself and not about a conversation the tool cannot see. Batch
//! types that are never legal from that sender give *Unexpected Batch Type*.

use std::fmt::Write;
use std::time::Instant;

use serde_json::{Map, Value, json};
use tnc_iftnccs::consts::{PdpIdentifierType, message_type_name};
use tnc_iftnccs::message::{
    ErrorParameters, Message, PdpAddress, PdpIdentifier, RawMessage, RemediationParams,
};
use tnc_iftnccs::session::{Limits, Session};
use tnc_iftnccs::state::{EDGES, Role, State};
use tnc_iftnccs::{Batch, BatchType, Error};

use crate::{View, hex};

/// Decodes `input` as one PB-TNC batch.
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

/// The JSON document of one batch: `{"version", "direction", "batch_type", "length",
/// "messages": [...], "errors": [...]}`.
pub fn to_json(input: &[u8]) -> Value {
    let header = |i: usize| input.get(i).copied();
    let sender = header(1).map(|d| {
        if d & 0x80 != 0 {
            Role::Server
        } else {
            Role::Client
        }
    });
    let batch_type = header(3).map(|t| t & 0x0F);
    let length = Batch::peek_length(input);
    let mut messages = Vec::new();
    if let Ok(batch) = Batch::decode(input) {
        for raw in batch.raw_messages() {
            let Ok(raw) = raw else { break };
            let (value, failed) = match Message::from_raw(raw) {
                Ok(m) => (value_json(&m), false),
                Err(e) => (
                    json!({ "hex": hex(raw.value), "error": e.to_string() }),
                    true,
                ),
            };
            messages.push(message_json(&raw, value));
            if failed {
                break;
            }
        }
    }
    let errors = receiver_errors(input, sender);
    json!({
        "version": header(0),
        "direction": sender.map(|r| if r == Role::Server { "server" } else { "client" }),
        "batch_type": batch_type,
        "batch_type_name": batch_type.and_then(|t| BatchType(t).name()),
        "length": length,
        "messages": messages,
        "errors": errors,
    })
}

/// What the receiving side answers: the PB-Error(s) of the CLOSE it would send.
fn receiver_errors(input: &[u8], sender: Option<Role>) -> Vec<Value> {
    let sender = sender.unwrap_or(Role::Client);
    let bt = BatchType(input.get(3).map_or(0, |t| t & 0x0F));
    let state = EDGES
        .iter()
        .find(|e| e.sender == sender && e.batch == bt && e.from != State::End)
        .map_or(State::Init, |e| e.from);
    let limits = Limits {
        max_batch_size: u32::MAX,
        max_message_size: u32::MAX,
        max_round_trips: u32::MAX,
        ..Limits::default()
    };
    let mut s = Session::in_state(sender.peer(), limits, state);
    let Err(err) = s.receive_batch(input, Instant::now()) else {
        return Vec::new();
    };
    let Some(pe) = err.pb_error() else {
        return Vec::new();
    };
    let offset = match (pe.offset(), &err) {
        (Some(o), _) => o,
        (None, Error::UnexpectedBatchType { .. }) => 3,
        _ => 0,
    };
    vec![json!({
        "code": pe.code.0,
        "vendor_id": pe.vendor.get(),
        "offset": offset,
        "message": err.to_string(),
    })]
}

fn message_json(raw: &RawMessage<'_>, value: Value) -> Value {
    json!({
        "offset": raw.offset,
        "vendor_id": raw.vendor.get(),
        "type": raw.message_type,
        "name": message_type_name(raw.vendor, raw.message_type).unwrap_or("Unknown"),
        "noskip": raw.noskip(),
        "length": raw.value.len() + 12,
        "value": value,
    })
}

fn named<T: Into<u64>>(n: T, name: Option<&str>) -> (Value, Value) {
    (json!(n.into()), name.map_or(Value::Null, |s| json!(s)))
}

/// Typed fields of one message value.
pub fn value_json(m: &Message<'_>) -> Value {
    match *m {
        Message::Experimental { value, .. } => json!({ "hex": hex(value) }),
        Message::Pa(pa) => {
            let (pa_doc, _) = crate::pa_tnc::to_json(pa.body);
            json!({
                "exclusive": pa.exclusive,
                "pa_vendor_id": pa.message_type.vendor.get(),
                "pa_subtype": pa.message_type.subtype,
                "collector_id": pa.collector,
                "validator_id": pa.validator,
                "pa_message": pa_doc,
            })
        }
        Message::AssessmentResult(r) => {
            let (n, name) = named(r.0, r.name());
            json!({ "result": n, "result_name": name })
        }
        Message::AccessRecommendation(r) => {
            let (n, name) = named(r.0, r.name());
            json!({ "recommendation": n, "recommendation_name": name })
        }
        Message::RemediationParameters(r) => {
            let mut o = Map::new();
            o.insert("parameters_vendor_id".into(), json!(r.vendor.get()));
            o.insert("parameters_type".into(), json!(r.remediation_type));
            match r.params {
                RemediationParams::Uri(u) => {
                    o.insert("uri".into(), json!(u));
                }
                RemediationParams::String { text, language } => {
                    o.insert("text".into(), json!(text));
                    o.insert("lang".into(), json!(language));
                }
                RemediationParams::Raw(b) => {
                    o.insert("hex".into(), json!(hex(b)));
                }
            }
            Value::Object(o)
        }
        Message::Error(e) => {
            let mut o = Map::new();
            o.insert("fatal".into(), json!(e.fatal));
            o.insert("error_vendor_id".into(), json!(e.vendor.get()));
            o.insert("error_code".into(), json!(e.code.0));
            let name = if e.vendor == tnc_iftnccs::Pen::IETF {
                e.code.name()
            } else {
                None
            };
            o.insert("error_name".into(), name.map_or(Value::Null, |s| json!(s)));
            match e.parameters {
                ErrorParameters::None => {}
                ErrorParameters::Offset(off) => {
                    o.insert("offset".into(), json!(off));
                }
                ErrorParameters::Version { bad, max, min } => {
                    o.insert("bad_version".into(), json!(bad));
                    o.insert("max_version".into(), json!(max));
                    o.insert("min_version".into(), json!(min));
                }
                ErrorParameters::Raw(b) => {
                    o.insert("hex".into(), json!(hex(b)));
                }
            }
            Value::Object(o)
        }
        Message::LanguagePreference(l) => json!({ "value": l.value, "languages": l.languages() }),
        Message::ReasonString(r) => json!({ "text": r.text, "lang": r.language }),
        Message::PdpReferral(p) => {
            let mut o = Map::new();
            o.insert("identifier_vendor_id".into(), json!(p.vendor.get()));
            o.insert("identifier_type".into(), json!(p.identifier_type));
            let tname = if p.vendor == tnc_iftnccs::Pen::TCG {
                PdpIdentifierType(p.identifier_type).name()
            } else {
                None
            };
            o.insert(
                "identifier_type_name".into(),
                tname.map_or(Value::Null, |s| json!(s)),
            );
            match p.identifier {
                PdpIdentifier::Address {
                    protocol,
                    port,
                    address,
                } => {
                    o.insert("protocol".into(), json!(protocol));
                    o.insert("port".into(), json!(port));
                    let a = match address {
                        PdpAddress::Fqdn(f) => f.to_string(),
                        PdpAddress::Ipv4(a) => std::net::Ipv4Addr::from(a).to_string(),
                        PdpAddress::Ipv6(a) => std::net::Ipv6Addr::from(a).to_string(),
                    };
                    o.insert("address".into(), json!(a));
                }
                PdpIdentifier::Raw(b) => {
                    o.insert("hex".into(), json!(hex(b)));
                }
            }
            Value::Object(o)
        }
        Message::MutualCapability(c) => json!({
            "flags": c.flags,
            "half_duplex": c.flags & 0x8000_0000 != 0,
            "full_duplex": c.flags & 0x4000_0000 != 0,
        }),
        Message::Unknown(raw) => json!({ "hex": hex(raw.value) }),
        // Message is non_exhaustive
        _ => json!({}),
    }
}

fn to_text(len: usize, doc: &Value) -> String {
    let s = crate::text::scalar;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PB-TNC batch: version {}, from {}, type {} ({}), length {}, {len} octets",
        s(&doc["version"]),
        s(&doc["direction"]),
        s(&doc["batch_type"]),
        s(&doc["batch_type_name"]),
        s(&doc["length"]),
    );
    if let Some(msgs) = doc["messages"].as_array() {
        for m in msgs {
            let _ = writeln!(
                out,
                "  @{} {}/{} {} (length {}{})",
                m["offset"],
                m["vendor_id"],
                m["type"],
                s(&m["name"]),
                m["length"],
                if m["noskip"] == true { ", NOSKIP" } else { "" },
            );
            crate::text::render(&mut out, &m["value"], 6);
        }
    }
    match doc["errors"].as_array() {
        Some(errs) if !errs.is_empty() => {
            let _ = writeln!(
                out,
                "errors (PB-Error a receiver sends back, in a CLOSE batch):"
            );
            for e in errs {
                let _ = writeln!(
                    out,
                    "  code {} vendor {} offset {}: {}",
                    s(&e["code"]),
                    s(&e["vendor_id"]),
                    e["offset"],
                    s(&e["message"]),
                );
            }
        }
        _ => {
            let _ = writeln!(out, "well-formed: a receiver acts on it");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn bytes(h: &str) -> Vec<u8> {
        crate::input::parse(h.as_bytes()).unwrap()
    }

    #[test]
    fn cdata_with_pb_pa_nests_the_pa_tnc_document() {
        // examples.md §9 with a real PA-TNC message (Assessment Result, jTNC §4) as body
        let v = view(&bytes(
            "02000001 00000038 80000000 00000001 00000030 00000000 00000001 0001ffff
             01000000 00000000 00000000 00000009 00000010 00000001",
        ));
        assert!(v.ok, "{}", v.text);
        let j = &v.json;
        assert_eq!(
            (j["version"].as_u64(), j["direction"].as_str()),
            (Some(2), Some("client"))
        );
        assert_eq!(
            (j["batch_type"].as_u64(), j["length"].as_u64()),
            (Some(1), Some(56))
        );
        let m = &j["messages"][0];
        assert_eq!(m["name"], "PB-PA");
        assert_eq!(m["noskip"], true);
        assert_eq!(m["length"], 48);
        assert_eq!(m["value"]["collector_id"], 1);
        assert_eq!(
            m["value"]["pa_message"]["attributes"][0]["name"],
            "Assessment Result"
        );
        assert_eq!(j["errors"], json!([]));
    }

    #[test]
    fn faulty_result_reports_offset_22() {
        let v = view(&bytes(
            "02800003 00000028 00000000 00000003 00000010 00000064 80000000 00000002 00000010 00000000",
        ));
        assert!(!v.ok);
        assert_eq!(v.json["direction"], "server");
        assert_eq!(v.json["errors"][0]["code"], 1);
        assert_eq!(v.json["errors"][0]["offset"], 22);
        assert!(v.json["messages"][0]["value"]["error"].is_string());
    }

    #[test]
    fn result_and_errors_and_garbage() {
        let ok = view(&bytes(
            "02800003 00000028 00000000 00000003 00000010 00000001 80000000 00000002 00000010 00000000",
        ));
        assert!(ok.ok, "{}", ok.text);
        assert_eq!(
            ok.json["messages"][0]["value"]["recommendation_name"],
            "Access Allowed"
        );
        let close = view(&bytes(
            "02800006 00000020 80000000 00000005 00000018 80000000 00040000 01020200",
        ));
        assert!(close.ok);
        assert_eq!(close.json["messages"][0]["value"]["bad_version"], 1);
        // a NOSKIP unknown message: Unsupported Mandatory Message at its offset
        let n = view(&bytes("02000001 00000014 8000902a 00000000 0000000c"));
        assert_eq!(n.json["errors"][0]["code"], 3);
        assert_eq!(n.json["errors"][0]["offset"], 8);
        // a client sending RESULT: Unexpected Batch Type
        let u = view(&bytes("02000003 00000008"));
        assert_eq!(u.json["errors"][0]["code"], 0);
        // garbage
        let g = view(b"\x47\x45");
        assert!(!g.ok);
        assert_eq!(g.json["errors"][0]["offset"], 0);
        assert_eq!(g.json["length"], Value::Null);
    }
}
