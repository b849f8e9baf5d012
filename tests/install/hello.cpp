// hello.cpp - a C++ program built against the installed ringcall: every
// public header included, an in-process ring used through the C API.
#include <cstdio>
#include <cstring>
#include <ringcall/abi.h>
#include <ringcall/atomic.h>
#include <ringcall/engine.h>
#include <ringcall/hosted.h>
#include <ringcall/port.h>
#include <ringcall/ringcall.h>
#include <ringcall/table.h>
#include <ringcall/table_walk.h>
#include <ringcall/version.h>

static_assert(sizeof(rc_sqe) == 64, "the ABI is the same in C++");

int main()
{
	rc_params p = {};
	rc_ring ring;
	rc_cqe *cqe;

	p.sq_entries = 4;
	if (std::strcmp(rc_version(), RC_VERSION_STRING) != 0 || rc_inproc_init(&ring, &p) != 0)
		return 1;
	rc_prep_nop(rc_get_sqe(&ring), 42);
	rc_submit_and_wait(&ring, 1);
	rc_wait_cqe(&ring, &cqe);
	std::printf("C++: ringcall %s, NOP = %d, op %u is %s\n", rc_version(), cqe->res,
		    (unsigned)RC_OP_READ, rc_op_name(RC_OP_READ));
	int ok = cqe->res == 42;
	rc_cqe_seen(&ring, cqe);
	rc_inproc_exit(&ring);
	return ok ? 0 : 1;
}
