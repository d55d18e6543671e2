//! The IMV loader: a C IF-IMV 1.3 library presented as a native [`Imv`], and the TNCS
//! functions the library binds.

use core::ffi::{c_char, c_void};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tnc_imc_api::c_abi::ffi::*;
use tnc_imc_api::c_abi::host::{self, CallContext, Registration, Side};
use tnc_imc_api::c_abi::library::PluginLibrary;
use tnc_imc_api::c_abi::{CAbiError, deliver};
use tnc_imc_api::{AttributeId, Context};

use crate::{
    ActionRecommendation, ApiError, ConnectionState, EvaluationResult, Imv, ImvContext,
    MessageTypeFilter, ReceivedMessage,
};

impl CallContext for ImvContext {
    fn base(&mut self) -> &mut Context {
        self
    }
    fn as_any(&mut self) -> &mut dyn core::any::Any {
        self
    }
}

/// What an IMV provided outside a callback of the connection (or set through
/// `SetAttribute`), applied to the connection's next callback.
#[derive(Default)]
struct Pending {
    recommendation: Option<(ActionRecommendation, EvaluationResult)>,
    reason: Option<String>,
    language: Option<String>,
}

static PENDING: Mutex<BTreeMap<(TNC_ID, TNC_ConnectionID), Pending>> = Mutex::new(BTreeMap::new());

fn with_pending<R>(f: impl FnOnce(&mut BTreeMap<(TNC_ID, TNC_ConnectionID), Pending>) -> R) -> R {
    f(&mut PENDING.lock().unwrap_or_else(PoisonError::into_inner))
}

#[derive(Clone, Copy)]
struct ImvFns {
    notify: Option<NotifyConnectionChangePointer>,
    solicit: ConnectionCallPointer,
    receive: Option<ReceiveMessagePointer>,
    receive_long: Option<ReceiveMessageLongPointer>,
    batch_ending: Option<ConnectionCallPointer>,
    terminate: Option<TerminatePointer>,
}

/// A C IMV library loaded, initialised (API version 1) and bound, usable wherever an
/// `Arc<dyn Imv>` is (e.g. `tnc_iftnccs::ImvSet::add`).
///
/// Calls into the library are serialised. Dropping the last reference calls
/// `TNC_IMV_Terminate` (if [`Imv::terminate`] did not already) and frees its id (the
/// shared object stays mapped, see `tnc_imc_api::c_abi::library::PluginLibrary`).
pub struct CImv {
    name: String,
    reg: Arc<Registration>,
    fns: ImvFns,
    call_lock: Mutex<()>,
    terminated: AtomicBool,
    // last: the entry points above must not outlive it
    lib: PluginLibrary,
}

impl core::fmt::Debug for CImv {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CImv")
            .field("name", &self.name)
            .field("id", &self.reg.primary())
            .field("path", &self.lib.path())
            .finish()
    }
}

impl CImv {
    /// Opens the library at `path`, checks its entry points (`TNC_IMV_Initialize`,
    /// `TNC_IMV_SolicitRecommendation` and `TNC_IMV_ProvideBindFunction` are mandatory),
    /// assigns an id, calls `Initialize(id, 1, 1)` and `ProvideBindFunction`.
    pub fn load(name: &str, path: &Path) -> Result<Arc<Self>, CAbiError> {
        let lib = PluginLibrary::open(path)?;
        // SAFETY: each type is the IF-IMV 1.3 signature of the named symbol; the pointers are
        // stored next to `lib` in the CImv and never used after it is dropped.
        let (initialize, bind, fns) = unsafe {
            let initialize: InitializePointer = lib.required("TNC_IMV_Initialize")?;
            let bind: ProvideBindFunctionPointer = lib.required("TNC_IMV_ProvideBindFunction")?;
            let fns = ImvFns {
                solicit: lib.required("TNC_IMV_SolicitRecommendation")?,
                notify: lib.optional("TNC_IMV_NotifyConnectionChange"),
                receive: lib.optional("TNC_IMV_ReceiveMessage"),
                receive_long: lib.optional("TNC_IMV_ReceiveMessageLong"),
                batch_ending: lib.optional("TNC_IMV_BatchEnding"),
                terminate: lib.optional("TNC_IMV_Terminate"),
            };
            (initialize, bind, fns)
        };
        let reg = host::register(Side::Imv, name).ok_or(CAbiError::IdsExhausted)?;
        let imv = Self {
            name: name.to_owned(),
            reg,
            fns,
            call_lock: Mutex::new(()),
            terminated: AtomicBool::new(true),
            lib,
        };
        let id = imv.reg.primary();
        let mut version: TNC_Version = 0;
        // SAFETY: the library's Initialize with its standard signature; `version` is a valid
        // out-pointer for the duration of the call.
        let code = host::guarded(|| unsafe {
            initialize(id, TNC_VERSION_1, TNC_VERSION_1, &raw mut version)
        });
        if code != TNC_RESULT_SUCCESS {
            return Err(CAbiError::Call {
                name: name.to_owned(),
                function: "TNC_IMV_Initialize",
                code,
            });
        }
        imv.terminated.store(false, Ordering::SeqCst);
        if version != TNC_VERSION_1 {
            return Err(CAbiError::NoCommonVersion {
                name: name.to_owned(),
                version,
            });
        }
        // SAFETY: ProvideBindFunction with its standard signature; tncs_bind has the
        // TNC_TNCS_BindFunctionPointer signature and lives for the whole program.
        let code = host::guarded(|| unsafe { bind(id, tncs_bind) });
        if code != TNC_RESULT_SUCCESS {
            return Err(CAbiError::Call {
                name: name.to_owned(),
                function: "TNC_IMV_ProvideBindFunction",
                code,
            });
        }
        Ok(Arc::new(imv))
    }

    /// The id the library was initialised with.
    pub fn c_id(&self) -> TNC_ID {
        self.reg.primary()
    }

    fn call(
        &self,
        ctx: &mut ImvContext,
        function: &str,
        f: impl FnOnce(TNC_ID, TNC_ConnectionID) -> TNC_Result,
    ) -> Result<(), ApiError> {
        if self.terminated.load(Ordering::SeqCst) {
            return Err(ApiError::IllegalOperation("the IMV library was terminated"));
        }
        let _serial = self
            .call_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let id = self.reg.primary();
        let conn = TNC_ConnectionID::from(ctx.connection().0);
        apply_pending(id, conn, ctx);
        let code = host::call_with(Side::Imv, id, conn, ctx, || host::guarded(|| f(id, conn)));
        apply_pending(id, conn, ctx);
        host::api_result(&self.name, function, code)
    }

    fn do_terminate(&self) {
        if self.terminated.swap(true, Ordering::SeqCst) {
            return;
        }
        let id = self.reg.primary();
        if let Some(t) = self.fns.terminate {
            let _serial = self
                .call_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // SAFETY: the library's Terminate with its standard signature; library loaded.
            let _ = host::guarded(|| unsafe { t(id) });
        }
        with_pending(|p| p.retain(|(i, _), _| *i != id));
    }
}

/// Moves what the IMV provided outside its callbacks (or through `SetAttribute`) into `ctx`.
pub(super) fn apply_pending(id: TNC_ID, conn: TNC_ConnectionID, ctx: &mut ImvContext) {
    let Some(p) = with_pending(|m| m.remove(&(id, conn))) else {
        return;
    };
    if let Some((a, e)) = p.recommendation {
        ctx.provide_recommendation(a, e);
    }
    match (p.reason, p.language) {
        (Some(text), lang) => ctx.add_reason(&text, lang.as_deref().unwrap_or("")),
        // a language without text yet: keep it for the text
        (None, Some(lang)) => with_pending(|m| {
            m.entry((id, conn)).or_default().language = Some(lang);
        }),
        (None, None) => {}
    }
}

impl Drop for CImv {
    fn drop(&mut self) {
        self.do_terminate();
        host::unregister(Side::Imv, self.reg.primary());
    }
}

#[async_trait::async_trait]
impl Imv for CImv {
    fn name(&self) -> &str {
        &self.name
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        self.reg.message_types()
    }

    async fn notify_connection_change(
        &self,
        ctx: &mut ImvContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        let r = match self.fns.notify {
            Some(f) => self.call(ctx, "TNC_IMV_NotifyConnectionChange", |id, conn| {
                // SAFETY: the library's entry point with its standard signature, library loaded.
                unsafe { f(id, conn, TNC_UInt32::from(state.0)) }
            }),
            None => Ok(()),
        };
        if state == ConnectionState::DELETE {
            let key = (
                self.reg.primary(),
                TNC_ConnectionID::from(ctx.connection().0),
            );
            with_pending(|m| m.remove(&key));
        }
        r
    }

    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        message: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let own = ctx.id();
        deliver(
            ctx,
            &message,
            own,
            self.reg.primary(),
            self.fns.receive_long,
            self.fns.receive,
            |ctx, name, f| self.call(ctx, name, f),
        )
    }

    async fn batch_ending(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        let Some(f) = self.fns.batch_ending else {
            return Ok(());
        };
        self.call(ctx, "TNC_IMV_BatchEnding", |id, conn| {
            // SAFETY: as above.
            unsafe { f(id, conn) }
        })
    }

    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        let f = self.fns.solicit;
        self.call(ctx, "TNC_IMV_SolicitRecommendation", |id, conn| {
            // SAFETY: as above.
            unsafe { f(id, conn) }
        })
    }

    async fn terminate(&self) {
        self.do_terminate();
    }
}

// ---- the TNCS functions a library binds ----

unsafe extern "C" fn tncs_report_message_types(
    id: TNC_ID,
    types: *mut TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: the C caller promises `types` holds `count` values (IF-IMV); checked for null
    // and bounded inside.
    host::guarded(|| unsafe { host::report_message_types(Side::Imv, id, types, count) })
}

unsafe extern "C" fn tncs_report_message_types_long(
    id: TNC_ID,
    vendors: *mut TNC_UInt32,
    subtypes: *mut TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: as above, for both arrays.
    host::guarded(|| unsafe {
        host::report_message_types_long(Side::Imv, id, vendors, subtypes, count)
    })
}

unsafe extern "C" fn tncs_send_message(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    message_type: TNC_UInt32,
) -> TNC_Result {
    // SAFETY: the C caller promises `message` holds `length` octets; null and length are
    // checked before reading.
    host::guarded(|| unsafe {
        host::send_message(Side::Imv, id, conn, message, length, message_type)
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn tncs_send_message_long(
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
            Side::Imv,
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

unsafe extern "C" fn tncs_request_handshake_retry(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    reason: TNC_UInt32,
) -> TNC_Result {
    host::guarded(|| host::request_handshake_retry(Side::Imv, id, conn, reason))
}

unsafe extern "C" fn tncs_provide_recommendation(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    recommendation: TNC_UInt32,
    evaluation: TNC_UInt32,
) -> TNC_Result {
    host::guarded(|| {
        let Some(reg) = host::lookup(Side::Imv, id) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        #[allow(clippy::cast_possible_truncation)] // both bounded just below
        let (a, e) = (
            ActionRecommendation(recommendation as u32),
            EvaluationResult(evaluation as u32),
        );
        if recommendation > 3 || evaluation > 4 || conn == TNC_CONNECTIONID_ANY {
            return TNC_RESULT_INVALID_PARAMETER;
        }
        let Ok(_) = u32::try_from(conn) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        let r = host::with_frame(Side::Imv, id, conn, |ctx, _| {
            match ctx.as_any().downcast_mut::<ImvContext>() {
                Some(c) => {
                    c.provide_recommendation(a, e);
                    TNC_RESULT_SUCCESS
                }
                None => TNC_RESULT_FATAL,
            }
        });
        if r == TNC_RESULT_SUCCESS {
            return r;
        }
        // outside a callback of this connection: applied at the connection's next callback
        with_pending(|m| {
            m.entry((reg.primary(), conn)).or_default().recommendation = Some((a, e));
        });
        TNC_RESULT_SUCCESS
    })
}

unsafe extern "C" fn tncs_get_attribute(
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
            Side::Imv,
            id,
            conn,
            attribute,
            buffer_length,
            buffer,
            out_len,
        )
    })
}

unsafe extern "C" fn tncs_set_attribute(
    id: TNC_ID,
    conn: TNC_ConnectionID,
    attribute: TNC_UInt32,
    buffer_length: TNC_UInt32,
    buffer: TNC_BufferReference,
) -> TNC_Result {
    host::guarded(|| {
        let Some(reg) = host::lookup(Side::Imv, id) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        let is_reason = attribute == TNC_UInt32::from(AttributeId::REASON_STRING.0);
        let is_lang = attribute == TNC_UInt32::from(AttributeId::REASON_LANGUAGE.0);
        if !(is_reason || is_lang) || conn == TNC_CONNECTIONID_ANY {
            return TNC_RESULT_INVALID_PARAMETER;
        }
        // SAFETY: the C caller promises `buffer` holds `buffer_length` octets; null and the
        // bound are checked before reading.
        let value = match unsafe {
            host::read_buffer(
                buffer,
                buffer_length,
                host::MAX_ATTRIBUTE_VALUE,
                TNC_RESULT_INVALID_PARAMETER,
            )
        } {
            Ok(v) => v,
            Err(e) => return e,
        };
        let Ok(mut text) = String::from_utf8(value) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        while text.ends_with('\0') {
            text.pop();
        }
        with_pending(|m| {
            let p = m.entry((reg.primary(), conn)).or_default();
            if is_reason {
                p.reason = Some(text);
            } else {
                p.language = Some(text);
            }
        });
        TNC_RESULT_SUCCESS
    })
}

unsafe extern "C" fn tncs_reserve_additional_imv_id(id: TNC_ID, out: *mut TNC_ID) -> TNC_Result {
    // SAFETY: the C caller promises `out` is writable; null is checked inside.
    host::guarded(|| unsafe { host::reserve_additional_id(Side::Imv, id, out) })
}

pub(crate) unsafe extern "C" fn tncs_bind(
    id: TNC_ID,
    name: *mut c_char,
    out: *mut *mut c_void,
) -> TNC_Result {
    let table: [(&str, *mut c_void); 10] = [
        (
            "TNC_TNCS_ReportMessageTypes",
            tncs_report_message_types as ReportMessageTypesPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_ReportMessageTypesLong",
            tncs_report_message_types_long as ReportMessageTypesLongPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_SendMessage",
            tncs_send_message as SendMessagePointer as *mut c_void,
        ),
        (
            "TNC_TNCS_SendMessageLong",
            tncs_send_message_long as SendMessageLongPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_RequestHandshakeRetry",
            tncs_request_handshake_retry as RequestHandshakeRetryPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_ProvideRecommendation",
            tncs_provide_recommendation as ProvideRecommendationPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_GetAttribute",
            tncs_get_attribute as GetAttributePointer as *mut c_void,
        ),
        (
            "TNC_TNCS_SetAttribute",
            tncs_set_attribute as SetAttributePointer as *mut c_void,
        ),
        (
            "TNC_TNCS_ReserveAdditionalIMVID",
            tncs_reserve_additional_imv_id as ReserveAdditionalIdPointer as *mut c_void,
        ),
        (
            "TNC_TNCS_BindFunction",
            tncs_bind as BindFunctionPointer as *mut c_void,
        ),
    ];
    // SAFETY: the C caller promises `name` is a NUL-terminated string and `out` is writable;
    // both are checked for null and the name read is bounded.
    host::guarded(|| unsafe { host::bind_function(Side::Imv, id, name, out, &table) })
}
