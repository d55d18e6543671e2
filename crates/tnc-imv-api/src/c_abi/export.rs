//! The exporter: a native [`Imv`] behind the standard C entry points (use
//! [`export_imv!`](crate::export_imv)). Works like `tnc_imc_api::c_abi::export`; after each
//! callback the recommendation goes to the host through `TNC_TNCS_ProvideRecommendation` and
//! the first reason string through `SetAttribute(REASON_STRING / REASON_LANGUAGE)`.
//! Remediation instructions have no IF-IMV 1.3 C function and are not passed on.

use std::sync::{Arc, Mutex, PoisonError};

use tnc_imc_api::c_abi::export::{
    HostFunctions, check_initialize, code_of, native_ids, read_received,
};
use tnc_imc_api::c_abi::ffi::*;
use tnc_imc_api::c_abi::host;
use tnc_imc_api::c_abi::library::block_on;

use crate::{ApiError, AttributeId, ConnectionState, Imv, ImvContext, ReceivedMessage};

struct ExportedImv {
    imv: Arc<dyn Imv>,
    id: TNC_ID,
    host: Option<HostFunctions>,
}

/// The state of an exported IMV (one per `cdylib`, created by
/// [`export_imv!`](crate::export_imv)).
pub struct ImvExport {
    state: Mutex<Option<ExportedImv>>,
}

impl Default for ImvExport {
    fn default() -> Self {
        Self::new()
    }
}

impl ImvExport {
    /// Not yet initialised.
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(None),
        }
    }

    fn snapshot(&self, id: TNC_ID) -> Result<(Arc<dyn Imv>, HostFunctions), TNC_Result> {
        let g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let s = g.as_ref().ok_or(TNC_RESULT_NOT_INITIALIZED)?;
        if s.id != id {
            return Err(TNC_RESULT_INVALID_PARAMETER);
        }
        let h = s.host.ok_or(TNC_RESULT_NOT_INITIALIZED)?;
        Ok((s.imv.clone(), h))
    }

    /// `TNC_IMV_Initialize`.
    ///
    /// # Safety
    ///
    /// `out` must be null or valid for writing.
    pub unsafe fn initialize(
        &self,
        make: fn() -> Arc<dyn Imv>,
        id: TNC_ID,
        min: TNC_Version,
        max: TNC_Version,
        out: *mut TNC_Version,
    ) -> TNC_Result {
        host::guarded(|| {
            let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if g.is_some() {
                return TNC_RESULT_ALREADY_INITIALIZED;
            }
            // SAFETY: forwarded caller promise.
            let r = unsafe { check_initialize(id, min, max, out) };
            if r == TNC_RESULT_SUCCESS {
                *g = Some(ExportedImv {
                    imv: make(),
                    id,
                    host: None,
                });
            }
            r
        })
    }

    /// `TNC_IMV_ProvideBindFunction`: binds the TNCS functions and reports the message types.
    ///
    /// # Safety
    ///
    /// `bind` must be null or the TNCS's bind function.
    pub unsafe fn provide_bind_function(
        &self,
        id: TNC_ID,
        bind: Option<BindFunctionPointer>,
    ) -> TNC_Result {
        host::guarded(|| {
            let Some(bind) = bind else {
                return TNC_RESULT_INVALID_PARAMETER;
            };
            let (imv, h) = {
                let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(s) = g.as_mut() else {
                    return TNC_RESULT_NOT_INITIALIZED;
                };
                if s.id != id {
                    return TNC_RESULT_INVALID_PARAMETER;
                }
                // SAFETY: forwarded caller promise.
                let h = unsafe { HostFunctions::bind(bind, id, true) };
                s.host = Some(h);
                (s.imv.clone(), h)
            };
            h.report_types(id, &imv.message_types())
        })
    }

    fn run(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        f: impl FnOnce(&dyn Imv, &mut ImvContext) -> Result<(), ApiError>,
    ) -> TNC_Result {
        host::guarded(|| {
            let (imv, host) = match self.snapshot(id) {
                Ok(s) => s,
                Err(e) => return e,
            };
            let Some((pid, cid)) = native_ids(id, conn) else {
                return TNC_RESULT_INVALID_PARAMETER;
            };
            let mut ctx = ImvContext::new(pid, cid, Arc::new(host.attributes(id, conn)));
            let r = code_of(f(imv.as_ref(), &mut ctx));
            let mut first = host.flush(id, conn, &mut ctx);
            if let Some(reason) = ctx.take_reasons().into_iter().next() {
                let a = host.set_attribute(
                    id,
                    conn,
                    AttributeId::REASON_STRING,
                    reason.text.as_bytes(),
                );
                let b = host.set_attribute(
                    id,
                    conn,
                    AttributeId::REASON_LANGUAGE,
                    reason.language.as_bytes(),
                );
                for c in [a, b] {
                    if first == TNC_RESULT_SUCCESS {
                        first = c;
                    }
                }
            }
            if let Some(rec) = ctx.take_recommendation() {
                let c = host.provide_recommendation(id, conn, rec.action.0, rec.evaluation.0);
                if first == TNC_RESULT_SUCCESS {
                    first = c;
                }
            }
            if r == TNC_RESULT_SUCCESS { first } else { r }
        })
    }

    /// `TNC_IMV_NotifyConnectionChange`.
    pub fn notify_connection_change(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        state: TNC_UInt32,
    ) -> TNC_Result {
        let Ok(state) = u32::try_from(state).map(ConnectionState) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        if state == ConnectionState::DELETE {
            return host::guarded(|| match (self.snapshot(id), native_ids(id, conn)) {
                (Ok((imv, _)), Some((pid, cid))) => {
                    let mut ctx = ImvContext::new(pid, cid, Arc::default());
                    code_of(block_on(imv.notify_connection_change(&mut ctx, state)))
                }
                (Err(e), _) => e,
                (_, None) => TNC_RESULT_INVALID_PARAMETER,
            });
        }
        self.run(id, conn, |imv, ctx| {
            block_on(imv.notify_connection_change(ctx, state))
        })
    }

    /// `TNC_IMV_ReceiveMessageLong`.
    ///
    /// # Safety
    ///
    /// `msg` must be null or point to `len` readable octets.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn receive_message_long(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        flags: TNC_UInt32,
        msg: *const u8,
        len: TNC_UInt32,
        vendor: TNC_UInt32,
        subtype: TNC_UInt32,
        source: TNC_ID,
        destination: TNC_ID,
    ) -> TNC_Result {
        // SAFETY: forwarded caller promise.
        let read = unsafe { read_received(flags, msg, len, vendor, subtype, source, destination) };
        let (message_type, exclusive, source, destination, body) = match read {
            Ok(v) => v,
            Err(e) => return e,
        };
        self.run(id, conn, |imv, ctx| {
            let m = ReceivedMessage {
                message_type,
                exclusive,
                source,
                destination,
                body: &body,
            };
            block_on(imv.receive_message(ctx, m))
        })
    }

    /// `TNC_IMV_ReceiveMessage` (legacy type).
    ///
    /// # Safety
    ///
    /// As [`receive_message_long`](Self::receive_message_long).
    pub unsafe fn receive_message(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        msg: *const u8,
        len: TNC_UInt32,
        message_type: TNC_UInt32,
    ) -> TNC_Result {
        // SAFETY: forwarded caller promise.
        unsafe {
            self.receive_message_long(
                id,
                conn,
                0,
                msg,
                len,
                message_type >> 8,
                message_type & 0xFF,
                TNC_ID_ANY,
                TNC_ID_ANY,
            )
        }
    }

    /// `TNC_IMV_BatchEnding`.
    pub fn batch_ending(&self, id: TNC_ID, conn: TNC_ConnectionID) -> TNC_Result {
        self.run(id, conn, |imv, ctx| block_on(imv.batch_ending(ctx)))
    }

    /// `TNC_IMV_SolicitRecommendation`.
    pub fn solicit_recommendation(&self, id: TNC_ID, conn: TNC_ConnectionID) -> TNC_Result {
        self.run(id, conn, |imv, ctx| {
            block_on(imv.solicit_recommendation(ctx))
        })
    }

    /// `TNC_IMV_Terminate`.
    pub fn terminate(&self, id: TNC_ID) -> TNC_Result {
        host::guarded(|| {
            let taken = {
                let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                match g.as_ref() {
                    None => return TNC_RESULT_NOT_INITIALIZED,
                    Some(s) if s.id != id => return TNC_RESULT_INVALID_PARAMETER,
                    Some(_) => g.take(),
                }
            };
            if let Some(s) = taken {
                block_on(s.imv.terminate());
            }
            TNC_RESULT_SUCCESS
        })
    }
}

/// Exports a native [`Imv`](crate::Imv) as a C IF-IMV 1.3 plug-in: put
/// `tnc_imv_api::export_imv!(MyImv::new);` into a crate with `crate-type = ["cdylib"]` and
/// dependency feature `c-abi`. It defines `TNC_IMV_Initialize`, `TNC_IMV_ProvideBindFunction`,
/// `TNC_IMV_NotifyConnectionChange`, `TNC_IMV_ReceiveMessage`, `TNC_IMV_ReceiveMessageLong`,
/// `TNC_IMV_BatchEnding`, `TNC_IMV_SolicitRecommendation` and `TNC_IMV_Terminate`, which
/// forward to [`ImvExport`](crate::c_abi::export::ImvExport).
#[macro_export]
macro_rules! export_imv {
    ($make:expr) => {
        static __TNC_IMV_EXPORT: $crate::c_abi::export::ImvExport =
            $crate::c_abi::export::ImvExport::new();

        fn __tnc_imv_make() -> ::std::sync::Arc<dyn $crate::Imv> {
            ::std::sync::Arc::new(($make)())
        }

        /// IF-IMV 1.3 `TNC_IMV_Initialize`.
        ///
        /// # Safety
        ///
        /// Called by a TNC server with a valid (or null) out-pointer.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMV_Initialize(
            id: ::core::ffi::c_ulong,
            min: ::core::ffi::c_ulong,
            max: ::core::ffi::c_ulong,
            out: *mut ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCS's promise about `out` is forwarded; null is checked.
            unsafe { __TNC_IMV_EXPORT.initialize(__tnc_imv_make, id, min, max, out) }
        }

        /// IF-IMV 1.3 `TNC_IMV_ProvideBindFunction`.
        ///
        /// # Safety
        ///
        /// Called by a TNC server with its bind function (or null).
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMV_ProvideBindFunction(
            id: ::core::ffi::c_ulong,
            bind: ::core::option::Option<$crate::c_abi::ffi::BindFunctionPointer>,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCS promises `bind` is its bind function; null is checked.
            unsafe { __TNC_IMV_EXPORT.provide_bind_function(id, bind) }
        }

        /// IF-IMV 1.3 `TNC_IMV_NotifyConnectionChange`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMV_NotifyConnectionChange(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
            state: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMV_EXPORT.notify_connection_change(id, conn, state)
        }

        /// IF-IMV 1.3 `TNC_IMV_ReceiveMessage`.
        ///
        /// # Safety
        ///
        /// `msg` points to `len` readable octets (or is null with `len` 0).
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMV_ReceiveMessage(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
            msg: *mut ::core::ffi::c_uchar,
            len: ::core::ffi::c_ulong,
            message_type: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCS's promise about `msg`/`len` is forwarded; checked and bounded.
            unsafe { __TNC_IMV_EXPORT.receive_message(id, conn, msg, len, message_type) }
        }

        /// IF-IMV 1.3 `TNC_IMV_ReceiveMessageLong`.
        ///
        /// # Safety
        ///
        /// `msg` points to `len` readable octets (or is null with `len` 0).
        #[allow(unsafe_code, non_snake_case, clippy::too_many_arguments)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMV_ReceiveMessageLong(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
            flags: ::core::ffi::c_ulong,
            msg: *mut ::core::ffi::c_uchar,
            len: ::core::ffi::c_ulong,
            vendor: ::core::ffi::c_ulong,
            subtype: ::core::ffi::c_ulong,
            source: ::core::ffi::c_ulong,
            destination: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCS's promise about `msg`/`len` is forwarded; checked and bounded.
            unsafe {
                __TNC_IMV_EXPORT.receive_message_long(
                    id,
                    conn,
                    flags,
                    msg,
                    len,
                    vendor,
                    subtype,
                    source,
                    destination,
                )
            }
        }

        /// IF-IMV 1.3 `TNC_IMV_BatchEnding`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMV_BatchEnding(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMV_EXPORT.batch_ending(id, conn)
        }

        /// IF-IMV 1.3 `TNC_IMV_SolicitRecommendation`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMV_SolicitRecommendation(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMV_EXPORT.solicit_recommendation(id, conn)
        }

        /// IF-IMV 1.3 `TNC_IMV_Terminate`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMV_Terminate(id: ::core::ffi::c_ulong) -> ::core::ffi::c_ulong {
            __TNC_IMV_EXPORT.terminate(id)
        }
    };
}
