/* A well-behaved test IMV: subscribes to IETF OS messages. A message
 * "Debian 12*|IF-T for TLS|<hex>" is compliant when <hex> equals the hex of the TLS_UNIQUE
 * attribute the TNCS reports for the connection (the channel binding seen by both sides);
 * otherwise it recommends isolation with a reason string. SolicitRecommendation answers
 * "no recommendation / don't know" when nothing arrived. */
#include "tnc_test.h"
#include <stdio.h>

static TNC_ID my_id;
static int initialized;
static RecommendFn recommend;
static GetAttrFn get_attr;
static SetAttrFn set_attr;
static int decided;

TNC_Result TNC_IMV_Initialize(TNC_ID id, TNC_Version min, TNC_Version max, TNC_Version *out) {
    if (initialized) return RES_ALREADY_INITIALIZED;
    if (min > 1 || max < 1) return RES_NO_COMMON_VERSION;
    my_id = id;
    initialized = 1;
    *out = 1;
    return RES_SUCCESS;
}

TNC_Result TNC_IMV_ProvideBindFunction(TNC_ID id, BindFn bind) {
    ReportFn report;
    if (bind(id, "TNC_TNCS_ProvideRecommendation", (void **)&recommend) != RES_SUCCESS) return RES_OTHER;
    if (bind(id, "TNC_TNCS_GetAttribute", (void **)&get_attr) != RES_SUCCESS) return RES_OTHER;
    if (bind(id, "TNC_TNCS_SetAttribute", (void **)&set_attr) != RES_SUCCESS) return RES_OTHER;
    if (bind(id, "TNC_TNCS_ReportMessageTypes", (void **)&report) != RES_SUCCESS) return RES_OTHER;
    /* legacy registration: vendor 0 << 8 | subtype 1 */
    TNC_UInt32 types[1] = {0x00000001UL};
    return report(id, types, 1);
}

TNC_Result TNC_IMV_NotifyConnectionChange(TNC_ID id, TNC_ConnectionID c, TNC_UInt32 state) {
    (void)id; (void)c;
    if (state == 1) decided = 0; /* HANDSHAKE */
    return RES_SUCCESS;
}

/* only the legacy ReceiveMessage: exercises the loader's fallback */
TNC_Result TNC_IMV_ReceiveMessage(TNC_ID id, TNC_ConnectionID c, TNC_BufferReference m,
                                  TNC_UInt32 len, TNC_UInt32 type) {
    unsigned char tls[64];
    TNC_UInt32 tls_len = 0;
    char expect[200];
    int off;
    if (type != 1) return RES_INVALID_PARAMETER;
    if (get_attr(id, c, ATTR_TLS_UNIQUE, sizeof tls, tls, &tls_len) != RES_SUCCESS) tls_len = 0;
    off = snprintf(expect, sizeof expect, "|IF-T for TLS|");
    for (TNC_UInt32 i = 0; i < tls_len && off < 190; i++) off += snprintf(expect + off, 3, "%02x", tls[i]);
    decided = 1;
    if (len > 9 && memcmp(m, "Debian 12", 9) == 0 && len >= (TNC_UInt32)off + 12 &&
        memcmp(m + len - off, expect, off) == 0 && tls_len > 0) {
        return recommend(id, c, 0 /* ALLOW */, 0 /* COMPLIANT */);
    }
    const char *reason = "operating system or channel binding not accepted";
    set_attr(id, c, ATTR_REASON_STRING, (TNC_UInt32)strlen(reason), (unsigned char *)reason);
    set_attr(id, c, ATTR_REASON_LANGUAGE, 2, (unsigned char *)"en");
    return recommend(id, c, 2 /* ISOLATE */, 1 /* NONCOMPLIANT_MINOR */);
}

TNC_Result TNC_IMV_SolicitRecommendation(TNC_ID id, TNC_ConnectionID c) {
    if (decided) return RES_SUCCESS;
    return recommend(id, c, 3, 4);
}

TNC_Result TNC_IMV_Terminate(TNC_ID id) {
    (void)id;
    initialized = 0;
    return RES_SUCCESS;
}
