/*
 * string.c - mem and str routines for freestanding platforms (the kernel
 * and its user runtime each link a copy; lib/cstring.h).
 * Not part of the hosted library: there libc has them. Built with
 * -fno-tree-loop-distribute-patterns, so gcc does not turn these loops
 * back into calls to themselves.
 */
#include "cstring.h"

/* Copy n bytes; regions must not overlap. rep movsb is fast on modern x86. */
void *memcpy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
	void *d = dst;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n)::"memory");
#else
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
#endif
	return dst;
}

/* Copy n bytes; regions may overlap (copies backwards when dst > src). */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

/* Fill n bytes with (unsigned char)c. */
void *memset(void *dst, int c, size_t n)
{
#if defined(__x86_64__)
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
#else
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
#endif
	return dst;
}

/* Compare n bytes as unsigned chars: <0, 0, >0. */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

/* Length of a NUL-terminated string. */
size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Length, but never look past max bytes. */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Compare two strings. */
int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* Compare at most n bytes of two strings. */
int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

/* First occurrence of needle in hay (hay itself for ""), or NULL. */
char *strstr(const char *hay, const char *needle)
{
	size_t k = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, k) == 0)
			return (char *)hay;
	return k ? NULL : (char *)hay;
}

/* Copy src into dst[size], truncating, always NUL-terminated (size > 0). */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
