//! The operating-system/product IMC: IETF standard attributes (RFC 5792 §4.2)
//! with values from the configuration and the system.

use std::sync::atomic::{AtomicU32, Ordering};

use tnc_ifm::consts::{ForwardingStatus, OperationalResult, OperationalStatusCode};
use tnc_ifm::ietf::{
    FactoryDefaultPasswordEnabled, ForwardingEnabled, InstalledPackages, NumericVersion,
    OperationalStatus, Package, ProductInformation, StringVersion,
};
use tnc_ifm::seq::Seq;
use tnc_ifm::{Attribute, Received, receive};
use tnc_imc_api::{
    ApiError, Imc, ImcContext, MessageTypeFilter, Pen, ReceivedMessage, async_trait,
};

use super::OS_MESSAGE_TYPE;
use crate::config::ProductSection;

/// Collects the IETF operating-system attributes.
#[derive(Debug)]
pub struct OsImc {
    product: ProductSection,
    started: String,
    message_id: AtomicU32,
}

impl OsImc {
    /// An IMC reporting `product`; `started` (Unix seconds) is the Last Use
    /// time of the operational status (the gateway software's start).
    pub fn new(product: ProductSection, started: u64) -> Self {
        OsImc {
            product,
            started: crate::time::rfc3339(started),
            message_id: AtomicU32::new(1),
        }
    }

    /// Forwarding status read from the configured file (`0`/`1`), else unknown.
    pub fn forwarding(&self) -> ForwardingStatus {
        let Some(p) = &self.product.forwarding_file else {
            return ForwardingStatus::UNKNOWN;
        };
        match crate::fsutil::read_bounded(p, 64) {
            Ok(Some(b)) => match String::from_utf8_lossy(&b).trim() {
                "0" => ForwardingStatus::DISABLED,
                "1" => ForwardingStatus::ENABLED,
                _ => ForwardingStatus::UNKNOWN,
            },
            _ => ForwardingStatus::UNKNOWN,
        }
    }

    /// The PA-TNC message with every attribute.
    pub fn report(&self) -> Result<Vec<u8>, ApiError> {
        let p = &self.product;
        let packages: Vec<Package<'_>> = p
            .packages
            .iter()
            .map(|(n, v)| Package {
                name: n,
                version: v,
            })
            .collect();
        let vendor = Pen::new(p.vendor_pen).unwrap_or(Pen::IETF);
        let attrs = [
            Attribute::new(ProductInformation {
                vendor,
                product_id: p.product_id,
                name: &p.name,
            }),
            Attribute::new(NumericVersion {
                major: p.major,
                minor: p.minor,
                build: p.build,
                service_pack_major: 0,
                service_pack_minor: 0,
            }),
            Attribute::new(StringVersion {
                version: &p.version,
                build: "",
                configuration: "",
            }),
            Attribute::new(OperationalStatus {
                status: OperationalStatusCode::OPERATIONAL,
                result: OperationalResult::SUCCESSFUL,
                last_use: &self.started,
            }),
            Attribute::new(InstalledPackages {
                packages: Seq::Items(&packages),
            }),
            Attribute::new(ForwardingEnabled {
                status: self.forwarding(),
            }),
            Attribute::new(FactoryDefaultPasswordEnabled {
                enabled: p.factory_default_password,
            }),
        ];
        let id = self.message_id.fetch_add(1, Ordering::Relaxed);
        tnc_ifm::encode_message(id, &attrs).map_err(|e| ApiError::Other(e.to_string()))
    }
}

#[async_trait]
impl Imc for OsImc {
    fn name(&self) -> &str {
        "smgw-os"
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(OS_MESSAGE_TYPE)]
    }

    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        ctx.send(OS_MESSAGE_TYPE, self.report()?)
    }

    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        match receive(msg.body, &[]) {
            // an Attribute Request (or anything else of ours): report again, to the asker
            Received::Accept(_) => ctx.send_exclusive(OS_MESSAGE_TYPE, self.report()?, msg.source),
            Received::Reject(rej) => {
                let id = self.message_id.fetch_add(1, Ordering::Relaxed);
                let body = tnc_ifm::encode_message(id, &[Attribute::new(rej.error).with_noskip()])
                    .map_err(|e| ApiError::Other(e.to_string()))?;
                ctx.send_exclusive(OS_MESSAGE_TYPE, body, msg.source)
            }
            Received::NotPaTnc(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tnc_ifm::AttrValue;

    #[test]
    fn report_carries_every_ietf_attribute() {
        let d = tempfile::tempdir().unwrap();
        let fwd = d.path().join("ip_forward");
        std::fs::write(&fwd, "1\n").unwrap();
        let product = ProductSection {
            vendor_pen: 0x1234,
            name: "Gateway X".into(),
            version: "2.1.0".into(),
            major: 2,
            minor: 1,
            packages: vec![("fw".into(), "2.1.0".into())],
            factory_default_password: true,
            forwarding_file: Some(fwd),
            ..ProductSection::default()
        };
        let imc = OsImc::new(product, 1_700_000_000);
        let wire = imc.report().unwrap();
        let Received::Accept(a) = receive(&wire, &[]) else {
            panic!()
        };
        let v: Vec<_> = a.iter().map(|a| a.value).collect();
        assert_eq!(v.len(), 7);
        assert!(
            matches!(v[0], AttrValue::ProductInformation(p) if p.name == "Gateway X" && p.vendor.get() == 0x1234)
        );
        assert!(matches!(v[1], AttrValue::NumericVersion(n) if n.major == 2 && n.minor == 1));
        assert!(matches!(v[2], AttrValue::StringVersion(s) if s.version == "2.1.0"));
        assert!(
            matches!(v[3], AttrValue::OperationalStatus(s) if s.last_use == "2023-11-14T22:13:20Z")
        );
        let AttrValue::InstalledPackages(p) = v[4] else {
            panic!()
        };
        assert_eq!(p.packages.iter().next().unwrap().name, "fw");
        assert!(
            matches!(v[5], AttrValue::ForwardingEnabled(f) if f.status == ForwardingStatus::ENABLED)
        );
        assert!(matches!(v[6], AttrValue::FactoryDefaultPasswordEnabled(f) if f.enabled));
    }
}
