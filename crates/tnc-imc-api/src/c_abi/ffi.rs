//! The C types, constants and function-pointer types of IF-IMC / IF-IMV 1.3 (`tncif.h`,
//! `tncifimc.h`, `tncifimv.h`; digest `if-imc-imv.md` §1–§4).
//!
//! Every `TNC_UInt32`-derived type is C `unsigned long` ([`c_ulong`]): 64 bits on LP64 Linux,
//! 32 bits on Windows/ILP32. Values never exceed 32 bits.
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_uchar, c_ulong};

/// `TNC_UInt32` (C `unsigned long`).
pub type TNC_UInt32 = c_ulong;
/// `TNC_BufferReference`.
pub type TNC_BufferReference = *mut c_uchar;
/// `TNC_IMCID` / `TNC_IMVID`.
pub type TNC_ID = c_ulong;
/// `TNC_ConnectionID`.
pub type TNC_ConnectionID = c_ulong;
/// `TNC_Result`.
pub type TNC_Result = c_ulong;
/// `TNC_Version`.
pub type TNC_Version = c_ulong;

/// `TNC_RESULT_SUCCESS`.
pub const TNC_RESULT_SUCCESS: TNC_Result = 0;
/// `TNC_RESULT_NOT_INITIALIZED`.
pub const TNC_RESULT_NOT_INITIALIZED: TNC_Result = 1;
/// `TNC_RESULT_ALREADY_INITIALIZED`.
pub const TNC_RESULT_ALREADY_INITIALIZED: TNC_Result = 2;
/// `TNC_RESULT_NO_COMMON_VERSION`.
pub const TNC_RESULT_NO_COMMON_VERSION: TNC_Result = 3;
/// `TNC_RESULT_CANT_RETRY`.
pub const TNC_RESULT_CANT_RETRY: TNC_Result = 4;
/// `TNC_RESULT_WONT_RETRY`.
pub const TNC_RESULT_WONT_RETRY: TNC_Result = 5;
/// `TNC_RESULT_INVALID_PARAMETER`.
pub const TNC_RESULT_INVALID_PARAMETER: TNC_Result = 6;
/// `TNC_RESULT_CANT_RESPOND`.
pub const TNC_RESULT_CANT_RESPOND: TNC_Result = 7;
/// `TNC_RESULT_ILLEGAL_OPERATION`.
pub const TNC_RESULT_ILLEGAL_OPERATION: TNC_Result = 8;
/// `TNC_RESULT_OTHER`.
pub const TNC_RESULT_OTHER: TNC_Result = 9;
/// `TNC_RESULT_FATAL`.
pub const TNC_RESULT_FATAL: TNC_Result = 10;
/// `TNC_RESULT_EXCEEDED_MAX_MESSAGE_SIZE`.
pub const TNC_RESULT_EXCEEDED_MAX_MESSAGE_SIZE: TNC_Result = 0x0055_9701;
/// `TNC_RESULT_NO_LONG_MESSAGE_TYPES`.
pub const TNC_RESULT_NO_LONG_MESSAGE_TYPES: TNC_Result = 0x0055_9702;

/// `TNC_IFIMC_VERSION_1` / `TNC_IFIMV_VERSION_1`: the only API version of 1.3.
pub const TNC_VERSION_1: TNC_Version = 1;
/// `TNC_CONNECTIONID_ANY`.
pub const TNC_CONNECTIONID_ANY: TNC_ConnectionID = 0xFFFF_FFFF;
/// `TNC_IMCID_ANY` / `TNC_IMVID_ANY`.
pub const TNC_ID_ANY: TNC_ID = 0xFFFF;
/// `TNC_MESSAGE_FLAGS_EXCLUSIVE`.
pub const TNC_MESSAGE_FLAGS_EXCLUSIVE: TNC_UInt32 = 0x8000_0000;
/// `TNC_VENDORID_ANY`.
pub const TNC_VENDORID_ANY: TNC_UInt32 = 0xFF_FFFF;
/// `TNC_SUBTYPE_ANY`.
pub const TNC_SUBTYPE_ANY: TNC_UInt32 = 0xFF;

/// `TNC_TNCC_BindFunctionPointer` / `TNC_TNCS_BindFunctionPointer`: resolves a TNCC/TNCS
/// function by name.
pub type BindFunctionPointer = unsafe extern "C" fn(
    id: TNC_ID,
    function_name: *mut c_char,
    out_function_pointer: *mut *mut core::ffi::c_void,
) -> TNC_Result;

/// `TNC_IMC_Initialize` / `TNC_IMV_Initialize`.
pub type InitializePointer = unsafe extern "C" fn(
    id: TNC_ID,
    min_version: TNC_Version,
    max_version: TNC_Version,
    out_actual_version: *mut TNC_Version,
) -> TNC_Result;
/// `TNC_IMC_NotifyConnectionChange` / `TNC_IMV_NotifyConnectionChange`.
pub type NotifyConnectionChangePointer =
    unsafe extern "C" fn(id: TNC_ID, connection: TNC_ConnectionID, state: TNC_UInt32) -> TNC_Result;
/// `TNC_IMC_BeginHandshake`, `TNC_IMC_BatchEnding`, `TNC_IMV_BatchEnding`,
/// `TNC_IMV_SolicitRecommendation`: (id, connection).
pub type ConnectionCallPointer =
    unsafe extern "C" fn(id: TNC_ID, connection: TNC_ConnectionID) -> TNC_Result;
/// `TNC_IMC_ReceiveMessage` / `TNC_IMV_ReceiveMessage` (legacy types).
pub type ReceiveMessagePointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    message_type: TNC_UInt32,
) -> TNC_Result;
/// `TNC_IMC_ReceiveMessageLong` / `TNC_IMV_ReceiveMessageLong`.
pub type ReceiveMessageLongPointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    flags: TNC_UInt32,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    vendor: TNC_UInt32,
    subtype: TNC_UInt32,
    source: TNC_ID,
    destination: TNC_ID,
) -> TNC_Result;
/// `TNC_IMC_Terminate` / `TNC_IMV_Terminate`.
pub type TerminatePointer = unsafe extern "C" fn(id: TNC_ID) -> TNC_Result;
/// `TNC_IMC_ProvideBindFunction` / `TNC_IMV_ProvideBindFunction`.
pub type ProvideBindFunctionPointer =
    unsafe extern "C" fn(id: TNC_ID, bind: BindFunctionPointer) -> TNC_Result;

/// `TNC_TNCC_ReportMessageTypes` / `TNC_TNCS_ReportMessageTypes`.
pub type ReportMessageTypesPointer =
    unsafe extern "C" fn(id: TNC_ID, types: *mut TNC_UInt32, count: TNC_UInt32) -> TNC_Result;
/// `TNC_TNCC_ReportMessageTypesLong` / `TNC_TNCS_ReportMessageTypesLong`.
pub type ReportMessageTypesLongPointer = unsafe extern "C" fn(
    id: TNC_ID,
    vendors: *mut TNC_UInt32,
    subtypes: *mut TNC_UInt32,
    count: TNC_UInt32,
) -> TNC_Result;
/// `TNC_TNCC_SendMessage` / `TNC_TNCS_SendMessage`.
pub type SendMessagePointer = ReceiveMessagePointer;
/// `TNC_TNCC_SendMessageLong` / `TNC_TNCS_SendMessageLong`.
pub type SendMessageLongPointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    flags: TNC_UInt32,
    message: TNC_BufferReference,
    length: TNC_UInt32,
    vendor: TNC_UInt32,
    subtype: TNC_UInt32,
    destination: TNC_ID,
) -> TNC_Result;
/// `TNC_TNCC_RequestHandshakeRetry` / `TNC_TNCS_RequestHandshakeRetry`.
pub type RequestHandshakeRetryPointer = NotifyConnectionChangePointer;
/// `TNC_TNCC_GetAttribute` / `TNC_TNCS_GetAttribute`.
pub type GetAttributePointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    attribute: TNC_UInt32,
    buffer_length: TNC_UInt32,
    buffer: TNC_BufferReference,
    out_value_length: *mut TNC_UInt32,
) -> TNC_Result;
/// `TNC_TNCC_SetAttribute` / `TNC_TNCS_SetAttribute`.
pub type SetAttributePointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    attribute: TNC_UInt32,
    buffer_length: TNC_UInt32,
    buffer: TNC_BufferReference,
) -> TNC_Result;
/// `TNC_TNCC_ReserveAdditionalIMCID` / `TNC_TNCS_ReserveAdditionalIMVID`.
pub type ReserveAdditionalIdPointer =
    unsafe extern "C" fn(id: TNC_ID, out_id: *mut TNC_ID) -> TNC_Result;
/// `TNC_TNCS_ProvideRecommendation`.
pub type ProvideRecommendationPointer = unsafe extern "C" fn(
    id: TNC_ID,
    connection: TNC_ConnectionID,
    recommendation: TNC_UInt32,
    evaluation: TNC_UInt32,
) -> TNC_Result;
