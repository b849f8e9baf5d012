/*
 * version.h - the library's version, apart from the ABI version.
 *
 * RC_VERSION_* say which release of the library a program was compiled
 * against; rc_version() says which one it runs with (a shared library can
 * be newer). The ABI version (RC_ABI_VERSION in abi.h) is the ring layout's
 * and changes only when the shared-memory contract does. Semantic
 * versioning: a new minor adds API, a new major may remove it.
 */
#ifndef RINGCALL_VERSION_H
#define RINGCALL_VERSION_H

#include <stdint.h>

#define RC_VERSION_MAJOR   0
#define RC_VERSION_MINOR   1
#define RC_VERSION_PATCH   0
#define RC_VERSION_STR_(x) #x
#define RC_VERSION_STR(x)  RC_VERSION_STR_(x)
#define RC_VERSION_STRING                \
	RC_VERSION_STR(RC_VERSION_MAJOR) \
	"." RC_VERSION_STR(RC_VERSION_MINOR) "." RC_VERSION_STR(RC_VERSION_PATCH)
/* One comparable number: 0xMMmmpp. */
#define RC_VERSION_NUMBER \
	((uint32_t)(RC_VERSION_MAJOR << 16 | RC_VERSION_MINOR << 8 | RC_VERSION_PATCH))

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library linked in, as "MAJOR.MINOR.PATCH". */
const char *rc_version(void);
/* The same, as RC_VERSION_NUMBER encodes it. */
uint32_t rc_version_number(void);

#ifdef __cplusplus
}
#endif

#endif
