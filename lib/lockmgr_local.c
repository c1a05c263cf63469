/* The single-node lock manager: this node owns slot 0 of every log and no
 * other node exists, so nobody else ever recovers a region. */
#include <stdlib.h>

#include "lockmgr.h"

static int local_attach(struct lockmgr *lm, const char *uuid,
			uint32_t nr_slots, uint32_t *slot)
{
	(void)lm;
	(void)uuid;
	(void)nr_slots;
	*slot = 0;
	return 0;
}

static void local_detach(struct lockmgr *lm, const char *uuid)
{
	(void)lm;
	(void)uuid;
}

static bool local_remote_recovering(struct lockmgr *lm, const char *uuid,
				    uint64_t region)
{
	(void)lm;
	(void)uuid;
	(void)region;
	return false;
}

static uint32_t local_default_slots(struct lockmgr *lm)
{
	(void)lm;
	return 1;
}

static void local_destroy(struct lockmgr *lm)
{
	free(lm);
}

static const struct lockmgr_ops local_ops = {
	.name = "local",
	.attach = local_attach,
	.detach = local_detach,
	.remote_recovering = local_remote_recovering,
	.default_slots = local_default_slots,
	.destroy = local_destroy,
};

struct lockmgr *lockmgr_local_new(void)
{
	struct lockmgr *lm = calloc(1, sizeof(*lm));

	if (lm)
		lm->ops = &local_ops;
	return lm;
}
