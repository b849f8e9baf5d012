/*
 * ipc_kv.c - a small key-value service and its client, two processes
 * talking through a ringcall-server over a channel found by name. The
 * service's main loop handles every request that arrived since it last
 * woke and sends all the replies in one submit (examples/ipc_service.h);
 * the client puts, gets and deletes keys with up to 16 calls in flight.
 *
 *   cc ipc_kv.c $(pkg-config --cflags --libs ringcall-hosted)
 *   ./a.out SOCKET serve CONNS       serve "<uid>/kv" until CONNS
 *                                    connections have come and gone
 *   ./a.out SOCKET client N DEPTH    put N keys, get them, delete the even
 *                                    ones, get them all again
 *
 * Requests: op PUT (data "key\0value"), GET or DEL (data "key"). Replies:
 * op KV_OK (GET: data is the value) or KV_MISSING, KV_FULL, KV_BAD.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen, getuid */
#include "ipc_service.h"

enum {
	KV_PUT = 1,
	KV_GET,
	KV_DEL
};
enum {
	KV_OK = 0,
	KV_MISSING,
	KV_FULL,
	KV_BAD
};

#define KV_KEY	 32u
#define KV_VALUE 128u
#define KV_SIZE	 1024u /* entries; open addressing, linear probing */

static struct kv_entry {
	char key[KV_KEY]; /* "" free; a deleted entry keeps a tombstone */
	char value[KV_VALUE];
	bool dead;
} table[KV_SIZE];

static uint32_t kv_hash(const char *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

/* The entry holding key, or (insert) the first free one on its probe
 * path; NULL if none. */
static struct kv_entry *kv_find(const char *key, bool insert)
{
	struct kv_entry *spare = NULL;

	for (uint32_t i = 0, h = kv_hash(key); i < KV_SIZE; i++) {
		struct kv_entry *e = &table[(h + i) % KV_SIZE];

		if (!e->key[0] && !e->dead)
			return insert ? (spare ? spare : e) : NULL;
		if (e->dead) {
			if (!spare)
				spare = e;
		} else if (!strcmp(e->key, key)) {
			return e;
		}
	}
	return insert ? spare : NULL;
}

static void kv_handle(struct ipc_msg *m)
{
	const char *key = (const char *)m->data, *value;
	size_t klen = strnlen(key, m->len);
	struct kv_entry *e;

	if (klen == m->len || klen == 0 || klen >= KV_KEY) {
		m->op = KV_BAD; /* the key must be 1..31 bytes and end in a 0 */
		m->len = 0;
		return;
	}
	value = key + klen + 1;
	switch (m->op) {
	case KV_PUT:
		if (m->len - klen - 1 >= KV_VALUE || !(e = kv_find(key, true))) {
			m->op = m->len - klen - 1 >= KV_VALUE ? KV_BAD : KV_FULL;
			break;
		}
		memcpy(e->key, key, klen + 1);
		memcpy(e->value, value, m->len - klen - 1);
		e->value[m->len - klen - 1] = 0;
		e->dead = false;
		m->op = KV_OK;
		break;
	case KV_GET:
		e = kv_find(key, false);
		m->op = e ? KV_OK : KV_MISSING;
		m->len = e ? (uint16_t)strlen(e->value) : 0;
		if (e)
			memcpy(m->data, e->value, m->len);
		return;
	case KV_DEL:
		e = kv_find(key, false);
		if (e) {
			e->key[0] = 0;
			e->dead = true;
		}
		m->op = e ? KV_OK : KV_MISSING;
		break;
	default: m->op = KV_BAD;
	}
	m->len = 0;
}

/* ---- the client ---- */

struct phase {
	int op;
	bool deleted_evens; /* GET: the even keys are gone */
};

static void make_request(uint32_t n, struct ipc_msg *req, void *arg)
{
	const struct phase *p = arg;
	int k = snprintf((char *)req->data, IPC_DATA_MAX, "key%u", n) + 1;

	if (p->op == KV_PUT)
		k += snprintf((char *)req->data + k, IPC_DATA_MAX - (size_t)k, "value-%u", n * 7);
	req->op = (uint16_t)p->op;
	req->len = (uint16_t)k;
}

static bool check_reply(uint32_t n, const struct ipc_msg *reply, void *arg)
{
	const struct phase *p = arg;
	char want[32];

	if (p->op != KV_GET)
		return reply->op == KV_OK;
	if (p->deleted_evens && n % 2 == 0)
		return reply->op == KV_MISSING;
	snprintf(want, sizeof(want), "value-%u", n * 7);
	return reply->op == KV_OK && reply->len == strlen(want) &&
	       !memcmp(reply->data, want, reply->len);
}

static int kv_client(struct rc_ring *r, uint32_t n, uint32_t depth)
{
	int32_t h = ipc_dial(r, "kv");
	struct phase put = { KV_PUT, false }, get = { KV_GET, false }, del = { KV_DEL, false },
		     get2 = { KV_GET, true };
	int err;

	if (h < 0)
		return h;
	if ((err = ipc_calls(r, (uint32_t)h, 0, n, depth, make_request, check_reply, &put)) ||
	    (err = ipc_calls(r, (uint32_t)h, 0, n, depth, make_request, check_reply, &get)))
		return err;
	/* delete the even keys: calls 0, 2, 4... made one phase at a time */
	for (uint32_t i = 0; i < n; i += 2)
		if ((err = ipc_calls(r, (uint32_t)h, i, 1, 1, make_request, check_reply, &del)))
			return err;
	if ((err = ipc_calls(r, (uint32_t)h, 0, n, depth, make_request, check_reply, &get2)))
		return err;
	printf("kv client: put %u keys, got them back, deleted %u, %u left, %u in flight\n", n,
	       (n + 1) / 2, n / 2, depth > IPC_SLOTS ? IPC_SLOTS : depth);
	return 0;
}

int main(int argc, char **argv)
{
	static struct ipc_service svc;
	struct rc_ring r;
	int err;

	if (argc < 4 || (strcmp(argv[2], "serve") && (strcmp(argv[2], "client") || argc < 5))) {
		fprintf(stderr, "usage: %s SOCKET serve CONNS | SOCKET client N DEPTH\n", argv[0]);
		return 2;
	}
	if ((err = ipc_attach(&r, argv[1])) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rc_err_name(err));
		return 1;
	}
	if (!strcmp(argv[2], "serve")) {
		err = ipc_serve(&r, "kv", (uint32_t)atoi(argv[3]), kv_handle, &svc);
		if (!err)
			printf("kv: served %llu calls in %llu wake-ups\n",
			       (unsigned long long)svc.calls, (unsigned long long)svc.wakeups);
	} else {
		err = kv_client(&r, (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]));
	}
	if (err)
		fprintf(stderr, "kv: %s\n", rc_err_name(err));
	ipc_detach(&r);
	return err ? 1 : 0;
}
