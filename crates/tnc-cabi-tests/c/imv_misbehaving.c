/* A misbehaving test IMV: on every message it calls the TNCS functions wrongly, reports the
 * codes in a reason string, and finally recommends isolation through a valid call. */
#include "tnc_test.h"
#include <stdio.h>

static TNC_ID my_id;
static RecommendFn recommend;
static GetAttrFn get_attr;
static SetAttrFn set_attr;
static RetryFn retry;
static char report[1024];
static int rlen;
static unsigned char big[1 << 17];

static void note(const char *name, TNC_Result r) {
    rlen += snprintf(report + rlen, sizeof report - rlen, "%s=%lu,", name, r);
}

TNC_Result TNC_IMV_Initialize(TNC_ID id, TNC_Version min, TNC_Version max, TNC_Version *out) {
    (void)min; (void)max;
    my_id = id;
    *out = 1;
    return RES_SUCCESS;
}

TNC_Result TNC_IMV_ProvideBindFunction(TNC_ID id, BindFn bind) {
    ReportLongFn report_long;
    bind(id, "TNC_TNCS_ProvideRecommendation", (void **)&recommend);
    bind(id, "TNC_TNCS_GetAttribute", (void **)&get_attr);
    bind(id, "TNC_TNCS_SetAttribute", (void **)&set_attr);
    bind(id, "TNC_TNCS_RequestHandshakeRetry", (void **)&retry);
    bind(id, "TNC_TNCS_ReportMessageTypesLong", (void **)&report_long);
    TNC_UInt32 v[1] = {0}, s[1] = {1};
    return report_long(id, v, s, 1);
}

TNC_Result TNC_IMV_ReceiveMessageLong(TNC_ID id, TNC_ConnectionID c, TNC_UInt32 flags,
                                      TNC_BufferReference m, TNC_UInt32 len, TNC_UInt32 vendor,
                                      TNC_UInt32 subtype, TNC_UInt32 src, TNC_UInt32 dst) {
    unsigned char buf[8];
    TNC_UInt32 n = 0;
    (void)flags; (void)m; (void)len; (void)vendor; (void)subtype; (void)src; (void)dst;
    rlen = 0;
    note("rec_wrong_id", recommend(id + 100, c, 0, 0));
    note("rec_bad_action", recommend(id, c, 9, 0));
    note("rec_bad_eval", recommend(id, c, 0, 9));
    note("rec_conn_any", recommend(id, 0xFFFFFFFFUL, 0, 0));
    note("set_oversize", set_attr(id, c, ATTR_REASON_STRING, sizeof big, big));
    note("set_null", set_attr(id, c, ATTR_REASON_STRING, 5, NULL));
    note("set_unknown", set_attr(id, c, ATTR_MAX_MESSAGE_SIZE, 1, buf));
    note("attr_primary", get_attr(id, c, ATTR_PRIMARY_IMV_ID, sizeof buf, buf, &n));
    note("attr_primary_ok", n == 4 && buf[3] == (unsigned char)id ? 1 : 0);
    note("attr_size_query", get_attr(id, c, ATTR_MAX_MESSAGE_SIZE, 0, NULL, &n));
    note("attr_size", n);
    note("retry_imc_reason", retry(id, c, 1));
    note("retry_wrong_conn", retry(id, c + 7, 5));
    /* the report itself is the reason string; the language is set first */
    set_attr(id, c, ATTR_REASON_LANGUAGE, 2, (unsigned char *)"en");
    set_attr(id, c, ATTR_REASON_STRING, (TNC_UInt32)rlen, (unsigned char *)report);
    return recommend(id, c, 2, 1);
}

TNC_Result TNC_IMV_SolicitRecommendation(TNC_ID id, TNC_ConnectionID c) {
    (void)id; (void)c;
    return RES_SUCCESS;
}
