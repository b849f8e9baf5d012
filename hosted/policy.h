/*
 * policy.h - ringcall-server's policy per client (policy.c): rules from the
 * command line (the default) and a policy file, matched against a client's
 * uid and launch name when it connects (docs/sandbox.md "Policy in the
 * broker").
 */
#ifndef RINGCALL_POLICY_H
#define RINGCALL_POLICY_H

#include "host.h"
#include "proto.h"

#define HOST_NAME_MAX_LEN 64u /* a launch name, NUL included */

/* One rule: whom it matches, what it gives. */
struct host_rule {
	char name[HOST_NAME_MAX_LEN]; /* match: the executable's name; "": any */
	uint32_t uid;		      /* match: this uid, if match_uid */
	bool match_uid;
	int root_fd;	/* the root its clients get (O_PATH) */
	char root[512]; /* that root as written, for the log */
	struct host_policy p;
	unsigned line; /* its line in the policy file; 0: the command line's default */
};

struct host_policies {
	struct host_rule dflt; /* clients that no rule of the file matches */
	struct host_rule *rules;
	unsigned n;
	const char *path; /* the policy file, or NULL */
};

/* Set key (=val) of rule r, as a policy file line or a server option says:
 * root=DIR, ro, rw, allow=OPS, max-handles=N, max-inflight=BYTES, log,
 * nolog, and for a file's rules name=NAME, uid=N. 0, or -1 with err set. */
int host_rule_set(struct host_rule *r, const char *key, const char *val, char *err, size_t size);
/* Read the policy file at path: each rule starts as a copy of ps->dflt.
 * 0, or -1 with err naming the line and what is wrong with it. */
int host_policy_load(struct host_policies *ps, const char *path, char *err, size_t size);
/* The first rule of the file matching (uid, name), else the default. */
const struct host_rule *host_policy_match(const struct host_policies *ps, uint32_t uid,
					  const char *name);
/* Narrow p by what the client's hello asks (proto.h), root apart: only
 * ever narrower. */
void host_policy_narrow(struct host_policy *p, const struct host_hello *h);
/* "root=DIR ro allow=OPEN,READ max-handles=4 max-inflight=- log" */
void host_policy_describe(const struct host_policy *p, const char *root, char *buf, size_t size);
/* The launch name of process pid: its executable's file name, as the
 * kernel knows it (/proc/PID/exe: the process cannot change it short of
 * execve); "?" when it cannot be read. */
void host_exe_name(uint32_t pid, char name[HOST_NAME_MAX_LEN]);

#endif
