/*
 * cstring.h - the C string routines lib/string.c gives freestanding
 * platforms (the kernel, its user runtime): standard prototypes, so the
 * compiler's own calls (struct copies call memcpy and memset) find them.
 * Hosted code takes these from libc and never includes this header.
 */
#ifndef RINGCALL_CSTRING_H
#define RINGCALL_CSTRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t size); /* BSD: strlen(src); always NUL-ends */

#endif
