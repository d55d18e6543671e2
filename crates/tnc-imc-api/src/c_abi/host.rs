//! The host side shared by the IMC loader (TNCC functions) and the IMV loader in `tnc-imv-api`
//! (TNCS functions): the registry of loaded libraries and their ids, the per-thread record of
//! the callback in progress, and the checked implementations of the TNCC/TNCS functions both
//! sides have in common.
//!
//! # How a C call finds its context
//!
//! IF-IMC/IF-IMV allow sending only while the TNCC/TNCS is inside a callback of that plug-in and
//! connection. The loaders make each call into a library through [`call_with`], which records
//! a *frame* (side, the library's primary id, the connection and a copy of the callback's
//! [`Context`]) in a thread-local stack for the duration of the call and writes the copy back
//! afterwards. A TNCC/TNCS function called by the library on the same thread finds the frame;
//! one called on another thread or outside a callback finds none and gets
//! `TNC_RESULT_ILLEGAL_OPERATION`. Everything stays in safe Rust: no pointer to the caller's
//! context is handed around.
//!
//! # Ids
//!
//! Every loaded library gets a *C id* from a process-wide counter per side (1, 2, …, like
//! strongSwan); [`reserve_additional_id`] hands out further ids from the same counter, which
//! the library may use as aliases of its primary id. The broker's own [`PostureId`] of the
//! plug-in (the id on the wire) may differ; the loaders translate the message destination.
//! Calls naming an id that is not registered get `TNC_RESULT_INVALID_PARAMETER`.

use core::any::Any;
use core::cell::RefCell;
use core::ffi::{c_char, c_void};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use super::ffi::*;
use crate::{ApiError, AttributeId, Context, MessageType, MessageTypeFilter, Pen, PostureId};

/// Which half of the TNC architecture a loaded library belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// An IMC loaded by a TNC client.
    Imc,
    /// An IMV loaded by a TNC server.
    Imv,
}

/// Most message types one `ReportMessageTypes[Long]` call may register (a bound before the
/// library's arrays are read).
pub const MAX_MESSAGE_TYPES: usize = 4096;
/// Longest function name `BindFunction` reads (a bound on reading a C string).
pub const MAX_FUNCTION_NAME: usize = 256;
/// Largest attribute value `SetAttribute` accepts.
pub const MAX_ATTRIBUTE_VALUE: usize = 64 * 1024;

/// A context a callback frame can carry: the shared [`Context`], possibly wrapped (the IMV
/// side's `ImvContext`).
pub trait CallContext: Any + Send {
    /// The shared context.
    fn base(&mut self) -> &mut Context;
    /// For downcasting to the concrete context type.
    fn as_any(&mut self) -> &mut dyn Any;
}

impl CallContext for Context {
    fn base(&mut self) -> &mut Context {
        self
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

/// A loaded library as the registry knows it.
#[derive(Debug)]
pub struct Registration {
    side: Side,
    primary: TNC_ID,
    name: String,
    types: Mutex<Vec<MessageTypeFilter>>,
}

impl Registration {
    /// The side.
    pub fn side(&self) -> Side {
        self.side
    }
    /// The primary C id (the one passed to `Initialize`).
    pub fn primary(&self) -> TNC_ID {
        self.primary
    }
    /// The `tnc_config` name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The message types the library registered last (`ReportMessageTypes[Long]`).
    pub fn message_types(&self) -> Vec<MessageTypeFilter> {
        self.types
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[derive(Default)]
struct Registry {
    by_id: BTreeMap<(Side, TNC_ID), Arc<Registration>>,
    next: [TNC_ID; 2],
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut g = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    f(g.get_or_insert_with(Registry::default))
}

fn next_id(r: &mut Registry, side: Side) -> Option<TNC_ID> {
    let slot = &mut r.next[side as usize];
    let id = (*slot).max(1);
    // ids must stay below TNC_IMCID_ANY (0xFFFF), the 16-bit wire space
    if id >= TNC_ID_ANY {
        return None;
    }
    *slot = id + 1;
    Some(id)
}

/// Registers a library about to be initialised and returns its registration (with a fresh
/// primary id), or `None` when the id space is exhausted.
pub fn register(side: Side, name: &str) -> Option<Arc<Registration>> {
    with_registry(|r| {
        let id = next_id(r, side)?;
        let reg = Arc::new(Registration {
            side,
            primary: id,
            name: name.to_owned(),
            types: Mutex::new(Vec::new()),
        });
        r.by_id.insert((side, id), reg.clone());
        Some(reg)
    })
}

/// Removes a library and all its additional ids from the registry (after `Terminate`).
pub fn unregister(side: Side, primary: TNC_ID) {
    with_registry(|r| {
        r.by_id
            .retain(|(s, _), reg| !(*s == side && reg.primary == primary));
    });
}

/// The registration an id (primary or additional) belongs to.
pub fn lookup(side: Side, id: TNC_ID) -> Option<Arc<Registration>> {
    with_registry(|r| r.by_id.get(&(side, id)).cloned())
}

struct Frame {
    side: Side,
    primary: TNC_ID,
    connection: TNC_ConnectionID,
    ctx: Box<dyn CallContext>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Pops the frame pushed by [`call_with`] even if the call unwinds.
struct PopGuard;
impl Drop for PopGuard {
    fn drop(&mut self) {
        FRAMES.with(|f| f.borrow_mut().pop());
    }
}

/// Runs `call` (a call into the library registered as `primary`) with a frame for
/// `connection` whose context is a copy of `ctx`; afterwards `ctx` holds what the library's
/// callbacks added (sent messages, retry request, recommendation…). Returns `call`'s result.
pub fn call_with<C: CallContext + Clone>(
    side: Side,
    primary: TNC_ID,
    connection: TNC_ConnectionID,
    ctx: &mut C,
    call: impl FnOnce() -> TNC_Result,
) -> TNC_Result {
    FRAMES.with(|f| {
        f.borrow_mut().push(Frame {
            side,
            primary,
            connection,
            ctx: Box::new(ctx.clone()),
        });
    });
    let _guard = PopGuard;
    let r = call();
    // take the frame's context back before the guard pops it
    FRAMES.with(|f| {
        if let Some(c) = f
            .borrow_mut()
            .last_mut()
            .and_then(|frame| frame.ctx.as_any().downcast_mut::<C>())
        {
            *ctx = c.clone();
        }
    });
    r
}

/// Resolves `id` and runs `f` on the innermost frame of that library on this thread:
/// unknown id → `INVALID_PARAMETER`; no callback of the library in progress →
/// `ILLEGAL_OPERATION`; a frame for another connection than `connection` →
/// `INVALID_PARAMETER` (`TNC_CONNECTIONID_ANY` matches the frame's connection).
pub fn with_frame(
    side: Side,
    id: TNC_ID,
    connection: TNC_ConnectionID,
    f: impl FnOnce(&mut dyn CallContext, &Registration) -> TNC_Result,
) -> TNC_Result {
    let Some(reg) = lookup(side, id) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    FRAMES.with(|frames| {
        let Ok(mut frames) = frames.try_borrow_mut() else {
            return TNC_RESULT_ILLEGAL_OPERATION;
        };
        let Some(frame) = frames
            .iter_mut()
            .rev()
            .find(|fr| fr.side == side && fr.primary == reg.primary)
        else {
            return TNC_RESULT_ILLEGAL_OPERATION;
        };
        if connection != frame.connection && connection != TNC_CONNECTIONID_ANY {
            return TNC_RESULT_INVALID_PARAMETER;
        }
        f(frame.ctx.as_mut(), &reg)
    })
}

/// Runs a TNCC/TNCS function body, turning a panic into `TNC_RESULT_FATAL` (nothing may
/// unwind into C).
pub fn guarded(f: impl FnOnce() -> TNC_Result) -> TNC_Result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(TNC_RESULT_FATAL)
}

/// The `TNC_Result` of an [`ApiError`].
pub fn result_of(e: &ApiError) -> TNC_Result {
    TNC_Result::from(e.code())
}

/// Copies `len` octets from a C buffer after checking the pointer (`NULL` is only allowed with
/// length 0) and the bound `max`. The error is the `TNC_Result` to return.
///
/// # Safety
///
/// If `ptr` is not null it must point to `len` readable octets (the C caller's promise; the
/// length is bounded by `max` before anything is read).
pub unsafe fn read_buffer(
    ptr: *const u8,
    len: TNC_UInt32,
    max: usize,
    too_long: TNC_Result,
) -> Result<Vec<u8>, TNC_Result> {
    let Ok(n) = usize::try_from(len) else {
        return Err(too_long);
    };
    if n > max {
        return Err(too_long);
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(TNC_RESULT_INVALID_PARAMETER);
    }
    // SAFETY: ptr is non-null and the caller promises n (≤ max) readable octets; the slice
    // lives only for the copy.
    let s = unsafe { core::slice::from_raw_parts(ptr, n) };
    Ok(s.to_vec())
}

/// Reads a NUL-terminated name of at most [`MAX_FUNCTION_NAME`] octets.
///
/// # Safety
///
/// `ptr` must be null or point to a NUL-terminated string (reading stops at the NUL or after
/// the bound).
pub unsafe fn read_name(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let mut bytes = Vec::new();
    for i in 0..MAX_FUNCTION_NAME {
        // SAFETY: ptr is non-null; the caller promises a NUL-terminated string, and we stop at
        // the first NUL, so every octet read up to it belongs to the string.
        let b = unsafe { ptr.add(i).cast::<u8>().read() };
        if b == 0 {
            return String::from_utf8(bytes).ok();
        }
        bytes.push(b);
    }
    None
}

/// Writes `value` to an out-parameter after a null check.
///
/// # Safety
///
/// `out` must be null or valid for writing one `T` (the C caller's promise).
pub unsafe fn write_out<T>(out: *mut T, value: T) -> TNC_Result {
    if out.is_null() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    // SAFETY: non-null, and the caller promises it is valid for writing one T.
    unsafe { out.write(value) };
    TNC_RESULT_SUCCESS
}

fn filter_of(vendor: TNC_UInt32, subtype: TNC_UInt32) -> Option<MessageTypeFilter> {
    let vendor = u32::try_from(vendor).ok().filter(|v| *v <= 0xFF_FFFF)?;
    let subtype = u32::try_from(subtype).ok()?;
    Some(MessageTypeFilter::new(Pen::from_u24(vendor), subtype))
}

fn store_types(side: Side, id: TNC_ID, filters: Vec<MessageTypeFilter>) -> TNC_Result {
    let Some(reg) = lookup(side, id) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    *reg.types.lock().unwrap_or_else(PoisonError::into_inner) = filters;
    TNC_RESULT_SUCCESS
}

fn count_of(count: TNC_UInt32) -> Result<usize, TNC_Result> {
    usize::try_from(count)
        .ok()
        .filter(|n| *n <= MAX_MESSAGE_TYPES)
        .ok_or(TNC_RESULT_INVALID_PARAMETER)
}

/// `ReportMessageTypes` (legacy `vendor << 8 | subtype` list).
///
/// # Safety
///
/// `types` must be null or point to `count` readable values.
pub unsafe fn report_message_types(
    side: Side,
    id: TNC_ID,
    types: *const TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    if lookup(side, id).is_none() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let n = match count_of(count) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if n > 0 && types.is_null() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let mut filters = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: types is non-null (n > 0) and holds count ≥ n values by the caller's promise.
        let t = unsafe { types.add(i).read() };
        let Ok(t) = u32::try_from(t) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        filters.push(MessageTypeFilter::from_legacy(t));
    }
    store_types(side, id, filters)
}

/// `ReportMessageTypesLong` (two parallel arrays).
///
/// # Safety
///
/// `vendors` and `subtypes` must be null or point to `count` readable values each.
pub unsafe fn report_message_types_long(
    side: Side,
    id: TNC_ID,
    vendors: *const TNC_UInt32,
    subtypes: *const TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result {
    if lookup(side, id).is_none() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let n = match count_of(count) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if n > 0 && (vendors.is_null() || subtypes.is_null()) {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let mut filters = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: both arrays are non-null (n > 0) and hold count ≥ n values by the caller's
        // promise.
        let (v, s) = unsafe { (vendors.add(i).read(), subtypes.add(i).read()) };
        let Some(f) = filter_of(v, s) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        filters.push(f);
    }
    store_types(side, id, filters)
}

/// `SendMessageLong`: checks type, flags, destination and length (against the connection's
/// maximum message size, before the buffer is read) and queues the message in the frame's
/// context.
///
/// # Safety
///
/// `message` must be null or point to `length` readable octets.
#[allow(clippy::too_many_arguments)]
pub unsafe fn send_message_long(
    side: Side,
    id: TNC_ID,
    connection: TNC_ConnectionID,
    flags: TNC_UInt32,
    message: *const u8,
    length: TNC_UInt32,
    vendor: TNC_UInt32,
    subtype: TNC_UInt32,
    destination: TNC_ID,
) -> TNC_Result {
    with_frame(side, id, connection, |ctx, _| {
        let Some(f) = filter_of(vendor, subtype) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        let t = MessageType::new(f.vendor, f.subtype);
        if !MessageTypeFilter::is_sendable(t) || flags & !TNC_MESSAGE_FLAGS_EXCLUSIVE != 0 {
            return TNC_RESULT_INVALID_PARAMETER;
        }
        let Some(dest) = u16::try_from(destination).ok().map(PostureId) else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        let base = ctx.base();
        let max = usize::try_from(base.attributes().max_message_size).unwrap_or(usize::MAX);
        // SAFETY: forwarded caller promise about `message`/`length`; bounded by `max`.
        let body = match unsafe {
            read_buffer(message, length, max, TNC_RESULT_EXCEEDED_MAX_MESSAGE_SIZE)
        } {
            Ok(b) => b,
            Err(e) => return e,
        };
        let r = base.send_to(t, body, flags & TNC_MESSAGE_FLAGS_EXCLUSIVE != 0, dest);
        r.map_or_else(|e| result_of(&e), |()| TNC_RESULT_SUCCESS)
    })
}

/// `SendMessage` (legacy type `vendor << 8 | subtype`; destination ANY).
///
/// # Safety
///
/// As [`send_message_long`].
pub unsafe fn send_message(
    side: Side,
    id: TNC_ID,
    connection: TNC_ConnectionID,
    message: *const u8,
    length: TNC_UInt32,
    message_type: TNC_UInt32,
) -> TNC_Result {
    let Ok(t) = u32::try_from(message_type) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    // SAFETY: forwarded caller promise.
    unsafe {
        send_message_long(
            side,
            id,
            connection,
            0,
            message,
            length,
            TNC_UInt32::from(t >> 8),
            TNC_UInt32::from(t & 0xFF),
            TNC_ID_ANY,
        )
    }
}

/// `RequestHandshakeRetry`: the reason must belong to the side (IMC 0–3, IMV 4–8); the
/// request is recorded in the frame's context. Outside a callback the broker cannot start a
/// retry (`TNC_RESULT_CANT_RETRY`).
pub fn request_handshake_retry(
    side: Side,
    id: TNC_ID,
    connection: TNC_ConnectionID,
    reason: TNC_UInt32,
) -> TNC_Result {
    let ok = match side {
        Side::Imc => reason <= 3,
        Side::Imv => (4..=8).contains(&reason),
    };
    if lookup(side, id).is_none() || !ok {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let r = with_frame(side, id, connection, |ctx, _| {
        #[allow(clippy::cast_possible_truncation)] // reason ≤ 8
        ctx.base()
            .request_handshake_retry(crate::RetryReason(reason as u32));
        TNC_RESULT_SUCCESS
    });
    if r == TNC_RESULT_ILLEGAL_OPERATION {
        TNC_RESULT_CANT_RETRY
    } else {
        r
    }
}

/// Delivers an attribute value: `*out_len` = full length; a null `buffer` is a size query;
/// a too small buffer gets `INVALID_PARAMETER` without writing (strongSwan; for the preferred
/// language `SUCCESS` without writing).
///
/// # Safety
///
/// `buffer` must be null or valid for writing `buffer_length` octets; `out_len` must be null
/// or valid for writing.
pub unsafe fn deliver_attribute(
    attribute: AttributeId,
    value: &[u8],
    buffer_length: TNC_UInt32,
    buffer: *mut u8,
    out_len: *mut TNC_UInt32,
) -> TNC_Result {
    let Ok(len) = TNC_UInt32::try_from(value.len()) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    // SAFETY: forwarded caller promise about out_len.
    if unsafe { write_out(out_len, len) } != TNC_RESULT_SUCCESS {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    if buffer.is_null() {
        return TNC_RESULT_SUCCESS;
    }
    if buffer_length < len {
        return if attribute == AttributeId::PREFERRED_LANGUAGE {
            TNC_RESULT_SUCCESS
        } else {
            TNC_RESULT_INVALID_PARAMETER
        };
    }
    // SAFETY: buffer is non-null and valid for buffer_length ≥ value.len() octets (caller's
    // promise); the regions cannot overlap (value is our own allocation).
    unsafe { core::ptr::copy_nonoverlapping(value.as_ptr(), buffer, value.len()) };
    TNC_RESULT_SUCCESS
}

/// `GetAttribute`: the connection's attributes (in a callback of that connection) and the
/// primary id (any time).
///
/// # Safety
///
/// As [`deliver_attribute`].
pub unsafe fn get_attribute(
    side: Side,
    id: TNC_ID,
    connection: TNC_ConnectionID,
    attribute: TNC_UInt32,
    buffer_length: TNC_UInt32,
    buffer: *mut u8,
    out_len: *mut TNC_UInt32,
) -> TNC_Result {
    let Some(reg) = lookup(side, id) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    let Ok(attr) = u32::try_from(attribute).map(AttributeId) else {
        return TNC_RESULT_INVALID_PARAMETER;
    };
    let primary_attr = match side {
        Side::Imc => AttributeId::PRIMARY_IMC_ID,
        Side::Imv => AttributeId::PRIMARY_IMV_ID,
    };
    if attr == primary_attr {
        #[allow(clippy::cast_possible_truncation)] // ids are < 0xFFFF
        let v = (reg.primary as u32).to_be_bytes();
        // SAFETY: forwarded caller promise.
        return unsafe { deliver_attribute(attr, &v, buffer_length, buffer, out_len) };
    }
    if connection == TNC_CONNECTIONID_ANY {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    with_frame(side, id, connection, |ctx, _| {
        let a = ctx.base().attributes();
        let value = if attr == AttributeId::AR_IDENTITIES && side == Side::Imv {
            a.peer_identity.as_ref().map(ar_identities)
        } else {
            a.get(attr)
        };
        let Some(v) = value else {
            return TNC_RESULT_INVALID_PARAMETER;
        };
        // SAFETY: forwarded caller promise.
        unsafe { deliver_attribute(attr, &v, buffer_length, buffer, out_len) }
    })
}

/// The `TNC_ATTRIBUTEID_AR_IDENTITIES` value (`if-imc-imv.md` §6.2) for a peer authenticated
/// by its certificate: one identity of type X.500 DN (6) with the certificate subject, subject
/// type machine (1), authentication method X.509 certificate (1), all in the TCG namespace.
pub fn ar_identities(peer: &crate::PeerIdentity) -> Vec<u8> {
    const TCG: u32 = 0x0000_5597;
    let subject = peer.subject.as_bytes();
    let mut v = Vec::with_capacity(32 + subject.len());
    v.extend_from_slice(&1u32.to_be_bytes());
    v.extend_from_slice(&TCG.to_be_bytes());
    v.extend_from_slice(&6u32.to_be_bytes());
    v.extend_from_slice(
        &u32::try_from(subject.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    v.extend_from_slice(subject);
    for kind in [1u32, 1] {
        v.extend_from_slice(&TCG.to_be_bytes());
        v.extend_from_slice(&kind.to_be_bytes());
    }
    v
}

/// `ReserveAdditionalIMCID` / `ReserveAdditionalIMVID`: a fresh id that aliases the caller.
///
/// # Safety
///
/// `out` must be null or valid for writing.
pub unsafe fn reserve_additional_id(side: Side, id: TNC_ID, out: *mut TNC_ID) -> TNC_Result {
    if out.is_null() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    let new = with_registry(|r| {
        let reg = r.by_id.get(&(side, id)).cloned()?;
        let new = next_id(r, side)?;
        r.by_id.insert((side, new), reg);
        Some(new)
    });
    match new {
        // SAFETY: out is non-null and valid for writing by the caller's promise.
        Some(n) => unsafe { write_out(out, n) },
        None => TNC_RESULT_INVALID_PARAMETER,
    }
}

/// `BindFunction`: looks `name` up in `table` and writes the function pointer; unknown names
/// get a null pointer and `INVALID_PARAMETER`.
///
/// # Safety
///
/// `name` must be null or a NUL-terminated string; `out` null or valid for writing.
pub unsafe fn bind_function(
    side: Side,
    id: TNC_ID,
    name: *const c_char,
    out: *mut *mut c_void,
    table: &[(&str, *mut c_void)],
) -> TNC_Result {
    if out.is_null() || lookup(side, id).is_none() {
        return TNC_RESULT_INVALID_PARAMETER;
    }
    // SAFETY: forwarded caller promise about name.
    let found = unsafe { read_name(name) }
        .and_then(|n| table.iter().find(|(k, _)| *k == n).map(|(_, f)| *f));
    // SAFETY: out is non-null and valid for writing by the caller's promise.
    unsafe { write_out(out, found.unwrap_or(core::ptr::null_mut())) };
    if found.is_some() {
        TNC_RESULT_SUCCESS
    } else {
        TNC_RESULT_INVALID_PARAMETER
    }
}

/// Maps a library's `TNC_Result` to the native API's result.
pub fn api_result(name: &str, function: &str, code: TNC_Result) -> Result<(), ApiError> {
    match code {
        TNC_RESULT_SUCCESS => Ok(()),
        TNC_RESULT_INVALID_PARAMETER => {
            Err(ApiError::InvalidParameter("plug-in refused a parameter"))
        }
        TNC_RESULT_ILLEGAL_OPERATION => Err(ApiError::IllegalOperation("plug-in refused the call")),
        TNC_RESULT_FATAL => Err(ApiError::Fatal(format!(
            "{name}: {function} returned TNC_RESULT_FATAL"
        ))),
        c => Err(ApiError::Other(format!(
            "{name}: {function} returned TNC_Result {c}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::{ConnectionAttributes, ConnectionId, PeerIdentity};

    /// Calls GetAttribute from inside a frame of a fresh registration on `side`.
    fn get(
        side: Side,
        attrs: ConnectionAttributes,
        attr: AttributeId,
        buf_len: usize,
    ) -> (TNC_Result, Vec<u8>, TNC_UInt32) {
        let reg = register(side, "t").unwrap();
        let id = reg.primary();
        let mut ctx = Context::new(PostureId(1), ConnectionId(3), Arc::new(attrs));
        let mut buf = vec![0xEEu8; buf_len];
        let mut n: TNC_UInt32 = 0;
        let r = call_with(side, id, 3, &mut ctx, || {
            // SAFETY: buf has buf_len writable octets, n is a valid out-pointer.
            unsafe {
                get_attribute(
                    side,
                    id,
                    3,
                    TNC_UInt32::from(attr.0),
                    buf_len as TNC_UInt32,
                    buf.as_mut_ptr(),
                    &raw mut n,
                )
            }
        });
        unregister(side, id);
        (r, buf, n)
    }

    #[test]
    fn ar_identities_are_offered_to_imvs_only() {
        let a = ConnectionAttributes::default().with_peer_identity(PeerIdentity {
            subject: "CN=EMH01".into(),
            name: None,
            certificate_der: vec![],
        });
        let (r, buf, n) = get(Side::Imv, a.clone(), AttributeId::AR_IDENTITIES, 64);
        assert_eq!(r, TNC_RESULT_SUCCESS);
        let expect: &[u8] = &[
            0, 0, 0, 1, // one identity
            0, 0, 0x55, 0x97, 0, 0, 0, 6, 0, 0, 0, 8, b'C', b'N', b'=', b'E', b'M', b'H', b'0',
            b'1', // X.500 DN
            0, 0, 0x55, 0x97, 0, 0, 0, 1, // machine
            0, 0, 0x55, 0x97, 0, 0, 0, 1, // X.509 certificate
        ];
        assert_eq!(n as usize, expect.len());
        assert_eq!(&buf[..expect.len()], expect);
        assert!(buf[expect.len()..].iter().all(|b| *b == 0xEE));
        let (r, _, _) = get(Side::Imc, a, AttributeId::AR_IDENTITIES, 64);
        assert_eq!(r, TNC_RESULT_INVALID_PARAMETER);
        let (r, _, _) = get(
            Side::Imv,
            ConnectionAttributes::default(),
            AttributeId::AR_IDENTITIES,
            64,
        );
        assert_eq!(r, TNC_RESULT_INVALID_PARAMETER);
    }

    #[test]
    fn too_small_buffers_are_not_written() {
        let a = ConnectionAttributes {
            preferred_language: Some("de, en".into()),
            ..ConnectionAttributes::default()
        };
        // strongSwan: SUCCESS without writing for the language, INVALID_PARAMETER otherwise
        let (r, buf, n) = get(Side::Imv, a.clone(), AttributeId::PREFERRED_LANGUAGE, 3);
        assert_eq!((r, n), (TNC_RESULT_SUCCESS, 6));
        assert_eq!(buf, vec![0xEE; 3]);
        let (r, buf, n) = get(Side::Imv, a.clone(), AttributeId::MAX_MESSAGE_SIZE, 3);
        assert_eq!((r, n), (TNC_RESULT_INVALID_PARAMETER, 4));
        assert_eq!(buf, vec![0xEE; 3]);
        let (r, buf, n) = get(Side::Imc, a, AttributeId::IFTNCCS_VERSION, 4);
        assert_eq!((r, n), (TNC_RESULT_SUCCESS, 4));
        assert_eq!(buf, b"2.0\0");
    }

    #[test]
    fn c_string_and_buffer_reads_are_bounded() {
        // a name without NUL within the bound is refused
        let long = vec![b'a'; MAX_FUNCTION_NAME + 10];
        // SAFETY: `long` is readable for more than MAX_FUNCTION_NAME octets.
        assert_eq!(unsafe { read_name(long.as_ptr().cast()) }, None);
        // SAFETY: a NUL-terminated literal.
        let abc = unsafe { read_name(c"abc".as_ptr()) };
        assert_eq!(abc.as_deref(), Some("abc"));
        // SAFETY: null is allowed.
        assert_eq!(unsafe { read_name(core::ptr::null()) }, None);
        // SAFETY: null with length 0 is allowed; the long length is refused before reading.
        unsafe {
            assert_eq!(read_buffer(core::ptr::null(), 0, 4, 99), Ok(vec![]));
            assert_eq!(read_buffer(core::ptr::null(), 5, 4, 99), Err(99));
            assert_eq!(
                read_buffer(core::ptr::null(), 3, 4, 99),
                Err(TNC_RESULT_INVALID_PARAMETER)
            );
        }
    }
}
