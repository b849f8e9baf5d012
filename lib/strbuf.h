/*
 * strbuf.h - a tiny bounded string builder for the library's formatters
 * (names.c: rc_explain; trace.c: rc_format_sqe). Private to lib/;
 * freestanding: no libc.
 */
#ifndef RINGCALL_LIB_STRBUF_H
#define RINGCALL_LIB_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct rc_sb {
	char *buf;
	size_t size, len;
};

/* Append s (NULL: nothing), truncating; buf stays NUL-terminated. */
static inline void sb_str(struct rc_sb *sb, const char *s)
{
	for (; s && *s; s++)
		if (sb->len + 1 < sb->size)
			sb->buf[sb->len++] = *s;
	if (sb->size)
		sb->buf[sb->len] = 0;
}

/* Append v in base 10 or 16 (with a 0x prefix). */
static inline void sb_u64(struct rc_sb *sb, uint64_t v, unsigned base)
{
	char tmp[24];
	int i = 0;

	if (base == 16)
		sb_str(sb, "0x");
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i > 0) {
		char c[2] = { tmp[--i], 0 };

		sb_str(sb, c);
	}
}

#endif
