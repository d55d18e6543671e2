//! Connection attributes an IMC/IMV can read (`TNC_TNCC_GetAttribute` / `TNC_TNCS_GetAttribute`).

use crate::AttributeId;

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

    /// The value of a readable attribute in the encoding IF-IMC/IF-IMV `GetAttribute` returns
    /// (strongSwan's conventions, `if-imc-imv.md` §6): uint32 big-endian, bool as one octet,
    /// strings NUL-terminated except the preferred language, the channel binding raw. `None` for
    /// attributes this connection does not have (e.g. `TLS_UNIQUE` with a TLS 1.3 exporter
    /// binding or none at all) and for write-only or unsupported ones.
    pub fn get(&self, id: AttributeId) -> Option<Vec<u8>> {
        let cstr = |s: &str| {
            let mut v = s.as_bytes().to_vec();
            v.push(0);
            v
        };
        Some(match id {
            AttributeId::PREFERRED_LANGUAGE => {
                self.preferred_language.as_ref()?.as_bytes().to_vec()
            }
            AttributeId::MAX_ROUND_TRIPS => self.max_round_trips.to_be_bytes().to_vec(),
            AttributeId::MAX_MESSAGE_SIZE => self.max_message_size.to_be_bytes().to_vec(),
            AttributeId::HAS_LONG_TYPES => vec![u8::from(self.has_long_types)],
            AttributeId::HAS_EXCLUSIVE => vec![u8::from(self.has_exclusive)],
            AttributeId::HAS_SOH => vec![0],
            AttributeId::IFTNCCS_PROTOCOL => cstr(Self::IFTNCCS_PROTOCOL),
            AttributeId::IFTNCCS_VERSION => cstr(Self::IFTNCCS_VERSION),
            AttributeId::IFT_PROTOCOL => cstr(&self.ift_protocol),
            AttributeId::IFT_VERSION => cstr(&self.ift_version),
            AttributeId::TLS_UNIQUE => match &self.channel_binding {
                Some(ChannelBinding {
                    kind: ChannelBindingKind::TlsUnique,
                    data,
                }) => data.clone(),
                _ => return None,
            },
            _ => return None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_attribute_encodings() {
        let mut a = ConnectionAttributes::default()
            .with_channel_binding(ChannelBindingKind::TlsUnique, vec![1, 2, 3]);
        a.preferred_language = Some("de, en".into());
        a.max_message_size = 65_490;
        assert_eq!(
            a.get(AttributeId::PREFERRED_LANGUAGE).as_deref(),
            Some(&b"de, en"[..])
        );
        assert_eq!(
            a.get(AttributeId::MAX_MESSAGE_SIZE),
            Some(vec![0, 0, 0xFF, 0xD2])
        );
        assert_eq!(a.get(AttributeId::MAX_ROUND_TRIPS), Some(vec![0xFF; 4]));
        assert_eq!(a.get(AttributeId::HAS_EXCLUSIVE), Some(vec![1]));
        assert_eq!(
            a.get(AttributeId::IFTNCCS_VERSION).as_deref(),
            Some(&b"2.0\0"[..])
        );
        assert_eq!(
            a.get(AttributeId::IFT_PROTOCOL).as_deref(),
            Some(&b"IF-T for TLS\0"[..])
        );
        assert_eq!(a.get(AttributeId::TLS_UNIQUE), Some(vec![1, 2, 3]));
        assert_eq!(a.get(AttributeId::REASON_STRING), None);
        let b = ConnectionAttributes::default()
            .with_channel_binding(ChannelBindingKind::TlsExporter, vec![9; 32]);
        assert_eq!(b.get(AttributeId::TLS_UNIQUE), None);
        assert_eq!(b.get(AttributeId::PREFERRED_LANGUAGE), None);
    }
}
