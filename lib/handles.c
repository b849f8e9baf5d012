/*
 * handles.c - a caller's table of kernel objects.
 *
 * A handle is (generation << 16) | (slot + 1): 0 never names anything, and
 * a handle kept after close stops matching when the slot is reused.
 */
#include "engine_internal.h"

#define RCE_MAX_HANDLES 0xffffu

int rce_ctx_init(struct rce_ctx *ctx, const struct rce_handlers *ops, void *port,
		 uint32_t max_handles)
{
	if (max_handles == 0 || max_handles > RCE_MAX_HANDLES)
		return -RC_EINVAL;
	*ctx = (struct rce_ctx){ .ops = ops, .port = port, .max_handles = max_handles };
	ctx->handles = rce_port_alloc(max_handles * sizeof(*ctx->handles));
	return ctx->handles ? 0 : -RC_ENOMEM;
}

/* Close what is still open (the caller crashed or exited), free the table.
 * Its rings must already be destroyed. */
void rce_ctx_destroy(struct rce_ctx *ctx)
{
	if (!ctx->handles)
		return;
	for (uint32_t i = 0; i < ctx->max_handles; i++) {
		struct rce_handle_slot *h = &ctx->handles[i];

		if (h->type == RCE_HT_CHANNEL)
			rce_channel_ctx_close(ctx, h->obj); /* the engine's own object */
		else if (h->type != RCE_HT_NONE && ctx->ops->close_object)
			ctx->ops->close_object(ctx, h->type, h->obj);
	}
	rce_port_free(ctx->handles, ctx->max_handles * sizeof(*ctx->handles));
	ctx->handles = NULL;
	ctx->open_handles = 0;
}

int32_t rce_handle_install(struct rce_ctx *ctx, uint16_t type, uint32_t rights, void *obj)
{
	for (uint32_t i = 0; i < ctx->max_handles; i++) {
		struct rce_handle_slot *h = &ctx->handles[i];

		if (h->type != RCE_HT_NONE)
			continue;
		h->type = type;
		h->rights = rights;
		h->obj = obj;
		if (h->gen == 0)
			h->gen = 1;
		ctx->open_handles++;
		return (int32_t)((uint32_t)(h->gen & 0x7fff) << 16 | (i + 1));
	}
	return -RC_EMFILE;
}

static struct rce_handle_slot *rce_slot(struct rce_ctx *ctx, uint32_t handle)
{
	uint32_t i = (handle & 0xffff) - 1;
	struct rce_handle_slot *h;

	if ((handle & 0xffff) == 0 || i >= ctx->max_handles)
		return NULL;
	h = &ctx->handles[i];
	if (h->type == RCE_HT_NONE || (h->gen & 0x7fff) != handle >> 16)
		return NULL;
	return h;
}

/* Find handle's object if it has the type (or type is ANY) and carries
 * every right asked for; otherwise NULL and why, as RC_BAD_*. */
void *rce_handle_lookup(struct rce_ctx *ctx, uint32_t handle, uint32_t type, uint32_t rights,
			uint8_t *reason)
{
	struct rce_handle_slot *h = rce_slot(ctx, handle);

	if (!h || (type != RCE_TARGET_ANY && h->type != type)) {
		*reason = RC_BAD_HANDLE;
		return NULL;
	}
	if ((h->rights & rights) != rights) {
		*reason = RC_BAD_RIGHTS;
		return NULL;
	}
	return h->obj;
}

uint32_t rce_handle_rights(struct rce_ctx *ctx, uint32_t handle)
{
	struct rce_handle_slot *h = rce_slot(ctx, handle);

	return h ? h->rights : 0;
}

int32_t rce_handle_reduce(struct rce_ctx *ctx, uint32_t handle, uint32_t rights)
{
	struct rce_handle_slot *h = rce_slot(ctx, handle);

	if (!h)
		return -RC_EBADF;
	if (rights & ~h->rights)
		return -RC_EPERM;
	h->rights = rights;
	return 0;
}

void *rce_handle_remove(struct rce_ctx *ctx, uint32_t handle)
{
	struct rce_handle_slot *h = rce_slot(ctx, handle);
	void *obj;

	if (!h)
		return NULL;
	obj = h->obj;
	h->type = RCE_HT_NONE;
	h->obj = NULL;
	h->gen++;
	ctx->open_handles--;
	return obj;
}
