/* A shared disk: one durable image, one view per opener. A view's writes
 * are visible to itself at once and to the others after its sync (the
 * protocol syncs before it releases a lock). A crashed view's unsynced
 * writes are kept, lost or torn per 512-byte sector. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct pend {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

struct sim_disk {
	uint8_t *image;
	uint64_t size;
};

struct sim_view {
	struct blockdev bd;		/* first */
	struct sim_disk *d;
	struct pend *p;
	size_t n, cap;
	bool dead;
};

static struct sim_view *to_v(struct blockdev *bd)
{
	return (struct sim_view *)bd;
}

static int check(struct sim_view *v, uint64_t off, size_t len)
{
	if (v->dead)
		return -EIO;
	if (off % 512 || len % 512 || off > v->d->size ||
	    len > v->d->size - off)
		return -EINVAL;
	return 0;
}

static int v_read(struct blockdev *bd, uint64_t off, void *buf, size_t len)
{
	struct sim_view *v = to_v(bd);
	int r = check(v, off, len);

	if (r)
		return r;
	memcpy(buf, v->d->image + off, len);
	for (size_t i = 0; i < v->n; i++) {
		struct pend *w = &v->p[i];
		uint64_t lo = w->off > off ? w->off : off;
		uint64_t hi = w->off + w->len < off + len ? w->off + w->len :
			      off + len;

		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - off),
			       w->data + (lo - w->off), hi - lo);
	}
	return 0;
}

static int v_write(struct blockdev *bd, uint64_t off, const void *buf,
		   size_t len)
{
	struct sim_view *v = to_v(bd);
	int r = check(v, off, len);

	if (r)
		return r;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct pend *np = realloc(v->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		v->p = np;
		v->cap = cap;
	}
	v->p[v->n].data = malloc(len);
	if (!v->p[v->n].data)
		return -ENOMEM;
	memcpy(v->p[v->n].data, buf, len);
	v->p[v->n].off = off;
	v->p[v->n].len = len;
	v->n++;
	return 0;
}

static void apply_all(struct sim_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		memcpy(v->d->image + v->p[i].off, v->p[i].data, v->p[i].len);
		free(v->p[i].data);
	}
	v->n = 0;
}

static int v_sync(struct blockdev *bd)
{
	struct sim_view *v = to_v(bd);

	if (v->dead)
		return -EIO;
	apply_all(v);
	return 0;
}

static void v_close(struct blockdev *bd)
{
	struct sim_view *v = to_v(bd);

	for (size_t i = 0; i < v->n; i++)
		free(v->p[i].data);
	free(v->p);
	free(v);
}

static const struct blockdev_ops view_ops = {
	.read = v_read, .write = v_write, .sync = v_sync, .close = v_close,
};

struct sim_disk *sim_disk_new(uint64_t size)
{
	struct sim_disk *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->image = calloc(size, 1);
	d->size = size;
	if (!d->image) {
		free(d);
		return NULL;
	}
	return d;
}

void sim_disk_free(struct sim_disk *d)
{
	if (d)
		free(d->image);
	free(d);
}

struct blockdev *sim_disk_view(struct sim_disk *d)
{
	struct sim_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->bd.ops = &view_ops;
	v->bd.size = d->size;
	v->bd.block_size = 512;
	v->bd.major = 253;
	v->bd.minor = 7;
	strcpy(v->bd.name, "simdisk");
	v->d = d;
	return &v->bd;
}

void sim_view_kill(struct blockdev *bd)
{
	struct sim_view *v = to_v(bd);

	apply_all(v);
	v->dead = true;
}

void sim_view_crash(struct blockdev *bd, uint64_t seed)
{
	struct sim_view *v = to_v(bd);
	struct sim_rng g = { seed };

	for (size_t i = 0; i < v->n; i++) {
		struct pend *w = &v->p[i];
		uint64_t how = sim_below(&g, 3);

		for (size_t s = 0; s < w->len; s += 512)
			if (how == 0 || (how == 2 && sim_pct(&g, 50)))
				memcpy(v->d->image + w->off + s, w->data + s,
				       512);
		free(w->data);
	}
	v->n = 0;
	v->dead = true;
}
