//! The IMC loader: a C IF-IMC 1.3 library presented as a native [`Imc`], and the TNCC
//! functions the library binds.

use core::ffi::{c_char, c_uchar, c_void};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::CAbiError;
use super::ffi::*;
use super::host::{self, Registration, Side};
use super::library::PluginLibrary;
use crate::{ApiError, ConnectionState, Imc, ImcContext, MessageTypeFilter, ReceivedMessage};

/// The entry points of an IMC library.
#[derive(Clone, Copy)]
struct ImcFns {
    notify: Option<NotifyConnectionChangePointer>,
    begin_handshake: ConnectionCallPointer,
    receive: Option<ReceiveMessagePointer>,
    receive_long: Option<ReceiveMessageLongPointer>,
    batch_ending: Option<ConnectionCallPointer>,
    terminate: Option<TerminatePointer>,
}

/// A C IMC library loaded, initialised (API version 1) and bound, usable wherever an
/// `Arc<dyn Imc>` is (e.g. `tnc_iftnccs::ImcSet::add`).
///
/// Calls into the library are serialised (C plug-ins need not be thread-safe). Dropping the
/// last reference calls `TNC_IMC_Terminate` (if [`Imc::terminate`] did not already) and frees
/// its id (the shared object itself stays mapped, see [`PluginLibrary`]).
pub struct CImc {
    name: String,
    reg: Arc<Registration>,
    fns: ImcFns,
    call_lock: Mutex<()>,
    terminated: AtomicBool,
    // last: the entry points above must not outlive it
    lib: PluginLibrary,
}

impl core::fmt::Debug for CImc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CImc")
            .field("name", &self.name)
            .field("id", &self.reg.primary())
            .field("path", &self.lib.path())
            .finish()
    }
}

impl CImc {
    /// Opens the library at `path`, checks its entry points (`TNC_IMC_Initialize`,
    /// `TNC_IMC_BeginHandshake` and `TNC_IMC_ProvideBindFunction` are mandatory), assigns it
    /// an id, calls `Initialize(id, 1, 1)` and `ProvideBindFunction` (during which the library
    /// reports its message types).
    pub fn load(name: &str, path: &Path) -> Result<Arc<Self>, CAbiError> {
        let lib = PluginLibrary::open(path)?;
        // SAFETY: each type is the IF-IMC 1.3 signature of the named symbol; the pointers are
        // stored next to `lib` in the CImc and never used after it is dropped.
        let (initialize, bind, fns) = unsafe {
            let initialize: InitializePointer = lib.required("TNC_IMC_Initialize")?;
            let bind: ProvideBindFunctionPointer = lib.required("TNC_IMC_ProvideBindFunction")?;
            let fns = ImcFns {
                begin_handshake: lib.required("TNC_IMC_BeginHandshake")?,
                notify: lib.optional("TNC_IMC_NotifyConnectionChange"),
                receive: lib.optional("TNC_IMC_ReceiveMessage"),
                receive_long: lib.optional("TNC_IMC_ReceiveMessageLong"),
                batch_ending: lib.optional("TNC_IMC_BatchEnding"),
                terminate: lib.optional("TNC_IMC_Terminate"),
            };
            (initialize, bind, fns)
        };
        let reg = host::register(Side::Imc, name).ok_or(CAbiError::IdsExhausted)?;
        let imc = Self {
            name: name.to_owned(),
            reg,
            fns,
            call_lock: Mutex::new(()),
            terminated: AtomicBool::new(true),
            lib,
        };
        let id = imc.reg.primary();
        let mut version: TNC_Version = 0;
        // SAFETY: the library's Initialize with its standard signature; `version` is a valid
        // out-pointer for the duration of the call.
        let code = host::guarded(|| unsafe {
            initialize(id, TNC_VERSION_1, TNC_VERSION_1, &raw mut version)
        });
        if code != TNC_RESULT_SUCCESS {
            return Err(CAbiError::Call {
                name: name.to_owned(),
                function: "TNC_IMC_Initialize",
                code,
            });
        }
        // from here on Drop calls Terminate
        imc.terminated.store(false, Ordering::SeqCst);
        if version != TNC_VERSION_1 {
            return Err(CAbiError::NoCommonVersion {
                name: name.to_owned(),
                version,
            });
        }
        // SAFETY: ProvideBindFunction with its standard signature; tncc_bind has the
        // TNC_TNCC_BindFunctionPointer signature and lives for the whole program.
        let code = host::guarded(|| unsafe { bind(id, tncc_bind) });
        if code != TNC_RESULT_SUCCESS {
            return Err(CAbiError::Call {
                name: name.to_owned(),
                function: "TNC_IMC_ProvideBindFunction",
                code,
            });
        }
        Ok(Arc::new(imc))
    }

    /// The id the library was initialised with (its C id; may differ from the broker's id).
    pub fn c_id(&self) -> TNC_ID {
        self.reg.primary()
    }

    fn call(
        &self,
        ctx: &mut ImcContext,
        function: &str,
        f: impl FnOnce(TNC_ID, TNC_ConnectionID) -> TNC_Result,
    ) -> Result<(), ApiError> {
        if self.terminated.load(Ordering::SeqCst) {
            return Err(ApiError::IllegalOperation("the IMC library was terminated"));
        }
        let _serial = self
            .call_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let id = self.reg.primary();
        let conn = TNC_ConnectionID::from(ctx.connection().0);
        let code = host::call_with(Side::Imc, id, conn, ctx, || host::guarded(|| f(id, conn)));
        host::api_result(&self.name, function, code)
    }

    fn do_terminate(&self) {
        if self.terminated.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(t) = self.fns.terminate {
            let _serial = self
                .call_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let id = self.reg.primary();
            // SAFETY: the library's Terminate with its standard signature; the library is loaded.
            let _ = host::guarded(|| unsafe { t(id) });
        }
    }
}

impl Drop for CImc {
    fn drop(&mut self) {
        self.do_terminate();
        host::unregister(Side::Imc, self.reg.primary());
    }
}

#[async_trait::async_trait]
impl Imc for CImc {
    fn name(&self) -> &str {
        &self.name
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        self.reg.message_types()
    }

    async fn notify_connection_change(
        &self,
        ctx: &mut ImcContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        let Some(f) = self.fns.notify else {
            return Ok(());
        };
        self.call(ctx, "TNC_IMC_NotifyConnectionChange", |id, conn| {
            // SAFETY: the library's entry point with its standard signature, library loaded.
            unsafe { f(id, conn, TNC_UInt32::from(state.0)) }
        })
    }

    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        let f = self.fns.begin_handshake;
        self.call(ctx, "TNC_IMC_BeginHandshake", |id, conn| {
            // SAFETY: as above.
            unsafe { f(id, conn) }
        })
    }

    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        message: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let own = ctx.id();
        let c_id = self.reg.primary();
        deliver(
            ctx,
            &message,
            own,
            c_id,
            self.fns.receive_long,
            self.fns.receive,
            |ctx, name, f| self.call(ctx, name, f),
        )
    }

    async fn batch_ending(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        let Some(f) = self.fns.batch_ending else {
            return Ok(());
        };
        self.call(ctx, "TNC_IMC_BatchEnding", |id, conn| {
            // SAFETY: as above.
            unsafe { f(id, conn) }
        })
    }

    async fn terminate(&self) {
        self.do_terminate();
    }
}

/// Delivers a PA message through `ReceiveMessageLong` (preferred) or the legacy
/// `ReceiveMessage` (only for types that fit the legacy encoding). The body is copied into a
/// buffer the library may touch; a destination equal to the broker id `own` is translated to
/// the library's C id. Shared with the IMV loader.
pub fn deliver<C>(
    ctx: &mut C,
    m: &ReceivedMessage<'_>,
    own: crate::PostureId,
    c_id: TNC_ID,
    long: Option<ReceiveMessageLongPointer>,
    legacy: Option<ReceiveMessagePointer>,
    call: impl FnOnce(
        &mut C,
        &str,
        &mut dyn FnMut(TNC_ID, TNC_ConnectionID) -> TNC_Result,
    ) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut body = m.body.to_vec();
    let Ok(len) = TNC_UInt32::try_from(body.len()) else {
        return Err(ApiError::InvalidParameter("message too long for the C API"));
    };
    let ptr: *mut c_uchar = body.as_mut_ptr();
    let vendor = TNC_UInt32::from(m.message_type.vendor.get());
    let subtype = TNC_UInt32::from(m.message_type.subtype);
    let dest = if m.destination == own {
        c_id
    } else {
        TNC_ID::from(m.destination.0)
    };
    let source = TNC_ID::from(m.source.0);
    let flags = if m.exclusive {
        TNC_MESSAGE_FLAGS_EXCLUSIVE
    } else {
        0
    };
    if let Some(f) = long {
        return call(ctx, "ReceiveMessageLong", &mut |id, conn| {
            // SAFETY: the library's entry point with its standard signature; `ptr` points to
            // `len` octets of `body`, which outlives the call.
            unsafe { f(id, conn, flags, ptr, len, vendor, subtype, source, dest) }
        });
    }
    match legacy {
        Some(f) if vendor < 0xFF_FFFF && subtype < 0xFF => {
            let t = (vendor << 8) | subtype;
            call(ctx, "ReceiveMessage", &mut |id, conn| {
                // SAFETY: as above.
                unsafe { f(id, conn, ptr, len, t) }
            })
        }
        _ => Ok(()),
    }
}

// ---- the TNCC functions a library binds ----

unsafe extern "C" fn tncc_report_message_types(
    id: TNC_ID,
    types: *mut TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: the C caller promises `types` holds `count` values (IF-IMC); checked for null
    // and bounded inside.
    host::guarded(|| unsafe { host::report_message_types(Side::Imc, id, types, count) })
}

unsafe extern "C" fn tncc_report_message_types_long(
    id: TNC_ID,
    vendors: *mut TNC_UInt32,
    subtypes: *mut TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: as above, for both arrays.
    host::guarded(|| unsafe {
        host::report_message_types_long(Side::Imc, id, vendors, subtypes, count)
    })
}

unsafe extern "C" fn tncc_send_message(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    message_type: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: the C caller promises `message` holds `length` octets; null and length are
    // checked before reading.
    host::guarded(|| unsafe {
        host::send_message(Side::Imc, id, conn, message, length, message_type)
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn tncc_send_message_long(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    flags: TNC_UInt32,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    vendor: TNC_UInt32,
    subtype: TNC_UInt32,
    destination: TNC_ID,
) -> TNC_Result {
    // SAFETY: as above.
    host::guarded(|| unsafe {
        host::send_message_long(
            Side::Imc,
            id,
            conn,
            flags,
            message,
            length,
            vendor,
            subtype,
            destination,
        )
    })
}

unsafe extern "C" fn tncc_request_handshake_retry(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    reason: TNC_UInt32,
) -> TNC_Result {
    host::guarded(|| host::request_handshake_retry(Side::Imc, id, conn, reason))
}

unsafe extern "C" fn tncc_get_attribute(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    attribute: TNC_UInt32,
    buffer_length: TNC_UInt32,
    buffer: TNC_BufferReference,
    out_len: *mut TNC_UInt32,
) -> TNC_Result {
    // SAFETY: the C caller promises `buffer` has `buffer_length` writable octets and `out_len`
    // is writable; nulls are checked inside.
    host::guarded(|| unsafe {
        host::get_attribute(
            Side::Imc,
            id,
            conn,
            attribute,
            buffer_length,
            buffer,
            out_len,
        )
    })
}

unsafe extern "C" fn tncc_set_attribute(
    id: TNC_ID,
    _conn: TNC_ConnectionID,
    _attribute: TNC_UInt32,
    _buffer_length: TNC_UInt32,
    _buffer: TNC_BufferReference,
) -> TNC_Result {
    // no attribute is settable by an IMC (strongSwan answers INVALID_PARAMETER as well)
    let _ = id;
    TNC_RESULT_INVALID_PARAMETER
}

unsafe extern "C" fn tncc_reserve_additional_imc_id(id: TNC_ID, out: *mut TNC_ID) -> TNC_Result {
    // SAFETY: the C caller promises `out` is writable; null is checked inside.
    host::guarded(|| unsafe { host::reserve_additional_id(Side::Imc, id, out) })
}

pub(crate) unsafe extern "C" fn tncc_bind(
    id: TNC_ID,
    name: *mut c_char,
    out: *mut *mut c_void,
) -> TNC_Result {
    let table: [(&str, *mut c_void); 10] = [
        (
            "TNC_TNCC_ReportMessageTypes",
            tncc_report_message_types as ReportMessageTypesPointer as *mut c_void,
        ),
        (
            "TNC_TNCC_ReportMessageTypesLong",
            tncc_report_message_types_long as ReportMessageTypesLongPointer as *mut c_void,
        ),
        (
            "TNC_TNCC_SendMessage",
            tncc_send_message as SendMessagePointer as *mut c_void,
        ),
        (
            "TNC_TNCC_SendMessageLong",
            tncc_send_message_long as SendMessageLongPointer as *mut c_void,
        ),
        (
            "TNC_TNCC_RequestHandshakeRetry",
            tncc_request_handshake_retry as RequestHandshakeRetryPointer as *mut c_void,
        ),
        (
            "TNC_TNCC_GetAttribute",
            tncc_get_attribute as GetAttributePointer as *mut c_void,
        ),
        (
            "TNC_TNCC_SetAttribute",
            tncc_set_attribute as SetAttributePointer as *mut c_void,
        ),
        (
            "TNC_TNCC_ReserveAdditionalIMCID",
            tncc_reserve_additional_imc_id as ReserveAdditionalIdPointer as *mut c_void,
        ),
        // the TCG header's typo for the same function
        (
            "TNC_TNCS_ReserveAdditionalIMCID",
            tncc_reserve_additional_imc_id as ReserveAdditionalIdPointer as *mut c_void,
        ),
        (
            "TNC_TNCC_BindFunction",
            tncc_bind as BindFunctionPointer as *mut c_void,
        ),
    ];
    // SAFETY: the C caller promises `name` is a NUL-terminated string and `out` is writable;
    // both are checked for null and the name read is bounded.
    host::guarded(|| unsafe { host::bind_function(Side::Imc, id, name, out, &table) })
}
