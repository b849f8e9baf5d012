/* rt_map - MAP and UNMAP of anonymous memory at chosen addresses. */
#include "ulib.h"

#define A 0x10000000ul

static int32_t clock_into(uint64_t addr)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_clock(s, (void *)addr, 8);
	return rt_sync(s);
}

int main(void)
{
	/* Read-write pages: zeroed, ours to use, and the kernel may write them. */
	CHECK_EQ(rt_map(A, 4, RC_MAP_WRITE), 0);
	volatile uint8_t *p = (volatile uint8_t *)A;
	CHECK(p[0] == 0 && p[4 * 4096 - 1] == 0, "not zeroed");
	p[0] = 1;
	p[4 * 4096 - 1] = 2;
	CHECK_EQ(clock_into(A + 4096 - 4), 0); /* straddles two pages */

	/* Read-only pages: readable, but never a buffer the kernel writes. */
	CHECK_EQ(rt_map(A + 0x100000, 1, 0), 0);
	CHECK(*(volatile uint8_t *)(A + 0x100000) == 0, "ro not zeroed");
	CHECK_EQ(clock_into(A + 0x100000), -RC_EFAULT);
	CHECK_EQ(clock_into(A + 0x100000 - 4), -RC_EFAULT); /* half in, half not */

	/* Refusals change nothing. */
	CHECK_EQ(rt_map(A + 3 * 4096, 2, RC_MAP_WRITE), -RC_EEXIST);	 /* overlaps */
	CHECK_EQ(rt_map(A + 8, 1, RC_MAP_WRITE), -RC_EINVAL);		 /* misaligned */
	CHECK_EQ(rt_map(0x7ffffffff000ul, 2, RC_MAP_WRITE), -RC_EINVAL); /* into the kernel half */
	CHECK_EQ(rt_map(0x8000, 1, RC_MAP_WRITE), -RC_EINVAL); /* below the table's bound */
	CHECK_EQ(rt_map(A + 0x200000, 4097, RC_MAP_WRITE), -RC_EINVAL); /* past RC_MAP_PAGES_MAX */
	CHECK_EQ(rt_unmap(A, 5), -RC_EINVAL);				/* page 5 is not mapped */
	CHECK_EQ(rt_unmap(0x400000, 1), -RC_EINVAL); /* program text is not MAP's */
	char here;
	CHECK_EQ(rt_unmap((uint64_t)&here & ~4095ul, 1), -RC_EINVAL); /* nor the stack */
	CHECK(p[0] == 1 && p[4 * 4096 - 1] == 2, "a refused call changed memory");

	/* Budget: 4096 pages per process. */
	CHECK_EQ(rt_map(0x20000000ul, 4096, RC_MAP_WRITE), -RC_ENOMEM);
	CHECK_EQ(rt_map(0x20000000ul, 1000, 0), 0);
	CHECK_EQ(rt_unmap(0x20000000ul, 1000), 0);

	/* UNMAP, then the same range again: fresh zero pages. */
	CHECK_EQ(rt_unmap(A, 4), 0);
	CHECK_EQ(clock_into(A), -RC_EFAULT);
	CHECK_EQ(rt_map(A, 4, RC_MAP_WRITE), 0);
	CHECK(p[0] == 0, "old contents after remap");
	CHECK_EQ(rt_unmap(A, 4), 0);
	CHECK_EQ(rt_unmap(A + 0x100000, 1), 0);
	return rt_report("rt_map");
}
