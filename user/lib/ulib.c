/*
 * ulib.c - user runtime: the C library bits lib/ does not give (printf to
 * the console, atol). Strings: lib/string.c; formatting: lib/fmt.c.
 */
#include "ulib.h"

long atol(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return rc_vsnprintf(buf, n, fmt, ap);
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = rc_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* Format into a stack buffer and write it with one CONSOLE_WRITE: lines
 * from concurrent processes do not mix. */
int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int r = rc_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rt_write(buf, r < (int)sizeof(buf) ? (size_t)r : sizeof(buf) - 1);
	return r;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
