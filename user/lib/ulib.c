/* ulib.c - user runtime: C library bits (strings, a minimal printf). */
#include "ulib.h"

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dd = d;
	const unsigned char *ss = s;
	while (n--)
		*dd++ = *ss++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dd = d;
	while (n--)
		*dd++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

static int strncmp_(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	return 0;
}

long atol(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

struct buf {
	char *p;
	size_t cap, len;
};

static void put(struct buf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len] = c;
	b->len++;
}

static void put_num(struct buf *b, unsigned long v, int base, int neg, int width, int zero)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (int i = n; i < width; i++)
		put(b, zero ? '0' : ' ');
	while (n)
		put(b, tmp[--n]);
}

/* Subset of printf: %d %u %x %lx %ld %lu %p %s %c %% and width/0-pad. */
int vsnprintf(char *out, size_t n, const char *fmt, va_list ap)
{
	struct buf b = { out, n, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&b, *fmt);
			continue;
		}
		fmt++;
		int zero = 0, width = 0, lng = 0;
		if (*fmt == '0')
			zero = 1, fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng = 1, fmt++;
		switch (*fmt) {
		case 'd': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&b, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, width,
				zero);
			break;
		}
		case 'u':
			put_num(&b, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, 0,
				width, zero);
			break;
		case 'x':
			put_num(&b, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, 0,
				width, zero);
			break;
		case 'p':
			put(&b, '0');
			put(&b, 'x');
			put_num(&b, (unsigned long)va_arg(ap, void *), 16, 0, 0, 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&b, *s);
			break;
		}
		case 'c': put(&b, (char)va_arg(ap, int)); break;
		case 0: fmt--; break;
		default: put(&b, *fmt);
		}
	}
	if (n)
		out[b.len < n ? b.len : n - 1] = 0;
	return (int)b.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
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
	int r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rt_write(buf, r < (int)sizeof(buf) ? (size_t)r : sizeof(buf) - 1);
	return r;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

char *strstr(const char *h, const char *n)
{
	size_t k = strlen(n);
	for (; *h; h++)
		if (strncmp_(h, n, k) == 0)
			return (char *)h;
	return k ? NULL : (char *)h;
}
