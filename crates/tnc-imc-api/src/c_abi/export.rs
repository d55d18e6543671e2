//! The exporter: a native [`Imc`] behind the standard C entry points, for building a `cdylib`
//! that any IF-IMC 1.3 TNC client (strongSwan, ours) can load. Use [`export_imc!`]; this
//! module holds what the generated functions call.
//!
//! The async trait methods run to completion inside the C call (a small parking executor).
//! Before each callback the plug-in's [`ConnectionAttributes`] are read from the host through
//! `GetAttribute`; afterwards the messages the plug-in sent go out through the host's
//! `SendMessageLong` (or `SendMessage` for hosts without long types) and a retry request
//! through `RequestHandshakeRetry`.
//!
//! [`export_imc!`]: crate::export_imc

use core::ffi::{CStr, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use super::ffi::*;
use super::host::{self, read_buffer};
use super::library::block_on;
use crate::{
    ApiError, AttributeId, ChannelBindingKind, ConnectionAttributes, ConnectionId, ConnectionState,
    Context, Imc, MessageType, MessageTypeFilter, Pen, PostureId, ReceivedMessage,
};

/// Largest PA message an exported plug-in accepts from its host (a bound before copying).
pub const MAX_RECEIVED_MESSAGE: usize = 64 * 1024 * 1024;
/// Largest attribute value read from the host.
const MAX_ATTRIBUTE: usize = 64 * 1024;

/// The host (TNCC or TNCS) functions an exported plug-in obtained through the bind function.
/// Every field is null-checked: a host that lacks one gets the corresponding feature skipped.
#[derive(Debug, Clone, Copy)]
pub struct HostFunctions {
    report_long: Option<ReportMessageTypesLongPointer>,
    report: Option<ReportMessageTypesPointer>,
    send_long: Option<SendMessageLongPointer>,
    send: Option<SendMessagePointer>,
    retry: Option<RequestHandshakeRetryPointer>,
    get_attribute: Option<GetAttributePointer>,
    set_attribute: Option<SetAttributePointer>,
    provide_recommendation: Option<ProvideRecommendationPointer>,
}

/// Resolves one host function through `bind`.
///
/// # Safety
///
/// `bind` must be the host's bind function and `T` the function-pointer type the standard
/// defines for `name`.
unsafe fn resolve<T: Copy>(bind: BindFunctionPointer, id: TNC_ID, name: &CStr) -> Option<T> {
    if core::mem::size_of::<T>() != core::mem::size_of::<*mut c_void>() {
        return None;
    }
    let mut p: *mut c_void = core::ptr::null_mut();
    // SAFETY: the host's bind function with its standard signature; name is NUL-terminated and
    // p a valid out-pointer. The host does not write through the name pointer.
    let r = unsafe { bind(id, name.as_ptr().cast_mut(), &raw mut p) };
    if r != TNC_RESULT_SUCCESS || p.is_null() {
        return None;
    }
    // SAFETY: T is a function-pointer type of pointer size (checked above) and the host
    // promises the pointer it returned for `name` has that signature.
    Some(unsafe { core::mem::transmute_copy::<*mut c_void, T>(&p) })
}

impl HostFunctions {
    /// Binds the host functions of a TNCC (`server == false`, `TNC_TNCC_*`) or a TNCS.
    ///
    /// # Safety
    ///
    /// `bind` must be the bind function the host passed to `ProvideBindFunction`.
    pub unsafe fn bind(bind: BindFunctionPointer, id: TNC_ID, server: bool) -> Self {
        macro_rules! r {
            ($c:literal, $s:literal) => {
                // SAFETY: forwarded caller promise; the literal names match the pointer types
                // of the fields they initialise.
                unsafe { resolve(bind, id, if server { $s } else { $c }) }
            };
        }
        Self {
            report_long: r!(
                c"TNC_TNCC_ReportMessageTypesLong",
                c"TNC_TNCS_ReportMessageTypesLong"
            ),
            report: r!(
                c"TNC_TNCC_ReportMessageTypes",
                c"TNC_TNCS_ReportMessageTypes"
            ),
            send_long: r!(c"TNC_TNCC_SendMessageLong", c"TNC_TNCS_SendMessageLong"),
            send: r!(c"TNC_TNCC_SendMessage", c"TNC_TNCS_SendMessage"),
            retry: r!(
                c"TNC_TNCC_RequestHandshakeRetry",
                c"TNC_TNCS_RequestHandshakeRetry"
            ),
            get_attribute: r!(c"TNC_TNCC_GetAttribute", c"TNC_TNCS_GetAttribute"),
            set_attribute: r!(c"TNC_TNCC_SetAttribute", c"TNC_TNCS_SetAttribute"),
            provide_recommendation: if server {
                r!(
                    c"TNC_TNCS_ProvideRecommendation",
                    c"TNC_TNCS_ProvideRecommendation"
                )
            } else {
                None
            },
        }
    }

    /// Registers the plug-in's subscriptions (`ReportMessageTypesLong`, or the legacy call
    /// for filters that fit it when the host has no long types).
    pub fn report_types(&self, id: TNC_ID, filters: &[MessageTypeFilter]) -> TNC_Result {
        let mut vendors: Vec<TNC_UInt32> = filters
            .iter()
            .map(|f| TNC_UInt32::from(f.vendor.get()))
            .collect();
        let mut subtypes: Vec<TNC_UInt32> = filters
            .iter()
            .map(|f| TNC_UInt32::from(f.subtype))
            .collect();
        let Ok(n) = TNC_UInt32::try_from(filters.len()) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        if let Some(f) = self.report_long {
            // SAFETY: host function with its standard signature; both arrays hold n values and
            // live across the call.
            return unsafe { f(id, vendors.as_mut_ptr(), subtypes.as_mut_ptr(), n) };
        }
        if let Some(f) = self.report {
            let mut legacy: Vec<TNC_UInt32> = vendors
                .iter()
                .zip(&subtypes)
                .filter(|(_, s)| **s <= 0xFF)
                .map(|(v, s)| (v << 8) | s)
                .collect();
            let Ok(n) = TNC_UInt32::try_from(legacy.len()) else {
                return TNC_RESULT_INVALID_PARAMETER;
            };
            // SAFETY: as above, `legacy` holds n values.
            return unsafe { f(id, legacy.as_mut_ptr(), n) };
        }
        TNC_RESULT_SUCCESS
    }

    /// Reads one attribute value from the host: first into a 256-octet buffer, again with the
    /// reported size if that was too small (hosts differ in what they answer for a too small
    /// buffer or a null-buffer size query — strongSwan returns `INVALID_PARAMETER`, or
    /// `SUCCESS` without writing for the preferred language — so the reported length decides).
    fn attribute(&self, id: TNC_ID, conn: TNC_ConnectionID, attr: AttributeId) -> Option<Vec<u8>> {
        let get = self.get_attribute?;
        let mut size = 256usize;
        for _ in 0..2 {
            let mut buf = vec![0u8; size];
            let cap = TNC_UInt32::try_from(size).ok()?;
            let mut len: TNC_UInt32 = 0;
            // SAFETY: host function with its standard signature; buf has `cap` writable octets
            // and len is a valid out-pointer.
            let r = unsafe {
                get(
                    id,
                    conn,
                    TNC_UInt32::from(attr.0),
                    cap,
                    buf.as_mut_ptr(),
                    &raw mut len,
                )
            };
            let n = usize::try_from(len).ok().filter(|n| *n <= MAX_ATTRIBUTE)?;
            if n <= size {
                if r != TNC_RESULT_SUCCESS {
                    return None;
                }
                buf.truncate(n);
                return Some(buf);
            }
            size = n;
        }
        None
    }

    /// The connection's attributes as the host reports them (defaults where it has none).
    pub fn attributes(&self, id: TNC_ID, conn: TNC_ConnectionID) -> ConnectionAttributes {
        let text = |v: Vec<u8>| {
            let end = v.iter().position(|b| *b == 0).unwrap_or(v.len());
            String::from_utf8_lossy(&v[..end]).into_owned()
        };
        let u32_of = |v: Vec<u8>| <[u8; 4]>::try_from(v).ok().map(u32::from_be_bytes);
        let bool_of = |v: Vec<u8>| v.first().map(|b| *b != 0);
        let ift_protocol = self
            .attribute(id, conn, AttributeId::IFT_PROTOCOL)
            .map_or_else(|| "IF-T for TLS".to_owned(), text);
        let ift_version = self
            .attribute(id, conn, AttributeId::IFT_VERSION)
            .map_or_else(|| "2.0".to_owned(), text);
        let mut a = ConnectionAttributes::new(&ift_protocol, &ift_version);
        a.preferred_language = self
            .attribute(id, conn, AttributeId::PREFERRED_LANGUAGE)
            .map(text);
        if let Some(v) = self
            .attribute(id, conn, AttributeId::MAX_MESSAGE_SIZE)
            .and_then(u32_of)
        {
            a.max_message_size = v;
        }
        if let Some(v) = self
            .attribute(id, conn, AttributeId::MAX_ROUND_TRIPS)
            .and_then(u32_of)
        {
            a.max_round_trips = v;
        }
        if let Some(v) = self
            .attribute(id, conn, AttributeId::HAS_EXCLUSIVE)
            .and_then(bool_of)
        {
            a.has_exclusive = v;
        }
        if let Some(v) = self
            .attribute(id, conn, AttributeId::HAS_LONG_TYPES)
            .and_then(bool_of)
        {
            a.has_long_types = v;
        }
        if let Some(v) = self.attribute(id, conn, AttributeId::TLS_UNIQUE) {
            a = a.with_channel_binding(ChannelBindingKind::TlsUnique, v);
        }
        a
    }

    /// Hands what a callback queued in `ctx` to the host: the PA messages, then the retry
    /// request. Returns the first failure code, or success.
    pub fn flush(&self, id: TNC_ID, conn: TNC_ConnectionID, ctx: &mut Context) -> TNC_Result {
        let mut first = TNC_RESULT_SUCCESS;
        let mut note = |r: TNC_Result| {
            if first == TNC_RESULT_SUCCESS {
                first = r;
            }
        };
        for m in ctx.take_outbox() {
            let mut body = m.body.to_vec();
            let Ok(len) = TNC_UInt32::try_from(body.len()) else {
                note(TNC_RESULT_EXCEEDED_MAX_MESSAGE_SIZE);
                continue;
            };
            let vendor = TNC_UInt32::from(m.message_type.vendor.get());
            let subtype = TNC_UInt32::from(m.message_type.subtype);
            let r = match (self.send_long, self.send) {
                (Some(f), _) => {
                    let flags = if m.exclusive {
                        TNC_MESSAGE_FLAGS_EXCLUSIVE
                    } else {
                        0
                    };
                    // SAFETY: host function with its standard signature; body holds len octets
                    // and outlives the call.
                    unsafe {
                        f(
                            id,
                            conn,
                            flags,
                            body.as_mut_ptr(),
                            len,
                            vendor,
                            subtype,
                            TNC_ID::from(m.destination.0),
                        )
                    }
                }
                (None, Some(f)) if subtype <= 0xFF => {
                    // SAFETY: as above.
                    unsafe { f(id, conn, body.as_mut_ptr(), len, (vendor << 8) | subtype) }
                }
                _ => TNC_RESULT_NO_LONG_MESSAGE_TYPES,
            };
            note(r);
        }
        if let (Some(reason), Some(f)) = (ctx.take_retry_request(), self.retry) {
            // SAFETY: host function with its standard signature.
            let r = unsafe { f(id, conn, TNC_UInt32::from(reason.0)) };
            // the host may refuse (CANT_RETRY/WONT_RETRY): not the callback's failure
            let _ = r;
        }
        first
    }

    /// `TNC_TNCS_ProvideRecommendation` (IMV exporter).
    pub fn provide_recommendation(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        action: u32,
        evaluation: u32,
    ) -> TNC_Result {
        match self.provide_recommendation {
            // SAFETY: host function with its standard signature.
            Some(f) => unsafe {
                f(
                    id,
                    conn,
                    TNC_UInt32::from(action),
                    TNC_UInt32::from(evaluation),
                )
            },
            None => TNC_RESULT_ILLEGAL_OPERATION,
        }
    }

    /// `SetAttribute` with a byte value (IMV exporter: reason string and language).
    pub fn set_attribute(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        attr: AttributeId,
        value: &[u8],
    ) -> TNC_Result {
        let Some(f) = self.set_attribute else {
            return TNC_RESULT_ILLEGAL_OPERATION;
        };
        let mut v = value.to_vec();
        let Ok(n) = TNC_UInt32::try_from(v.len()) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        // SAFETY: host function with its standard signature; v holds n octets.
        unsafe { f(id, conn, TNC_UInt32::from(attr.0), n, v.as_mut_ptr()) }
    }
}

/// Checks an id/connection pair from the host and converts them to the native types.
pub fn native_ids(id: TNC_ID, conn: TNC_ConnectionID) -> Option<(PostureId, ConnectionId)> {
    let p = u16::try_from(id).ok().filter(|i| *i != PostureId::ANY.0)?;
    let c = u32::try_from(conn).ok()?;
    Some((PostureId(p), ConnectionId(c)))
}

/// The checks of `Initialize`: version range containing 1, a writable out-pointer, a usable
/// id. Returns the code to answer.
///
/// # Safety
///
/// `out` must be null or valid for writing.
pub unsafe fn check_initialize(
    id: TNC_ID,
    min: TNC_Version,
    max: TNC_Version,
    out: *mut TNC_Version,
) -> TNC_Result {
    if min > TNC_VERSION_1 || max < TNC_VERSION_1 {
        return TNC_RESULT_NO_COMMON_VERSION;
    }
    if out.is_null() || native_ids(id, 0).is_none() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    // SAFETY: non-null; the caller promises it is writable.
    unsafe { host::write_out(out, TNC_VERSION_1) }
}

/// Reads a received PA message's parameters into a [`ReceivedMessage`]-ready form.
///
/// # Safety
///
/// `msg` must be null or point to `len` readable octets.
#[allow(clippy::too_many_arguments)]
pub unsafe fn read_received(
    flags: TNC_UInt32,
    msg: *const u8,
    len: TNC_UInt32,
    vendor: TNC_UInt32,
    subtype: TNC_UInt32,
    source: TNC_ID,
    destination: TNC_ID,
) -> Result<(MessageType, bool, PostureId, PostureId, Vec<u8>), TNC_Result> {
    let vendor = u32::try_from(vendor)
        .ok()
        .filter(|v| *v < 0xFF_FFFF)
        .ok_or(TNC_RESULT_INVALID_PARAMETER)?;
    let subtype = u32::try_from(subtype).map_err(|_| TNC_RESULT_INVALID_PARAMETER)?;
    let source = u16::try_from(source).map_err(|_| TNC_RESULT_INVALID_PARAMETER)?;
    let destination = u16::try_from(destination).map_err(|_| TNC_RESULT_INVALID_PARAMETER)?;
    // SAFETY: forwarded caller promise; bounded before reading.
    let body =
        unsafe { read_buffer(msg, len, MAX_RECEIVED_MESSAGE, TNC_RESULT_INVALID_PARAMETER) }?;
    Ok((
        MessageType::new(Pen::from_u24(vendor), subtype),
        flags & TNC_MESSAGE_FLAGS_EXCLUSIVE != 0,
        PostureId(source),
        PostureId(destination),
        body,
    ))
}

/// The code of a native callback's result.
pub fn code_of(r: Result<(), ApiError>) -> TNC_Result {
    r.map_or_else(|e| host::result_of(&e), |()| TNC_RESULT_SUCCESS)
}

struct ExportedImc {
    imc: Arc<dyn Imc>,
    id: TNC_ID,
    host: Option<HostFunctions>,
}

/// The state of an exported IMC (one per `cdylib`, created by [`export_imc!`]).
///
/// [`export_imc!`]: crate::export_imc
pub struct ImcExport {
    state: Mutex<Option<ExportedImc>>,
}

impl Default for ImcExport {
    fn default() -> Self {
        Self::new()
    }
}

impl ImcExport {
    /// Not yet initialised.
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(None),
        }
    }

    fn snapshot(&self, id: TNC_ID) -> Result<(Arc<dyn Imc>, HostFunctions), TNC_Result> {
        let g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let s = g.as_ref().ok_or(TNC_RESULT_NOT_INITIALIZED)?;
        if s.id != id {
            return Err(TNC_RESULT_INVALID_PARAMETER);
        }
        let h = s.host.ok_or(TNC_RESULT_NOT_INITIALIZED)?;
        Ok((s.imc.clone(), h))
    }

    /// `TNC_IMC_Initialize`.
    ///
    /// # Safety
    ///
    /// `out` must be null or valid for writing.
    pub unsafe fn initialize(
        &self,
        make: fn() -> Arc<dyn Imc>,
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
                *g = Some(ExportedImc {
                    imc: make(),
                    id,
                    host: None,
                });
            }
            r
        })
    }

    /// `TNC_IMC_ProvideBindFunction`: binds the TNCC functions and reports the message types.
    ///
    /// # Safety
    ///
    /// `bind` must be null or the TNCC's bind function.
    pub unsafe fn provide_bind_function(
        &self,
        id: TNC_ID,
        bind: Option<BindFunctionPointer>,
    ) -> TNC_Result {
        host::guarded(|| {
            let Some(bind) = bind else {
                return TNC_RESULT_INVALID_PARAMETER;
            };
            let imc = {
                let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(s) = g.as_mut() else {
                    return TNC_RESULT_NOT_INITIALIZED;
                };
                if s.id != id {
                    return TNC_RESULT_INVALID_PARAMETER;
                }
                // SAFETY: forwarded caller promise.
                s.host = Some(unsafe { HostFunctions::bind(bind, id, false) });
                s.imc.clone()
            };
            let host = self.snapshot(id).map(|(_, h)| h);
            match host {
                Ok(h) => h.report_types(id, &imc.message_types()),
                Err(e) => e,
            }
        })
    }

    fn run(
        &self,
        id: TNC_ID,
        conn: TNC_ConnectionID,
        f: impl FnOnce(&dyn Imc, &mut Context) -> Result<(), ApiError>,
    ) -> TNC_Result {
        host::guarded(|| {
            let (imc, host) = match self.snapshot(id) {
                Ok(s) => s,
                Err(e) => return e,
            };
            let Some((pid, cid)) = native_ids(id, conn) else {
                return TNC_RESULT_INVALID_PARAMETER;
            };
            let mut ctx = Context::new(pid, cid, Arc::new(host.attributes(id, conn)));
            let r = code_of(f(imc.as_ref(), &mut ctx));
            let flushed = host.flush(id, conn, &mut ctx);
            if r == TNC_RESULT_SUCCESS { flushed } else { r }
        })
    }

    /// `TNC_IMC_NotifyConnectionChange`.
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
            // no attributes to read for a connection that is gone
            return host::guarded(|| match (self.snapshot(id), native_ids(id, conn)) {
                (Ok((imc, _)), Some((pid, cid))) => {
                    let mut ctx = Context::new(pid, cid, Arc::default());
                    code_of(block_on(imc.notify_connection_change(&mut ctx, state)))
                }
                (Err(e), _) => e,
                (_, None) => TNC_RESULT_INVALID_PARAMETER,
            });
        }
        self.run(id, conn, |imc, ctx| {
            block_on(imc.notify_connection_change(ctx, state))
        })
    }

    /// `TNC_IMC_BeginHandshake`.
    pub fn begin_handshake(&self, id: TNC_ID, conn: TNC_ConnectionID) -> TNC_Result {
        self.run(id, conn, |imc, ctx| block_on(imc.begin_handshake(ctx)))
    }

    /// `TNC_IMC_ReceiveMessageLong`.
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
        self.run(id, conn, |imc, ctx| {
            let m = ReceivedMessage {
                message_type,
                exclusive,
                source,
                destination,
                body: &body,
            };
            block_on(imc.receive_message(ctx, m))
        })
    }

    /// `TNC_IMC_ReceiveMessage` (legacy type).
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

    /// `TNC_IMC_BatchEnding`.
    pub fn batch_ending(&self, id: TNC_ID, conn: TNC_ConnectionID) -> TNC_Result {
        self.run(id, conn, |imc, ctx| block_on(imc.batch_ending(ctx)))
    }

    /// `TNC_IMC_Terminate`: terminates the IMC and forgets it (a later `Initialize` starts
    /// afresh).
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
                block_on(s.imc.terminate());
            }
            TNC_RESULT_SUCCESS
        })
    }
}

/// Exports a native [`Imc`](crate::Imc) as a C IF-IMC 1.3 plug-in: put
/// `tnc_imc_api::export_imc!(MyImc::new);` (any expression callable as `fn() -> impl Imc`)
/// into a crate with `crate-type = ["cdylib"]` and dependency feature `c-abi`. It defines the
/// entry points `TNC_IMC_Initialize`, `TNC_IMC_ProvideBindFunction`,
/// `TNC_IMC_NotifyConnectionChange`, `TNC_IMC_BeginHandshake`, `TNC_IMC_ReceiveMessage`,
/// `TNC_IMC_ReceiveMessageLong`, `TNC_IMC_BatchEnding` and `TNC_IMC_Terminate`.
///
/// The generated functions only forward to [`ImcExport`](crate::c_abi::export::ImcExport),
/// which checks every input; they carry `#[allow(unsafe_code)]` because exporting unmangled
/// symbols is an unsafe attribute.
#[macro_export]
macro_rules! export_imc {
    ($make:expr) => {
        static __TNC_IMC_EXPORT: $crate::c_abi::export::ImcExport =
            $crate::c_abi::export::ImcExport::new();

        fn __tnc_imc_make() -> ::std::sync::Arc<dyn $crate::Imc> {
            ::std::sync::Arc::new(($make)())
        }

        /// IF-IMC 1.3 `TNC_IMC_Initialize`.
        ///
        /// # Safety
        ///
        /// Called by a TNC client with a valid (or null) out-pointer.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMC_Initialize(
            id: ::core::ffi::c_ulong,
            min: ::core::ffi::c_ulong,
            max: ::core::ffi::c_ulong,
            out: *mut ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCC's promise about `out` is forwarded; null is checked.
            unsafe { __TNC_IMC_EXPORT.initialize(__tnc_imc_make, id, min, max, out) }
        }

        /// IF-IMC 1.3 `TNC_IMC_ProvideBindFunction`.
        ///
        /// # Safety
        ///
        /// Called by a TNC client with its bind function (or null).
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMC_ProvideBindFunction(
            id: ::core::ffi::c_ulong,
            bind: ::core::option::Option<$crate::c_abi::ffi::BindFunctionPointer>,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCC promises `bind` is its bind function; null is checked.
            unsafe { __TNC_IMC_EXPORT.provide_bind_function(id, bind) }
        }

        /// IF-IMC 1.3 `TNC_IMC_NotifyConnectionChange`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMC_NotifyConnectionChange(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
            state: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMC_EXPORT.notify_connection_change(id, conn, state)
        }

        /// IF-IMC 1.3 `TNC_IMC_BeginHandshake`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMC_BeginHandshake(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMC_EXPORT.begin_handshake(id, conn)
        }

        /// IF-IMC 1.3 `TNC_IMC_ReceiveMessage`.
        ///
        /// # Safety
        ///
        /// `msg` points to `len` readable octets (or is null with `len` 0).
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMC_ReceiveMessage(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
            msg: *mut ::core::ffi::c_uchar,
            len: ::core::ffi::c_ulong,
            message_type: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            // SAFETY: the TNCC's promise about `msg`/`len` is forwarded; checked and bounded.
            unsafe { __TNC_IMC_EXPORT.receive_message(id, conn, msg, len, message_type) }
        }

        /// IF-IMC 1.3 `TNC_IMC_ReceiveMessageLong`.
        ///
        /// # Safety
        ///
        /// `msg` points to `len` readable octets (or is null with `len` 0).
        #[allow(unsafe_code, non_snake_case, clippy::too_many_arguments)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn TNC_IMC_ReceiveMessageLong(
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
            // SAFETY: the TNCC's promise about `msg`/`len` is forwarded; checked and bounded.
            unsafe {
                __TNC_IMC_EXPORT.receive_message_long(
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

        /// IF-IMC 1.3 `TNC_IMC_BatchEnding`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMC_BatchEnding(
            id: ::core::ffi::c_ulong,
            conn: ::core::ffi::c_ulong,
        ) -> ::core::ffi::c_ulong {
            __TNC_IMC_EXPORT.batch_ending(id, conn)
        }

        /// IF-IMC 1.3 `TNC_IMC_Terminate`.
        #[allow(unsafe_code, non_snake_case)]
        #[unsafe(no_mangle)]
        pub extern "C" fn TNC_IMC_Terminate(id: ::core::ffi::c_ulong) -> ::core::ffi::c_ulong {
            __TNC_IMC_EXPORT.terminate(id)
        }
    };
}
