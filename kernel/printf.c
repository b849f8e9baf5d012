/*
 * printf.c - minimal formatted output for the console and for buffers.
 * Supports %d %i %u %x %X %o %p %s %c %% with l/ll/z modifiers, width,
 * '0' padding and '-' left-justify: enough for diagnostics.
 */
#include "kernel.h"

struct sink {
	char *buf; /* NULL: write to serial */
	size_t cap, len;
};

/* Append one char to the sink (buffer or serial). */
static void put(struct sink *s, char c)
{
	if (s->buf) {
		if (s->len + 1 < s->cap)
			s->buf[s->len] = c;
	} else {
		serial_putc(c);
	}
	s->len++;
}

/* Emit an unsigned number in base with padding rules. */
static void put_num(struct sink *s, uint64_t v, int base, bool upper, bool neg, int width,
		    bool zero, bool left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	if (neg && zero)
		put(s, '-');
	if (!left)
		for (; len < width; width--)
			put(s, zero ? '0' : ' ');
	if (neg && !zero)
		put(s, '-');
	while (n)
		put(s, tmp[--n]);
	if (left)
		for (; len < width; width--)
			put(s, ' ');
}

/* Core formatter shared by all front ends; returns chars produced. */
static int format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(s, *fmt);
			continue;
		}
		fmt++;
		bool zero = false, left = false;
		int width = 0, lng = 0;
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
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0, width,
				zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			put_num(s, v, base, *fmt == 'X', false, width, zero, left);
			break;
		}
		case 'p':
			put(s, '0');
			put(s, 'x');
			put_num(s, (uint64_t)va_arg(ap, void *), 16, false, false, 16, true, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = (int)strlen(str);
			if (!left)
				for (; len < width; width--)
					put(s, ' ');
			while (*str)
				put(s, *str++);
			if (left)
				for (; len < width; width--)
					put(s, ' ');
			break;
		}
		case 'c': put(s, (char)va_arg(ap, int)); break;
		case '%': put(s, '%'); break;
		case 0: return (int)s->len;
		default: put(s, '%'); put(s, *fmt);
		}
	}
	return (int)s->len;
}

/* printf to the serial console, one message at a time across CPUs
 * (uart_lock; a panic does not wait for it). */
int kvprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };
	uart_lock_acquire();
	int n = format(&s, fmt, ap);
	uart_lock_release();
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* snprintf into buf[n]; always NUL-terminates when n > 0. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .cap = n };
	int len = format(&s, fmt, ap);
	if (n)
		buf[s.len < n ? s.len : n - 1] = 0;
	return len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
