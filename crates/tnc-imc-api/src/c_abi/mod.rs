//! The standard IF-IMC 1.3 C ABI (feature `c-abi`): load vendor IMC libraries listed in a
//! `tnc_config` file as native [`Imc`](crate::Imc)s, and export a native IMC as a C library.
//!
//! * [`tnc_config`]: the configuration file, with line- and column-precise errors.
//! * [`CImc`]: a loaded C library behind the [`Imc`](crate::Imc) trait. The TNCC functions it
//!   binds (`TNC_TNCC_SendMessage[Long]`, `ReportMessageTypes[Long]`, `RequestHandshakeRetry`,
//!   `GetAttribute`, `SetAttribute`, `ReserveAdditionalIMCID`, `BindFunction`) check every
//!   input — ids, connection ids, lengths against the connection's maximum message size before
//!   reading, null pointers, wildcard types — and answer misuse with the `TNC_Result` IF-IMC
//!   defines ([`host`]).
//! * [`export_imc!`](crate::export_imc): turns a native IMC into a `cdylib` with the standard
//!   entry points ([`export`]).
//! * [`ffi`]: the C types and constants (`TNC_UInt32` is C `unsigned long`).
//!
//! The verifier side (`tnc_imv_api::c_abi`) builds on [`host`], [`library`] and [`export`].
//! Only those modules, the loader and the tests allow `unsafe_code`; every `unsafe` block
//! carries a `// SAFETY:` comment.
//!
//! # Memory checking
//!
//! Miri cannot `dlopen`, so the loader and exporter are checked with Valgrind (memcheck) over
//! the integration tests of `crates/tnc-cabi-tests` — see that crate's README for the command
//! and the recorded result.
mod error;
#[allow(unsafe_code)]
pub mod export;
pub mod ffi;
#[allow(unsafe_code)]
pub mod host;
#[allow(unsafe_code)]
pub mod library;
#[allow(unsafe_code)]
mod loader;
pub mod tnc_config;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::CAbiError;
pub use loader::{CImc, deliver};
use tnc_config::TncConfig;

/// Reads and parses a `tnc_config` file.
pub fn read_tnc_config(path: &Path) -> Result<TncConfig, CAbiError> {
    let text = std::fs::read_to_string(path).map_err(|source| CAbiError::Io {
        path: path.to_owned(),
        source,
    })?;
    TncConfig::parse(&text).map_err(|source| CAbiError::Config {
        path: path.to_owned(),
        source,
    })
}

/// A library path of a `tnc_config` entry: absolute as written, relative ones relative to the
/// directory of the configuration file.
pub fn resolve_library_path(config: &Path, library: &Path) -> PathBuf {
    if library.is_absolute() {
        library.to_owned()
    } else {
        config
            .parent()
            .map_or_else(|| library.to_owned(), |d| d.join(library))
    }
}

/// Loads every `IMC` line of the `tnc_config` file at `path`, in file order (`IMV` and other
/// lines are ignored). As in strongSwan, the first malformed line or the first library that
/// fails to load or initialise stops the processing (the error names it); libraries loaded
/// before are terminated again when the partial list is dropped.
pub fn load_from_tnc_config(path: &Path) -> Result<Vec<Arc<dyn crate::Imc>>, CAbiError> {
    let config = read_tnc_config(path)?;
    let mut out: Vec<Arc<dyn crate::Imc>> = Vec::new();
    for e in config.imcs() {
        out.push(CImc::load(&e.name, &resolve_library_path(path, &e.path))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! The exporter talking to our own TNCC functions in-process (no `dlopen`): every entry
    //! point's checks and the round trip of messages and attributes through the C signatures.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unsafe_code)]

    use super::export::ImcExport;
    use super::ffi::*;
    use super::host::{self, Side};
    use crate::{
        ApiError, ChannelBindingKind, ConnectionAttributes, ConnectionId, Context, Imc, ImcContext,
        MessageType, MessageTypeFilter, Pen, PostureId, ReceivedMessage, RetryReason,
    };
    use std::sync::Arc;

    const OS: MessageType = MessageType::new(Pen::IETF, 1);

    struct Echo;

    #[async_trait::async_trait]
    impl Imc for Echo {
        fn name(&self) -> &str {
            "echo"
        }
        fn message_types(&self) -> Vec<MessageTypeFilter> {
            vec![MessageTypeFilter::exact(OS)]
        }
        async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
            let a = ctx.attributes().clone();
            let cb = a.channel_binding.map(|c| c.data).unwrap_or_default();
            let mut body = format!(
                "{}|{}|{}|",
                a.ift_protocol, a.ift_version, a.max_message_size
            )
            .into_bytes();
            body.extend_from_slice(&cb);
            ctx.send(OS, body)?;
            ctx.request_handshake_retry(RetryReason::IMC_PERIODIC);
            Ok(())
        }
        async fn receive_message(
            &self,
            ctx: &mut ImcContext,
            m: ReceivedMessage<'_>,
        ) -> Result<(), ApiError> {
            let mut body = m.body.to_vec();
            body.reverse();
            ctx.send_exclusive(m.message_type, body, m.source)
        }
    }

    fn make() -> Arc<dyn Imc> {
        Arc::new(Echo)
    }

    #[test]
    fn exporter_checks_its_inputs_and_round_trips_through_the_tncc_functions() {
        let export = ImcExport::new();
        let reg = host::register(Side::Imc, "loop").unwrap();
        let id = reg.primary();
        let mut v: TNC_Version = 0;
        // SAFETY: in all calls below the pointers are valid locals or null, and tncc_bind is the
        // TNCC bind function.
        unsafe {
            assert_eq!(
                export.initialize(make, id, 2, 3, &raw mut v),
                TNC_RESULT_NO_COMMON_VERSION
            );
            assert_eq!(
                export.initialize(make, id, 1, 1, core::ptr::null_mut()),
                TNC_RESULT_INVALID_PARAMETER
            );
            assert_eq!(export.begin_handshake(id, 1), TNC_RESULT_NOT_INITIALIZED);
            assert_eq!(
                export.initialize(make, id, 1, 1, &raw mut v),
                TNC_RESULT_SUCCESS
            );
            assert_eq!(v, 1);
            assert_eq!(
                export.initialize(make, id, 1, 1, &raw mut v),
                TNC_RESULT_ALREADY_INITIALIZED
            );
            assert_eq!(
                export.provide_bind_function(id, None),
                TNC_RESULT_INVALID_PARAMETER
            );
            // initialised but not bound yet
            assert_eq!(export.begin_handshake(id, 1), TNC_RESULT_NOT_INITIALIZED);
            assert_eq!(
                export.provide_bind_function(id + 1, Some(super::loader::tncc_bind)),
                TNC_RESULT_INVALID_PARAMETER
            );
            assert_eq!(
                export.provide_bind_function(id, Some(super::loader::tncc_bind)),
                TNC_RESULT_SUCCESS
            );
        }
        // the exporter registered the native message types through ReportMessageTypesLong
        assert_eq!(reg.message_types(), vec![MessageTypeFilter::exact(OS)]);
        assert_eq!(
            export.begin_handshake(id + 1, 1),
            TNC_RESULT_INVALID_PARAMETER
        );

        // a callback inside a frame, as CImc makes it: attributes read through GetAttribute,
        // the message sent through SendMessageLong, the retry through RequestHandshakeRetry
        let binding: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let attrs = ConnectionAttributes::new("IF-T for Tunneled EAP", "1.1")
            // longer than the exporter's first 256-octet buffer: read again with the size
            .with_channel_binding(ChannelBindingKind::TlsUnique, binding.clone());
        let mut ctx = Context::new(PostureId(5), ConnectionId(1), Arc::new(attrs));
        let r = host::call_with(Side::Imc, id, 1, &mut ctx, || export.begin_handshake(id, 1));
        assert_eq!(r, TNC_RESULT_SUCCESS);
        let out = ctx.take_outbox();
        assert_eq!(out.len(), 1);
        let mut expect = b"IF-T for Tunneled EAP|1.1|2097104|".to_vec();
        expect.extend_from_slice(&binding);
        assert_eq!(&out[0].body[..], &expect[..]);
        assert_eq!(ctx.take_retry_request(), Some(RetryReason::IMC_PERIODIC));

        // a received message comes back reversed and exclusively to its sender
        let mut body = *b"abc";
        let r = host::call_with(Side::Imc, id, 1, &mut ctx, || {
            // SAFETY: body holds 3 octets.
            unsafe {
                export.receive_message_long(
                    id,
                    1,
                    TNC_MESSAGE_FLAGS_EXCLUSIVE,
                    body.as_mut_ptr(),
                    3,
                    0,
                    1,
                    7,
                    id,
                )
            }
        });
        assert_eq!(r, TNC_RESULT_SUCCESS);
        let out = ctx.take_outbox();
        assert_eq!(&out[0].body[..], b"cba");
        assert!(out[0].exclusive);
        assert_eq!(out[0].destination, PostureId(7));

        // outside a callback the host refuses the send; the exporter passes the code on
        assert_eq!(export.begin_handshake(id, 1), TNC_RESULT_ILLEGAL_OPERATION);
        // SAFETY: null pointer with a non-zero length is what is being tested; it is not read.
        let r = unsafe { export.receive_message_long(id, 1, 0, core::ptr::null(), 5, 0, 1, 1, id) };
        assert_eq!(r, TNC_RESULT_INVALID_PARAMETER);
        // SAFETY: as above; the vendor is checked first.
        let r = unsafe {
            export.receive_message_long(id, 1, 0, core::ptr::null(), 0, 0xFF_FFFF, 1, 1, id)
        };
        assert_eq!(r, TNC_RESULT_INVALID_PARAMETER);
        // values wider than 32 bits only exist where TNC_UInt32 (unsigned long) has 64 bits
        #[cfg(target_pointer_width = "64")]
        {
            let wide = 1 << 40;
            let r = host::call_with(Side::Imc, id, wide, &mut ctx, || {
                export.begin_handshake(id, wide)
            });
            assert_eq!(r, TNC_RESULT_INVALID_PARAMETER);
            assert_eq!(
                export.notify_connection_change(id, 1, 1 << 40),
                TNC_RESULT_INVALID_PARAMETER
            );
        }
        assert_eq!(
            export.notify_connection_change(id, 1, 5),
            TNC_RESULT_SUCCESS
        );

        assert_eq!(export.terminate(id + 1), TNC_RESULT_INVALID_PARAMETER);
        assert_eq!(export.terminate(id), TNC_RESULT_SUCCESS);
        assert_eq!(export.terminate(id), TNC_RESULT_NOT_INITIALIZED);
        host::unregister(Side::Imc, id);
        assert!(host::lookup(Side::Imc, id).is_none());
    }
}
