/*
 * fmt.c - the one printf-style formatter (include/ringcall/fmt.h). Kernel,
 * user runtime and library each compile it into their own binary.
 */
#include <stdbool.h>
#include <stdint.h>
#include "ringcall/fmt.h"

struct out {
	void (*put)(void *arg, char c);
	void *arg;
	size_t n; /* characters produced */
};

static void emit(struct out *o, char c)
{
	o->put(o->arg, c);
	o->n++;
}

static void pad(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		emit(o, c);
}

/* v in base, after '-' when neg, padded to width with zeros or spaces. */
static void emit_num(struct out *o, unsigned long long v, unsigned base, bool upper, bool neg,
		     int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int fill = width - n - (neg ? 1 : 0);
	if (!left && !zero)
		pad(o, ' ', fill);
	if (neg)
		emit(o, '-');
	if (!left && zero)
		pad(o, '0', fill);
	while (n)
		emit(o, tmp[--n]);
	if (left)
		pad(o, ' ', fill);
}

static void emit_str(struct out *o, const char *s, int width, bool left)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	if (!left)
		pad(o, ' ', width - len);
	while (*s)
		emit(o, *s++);
	if (left)
		pad(o, ' ', width - len);
}

/* Length modifiers: how many of 'h' (negative) or 'l' (positive), or z/j. */
enum len {
	L_HH = -2,
	L_H = -1,
	L_INT = 0,
	L_LONG = 1,
	L_LLONG = 2,
	L_SIZE,
	L_MAX
};

static long long arg_signed(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (signed char)va_arg(*ap, int);
	case L_H: return (short)va_arg(*ap, int);
	case L_LONG: return va_arg(*ap, long);
	case L_LLONG: return va_arg(*ap, long long);
	case L_SIZE: return (long long)va_arg(*ap, size_t);
	case L_MAX: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

static unsigned long long arg_unsigned(va_list *ap, enum len l)
{
	switch (l) {
	case L_HH: return (unsigned char)va_arg(*ap, unsigned);
	case L_H: return (unsigned short)va_arg(*ap, unsigned);
	case L_LONG: return va_arg(*ap, unsigned long);
	case L_LLONG: return va_arg(*ap, unsigned long long);
	case L_SIZE: return va_arg(*ap, size_t);
	case L_MAX: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned);
	}
}

/* One conversion, fmt at the character after '%'; returns where it ends. */
static const char *convert(struct out *o, const char *fmt, va_list *ap)
{
	bool zero = false, left = false;
	int width = 0;
	enum len l = L_INT;

	for (;; fmt++) {
		if (*fmt == '0')
			zero = true;
		else if (*fmt == '-')
			left = true;
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		width = width * 10 + (*fmt++ - '0');
	if (*fmt == 'z' || *fmt == 'j') {
		l = *fmt++ == 'z' ? L_SIZE : L_MAX;
	} else {
		for (; *fmt == 'l' && l < L_LLONG; fmt++)
			l++;
		for (; *fmt == 'h' && l > L_HH; fmt++)
			l--;
	}
	switch (*fmt) {
	case 'd':
	case 'i': {
		long long v = arg_signed(ap, l);
		unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v
					       : (unsigned long long)v;
		emit_num(o, mag, 10, false, v < 0, width, zero, left);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o': {
		unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
		emit_num(o, arg_unsigned(ap, l), base, *fmt == 'X', false, width, zero, left);
		break;
	}
	case 'p':
		emit(o, '0');
		emit(o, 'x');
		emit_num(o, (uintptr_t)va_arg(*ap, void *), 16, false, false, 16, true, false);
		break;
	case 's': emit_str(o, va_arg(*ap, const char *), width, left); break;
	case 'c': emit(o, (char)va_arg(*ap, int)); break;
	case '%': emit(o, '%'); break;
	case 0: return fmt; /* a lone '%' at the end */
	default: /* unknown: shown as written */ emit(o, '%'); emit(o, *fmt);
	}
	return fmt + 1;
}

int rc_vformat(void (*put)(void *arg, char c), void *arg, const char *fmt, va_list ap)
{
	struct out o = { put, arg, 0 };
	va_list aq;

	va_copy(aq, ap); /* conversions take &aq: a va_list may be an array type */
	while (*fmt) {
		if (*fmt == '%')
			fmt = convert(&o, fmt + 1, &aq);
		else
			emit(&o, *fmt++);
	}
	va_end(aq);
	return (int)o.n;
}

/* Store while there is room for it and the NUL. */
static void sb_put(void *arg, char c)
{
	struct rc_sb *sb = arg;

	if (sb->len + 1 < sb->size)
		sb->buf[sb->len++] = c;
}

int rc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct rc_sb sb = { buf, size, 0 };
	int n = rc_vformat(sb_put, &sb, fmt, ap);

	if (size)
		buf[sb.len] = 0;
	return n;
}

int rc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = rc_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void rc_sb_printf(struct rc_sb *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc_vformat(sb_put, sb, fmt, ap);
	va_end(ap);
	if (sb->size)
		sb->buf[sb->len] = 0;
}
