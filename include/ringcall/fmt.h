/*
 * fmt.h - the one printf-style formatter (lib/fmt.c): the kernel's console
 * and buffers, the user runtime's printf, rc_explain and rc_format_sqe.
 * Freestanding (no libc); compiled into each binary that uses it.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags '-' (left-justify) and
 * '0' (zero-pad); a decimal width; length modifiers hh h l ll z j. %p is
 * "0x" and 16 hex digits. No precision, no floating point.
 */
#ifndef RINGCALL_FMT_H
#define RINGCALL_FMT_H

#include <stdarg.h>
#include <stddef.h>

#define RC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Format to put(arg, c), one character at a time: the characters produced. */
int rc_vformat(void (*put)(void *arg, char c), void *arg, const char *fmt, va_list ap);

/* snprintf: at most size-1 characters and a NUL (size > 0); returns the
 * length the whole result has (>= size: truncated). */
int rc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rc_snprintf(char *buf, size_t size, const char *fmt, ...) RC_PRINTF(3, 4);

/* A bounded string builder: appends truncate, buf stays NUL-terminated
 * (size > 0), len counts what was stored. */
struct rc_sb {
	char *buf;
	size_t size, len;
};
void rc_sb_printf(struct rc_sb *sb, const char *fmt, ...) RC_PRINTF(2, 3);

#endif
