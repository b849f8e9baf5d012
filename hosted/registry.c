/*
 * registry.c - the hosted server's names for channels: how clients of one
 * ringcall-server find each other.
 *
 * CHANNEL_PUBLISH moves a channel endpoint into the registry under a name;
 * CHANNEL_CONNECT makes a new channel, sends one end of it (a message of 0
 * bytes and 1 handle) on the published endpoint, and returns the other:
 * the publisher receives each connection as a handle on the other end of
 * the channel it published, as a listening socket's accept would.
 *
 * Permission model: a name is "<uid>/<rest>"; a client may publish only
 * under its own Unix uid (the server reads it from the socket,
 * SO_PEERCRED; an in-process ring has the server's), so one user cannot
 * take or shadow another's names; any client may connect to any name
 * (what it may then ask is the service's business, as with a socket).
 * A name goes when a connect finds its publisher gone (-EPIPE), or when
 * it is published again by its owner after that.
 *
 * The registry is a caller of its own to the engine (an rce_ctx holding
 * the published handles), guarded by one mutex taken before the IPC lock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "host.h"

#define HOST_NAMES_MAX 256u

struct host_name {
	char name[RC_CHANNEL_NAME_MAX + 1];
	uint32_t handle; /* in the registry's table; 0: free slot */
};

static pthread_mutex_t host_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rce_ctx host_reg_ctx;
static struct host_name host_names[HOST_NAMES_MAX];
static bool host_reg_ready;

/* Under host_reg_lock: the registry's ctx, made on first use. */
static int host_reg_init(void)
{
	if (host_reg_ready)
		return 0;
	if (rce_ctx_init(&host_reg_ctx, &host_handlers, NULL, HOST_NAMES_MAX * 2))
		return -RC_ENOMEM;
	host_reg_ready = true;
	return 0;
}

/* Copy the name in and check its characters: [A-Za-z0-9._/-]. */
static int32_t host_name_in(struct rce_call *c, rce_uin_t src, uint32_t len, char *out)
{
	if (rce_copy_in(c, out, src, 0, len))
		return -RC_EFAULT;
	out[len] = 0;
	for (uint32_t i = 0; i < len; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '/' || ch == '-'))
			return -RC_EINVAL;
	}
	return 0;
}

static struct host_name *host_name_find(const char *name)
{
	for (uint32_t i = 0; i < HOST_NAMES_MAX; i++)
		if (host_names[i].handle && !strcmp(host_names[i].name, name))
			return &host_names[i];
	return NULL;
}

static void host_name_drop(struct host_name *n)
{
	rce_channel_close_handle(&host_reg_ctx, n->handle);
	n->handle = 0;
}

static struct host_client *host_of_call(struct rce_call *c)
{
	return (struct host_client *)((char *)c->ctx - offsetof(struct host_client, ctx));
}

int32_t host_channel_publish(struct rce_call *c, const struct rce_args_channel_publish *a)
{
	char name[RC_CHANNEL_NAME_MAX + 1], prefix[16];
	struct host_name *n = NULL;
	int32_t err = host_name_in(c, a->name, a->name_len, name);
	int plen;

	if (err)
		return err;
	plen = snprintf(prefix, sizeof(prefix), "%u/", host_of_call(c)->uid);
	if (strncmp(name, prefix, (size_t)plen) || name[plen] == 0)
		return -RC_EACCES;
	pthread_mutex_lock(&host_reg_lock);
	err = host_reg_init();
	if (!err && host_name_find(name))
		err = -RC_EEXIST;
	for (uint32_t i = 0; !err && !n && i < HOST_NAMES_MAX; i++)
		if (!host_names[i].handle)
			n = &host_names[i];
	if (!err && !n)
		err = -RC_ENOSPC;
	if (!err) {
		int32_t h = rce_channel_handle_move(c->ctx, c->sqe->handle, &host_reg_ctx);

		if (h < 0) {
			err = h;
		} else {
			memcpy(n->name, name, sizeof(name));
			n->handle = (uint32_t)h;
		}
	}
	pthread_mutex_unlock(&host_reg_lock);
	return err;
}

int32_t host_channel_connect(struct rce_call *c, const struct rce_args_channel_connect *a)
{
	char name[RC_CHANNEL_NAME_MAX + 1];
	struct host_name *n;
	uint32_t pair[2];
	int32_t err = host_name_in(c, a->name, a->name_len, name), far;

	if (err)
		return err;
	pthread_mutex_lock(&host_reg_lock);
	n = host_reg_init() ? NULL : host_name_find(name);
	if (!n) {
		err = -RC_ENOENT;
		goto out;
	}
	err = rce_channel_create_in(c->ctx, pair);
	if (err)
		goto out;
	far = rce_channel_handle_move(c->ctx, pair[1], &host_reg_ctx);
	if (far < 0) {
		err = far;
		rce_channel_close_handle(c->ctx, pair[1]);
	} else {
		err = rce_channel_send_handle(&host_reg_ctx, n->handle, (uint32_t)far);
		if (err)
			rce_channel_close_handle(&host_reg_ctx, (uint32_t)far);
	}
	if (err) {
		rce_channel_close_handle(c->ctx, pair[0]);
		if (err == -RC_EPIPE) {
			host_name_drop(n); /* its publisher is gone */
			err = -RC_ENOENT;
		}
	} else {
		err = (int32_t)pair[0];
	}
out:
	pthread_mutex_unlock(&host_reg_lock);
	return err;
}
