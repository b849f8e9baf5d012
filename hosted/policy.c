/*
 * policy.c - ringcall-server's policy per client.
 *
 * The command line gives the default rule (--root, --ro, --allow, ...); a
 * policy file (--policy FILE) gives more, one a line, each a copy of the
 * default with the keys it names changed:
 *
 *   # whom it matches      what it gives
 *   client name=viewer      root=/srv/docs ro allow=OPEN,READ,CLOSE log
 *   client uid=1001         root=/srv/b max-handles=16 max-inflight=65536
 *
 * A connecting client gets the first rule whose name= (the file name of its
 * executable, from /proc/PID/exe) and uid= (from SO_PEERCRED) both match,
 * else the default; its hello can only narrow that (host_policy_narrow).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "policy.h"

/* A whole positive decimal number below 2^32: 0, or -1. */
static int parse_u32(const char *val, uint32_t *out)
{
	char *end;
	unsigned long n;

	if (!val || !*val || *val == '-')
		return -1;
	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || *end || n == 0 || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int set_root(struct host_rule *r, const char *dir, char *err, size_t size)
{
	int fd;

	if (strlen(dir) >= sizeof(r->root)) {
		snprintf(err, size, "root %s: too long", dir);
		return -1;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, size, "cannot open root %s: %s", dir, strerror(errno));
		return -1;
	}
	r->root_fd = fd; /* rules live as long as the server: never closed */
	strcpy(r->root, dir);
	return 0;
}

/* Does key take a value? */
static bool key_is(const char *key, const char *name, const char *val, bool wants_val)
{
	return strcmp(key, name) == 0 && (val != NULL) == wants_val;
}

int host_rule_set(struct host_rule *r, const char *key, const char *val, char *err, size_t size)
{
	if (key_is(key, "root", val, true))
		return set_root(r, val, err, size);
	if (key_is(key, "ro", val, false) || key_is(key, "rw", val, false)) {
		r->p.read_only = key[1] == 'o';
		return 0;
	}
	if (key_is(key, "log", val, false) || key_is(key, "nolog", val, false)) {
		r->p.log = key[0] == 'l';
		return 0;
	}
	if (key_is(key, "allow", val, true)) {
		if (strcasecmp(val, "all") == 0) {
			r->p.allow = RC_OPS_ALL;
			return 0;
		}
		if (!host_trace_parse_ops(val, &r->p.allow))
			return 0;
		snprintf(err, size, "allow=%s: not a list of op names (e.g. OPEN,READ,CLOSE)", val);
		return -1;
	}
	if (key_is(key, "max-handles", val, true) || key_is(key, "max-inflight", val, true)) {
		uint32_t *at = key[4] == 'h' ? &r->p.max_handles : &r->p.max_inflight;

		if (parse_u32(val, at) == 0)
			return 0;
		snprintf(err, size, "%s=%s: not a number from 1 to 4294967295", key, val);
		return -1;
	}
	if (key_is(key, "name", val, true)) {
		if (strlen(val) >= sizeof(r->name) || strchr(val, '/')) {
			snprintf(err, size, "name=%s: a file name (no '/'), under %u bytes", val,
				 HOST_NAME_MAX_LEN);
			return -1;
		}
		strcpy(r->name, val);
		return 0;
	}
	if (key_is(key, "uid", val, true)) {
		r->match_uid = true;
		if (strcmp(val, "0") == 0) {
			r->uid = 0;
			return 0;
		}
		if (parse_u32(val, &r->uid) == 0)
			return 0;
		snprintf(err, size, "uid=%s: not a uid", val);
		return -1;
	}
	snprintf(err, size,
		 "%s%s%s: unknown (root=DIR ro rw allow=OPS max-handles=N "
		 "max-inflight=BYTES log nolog name=NAME uid=N)",
		 key, val ? "=" : "", val ? val : "");
	return -1;
}

/* One line of the file into a new rule r (a copy of the default): 0, 1 for
 * a blank or comment line, -1 with err set. */
static int parse_line(char *line, struct host_rule *r, char *err, size_t size)
{
	char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);

	if (!tok || *tok == '#')
		return 1;
	if (strcmp(tok, "client") != 0) {
		snprintf(err, size, "a rule starts with 'client', not '%s'", tok);
		return -1;
	}
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) && *tok != '#') {
		char *eq = strchr(tok, '=');

		if (eq)
			*eq++ = 0;
		if (host_rule_set(r, tok, eq, err, size))
			return -1;
	}
	return 0;
}

int host_policy_load(struct host_policies *ps, const char *path, char *err, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[1024], why[600];
	unsigned no = 0;

	if (!f) {
		snprintf(err, size, "cannot open policy %s: %s", path, strerror(errno));
		return -1;
	}
	ps->path = path;
	while (fgets(line, sizeof(line), f)) {
		struct host_rule r = ps->dflt, *grown;
		int got;

		no++;
		r.name[0] = 0;
		r.match_uid = false;
		r.line = no;
		got = parse_line(line, &r, why, sizeof(why));
		if (got == 1)
			continue;
		grown = got ? NULL : realloc(ps->rules, (ps->n + 1) * sizeof(*grown));
		if (!grown) {
			snprintf(err, size, "%s:%u: %s", path, no, got ? why : "out of memory");
			fclose(f);
			return -1;
		}
		ps->rules = grown;
		ps->rules[ps->n++] = r;
	}
	fclose(f);
	return 0;
}

const struct host_rule *host_policy_match(const struct host_policies *ps, uint32_t uid,
					  const char *name)
{
	for (unsigned i = 0; i < ps->n; i++) {
		const struct host_rule *r = &ps->rules[i];

		if ((!r->name[0] || strcmp(r->name, name) == 0) && (!r->match_uid || r->uid == uid))
			return r;
	}
	return &ps->dflt;
}

/* The smaller limit, 0 meaning none. */
static uint32_t min_limit(uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a | b;
	return a < b ? a : b;
}

void host_policy_narrow(struct host_policy *p, const struct host_hello *h)
{
	if (h->ask_allow)
		p->allow &= h->ask_allow;
	p->read_only |= (h->ask_flags & HOST_ASK_READ_ONLY) != 0;
	p->log |= (h->ask_flags & HOST_ASK_LOG) != 0;
	p->max_handles = min_limit(p->max_handles, h->ask_max_handles);
	p->max_inflight = min_limit(p->max_inflight, h->ask_max_inflight);
}

void host_policy_describe(const struct host_policy *p, const char *root, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "root=%s %s allow=", root,
				      p->read_only ? "ro" : "rw");
	const char *sep = "";

	if (p->allow == RC_OPS_ALL)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "all");
	for (unsigned op = 0; op < 64 && p->allow != RC_OPS_ALL; op++) {
		if (!(p->allow >> op & 1) || !rc_op_name(op))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", sep,
					rc_op_name(op));
		sep = ",";
	}
	if (!p->allow)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "none");
	snprintf(buf + len, len < size ? size - len : 0,
		 " max-handles=%s%.0u max-inflight=%s%.0u %s", p->max_handles ? "" : "-",
		 p->max_handles, p->max_inflight ? "" : "-", p->max_inflight,
		 p->log ? "log" : "nolog");
}

void host_exe_name(uint32_t pid, char name[HOST_NAME_MAX_LEN])
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0) {
		strcpy(name, "?");
		return;
	}
	path[n] = 0;
	if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0)
		path[n - 10] = 0;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	strncpy(name, base, HOST_NAME_MAX_LEN - 1); /* a longer name is cut */
	name[HOST_NAME_MAX_LEN - 1] = 0;
}
