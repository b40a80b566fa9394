// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue descriptor chains. The driver owns the descriptor table
 * and can rewrite it at any time, so every descriptor is read once into a
 * local copy and validated there; nothing read from the host is trusted
 * to terminate, to stay in range or to fit.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "virtq.h"

#define DESC_SIZE	((uint32_t)sizeof(struct vring_desc))

static const char *const err_names[__VQ_E_MAX] = {
	[VQ_OK] = "ok",
	[VQ_E_HEAD_RANGE] = "head index out of range",
	[VQ_E_NEXT_RANGE] = "next index out of range",
	[VQ_E_LOOP] = "descriptor loop",
	[VQ_E_READ_AFTER_WRITE] = "device-readable after device-writable",
	[VQ_E_INDIRECT_FEATURE] = "indirect descriptor not negotiated",
	[VQ_E_INDIRECT_NESTED] = "nested indirect table",
	[VQ_E_INDIRECT_NEXT] = "indirect descriptor with NEXT",
	[VQ_E_INDIRECT_LEN] = "bad indirect table length",
	[VQ_E_ADDR_OVERFLOW] = "buffer wraps the address space",
	[VQ_E_AVAIL_IDX] = "available index moved too far",
	[VQ_E_DMA] = "host memory refused",
	[VQ_E_ZERO_LEN] = "zero-length buffer",
	[VQ_E_TOO_MANY_SEGS] = "too many buffers",
	[VQ_E_SEG_TOO_LONG] = "buffer too long",
	[VQ_E_TOTAL_LEN] = "chain too long",
};

bool vq_err_is_fatal(enum vq_err err)
{
	return err != VQ_OK && err < VQ_E_ZERO_LEN;
}

const char *vq_err_str(enum vq_err err)
{
	if ((unsigned int)err >= __VQ_E_MAX)
		return "unknown";
	return err_names[err];
}

/* ---- geometry ---- */

uint64_t vq_desc_area_size(uint32_t size)
{
	return (uint64_t)size * DESC_SIZE;
}

/* flags, idx, ring[size], used_event */
uint64_t vq_avail_area_size(uint32_t size)
{
	return offsetof(struct vring_avail, ring) + (uint64_t)size * 2 + 2;
}

/* flags, idx, ring[size], avail_event */
uint64_t vq_used_area_size(uint32_t size)
{
	return offsetof(struct vring_used, ring) +
	       (uint64_t)size * sizeof(struct vring_used_elem) + 2;
}

/* Aligned, and its last byte not past the end of the address space. */
static bool area_ok(uint64_t addr, uint64_t len, uint64_t align)
{
	return !(addr & (align - 1)) && addr <= UINT64_MAX - (len - 1);
}

int vq_geom_check(const struct vq_geom *g)
{
	if (!g->size || g->size > VQ_MAX_SIZE || (g->size & (g->size - 1)))
		return -EINVAL;
	if (!area_ok(g->desc, vq_desc_area_size(g->size), VRING_DESC_ALIGN_SIZE) ||
	    !area_ok(g->avail, vq_avail_area_size(g->size), VRING_AVAIL_ALIGN_SIZE) ||
	    !area_ok(g->used, vq_used_area_size(g->size), VRING_USED_ALIGN_SIZE))
		return -EINVAL;
	return 0;
}

void vq_geom_legacy(struct vq_geom *g, uint64_t base, uint32_t size,
		    uint32_t align, uint64_t features)
{
	uint64_t avail_end;

	g->size = size;
	g->features = features;
	g->desc = base;
	g->avail = base + vq_desc_area_size(size);
	avail_end = g->avail + vq_avail_area_size(size);
	g->used = (avail_end + align - 1) & ~((uint64_t)align - 1);
}

uint64_t vq_avail_flags_addr(const struct vq_geom *g)
{
	return g->avail + offsetof(struct vring_avail, flags);
}

uint64_t vq_avail_idx_addr(const struct vq_geom *g)
{
	return g->avail + offsetof(struct vring_avail, idx);
}

uint64_t vq_avail_ring_addr(const struct vq_geom *g, uint16_t idx)
{
	return g->avail + offsetof(struct vring_avail, ring) +
	       (uint64_t)(idx & (g->size - 1)) * 2;
}

/* used_event sits in the slot after the last ring entry */
uint64_t vq_used_event_addr(const struct vq_geom *g)
{
	return g->avail + offsetof(struct vring_avail, ring) + (uint64_t)g->size * 2;
}

uint64_t vq_used_flags_addr(const struct vq_geom *g)
{
	return g->used + offsetof(struct vring_used, flags);
}

uint64_t vq_used_idx_addr(const struct vq_geom *g)
{
	return g->used + offsetof(struct vring_used, idx);
}

uint64_t vq_used_ring_addr(const struct vq_geom *g, uint16_t idx)
{
	return g->used + offsetof(struct vring_used, ring) +
	       (uint64_t)(idx & (g->size - 1)) * sizeof(struct vring_used_elem);
}

uint64_t vq_avail_event_addr(const struct vq_geom *g)
{
	return g->used + offsetof(struct vring_used, ring) +
	       (uint64_t)g->size * sizeof(struct vring_used_elem);
}

/* ---- byte order ---- */

static bool modern(const struct vq_geom *g)
{
	return vq_has_feature(g, VIRTIO_F_VERSION_1);
}

uint16_t vq_to_cpu16(const struct vq_geom *g, uint16_t v)
{
	return modern(g) ? le16toh(v) : v;
}

uint32_t vq_to_cpu32(const struct vq_geom *g, uint32_t v)
{
	return modern(g) ? le32toh(v) : v;
}

uint64_t vq_to_cpu64(const struct vq_geom *g, uint64_t v)
{
	return modern(g) ? le64toh(v) : v;
}

uint16_t vq_from_cpu16(const struct vq_geom *g, uint16_t v)
{
	return modern(g) ? htole16(v) : v;
}

uint32_t vq_from_cpu32(const struct vq_geom *g, uint32_t v)
{
	return modern(g) ? htole32(v) : v;
}

uint64_t vq_from_cpu64(const struct vq_geom *g, uint64_t v)
{
	return modern(g) ? htole64(v) : v;
}

/* ---- available and used rings ---- */

enum vq_err vq_avail_pending(const struct vq_geom *g, uint16_t avail_idx,
			     uint16_t last_avail, uint16_t *n)
{
	uint16_t d = (uint16_t)(avail_idx - last_avail);

	/* More than a ring's worth: the driver scribbled over idx. */
	if (d > g->size)
		return VQ_E_AVAIL_IDX;
	*n = d;
	return VQ_OK;
}

void vq_used_elem_fill(const struct vq_geom *g, struct vring_used_elem *e,
		       uint16_t head, uint32_t len)
{
	e->id = vq_from_cpu32(g, head);
	e->len = vq_from_cpu32(g, len);
}

bool vq_need_notify(const struct vq_geom *g, uint16_t avail_flags,
		    uint16_t used_event, uint16_t old_idx, uint16_t new_idx)
{
	/* With EVENT_IDX the device ignores the flags (2.7.7.2). */
	if (vq_has_feature(g, VIRTIO_RING_F_EVENT_IDX))
		return vring_need_event(used_event, new_idx, old_idx);
	return !(avail_flags & VRING_AVAIL_F_NO_INTERRUPT);
}

/* ---- chain walking ---- */

/* One descriptor table (the queue's or an indirect one) and the window
 * of it last read from the host. */
struct desc_table {
	uint64_t addr;
	uint32_t n;		/* entries */
	bool indirect;
	uint32_t first;		/* window: entries [first, first + count) */
	uint32_t count;
	struct vring_desc win[VQ_DESC_BATCH];
};

struct walk {
	const struct vq_geom *g;
	const struct vq_mem *m;
	const struct vq_limits *lim;
	const struct snap_vq_chain_start *start; /* NULL or empty: nothing read */
	struct vq_chain *c;
	bool seen_write;
	enum vq_err refused;	/* first answerable error; the walk goes on */
};

static void table_init(struct desc_table *t, uint64_t addr, uint32_t n,
		       bool indirect)
{
	t->addr = addr;
	t->n = n;
	t->indirect = indirect;
	t->first = 0;
	t->count = 0;
}

/* The window of t holds entries [first, first + count) already read. */
static void table_seed(struct desc_table *t, uint32_t first,
		       const void *d, uint32_t count)
{
	if (first >= t->n || count > t->n - first)
		return;		/* not this table's: read it instead */
	memcpy(t->win, d, count * DESC_SIZE);
	t->first = first;
	t->count = count;
}

/*
 * The queue's table at the head from the chain's start: its entries, or
 * for an indirect head the head descriptor the start stands for.
 */
/* The start's descriptors, or 0 when it holds none it could (a module
 * before ABI 2.8, or a count the daemon's writable mapping garbled). */
static uint32_t start_descs(const struct snap_vq_chain_start *s)
{
	return s && s->nr_descs <= SNAP_VQ_START_DESCS ? s->nr_descs : 0;
}

static bool start_indirect(const struct snap_vq_chain_start *s)
{
	return start_descs(s) && s->desc_flags & SNAP_VQ_START_INDIRECT;
}

static void seed_queue_table(const struct walk *w, struct desc_table *t,
			     uint16_t head)
{
	const struct snap_vq_chain_start *s = w->start;
	struct vring_desc d;

	if (!start_descs(s))
		return;
	if (!start_indirect(s)) {
		table_seed(t, head, s->descs, s->nr_descs);
		return;
	}
	d.addr = vq_from_cpu64(w->g, s->indirect_addr);
	d.len = vq_from_cpu32(w->g, s->indirect_len);
	d.flags = vq_from_cpu16(w->g, VRING_DESC_F_INDIRECT);
	d.next = 0;
	table_seed(t, head, &d, 1);
}

/* An indirect table the head referred to: its start, if that was read. */
static void seed_indirect_table(const struct walk *w, struct desc_table *t,
				const struct vring_desc *d)
{
	const struct snap_vq_chain_start *s = w->start;

	if (!start_indirect(s) || d->addr != s->indirect_addr ||
	    d->len != s->indirect_len)
		return;
	table_seed(t, 0, s->descs, s->nr_descs < t->n ? s->nr_descs : t->n);
}

/* Entry idx (< t->n) of the table: from the window, or a new window read
 * from idx on, as chains mostly run forward through a table. */
static enum vq_err table_get(struct walk *w, struct desc_table *t,
			     uint32_t idx, struct vring_desc *d)
{
	uint32_t count;

	if (idx < t->first || idx >= t->first + t->count) {
		count = t->n - idx;
		if (count > VQ_DESC_BATCH)
			count = VQ_DESC_BATCH;
		t->count = 0;
		if (w->m->read(w->m->ctx, t->addr + (uint64_t)idx * DESC_SIZE,
			       t->win, count * DESC_SIZE))
			return VQ_E_DMA;
		t->first = idx;
		t->count = count;
	}
	*d = t->win[idx - t->first];
	d->addr = vq_to_cpu64(w->g, d->addr);
	d->len = vq_to_cpu32(w->g, d->len);
	d->flags = vq_to_cpu16(w->g, d->flags);
	d->next = vq_to_cpu16(w->g, d->next);
	return VQ_OK;
}

/* Remember an answerable error and keep walking to find the chain's end. */
static void refuse(struct walk *w, enum vq_err err)
{
	if (w->refused == VQ_OK)
		w->refused = err;
}

static bool wraps(uint64_t addr, uint32_t len)
{
	return len && addr > UINT64_MAX - (len - 1);
}

static enum vq_err add_buffer(struct walk *w, const struct vring_desc *d)
{
	struct vq_chain *c = w->c;
	struct vq_seg s = {
		.addr = d->addr,
		.len = d->len,
		.write = d->flags & VRING_DESC_F_WRITE,
	};

	if (wraps(s.addr, s.len))
		return VQ_E_ADDR_OVERFLOW;
	if (!s.write && w->seen_write)
		return VQ_E_READ_AFTER_WRITE;
	w->seen_write |= s.write;
	if (!s.len)
		refuse(w, VQ_E_ZERO_LEN);
	if (w->lim->max_seg_len && s.len > w->lim->max_seg_len)
		refuse(w, VQ_E_SEG_TOO_LONG);
	if (s.write)
		c->writable_len += s.len;
	else
		c->readable_len += s.len;
	if (c->readable_len + c->writable_len > UINT32_MAX)
		refuse(w, VQ_E_TOTAL_LEN);
	if (c->nr < w->lim->max_segs) {
		c->segs[c->nr++] = s;
		if (!s.write)
			c->nr_readable = c->nr;
	} else {
		refuse(w, VQ_E_TOO_MANY_SEGS);
	}
	c->count++;
	c->last = s;
	return VQ_OK;
}

static uint32_t max_indirect(const struct walk *w)
{
	return w->lim->max_indirect ? w->lim->max_indirect : w->g->size;
}

/* d refers to an indirect table: check it may, and size the table. */
static enum vq_err check_indirect(const struct walk *w,
				  const struct desc_table *t,
				  const struct vring_desc *d)
{
	if (t->indirect)
		return VQ_E_INDIRECT_NESTED;
	if (!vq_has_feature(w->g, VIRTIO_RING_F_INDIRECT_DESC))
		return VQ_E_INDIRECT_FEATURE;
	if (d->flags & VRING_DESC_F_NEXT)
		return VQ_E_INDIRECT_NEXT;
	if (!d->len || d->len % DESC_SIZE || d->len / DESC_SIZE > max_indirect(w))
		return VQ_E_INDIRECT_LEN;
	if (wraps(d->addr, d->len))
		return VQ_E_ADDR_OVERFLOW;
	return VQ_OK;
}

/*
 * Follow next links through t from idx. A loop-free chain visits each
 * entry at most once, so more steps than entries is a loop. An indirect
 * descriptor (never with NEXT) ends the chain in t and continues it at
 * entry 0 of its table; the WRITE flag of that descriptor is ignored
 * (2.7.5.3.2).
 */
static enum vq_err walk_table(struct walk *w, struct desc_table *t, uint32_t idx)
{
	struct desc_table ind;
	struct vring_desc d;
	uint32_t steps = 0;
	enum vq_err err;

	for (;;) {
		if (idx >= t->n)
			return VQ_E_NEXT_RANGE;
		if (++steps > t->n)
			return VQ_E_LOOP;
		err = table_get(w, t, idx, &d);
		if (err)
			return err;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			err = check_indirect(w, t, &d);
			if (err)
				return err;
			table_init(&ind, d.addr, d.len / DESC_SIZE, true);
			seed_indirect_table(w, &ind, &d);
			return walk_table(w, &ind, 0);
		}
		err = add_buffer(w, &d);
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VQ_OK;
		idx = d.next;
	}
}

void vq_read_start(const struct vq_geom *g, const struct vq_mem *m,
		   uint16_t head, struct snap_vq_chain_start *start)
{
	uint32_t n = g->size - head < SNAP_VQ_START_DESCS ? g->size - head :
		     SNAP_VQ_START_DESCS;
	struct vring_desc d;

	memset(start, 0, sizeof(*start));
	start->head = head;
	if (head >= g->size ||
	    m->read(m->ctx, g->desc + (uint64_t)head * DESC_SIZE, start->descs,
		    n * DESC_SIZE))
		return;
	start->nr_descs = (uint8_t)n;
	memcpy(&d, start->descs, sizeof(d));
	d.addr = vq_to_cpu64(g, d.addr);
	d.len = vq_to_cpu32(g, d.len);
	d.flags = vq_to_cpu16(g, d.flags);
	if ((d.flags & (VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT)) != VRING_DESC_F_INDIRECT ||
	    !d.len || d.len % DESC_SIZE || wraps(d.addr, d.len))
		return;
	n = d.len / DESC_SIZE < SNAP_VQ_START_DESCS ? d.len / DESC_SIZE :
	    SNAP_VQ_START_DESCS;
	if (m->read(m->ctx, d.addr, start->descs, n * DESC_SIZE)) {
		memset(start->descs, 0, sizeof(start->descs));
		start->nr_descs = 0;
		return;
	}
	start->nr_descs = (uint8_t)n;
	start->desc_flags = SNAP_VQ_START_INDIRECT;
	start->indirect_addr = d.addr;
	start->indirect_len = d.len;
}

void vq_read_peek(const struct vq_geom *g, const struct vq_mem *m,
		  const struct snap_vq_chain_start *start, struct snap_vq_peek *pk)
{
	struct vring_desc d;

	memset(pk, 0, sizeof(*pk));
	if (!start->nr_descs)
		return;
	memcpy(&d, start->descs, sizeof(d));
	d.addr = vq_to_cpu64(g, d.addr);
	d.len = vq_to_cpu32(g, d.len);
	d.flags = vq_to_cpu16(g, d.flags);
	if (d.flags & (VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT) ||
	    d.len < SNAP_VQ_PEEK_SIZE || wraps(d.addr, SNAP_VQ_PEEK_SIZE))
		return;
	if (m->read(m->ctx, d.addr, pk->bytes, SNAP_VQ_PEEK_SIZE)) {
		memset(pk->bytes, 0, sizeof(pk->bytes));
		return;
	}
	pk->addr = d.addr;
	pk->len = SNAP_VQ_PEEK_SIZE;
}

bool vq_peek_covers(const struct snap_vq_peek *pk, const struct vq_seg *seg,
		    uint32_t len)
{
	return pk && len <= pk->len && !seg->write && seg->addr == pk->addr &&
	       len <= seg->len;
}

enum vq_err vq_walk(const struct vq_geom *g, const struct vq_mem *m,
		    const struct vq_limits *lim, uint16_t head,
		    const struct snap_vq_chain_start *start, struct vq_seg *segs,
		    struct vq_chain *chain)
{
	struct desc_table t;
	struct walk w = { .g = g, .m = m, .lim = lim, .start = start, .c = chain };
	enum vq_err err;

	memset(chain, 0, sizeof(*chain));
	chain->segs = segs;
	if (head >= g->size)
		return VQ_E_HEAD_RANGE;
	table_init(&t, g->desc, g->size, false);
	seed_queue_table(&w, &t, head);
	err = walk_table(&w, &t, head);
	return err ? err : w.refused;
}
