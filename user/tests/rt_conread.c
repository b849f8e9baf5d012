/*
 * rt_conread - CONSOLE_READ parks until input arrives; the kernel test
 * plays the keyboard (it waits until this process has N reads parked,
 * then injects): "hello\n" for one read, "abcdefg" split across two,
 * "xyz" for a read whose buffer was unmapped meanwhile (-EFAULT, and the
 * bytes stay for the next read). A cancelled read goes away.
 */
#include "ulib.h"

#define PAGE 0x50000000ul

int main(void)
{
	char a[16] = { 0 }, b[16] = { 0 };
	struct rc_cqe c, d;
	struct rc_sqe *s;

	/* 1: one read, parked until the test types "hello\n". */
	s = rt_sqe();
	rc_prep_console_read(s, a, sizeof(a));
	CHECK_EQ(rt_sync(s), 6);
	CHECK(memcmp(a, "hello\n", 6) == 0, "read '%s'", a);

	/* 2: two reads, oldest first: "abc" then "defg". */
	s = rt_sqe();
	rc_prep_console_read(s, a, 3);
	rc_sqe_set_data(s, 1);
	s = rt_sqe();
	rc_prep_console_read(s, b, sizeof(b));
	rc_sqe_set_data(s, 2);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	rt_next_cqe(&c);
	rt_next_cqe(&d);
	CHECK(c.user_data == 1 && c.res == 3 && memcmp(a, "abc", 3) == 0, "first read %d", c.res);
	CHECK(d.user_data == 2 && d.res == 4 && memcmp(b, "defg", 4) == 0, "second read %d", d.res);

	/* 3: cancelled while parked. */
	s = rt_sqe();
	rc_prep_console_read(s, a, sizeof(a));
	rc_sqe_set_data(s, 3);
	s = rt_sqe();
	rc_prep_cancel(s, 3, 0);
	rc_sqe_set_data(s, 4);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	rt_next_cqe(&c);
	rt_next_cqe(&d);
	CHECK(c.user_data == 3 && c.res == -RC_ECANCELED, "cancelled read %d", c.res);
	CHECK(d.user_data == 4 && d.res == 1, "cancel %d", d.res);

	/* 4: the read's page is unmapped while it is parked: the copy at
     * completion faults (-EFAULT); the input stays for the next read. */
	CHECK_EQ(rt_map(PAGE, 1, RC_MAP_WRITE), 0);
	s = rt_sqe();
	rc_prep_console_read(s, (void *)(PAGE + 100), 16);
	rc_sqe_set_data(s, 5);
	s = rt_sqe();
	rc_prep_unmap(s, PAGE, 1, 0);
	rc_sqe_set_data(s, 6);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	rt_next_cqe(&c);
	rt_next_cqe(&d);
	CHECK(c.user_data == 6 && c.res == 0, "unmap %d", c.res);
	CHECK(d.user_data == 5 && d.res == -RC_EFAULT, "read into a vanished page: %d", d.res);
	memset(a, 0, sizeof(a));
	s = rt_sqe();
	rc_prep_console_read(s, a, sizeof(a));
	CHECK_EQ(rt_sync(s), 3);
	CHECK(memcmp(a, "xyz", 3) == 0, "kept input '%s'", a);
	return rt_report("rt_conread");
}
