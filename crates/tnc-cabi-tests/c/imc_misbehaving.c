/* A misbehaving test IMC. Built several times with different -D options:
 *   (none)            calls every TNCC function wrongly and reports the result codes it got,
 *                     as text "name=code,..." in one valid PA message (IETF 0/1)
 *   -DNO_BEGIN        lacks the mandatory TNC_IMC_BeginHandshake
 *   -DBAD_VERSION     Initialize succeeds but claims API version 2
 *   -DINIT_FAILS      Initialize returns TNC_RESULT_OTHER
 *   -DBIND_FAILS      ProvideBindFunction returns TNC_RESULT_FATAL
 */
#include "tnc_test.h"
#include <stdio.h>

static TNC_ID my_id;
static BindFn bind_fn;
static SendLongFn send_long;
static SendFn send_legacy;
static GetAttrFn get_attr;
static SetAttrFn set_attr;
static ReportLongFn report_long;
static RetryFn retry;
static ReserveFn reserve;
static char report[1024];
static int rlen;

static int handshakes;

static void note(const char *name, TNC_Result r) {
    if (rlen > (int)sizeof report - 64) return; /* never overflow the report */
    rlen += snprintf(report + rlen, sizeof report - rlen, "%s=%lu,", name, r);
}

TNC_Result TNC_IMC_Initialize(TNC_ID id, TNC_Version min, TNC_Version max, TNC_Version *out) {
    (void)min; (void)max;
    my_id = id;
#ifdef INIT_FAILS
    return RES_OTHER;
#endif
#ifdef BAD_VERSION
    *out = 2;
#else
    *out = 1;
#endif
    return RES_SUCCESS;
}

TNC_Result TNC_IMC_ProvideBindFunction(TNC_ID id, BindFn bind) {
#ifdef BIND_FAILS
    (void)id; (void)bind;
    return 10;
#else
    void *p = (void *)1;
    bind_fn = bind;
    bind(id, "TNC_TNCC_SendMessageLong", (void **)&send_long);
    bind(id, "TNC_TNCC_SendMessage", (void **)&send_legacy);
    bind(id, "TNC_TNCC_GetAttribute", (void **)&get_attr);
    bind(id, "TNC_TNCC_SetAttribute", (void **)&set_attr);
    bind(id, "TNC_TNCC_ReportMessageTypesLong", (void **)&report_long);
    bind(id, "TNC_TNCC_RequestHandshakeRetry", (void **)&retry);
    /* the TCG header's typo name must work too */
    bind(id, "TNC_TNCS_ReserveAdditionalIMCID", (void **)&reserve);
    note("bind_unknown", bind(id, "TNC_TNCC_NoSuchFunction", &p));
    note("bind_unknown_ptr_null", p == NULL ? 0 : 1);
    note("bind_null_name", bind(id, NULL, &p));
    note("bind_null_out", bind(id, "TNC_TNCC_SendMessageLong", NULL));
    note("bind_wrong_id", bind(id + 100, "TNC_TNCC_SendMessageLong", &p));
    /* sending outside a callback */
    note("send_outside", send_long(id, 1, 0, (unsigned char *)"x", 1, 0, 1, 0xFFFF));
    note("report_null", report_long(id, NULL, NULL, 3));
    TNC_UInt32 v[1] = {0}, s[1] = {1};
    note("report_huge_count", report_long(id, v, s, 1000000));
    TNC_UInt32 bad_vendor[1] = {0x1000000};
    note("report_bad_vendor", report_long(id, bad_vendor, s, 1));
    note("report_wrong_id", report_long(id + 100, v, s, 1));
    return report_long(id, v, s, 1);
#endif
}

#ifndef NO_BEGIN
TNC_Result TNC_IMC_BeginHandshake(TNC_ID id, TNC_ConnectionID c) {
    unsigned char buf[4];
    unsigned char small[2];
    TNC_UInt32 n = 0;
    TNC_ID extra = 0;
    /* the retry requested below leads to a second handshake: only say so then */
    if (handshakes++ > 0)
        return send_long(id, c, 0, (unsigned char *)"again", 5, 0, 1, 0xFFFF);
    note("send_wrong_id", send_long(id + 100, c, 0, (unsigned char *)"x", 1, 0, 1, 0xFFFF));
    note("send_wrong_conn", send_long(id, c + 1, 0, (unsigned char *)"x", 1, 0, 1, 0xFFFF));
    note("send_oversize", send_long(id, c, 0, (unsigned char *)"x", 0x7FFFFFFFUL, 0, 1, 0xFFFF));
    note("send_null", send_long(id, c, 0, NULL, 10, 0, 1, 0xFFFF));
    note("send_vendor_any", send_long(id, c, 0, (unsigned char *)"x", 1, 0xFFFFFF, 1, 0xFFFF));
    note("send_subtype_any", send_long(id, c, 0, (unsigned char *)"x", 1, 0, 0xFF, 0xFFFF));
    note("send_vendor_wide", send_long(id, c, 0, (unsigned char *)"x", 1, 0x1000000, 1, 0xFFFF));
    note("send_bad_flags", send_long(id, c, 0x1, (unsigned char *)"x", 1, 0, 1, 0xFFFF));
    note("send_bad_dest", send_long(id, c, 0, (unsigned char *)"x", 1, 0, 1, 0x10000));
    note("send_legacy_any", send_legacy(id, c, (unsigned char *)"x", 1, 0xFF));
    note("attr_null_len", get_attr(id, c, ATTR_MAX_MESSAGE_SIZE, sizeof buf, buf, NULL));
    note("attr_small", get_attr(id, c, ATTR_IFT_PROTOCOL, sizeof small, small, &n));
    note("attr_small_len", n);
    note("attr_unknown", get_attr(id, c, 0x12345678UL, sizeof buf, buf, &n));
    note("attr_conn_any", get_attr(id, 0xFFFFFFFFUL, ATTR_MAX_MESSAGE_SIZE, sizeof buf, buf, &n));
    note("attr_primary", get_attr(id, c, ATTR_PRIMARY_IMC_ID, sizeof buf, buf, &n));
    note("attr_primary_ok", n == 4 && buf[3] == (unsigned char)id && buf[2] == 0 ? 1 : 0);
    note("set_attr", set_attr(id, c, ATTR_REASON_STRING, 1, (unsigned char *)"x"));
    note("retry_imv_reason", retry(id, c, 5));
    note("reserve_null", reserve(id, NULL));
    note("reserve", reserve(id, &extra));
    note("send_from_extra_id", send_long(extra, c, 0, (unsigned char *)"e", 1, 0, 1, 0xFFFF));
    note("extra_differs", extra != id && extra != 0 ? 1 : 0);
    note("retry", retry(id, c, 3));
    return send_long(id, c, 0, (unsigned char *)report, (TNC_UInt32)rlen, 0, 1, 0xFFFF);
}
#endif

TNC_Result TNC_IMC_Terminate(TNC_ID id) {
    (void)id;
    return RES_SUCCESS;
}
