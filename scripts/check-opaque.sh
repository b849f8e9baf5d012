#!/usr/bin/env bash
# The engine is opaque to platforms: with only the public headers, code
# that reads a field of struct rce_ring or struct rce_req does not compile,
# while the accessors do; lib/engine.c's static_asserts keep RCE_RING_SIZE,
# RCE_RING_ALIGN and RCE_REQ_SIZE exact.
set -uo pipefail
cd "$(dirname "$0")/.."
cc=${CC:-gcc}
try() { printf '#include "ringcall/engine.h"\n%s\n' "$1" | $cc -std=gnu11 -Wall -Werror -Iinclude -fsyntax-only -x c - 2>/dev/null; }
fail=0
for body in \
	'unsigned f(struct rce_ring *r) { return r->inflight; }' \
	'unsigned f(struct rce_ring *r) { return r->cq_tail; }' \
	'void *f(struct rce_ring *r) { return r->hdr; }' \
	'void *f(struct rce_req *q) { return q->call.ctx; }' \
	'unsigned long f(void) { return sizeof(struct rce_req); }'; do
	if try "$body"; then echo "compiles, but must not: $body"; fail=1; fi
done
ok='unsigned f(struct rce_ring *r, struct rce_req *q) { return rce_ring_inflight(r) + rce_ring_cq_tail(r) + (rce_req_call(q)->ctx != 0) + rce_ring_hdr(r)->cq_head + sizeof(struct rce_ring); }'
try "$ok" || { echo "the accessors do not compile: $ok"; fail=1; }
[ $fail -eq 0 ] && echo "opaque: platforms reach the engine through functions only"
exit $fail
