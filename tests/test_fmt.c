/*
 * test_fmt.c - lib/fmt.c, the one formatter the kernel, the user runtime
 * and the library share: each conversion it supports gives what libc's
 * snprintf gives, truncation keeps the NUL and reports the full length,
 * and rc_sb_printf appends.
 */
#include <stdint.h>
#include <stdio.h>
#include "helpers.h"
#include "ringcall/fmt.h"

/* rc_snprintf and libc agree on text and length for this format. */
#define SAME(...)                                                       \
	do {                                                            \
		char got_[128], want_[128];                             \
		int gn_ = rc_snprintf(got_, sizeof(got_), __VA_ARGS__); \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);  \
		assert_string_equal(got_, want_);                       \
		assert_int_equal(gn_, wn_);                             \
	} while (0)

static void conversions_match_libc(void **state)
{
	(void)state;
	SAME("plain text");
	SAME("%d %d %d %i", 0, 42, -42, INT32_MIN);
	SAME("%u %u", 0u, UINT32_MAX);
	SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	SAME("%ld %lu %lx", (long)INT64_MIN, (unsigned long)UINT64_MAX, (unsigned long)UINT64_MAX);
	SAME("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
	SAME("%hhd %hhu %hd %hu", (signed char)-56, (unsigned char)200, (short)-7000,
	     (unsigned short)60000);
	SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
	SAME("[%5d] [%05d] [%-6d]", -42, -42, -42);
	SAME("[%016lx] [%2lu] [%03lu]", 0x1234ul, 7ul, 7ul);
	SAME("[%s] [%8s] [%-8s] [%2s]", "abc", "abc", "abc", "abcdef");
	SAME("%c%c %% %%d", 'o', 'k');
}

static void pointers_are_sixteen_hex_digits(void **state)
{
	char buf[32];

	(void)state;
	rc_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_string_equal(buf, "0x0000000000001234");
}

/* Formats the compiler would refuse to check. */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = rc_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void null_string_and_unknown_conversion(void **state)
{
	char buf[32];

	(void)state;
	unchecked(buf, sizeof(buf), "%s", (const char *)NULL);
	assert_string_equal(buf, "(null)");
	unchecked(buf, sizeof(buf), "[%-05d]", -4);
	assert_string_equal(buf, "[-4   ]"); /* '-' wins over '0', as in C */
	unchecked(buf, sizeof(buf), "%hhd %hhu %hd", 300, 300, 70000); /* narrowed as C does */
	assert_string_equal(buf, "44 44 4464");
	unchecked(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	unchecked(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end");
}

static void truncation_keeps_the_nul_and_the_length(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(rc_snprintf(buf, 5, "%d-%s", 12345, "abc"), 9);
	assert_string_equal(buf, "1234");
	assert_int_equal(buf[5], 'x'); /* nothing written past size */
	assert_int_equal(rc_snprintf(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], '1'); /* size 0: nothing written at all */
	assert_int_equal(rc_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
}

static void builder_appends_and_truncates(void **state)
{
	char buf[12];
	struct rc_sb sb = { buf, sizeof(buf), 0 };

	(void)state;
	rc_sb_printf(&sb, "%s=", "res");
	rc_sb_printf(&sb, "%d", -7);
	assert_string_equal(buf, "res=-7");
	assert_int_equal(sb.len, 6);
	rc_sb_printf(&sb, " and more text");
	assert_string_equal(buf, "res=-7 and ");
	assert_int_equal(sb.len, sizeof(buf) - 1);
	rc_sb_printf(&sb, "x");
	assert_string_equal(buf, "res=-7 and ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conversions_match_libc),
		cmocka_unit_test(pointers_are_sixteen_hex_digits),
		cmocka_unit_test(null_string_and_unknown_conversion),
		cmocka_unit_test(truncation_keeps_the_nul_and_the_length),
		cmocka_unit_test(builder_appends_and_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
