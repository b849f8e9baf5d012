/*
 * badptr - hand the kernel bad buffers through the ring: every entry must
 * complete with -EFAULT (never crash the kernel, never kill us), and the
 * decode record must say which field and why. Exit code = failed checks.
 */
#include "ulib.h"

static const char rodata_msg[] = "ok\n";

/* CONSOLE_WRITE of (buf, len): its result; *why = the engine's explanation. */
static int32_t write_at(uint64_t buf, uint32_t len, char *why, size_t n)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_console_write(sqe, (const void *)buf, len);
	int32_t res = rt_sync(sqe);
	rc_explain(&rt_ring, &rt_sync_cqe, why, n);
	return res;
}

/* CLOCK (8 bytes out) into addr. */
static int32_t clock_into(uint64_t addr)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_clock(sqe, (void *)addr, 8);
	return rt_sync(sqe);
}

int main(void)
{
	char why[160];
	char here = 0;
	static const struct {
		const char *what;
		uint64_t buf;
		uint32_t len;
	} bad[] = {
		{ "null", 0, 8 },
		{ "kernel image", 0xffffffff80100000ul, 8 },
		{ "kernel text", 0xffffffff80108000ul, 8 },
		{ "direct map", 0xffff800000100000ul, 8 },
		{ "unmapped", 0x10000000ul, 8 },
		{ "non-canonical", 0x0000800000000000ul, 1 },
		{ "to user top", 0x00007ffffffffff0ul, 0x20 },
	};
	CHECK_EQ(write_at((uint64_t)rodata_msg, 3, why, sizeof(why)), 3);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int32_t r = write_at(bad[i].buf, bad[i].len, why, sizeof(why));
		CHECK(r == -RC_EFAULT, "%s: res %d", bad[i].what, r);
		CHECK(strstr(why, "is not inside the caller's memory") != NULL, "%s: %s",
		      bad[i].what, why);
	}
	/* Wraps around: refused before any page is looked at. */
	CHECK_EQ(write_at(~0ul - 1, 16, why, sizeof(why)), -RC_EFAULT);
	CHECK(strstr(why, "wraps around") != NULL, "%s", why);
	/* Starts in our stack, runs past its top into unmapped memory. */
	CHECK_EQ(write_at((uint64_t)&here, RC_CONSOLE_MAX, why, sizeof(why)), -RC_EFAULT);
	/* Buffers the kernel writes into: read-only and code pages refused. */
	CHECK_EQ(clock_into((uint64_t)rodata_msg), -RC_EFAULT);
	CHECK_EQ(clock_into((uint64_t)(uintptr_t)&main), -RC_EFAULT);
	CHECK_EQ(clock_into(0xffff800000100000ul), -RC_EFAULT);
	uint64_t t = 0;
	CHECK_EQ(clock_into((uint64_t)&t), 0);
	CHECK(t != 0, "clock not written");
	return rt_report("badptr");
}
