/*
 * version.c - the library's version at run time (version.h).
 */
#include "ringcall/version.h"

const char *rc_version(void)
{
	return RC_VERSION_STRING;
}

uint32_t rc_version_number(void)
{
	return RC_VERSION_NUMBER;
}
