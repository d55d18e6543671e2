/* Minimal IF-IMC / IF-IMV 1.3 declarations for the test plug-ins of tnc-cabi-tests.
 * Written from the project's if-imc-imv.md digest; TNC_UInt32 is `unsigned long` as in the
 * TCG headers (64-bit on LP64 Linux). */
#ifndef TNC_TEST_H
#define TNC_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef unsigned long TNC_UInt32;
typedef TNC_UInt32 TNC_Result;
typedef TNC_UInt32 TNC_ID;
typedef TNC_UInt32 TNC_ConnectionID;
typedef TNC_UInt32 TNC_Version;
typedef unsigned char *TNC_BufferReference;

#define RES_SUCCESS 0UL
#define RES_NOT_INITIALIZED 1UL
#define RES_ALREADY_INITIALIZED 2UL
#define RES_NO_COMMON_VERSION 3UL
#define RES_CANT_RETRY 4UL
#define RES_INVALID_PARAMETER 6UL
#define RES_ILLEGAL_OPERATION 8UL
#define RES_OTHER 9UL
#define RES_EXCEEDED_MAX_MESSAGE_SIZE 0x00559701UL

#define FLAG_EXCLUSIVE 0x80000000UL
#define ATTR_REASON_STRING 0x00000002UL
#define ATTR_REASON_LANGUAGE 0x00000003UL
#define ATTR_MAX_MESSAGE_SIZE 0x00559701UL
#define ATTR_IFT_PROTOCOL 0x0055970CUL
#define ATTR_TLS_UNIQUE 0x0055970EUL
#define ATTR_PRIMARY_IMV_ID 0x00559710UL
#define ATTR_PRIMARY_IMC_ID 0x00559711UL

typedef TNC_Result (*BindFn)(TNC_ID, char *, void **);
typedef TNC_Result (*ReportLongFn)(TNC_ID, TNC_UInt32 *, TNC_UInt32 *, TNC_UInt32);
typedef TNC_Result (*ReportFn)(TNC_ID, TNC_UInt32 *, TNC_UInt32);
typedef TNC_Result (*SendLongFn)(TNC_ID, TNC_ConnectionID, TNC_UInt32, TNC_BufferReference,
                                 TNC_UInt32, TNC_UInt32, TNC_UInt32, TNC_UInt32);
typedef TNC_Result (*SendFn)(TNC_ID, TNC_ConnectionID, TNC_BufferReference, TNC_UInt32,
                             TNC_UInt32);
typedef TNC_Result (*RetryFn)(TNC_ID, TNC_ConnectionID, TNC_UInt32);
typedef TNC_Result (*GetAttrFn)(TNC_ID, TNC_ConnectionID, TNC_UInt32, TNC_UInt32,
                                TNC_BufferReference, TNC_UInt32 *);
typedef TNC_Result (*SetAttrFn)(TNC_ID, TNC_ConnectionID, TNC_UInt32, TNC_UInt32,
                                TNC_BufferReference);
typedef TNC_Result (*ReserveFn)(TNC_ID, TNC_ID *);
typedef TNC_Result (*RecommendFn)(TNC_ID, TNC_ConnectionID, TNC_UInt32, TNC_UInt32);

#endif
