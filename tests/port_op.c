/*
 * port_op.c - a port adds a syscall of its own and offers only some of
 * the table's platform rows, without editing the engine. Built by
 * scripts/check-port-op.sh against a copy of the headers whose
 * syscalls.def has one more row, impl OTHER:
 *
 *   #define RC_ARGS_myos_yield(F) F(INT, uint32_t, hint, 0, 7)
 *   RC_SYSCALL(myos_yield, MYOS_YIELD, 40, NONE, 0, OTHER, "a port's own op")
 *
 * The platform here is the hosted runtime with its handler table copied,
 * the new op's handler filled in and READ left out.
 */
#include <stdio.h>
#include <string.h>
#include "local.h"

static int32_t my_yield(struct rce_call *c, const struct rce_args_myos_yield *a)
{
	(void)c;
	return 100 + (int32_t)a->hint;
}

/* Submit one entry and return its result (and why, if it failed). */
static int32_t run(struct rc_ring *r, char *why, size_t size)
{
	struct rc_cqe *cqe;
	int32_t res;

	rc_submit_and_wait(r, 1);
	rc_wait_cqe(r, &cqe);
	res = cqe->res;
	rc_explain(r, cqe, why, size);
	rc_cqe_seen(r, cqe);
	return res;
}

#define CHECK(c)                                                      \
	do {                                                          \
		if (!(c)) {                                           \
			fprintf(stderr, "port_op: FAILED: %s\n", #c); \
			return 1;                                     \
		}                                                     \
	} while (0)

int main(void)
{
	struct rc_params p = { .sq_entries = 8 };
	struct rce_handlers mine = host_handlers;
	struct rc_ring r;
	struct rc_probe *probe;
	char why[160];

	mine.myos_yield = my_yield; /* the port's own op */
	mine.read = NULL;	    /* a row this port does not offer */
	CHECK(rc_inproc_init(&r, &p) == 0);
	rc_inproc_client(&r)->ctx.ops = &mine;

	/* Before the port's table is in place, nobody offers the new op:
	 * host_handlers has the slot (generated) but leaves it NULL. */
	CHECK(host_handlers.myos_yield == NULL);

	rc_prep_myos_yield(rc_get_sqe(&r), 5);
	CHECK(run(&r, why, sizeof(why)) == 105);
	rc_prep_myos_yield(rc_get_sqe(&r), 8); /* decoded against the table: hint <= 7 */
	CHECK(run(&r, why, sizeof(why)) == -RC_EINVAL);
	CHECK(strstr(why, "MYOS_YIELD: hint = 8 is outside [0, 7]") != NULL);

	rc_prep_read(rc_get_sqe(&r), 1, NULL, 0, 0);
	CHECK(run(&r, why, sizeof(why)) == -RC_EOPNOTSUPP);
	CHECK(strstr(why, "is not implemented by this platform") != NULL);

	probe = rc_alloc(&r, sizeof(*probe));
	rc_prep_probe(rc_get_sqe(&r), probe, sizeof(*probe));
	CHECK(run(&r, why, sizeof(why)) > 0);
	CHECK(probe->ops >> RC_OP_MYOS_YIELD & 1);
	CHECK(!(probe->ops >> RC_OP_READ & 1));
	CHECK(probe->op_count == RC_OP_COUNT);
	CHECK(strcmp(rc_op_name(RC_OP_MYOS_YIELD), "MYOS_YIELD") == 0);
	rc_inproc_exit(&r);
	printf("port_op: own op MYOS_YIELD = 105, READ left out = -EOPNOTSUPP, PROBE agrees\n");
	return 0;
}
