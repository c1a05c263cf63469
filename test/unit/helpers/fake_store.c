#include <stdio.h>
#include <stdlib.h>

#include "bitmap.h"
#include "fake_store.h"

static int fake_load(struct log_store *s, struct bitmap *in_sync)
{
	struct fake_store *f = (struct fake_store *)s;

	f->loads++;
	if (f->fail_load)
		return f->fail_load;
	bitmap_fill(in_sync, true);
	return bitmap_assign_range(in_sync, 0, f->load_out_of_sync, false);
}

static void fake_note(struct log_store *s, enum store_bit which,
		      uint64_t region)
{
	struct fake_store *f = (struct fake_store *)s;

	if (which == STORE_BIT_CLEAN)
		f->notes_clean++;
	else
		f->notes_sync++;
	f->last_note = region;
}

static int fake_flush(struct log_store *s, const struct bitmap *clean,
		      const struct bitmap *in_sync)
{
	struct fake_store *f = (struct fake_store *)s;

	(void)clean;
	(void)in_sync;
	f->flushes++;
	if (f->fail_flush)
		s->failed = true;
	return f->fail_flush;
}

static int fake_close(struct log_store *s, const struct bitmap *clean,
		      const struct bitmap *in_sync, bool handoff)
{
	struct fake_store *f = (struct fake_store *)s;

	(void)clean;
	(void)in_sync;
	f->closes++;
	f->last_handoff = handoff;
	if (f->handoff_flag)
		*f->handoff_flag = handoff;
	return 0;
}

static void fake_destroy(struct log_store *s)
{
	struct fake_store *f = (struct fake_store *)s;

	if (f->destroyed_flag)
		*f->destroyed_flag = 1;
	free(f);
}

static const struct log_store_ops fake_ops = {
	.load = fake_load,
	.note = fake_note,
	.flush = fake_flush,
	.close = fake_close,
	.destroy = fake_destroy,
};

struct fake_store *fake_store_new(const char *dev_name)
{
	struct fake_store *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->base.ops = &fake_ops;
	snprintf(f->base.dev_name, sizeof(f->base.dev_name), "%s", dev_name);
	return f;
}
