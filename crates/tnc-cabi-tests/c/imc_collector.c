/* A well-behaved test IMC: registers the IETF "Operating System" type (0/1) and in
 * BeginHandshake sends "<os>|<ift protocol>|<hex tls-unique>" read through GetAttribute.
 * It records the last connection state, which it sends back (as "state=<n>") when an IMV
 * message arrives. */
#include "tnc_test.h"
#include <stdio.h>

static TNC_ID my_id;
static int initialized;
static SendLongFn send_long;
static GetAttrFn get_attr;
static ReportLongFn report_long;
static TNC_UInt32 last_state = 99;

TNC_Result TNC_IMC_Initialize(TNC_ID id, TNC_Version min, TNC_Version max, TNC_Version *out) {
    if (initialized) return RES_ALREADY_INITIALIZED;
    if (min > 1 || max < 1) return RES_NO_COMMON_VERSION;
    my_id = id;
    initialized = 1;
    *out = 1;
    return RES_SUCCESS;
}

TNC_Result TNC_IMC_ProvideBindFunction(TNC_ID id, BindFn bind) {
    if (id != my_id) return RES_INVALID_PARAMETER;
    if (bind(id, "TNC_TNCC_SendMessageLong", (void **)&send_long) != RES_SUCCESS) return RES_OTHER;
    if (bind(id, "TNC_TNCC_GetAttribute", (void **)&get_attr) != RES_SUCCESS) return RES_OTHER;
    if (bind(id, "TNC_TNCC_ReportMessageTypesLong", (void **)&report_long) != RES_SUCCESS)
        return RES_OTHER;
    TNC_UInt32 vendors[1] = {0};
    TNC_UInt32 subtypes[1] = {1};
    return report_long(id, vendors, subtypes, 1);
}

TNC_Result TNC_IMC_NotifyConnectionChange(TNC_ID id, TNC_ConnectionID c, TNC_UInt32 state) {
    (void)c;
    if (id != my_id) return RES_INVALID_PARAMETER;
    last_state = state;
    return RES_SUCCESS;
}

TNC_Result TNC_IMC_BeginHandshake(TNC_ID id, TNC_ConnectionID c) {
    char ift[64] = {0};
    unsigned char tls[64];
    TNC_UInt32 n = 0, tls_len = 0;
    char msg[256];
    int off;
    if (get_attr(id, c, ATTR_IFT_PROTOCOL, sizeof ift, (unsigned char *)ift, &n) != RES_SUCCESS)
        return RES_OTHER;
    if (get_attr(id, c, ATTR_TLS_UNIQUE, sizeof tls, tls, &tls_len) != RES_SUCCESS) tls_len = 0;
    off = snprintf(msg, sizeof msg, "Debian 12.11|%s|", ift);
    for (TNC_UInt32 i = 0; i < tls_len && off < 250; i++) off += snprintf(msg + off, 3, "%02x", tls[i]);
    return send_long(id, c, 0, (unsigned char *)msg, (TNC_UInt32)off, 0, 1, 0xFFFF);
}

TNC_Result TNC_IMC_ReceiveMessageLong(TNC_ID id, TNC_ConnectionID c, TNC_UInt32 flags,
                                      TNC_BufferReference m, TNC_UInt32 len, TNC_UInt32 vendor,
                                      TNC_UInt32 subtype, TNC_UInt32 src, TNC_UInt32 dst) {
    (void)flags; (void)m; (void)len; (void)vendor; (void)subtype; (void)dst;
    char reply[32];
    int n = snprintf(reply, sizeof reply, "state=%lu", last_state);
    return send_long(id, c, FLAG_EXCLUSIVE, (unsigned char *)reply, (TNC_UInt32)n, 0, 1, src);
}

TNC_Result TNC_IMC_BatchEnding(TNC_ID id, TNC_ConnectionID c) {
    (void)c;
    return id == my_id ? RES_SUCCESS : RES_INVALID_PARAMETER;
}

TNC_Result TNC_IMC_Terminate(TNC_ID id) {
    if (id != my_id) return RES_INVALID_PARAMETER;
    initialized = 0;
    return RES_SUCCESS;
}
