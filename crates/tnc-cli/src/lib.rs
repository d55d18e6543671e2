//! # tnc-cli
//!
//! The library behind the `tnc` command-line tool: readable and JSON views of TNC
//! wire data. One module per protocol layer, each with a `view(input) -> View`:
//!
//! * [`pa_tnc`]: PA-TNC messages (RFC 5792, TCG IF-M) — attributes with typed
//!   fields and the PA-TNC Error(s) a receiver would send back.
//! * [`pb_tnc`]: PB-TNC batches (RFC 5793, IF-TNCCS 2.0) — messages with typed fields,
//!   PB-PA bodies decoded as PA-TNC, and the PB-Error(s) a receiver would send back.
//!
//! [`input::parse`] accepts hex (whitespace ignored) or raw binary.
//!
//! ```
//! let bytes = tnc_cli::input::parse(b"01000000 00000000 00000000 00000009 00000010 00000001")?;
//! let view = tnc_cli::pa_tnc::view(&bytes);
//! assert!(view.ok);
//! assert_eq!(view.json["attributes"][0]["name"], "Assessment Result");
//! assert_eq!(view.json["attributes"][0]["value"]["result"], 1);
//! # Ok::<(), String>(())
//! ```
#![forbid(unsafe_code)]

pub mod input;
pub mod pa_tnc;
pub mod pb_tnc;
pub mod pt_tls;
pub mod text;

/// The result of decoding one input: a human-readable rendering, one JSON
/// document, and whether the input was well-formed.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Human-readable text (ends with a newline).
    pub text: String,
    /// The JSON document.
    pub json: serde_json::Value,
    /// False when the input is malformed (the tool then exits with status 1).
    pub ok: bool,
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * b.len());
    for &x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}
