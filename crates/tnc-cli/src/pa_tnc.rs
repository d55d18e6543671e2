//! PA-TNC (RFC 5792) view: header, attributes with typed fields, and the
//! PA-TNC Error(s) a receiver would send back (spec §2.1 receiver rules).

use std::fmt::Write;

use serde_json::{Map, Value, json};
use tnc_ifm::consts::{attribute_name, error_code_name};
use tnc_ifm::ietf::RemediationParameters;
use tnc_ifm::{
    AttrValue, Attribute, ErrorInformation, PaMessage, PaTncError, Pen, RawAttribute, Received,
    Rule, receive,
};

use crate::{View, hex};

/// Decodes `input` as one PA-TNC message.
pub fn view(input: &[u8]) -> View {
    let (doc, errors) = to_json(input);
    let ok = errors.is_empty();
    let text = to_text(input.len(), &doc);
    View {
        text,
        json: doc,
        ok,
    }
}

/// The JSON document of one PA-TNC message —
/// `{"version", "message_id", "attributes": [...], "errors": [...]}` — and a copy
/// of its `errors` entries (empty when the message is well-formed), so that
/// layers carrying PA-TNC messages (PB-PA) can nest the document and collect
/// the errors.
///
/// Each error is `{"code", "vendor_id", "offset", "message"}`: the PA-TNC Error
/// a receiver sends (code and error vendor as on the wire; `offset` is the
/// Invalid Parameter offset, 0 for Version Not Supported and the offending
/// attribute's offset for Attribute Type Not Supported). For input shorter than
/// the 8-octet header no error attribute exists: code and vendor are `null`.
pub fn to_json(msg: &[u8]) -> (Value, Vec<Value>) {
    let Ok(m) = PaMessage::decode(msg) else {
        let err = json!({
            "code": null,
            "vendor_id": null,
            "offset": 0,
            "message": format!("not a PA-TNC message: {} octet(s), the header needs 8", msg.len()),
        });
        let doc = json!({
            "version": null,
            "message_id": null,
            "attributes": [],
            "errors": [err.clone()],
        });
        return (doc, vec![err]);
    };
    let mut attributes = Vec::new();
    if m.check_version().is_ok() {
        for raw in m.attributes() {
            let Ok(raw) = raw else { break };
            attributes.push(attribute_json(&raw));
        }
    }
    let errors: Vec<Value> = match receive(msg, &[]) {
        Received::Accept(_) => Vec::new(),
        Received::NotPaTnc(_) => Vec::new(), // handled above
        Received::Reject(rej) => {
            let offset = match (rej.rule, rej.error.info) {
                (_, ErrorInformation::InvalidParameter { offset, .. }) => u64::from(offset),
                (Rule::UnsupportedNoskip, _) => unsupported_offset(&m),
                _ => 0,
            };
            let message = match (&rej.cause, rej.rule) {
                (Some(c), _) => c.to_string(),
                (None, Rule::Version) => {
                    format!("PA-TNC version {} is not supported (only 1)", m.version())
                }
                (None, _) => error_message(&rej.error),
            };
            vec![json!({
                "code": rej.error.code,
                "vendor_id": rej.error.vendor.get(),
                "offset": offset,
                "message": message,
            })]
        }
    };
    let doc = json!({
        "version": m.version(),
        "message_id": m.message_id(),
        "attributes": attributes,
        "errors": errors.clone(),
    });
    (doc, errors)
}

/// Offset of the first unknown NOSKIP attribute.
fn unsupported_offset(m: &PaMessage<'_>) -> u64 {
    m.attributes()
        .map_while(Result::ok)
        .find(|r| r.noskip() && !AttrValue::is_known_type(r.vendor, r.attr_type))
        .map_or(0, |r| r.offset as u64)
}

fn error_message(e: &PaTncError<'_>) -> String {
    match e.info {
        ErrorInformation::AttributeTypeNotSupported {
            vendor, attr_type, ..
        } => format!(
            "attribute type {}/0x{attr_type:x} is not supported and NOSKIP is set; the whole message is not processed",
            vendor.get()
        ),
        _ => e.code_name().unwrap_or("PA-TNC error").to_string(),
    }
}

fn attribute_json(raw: &RawAttribute<'_>) -> Value {
    let name = attribute_name(raw.vendor, raw.attr_type).unwrap_or("Unknown");
    let value = match Attribute::from_raw(raw) {
        Ok(a) => value_json(&a.value),
        Err(e) => json!({ "hex": hex(raw.value), "error": e.to_string() }),
    };
    json!({
        "offset": raw.offset,
        "vendor_id": raw.vendor.get(),
        "type": raw.attr_type,
        "name": name,
        "noskip": raw.noskip(),
        "length": raw.length(),
        "value": value,
    })
}

fn named(n: impl Into<u64>, name: Option<&str>) -> (Value, Value) {
    (json!(n.into()), name.map_or(Value::Null, |s| json!(s)))
}

/// Typed fields of one attribute value.
pub fn value_json(v: &AttrValue<'_>) -> Value {
    match *v {
        AttrValue::AttributeRequest(r) => json!({
            "attributes": r.attributes.iter().map(|a| json!({
                "vendor_id": a.vendor.get(),
                "type": a.attr_type,
                "name": attribute_name(a.vendor, a.attr_type),
            })).collect::<Vec<_>>()
        }),
        AttrValue::ProductInformation(p) => json!({
            "vendor_id": p.vendor.get(), "product_id": p.product_id, "name": p.name,
        }),
        AttrValue::NumericVersion(n) => json!({
            "major": n.major, "minor": n.minor, "build": n.build,
            "service_pack_major": n.service_pack_major, "service_pack_minor": n.service_pack_minor,
        }),
        AttrValue::StringVersion(s) => json!({
            "version": s.version, "build": s.build, "configuration": s.configuration,
        }),
        AttrValue::OperationalStatus(s) => {
            let (st, stn) = named(s.status.0, s.status.name());
            let (re, ren) = named(s.result.0, s.result.name());
            json!({ "status": st, "status_name": stn, "result": re, "result_name": ren, "last_use": s.last_use })
        }
        AttrValue::PortFilter(p) => json!({
            "entries": p.entries.iter().map(|e| json!({
                "blocked": e.blocked, "protocol": e.protocol, "port": e.port,
            })).collect::<Vec<_>>()
        }),
        AttrValue::InstalledPackages(p) => json!({
            "packages": p.packages.iter().map(|e| json!({ "name": e.name, "version": e.version }))
                .collect::<Vec<_>>()
        }),
        AttrValue::PaTncError(e) => pa_tnc_error_json(&e),
        AttrValue::AssessmentResult(r) => {
            let (n, name) = named(r.result.0, r.result.name());
            json!({ "result": n, "result_name": name })
        }
        AttrValue::RemediationInstructions(r) => {
            let (vendor, ty) = r.parameters.kind();
            let mut m = Map::new();
            m.insert("parameters_vendor_id".into(), json!(vendor.get()));
            m.insert("parameters_type".into(), json!(ty));
            match r.parameters {
                RemediationParameters::Uri(u) => {
                    m.insert("uri".into(), json!(u));
                }
                RemediationParameters::String { text, lang } => {
                    m.insert("text".into(), json!(text));
                    m.insert("lang".into(), json!(lang));
                }
                RemediationParameters::Other { data, .. } => {
                    m.insert("hex".into(), json!(hex(data)));
                }
            }
            Value::Object(m)
        }
        AttrValue::ForwardingEnabled(f) => {
            let (n, name) = named(f.status.0, f.status.name());
            json!({ "status": n, "status_name": name })
        }
        AttrValue::FactoryDefaultPasswordEnabled(f) => json!({ "enabled": f.enabled }),
        AttrValue::ContractRequest(c) => json!({
            "max_message_size": c.contract.max_message_size,
            "max_segment_size": c.contract.max_segment_size,
        }),
        AttrValue::ContractResponse(c) => json!({
            "max_message_size": c.contract.max_message_size,
            "max_segment_size": c.contract.max_segment_size,
        }),
        AttrValue::SegmentEnvelope(s) => json!({
            "more": s.more, "start": s.start, "base_message_id": s.base_message_id,
            "segment_length": s.segment.len(), "segment_hex": hex(s.segment),
        }),
        AttrValue::NextSegment(n) => {
            json!({ "cancel": n.cancel, "base_message_id": n.base_message_id })
        }
        AttrValue::Cancel(c) => json!({ "base_message_id": c.base_message_id }),
        AttrValue::RequestProtocolCapabilities(c) => caps_json(c.capabilities),
        AttrValue::ProtocolCapabilities(c) => caps_json(c.capabilities),
        AttrValue::MeasurementAlgorithmRequest(a) => json!({
            "algorithms": a.algorithms.0, "names": a.algorithms.names().collect::<Vec<_>>(),
        }),
        AttrValue::MeasurementAlgorithmSelection(a) => json!({
            "algorithm": a.algorithm.0, "names": a.algorithm.names().collect::<Vec<_>>(),
        }),
        AttrValue::RequestFileMeasurement(r) => json!({
            "directory": r.directory, "request_id": r.request_id,
            "delimiter": r.delimiter, "delimiter_valid": r.delimiter_is_valid(), "path": r.path,
        }),
        AttrValue::FileMeasurement(f) => json!({
            "request_id": f.request_id,
            "measurement_length": f.measurement_len,
            "files": f.files.iter().map(|e| json!({ "digest": hex(e.digest), "name": e.name }))
                .collect::<Vec<_>>(),
        }),
        AttrValue::RequestFileMetadata(r) => json!({
            "directory": r.directory, "delimiter": r.delimiter, "path": r.path,
        }),
        AttrValue::UnixFileMetadata(u) => json!({
            "files": u.files.iter().map(|e| json!({
                "type": e.file_type.0, "type_name": e.file_type.name(), "size": e.size,
                "create_time": e.create_time, "modify_time": e.modify_time,
                "access_time": e.access_time, "owner": e.owner, "group": e.group, "name": e.name,
            })).collect::<Vec<_>>()
        }),
        AttrValue::Unknown { value, .. } => json!({ "hex": hex(value) }),
        // AttrValue is non_exhaustive: future variants show their length
        _ => json!({ "length": v.value_len() }),
    }
}

fn caps_json(c: tnc_ifm::pts::Capabilities) -> Value {
    json!({ "flags": c.0, "letters": c.letters().collect::<String>() })
}

fn pa_tnc_error_json(e: &PaTncError<'_>) -> Value {
    let mut m = Map::new();
    m.insert("error_vendor_id".into(), json!(e.vendor.get()));
    m.insert("error_code".into(), json!(e.code));
    m.insert(
        "error_name".into(),
        error_code_name(e.vendor, e.code).map_or(Value::Null, |s| json!(s)),
    );
    let info = match e.info {
        ErrorInformation::InvalidParameter {
            message_header,
            offset,
        } => json!({ "message_header": hex(&message_header), "offset": offset }),
        ErrorInformation::VersionNotSupported {
            message_header,
            max_version,
            min_version,
        } => json!({
            "message_header": hex(&message_header), "max_version": max_version, "min_version": min_version,
        }),
        ErrorInformation::AttributeTypeNotSupported {
            message_header,
            flags,
            vendor,
            attr_type,
        } => json!({
            "message_header": hex(&message_header), "flags": flags,
            "vendor_id": vendor.get(), "type": attr_type,
            "name": attribute_name(vendor, attr_type),
        }),
        ErrorInformation::Swima {
            request_id,
            description,
        } => json!({ "request_id": request_id, "description": description }),
        ErrorInformation::SwimaResponseTooLarge {
            request_id,
            max_allowed_size,
            description,
        } => json!({
            "request_id": request_id, "max_allowed_size": max_allowed_size, "description": description,
        }),
        ErrorInformation::HashAlgorithmNotSupported { algorithms } => json!({
            "algorithms": algorithms.0, "names": algorithms.names().collect::<Vec<_>>(),
        }),
        ErrorInformation::DhGroupNotSupported { groups } => json!({ "groups": groups.0 }),
        ErrorInformation::NonceNotAcceptable { length, max_length } => {
            json!({ "length": length, "max_length": max_length })
        }
        ErrorInformation::RequestCopy(b) => json!({ "request_hex": hex(b) }),
        ErrorInformation::Opaque(b) => json!({ "hex": hex(b) }),
    };
    m.insert("information".into(), info);
    Value::Object(m)
}

fn vendor_name(v: u64) -> String {
    u32::try_from(v)
        .ok()
        .and_then(Pen::new)
        .and_then(Pen::name)
        .map_or_else(|| v.to_string(), str::to_string)
}

fn to_text(len: usize, doc: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PA-TNC message: version {}, message id {}, {len} octets",
        crate::text::scalar(&doc["version"]),
        crate::text::scalar(&doc["message_id"]),
    );
    if let Some(attrs) = doc["attributes"].as_array() {
        for a in attrs {
            let vendor = a["vendor_id"].as_u64().unwrap_or_default();
            let _ = writeln!(
                out,
                "  @{} {}/0x{:x} {} (length {}{})",
                a["offset"],
                vendor_name(vendor),
                a["type"].as_u64().unwrap_or_default(),
                crate::text::scalar(&a["name"]),
                a["length"],
                if a["noskip"] == true { ", NOSKIP" } else { "" },
            );
            crate::text::render(&mut out, &a["value"], 6);
        }
    }
    match doc["errors"].as_array() {
        Some(errs) if !errs.is_empty() => {
            let _ = writeln!(out, "errors (PA-TNC Error a receiver sends back):");
            for e in errs {
                let _ = writeln!(
                    out,
                    "  code {} vendor {} offset {}: {}",
                    crate::text::scalar(&e["code"]),
                    crate::text::scalar(&e["vendor_id"]),
                    e["offset"],
                    crate::text::scalar(&e["message"]),
                );
            }
        }
        _ => {
            let _ = writeln!(out, "well-formed: a receiver acts on it");
        }
    }
    out
}
