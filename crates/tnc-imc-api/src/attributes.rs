//! Connection attributes an IMC/IMV can read (`TNC_TNCC_GetAttribute` / `TNC_TNCS_GetAttribute`).

/// Which channel binding the transport supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelBindingKind {
    /// RFC 5929 `tls-unique` (TLS 1.2: the first Finished message's `verify_data`).
    TlsUnique,
    /// RFC 9266 `tls-exporter` (TLS 1.3).
    TlsExporter,
}

/// The channel binding of the connection that carries PB-TNC (`TNC_ATTRIBUTEID_TLS_UNIQUE`
/// and its TLS 1.3 counterpart), supplied by the transport (PT-TLS).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelBinding {
    /// tls-unique or tls-exporter.
    pub kind: ChannelBindingKind,
    /// The binding octets.
    pub data: Vec<u8>,
}

/// The peer's identity as authenticated by its certificate, supplied by the transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PeerIdentity {
    /// The certificate subject as an RFC 4514 string (e.g. `CN=EMH0012345678,O=…`).
    pub subject: String,
    /// The name the transport checked (the SMGW id or the GWA's name), if any.
    pub name: Option<String>,
    /// The DER encoding of the peer's end-entity certificate.
    pub certificate_der: Vec<u8>,
}

/// What an IMC/IMV can learn about its connection. The TNC client/server fills it in from its
/// configuration, the transport and (on the server) the client's PB-Language-Preference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionAttributes {
    /// `TNC_ATTRIBUTEID_PREFERRED_LANGUAGE`: the language list of PB-Language-Preference without
    /// the `Accept-Language:` prefix (e.g. `de, en;q=0.5`), if known.
    pub preferred_language: Option<String>,
    /// `TNC_ATTRIBUTEID_MAX_MESSAGE_SIZE`: the largest PA message the connection carries.
    pub max_message_size: u32,
    /// `TNC_ATTRIBUTEID_MAX_ROUND_TRIPS` (`0xFFFFFFFF` = unlimited).
    pub max_round_trips: u32,
    /// The connection's channel binding, if the transport has one.
    pub channel_binding: Option<ChannelBinding>,
    /// The peer's certificate identity, if the transport authenticated one.
    pub peer_identity: Option<PeerIdentity>,
    /// `TNC_ATTRIBUTEID_IFT_PROTOCOL`, e.g. `IF-T for TLS`.
    pub ift_protocol: String,
    /// `TNC_ATTRIBUTEID_IFT_VERSION`, e.g. `2.0`.
    pub ift_version: String,
    /// `TNC_ATTRIBUTEID_HAS_EXCLUSIVE`: exclusive delivery is supported (true for PB-TNC).
    pub has_exclusive: bool,
    /// `TNC_ATTRIBUTEID_HAS_LONG_TYPES`: 32-bit subtypes are supported (true for PB-TNC).
    pub has_long_types: bool,
}

impl ConnectionAttributes {
    /// `TNC_ATTRIBUTEID_IFTNCCS_PROTOCOL` of this implementation.
    pub const IFTNCCS_PROTOCOL: &'static str = "IF-TNCCS";
    /// `TNC_ATTRIBUTEID_IFTNCCS_VERSION` of this implementation (PB-TNC).
    pub const IFTNCCS_VERSION: &'static str = "2.0";

    /// The attributes of a PB-TNC connection over the given transport, with unlimited round
    /// trips and the PT-TLS message size (`2 097 136 − 32` octets).
    pub fn new(ift_protocol: &str, ift_version: &str) -> Self {
        Self {
            preferred_language: None,
            max_message_size: 2_097_136 - 32,
            max_round_trips: u32::MAX,
            channel_binding: None,
            peer_identity: None,
            ift_protocol: ift_protocol.to_owned(),
            ift_version: ift_version.to_owned(),
            has_exclusive: true,
            has_long_types: true,
        }
    }

    /// Sets the channel binding (builder style).
    pub fn with_channel_binding(mut self, kind: ChannelBindingKind, data: Vec<u8>) -> Self {
        self.channel_binding = Some(ChannelBinding { kind, data });
        self
    }

    /// Sets the peer identity (builder style).
    pub fn with_peer_identity(mut self, identity: PeerIdentity) -> Self {
        self.peer_identity = Some(identity);
        self
    }
}

impl Default for ConnectionAttributes {
    /// The attributes of PB-TNC over PT-TLS (`IF-T for TLS`, `2.0`) without binding or identity.
    fn default() -> Self {
        Self::new("IF-T for TLS", "2.0")
    }
}
