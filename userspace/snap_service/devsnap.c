// SPDX-License-Identifier: GPL-2.0
/*
 * struct snap_host over /dev/snap: each engine operation is one
 * SNAP_IOC_* call on the attached file. Local buffers are pieces of the
 * mapped pool, so a local pointer translates to a pool offset by
 * subtraction.
 */
#include "devsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEVSNAP_PATH	"/dev/snap"
#define DEVSNAP_WANT	(SNAP_F_STATUS_REPORT | SNAP_F_DATAPATH)
/*
 * Asked for, not required: a module without them has no virtio data path,
 * leaves looking at doorbells to its own watcher, takes a completion's
 * data in a call of its own, or leaves each virtio request's header to
 * one.
 */
#define DEVSNAP_MAYBE	(SNAP_F_VIRTIO | SNAP_F_WAIT_POLL | SNAP_F_POST_DMA | \
			 SNAP_F_VQ_PEEK)
static int attach(struct devsnap *ds, unsigned int wait_ms, char *why, size_t len)
{
	struct snap_ioc_attach at = {
		.abi_major = SNAP_ABI_MAJOR,
		.abi_minor = SNAP_ABI_MINOR,
		.features = DEVSNAP_WANT | DEVSNAP_MAYBE,
	};

	/*
	 * A killed predecessor stays attached until its io_uring is torn
	 * down (up to a few hundred ms), one handing over until it drained:
	 * the host's I/O waits meanwhile, so look again every millisecond.
	 */
	for (unsigned int i = 0; ioctl(ds->fd, SNAP_IOC_ATTACH, &at) < 0; i++) {
		int err = errno;

		if (err == EBUSY && i < wait_ms) {
			usleep(1000);
			continue;
		}
		if (err == EBUSY)
			snprintf(why, len, "another daemon is attached to /dev/snap");
		else
			snprintf(why, len, "attaching to /dev/snap: %s", strerror(err));
		return -err;
	}
	ds->features = at.features;
	if ((at.features & DEVSNAP_WANT) != DEVSNAP_WANT) {
		snprintf(why, len, "the module (ABI %u.%u) lacks the data path this daemon needs",
			 at.abi_major, at.abi_minor);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int map_pool(struct devsnap *ds, char *why, size_t len)
{
	struct snap_ioc_info info = { 0 };
	void *p;

	if (ioctl(ds->fd, SNAP_IOC_INFO, &info) < 0) {
		snprintf(why, len, "SNAP_IOC_INFO: %s", strerror(errno));
		return -errno;
	}
	if (!info.pool_size) {
		snprintf(why, len, "the module reports no DMA pool");
		return -ENOMEM;
	}
	p = mmap(NULL, info.pool_size, PROT_READ | PROT_WRITE, MAP_SHARED, ds->fd,
		 SNAP_MMAP_POOL);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mapping the %llu-byte DMA pool: %s",
			 (unsigned long long)info.pool_size, strerror(errno));
		return -errno;
	}
	ds->pool = p;
	ds->pool_size = info.pool_size;
	return 0;
}

int devsnap_open(struct devsnap *ds, const char *path, unsigned int wait_ms,
		 char *why, size_t len)
{
	int ret;

	memset(ds, 0, sizeof(*ds));
	ds->fd = open(path ? path : DEVSNAP_PATH, O_RDWR | O_CLOEXEC);
	if (ds->fd < 0) {
		ret = -errno;
		snprintf(why, len, "%s: %s (is the snap module loaded?)",
			 path ? path : DEVSNAP_PATH, strerror(errno));
		return ret;
	}
	ret = attach(ds, wait_ms, why, len);
	if (!ret)
		ret = map_pool(ds, why, len);
	if (ret) {
		close(ds->fd);
		ds->fd = -1;
	}
	return ret;
}

int devsnap_attached_pid(const char *path)
{
	struct snap_ioc_info info = { 0 };
	int fd = open(path ? path : DEVSNAP_PATH, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SNAP_IOC_INFO, &info) < 0 ? -errno : (int)info.daemon_pid;
	close(fd);
	return ret;
}

int devsnap_pool_grow(struct devsnap *ds, const void *p, size_t len)
{
	struct snap_pool_grow g = {
		.offset = (uint64_t)((const uint8_t *)p - ds->pool),
		.len = len,
	};

	return ioctl(ds->fd, SNAP_IOC_POOL_GROW, &g) < 0 ? -errno : 0;
}

int devsnap_detach(struct devsnap *ds)
{
	return ioctl(ds->fd, SNAP_IOC_DETACH) < 0 ? -errno : 0;
}

void devsnap_close(struct devsnap *ds)
{
	if (ds->pool)
		munmap(ds->pool, ds->pool_size);
	if (ds->fd >= 0)
		close(ds->fd);
	ds->pool = NULL;
	ds->fd = -1;
}

int devsnap_wait(struct devsnap *ds, struct snap_event *ev, unsigned int max,
		 bool nonblock)
{
	struct snap_wait w = {
		.events = (uintptr_t)ev,
		.max_events = max,
		.flags = nonblock ? SNAP_WAIT_NONBLOCK : 0,
	};
	int ret = ioctl(ds->fd, SNAP_IOC_WAIT, &w);

	return ret < 0 ? -errno : ret;
}

void *devsnap_map_bdev(struct devsnap *ds, uint32_t bdev_id, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ds->fd,
		       (off_t)SNAP_MMAP_BDEV(bdev_id));

	return p == MAP_FAILED ? NULL : p;
}

struct snap_bdev_stats *devsnap_map_bdev_stats(struct devsnap *ds, uint32_t bdev_id)
{
	void *p = mmap(NULL, sizeof(struct snap_bdev_stats), PROT_READ | PROT_WRITE,
		       MAP_SHARED, ds->fd, (off_t)SNAP_MMAP_BDEV_STATS(bdev_id));

	return p == MAP_FAILED ? NULL : p;
}

void devsnap_unmap_bdev_stats(struct snap_bdev_stats *stats)
{
	munmap(stats, sizeof(*stats));
}

/* ---- struct snap_host ops ---- */

static struct devsnap_host *to_dh(struct snap_host *h)
{
	return (struct devsnap_host *)h;
}

static int do_ioctl(struct devsnap_host *dh, unsigned long req, void *arg)
{
	return ioctl(dh->ds->fd, req, arg) < 0 ? -errno : 0;
}

/* Small transfers (the usual case) need no allocation. */
#define DMA_STACK_SEGS	32

/*
 * The uapi form of segs: in stack (DMA_STACK_SEGS entries) when they fit,
 * else allocated (the caller frees what is not stack). NULL: no memory.
 */
static struct snap_dma_seg *uapi_segs(const struct devsnap_host *dh,
				      const struct snap_host_seg *segs, unsigned int nr,
				      struct snap_dma_seg *stack)
{
	struct snap_dma_seg *s = stack;

	if (nr > DMA_STACK_SEGS) {
		s = calloc(nr, sizeof(*s));
		if (!s)
			return NULL;
	}
	for (unsigned int i = 0; i < nr; i++) {
		s[i] = (struct snap_dma_seg) {
			.host_addr = segs[i].host_addr,
			.pool_off = (uint64_t)((uint8_t *)segs[i].local - dh->ds->pool),
			.len = segs[i].len,
		};
	}
	return s;
}

static int host_dma(struct snap_host *h, enum snap_dma_dir dir,
		    const struct snap_host_seg *segs, unsigned int nr)
{
	struct devsnap_host *dh = to_dh(h);
	struct snap_dma_seg stack[DMA_STACK_SEGS], *s;
	struct snap_dma d = { .func_id = h->func_id, .dir = dir, .nr_segs = nr };
	int ret;

	s = uapi_segs(dh, segs, nr, stack);
	if (!s)
		return -ENOMEM;
	d.segs = (uintptr_t)s;
	ret = do_ioctl(dh, SNAP_IOC_DMA, &d);
	if (s != stack)
		free(s);
	return ret;
}

static int host_sq_fetch(struct snap_host *h, uint16_t qid,
			 const uint16_t *slots, unsigned int max,
			 struct snap_vq_peek *peeks)
{
	struct snap_sq_fetch f = {
		.func_id = h->func_id,
		.sqid = qid,
		.slots = (uintptr_t)slots,
		.max = max,
	};
	int ret;

	/* a module without it reads none: the engine reads them itself */
	if (peeks && (to_dh(h)->ds->features & SNAP_F_VQ_PEEK)) {
		f.flags = SNAP_SQ_FETCH_PEEK;
		f.peeks = (uintptr_t)peeks;
	} else if (peeks) {
		memset(peeks, 0, max * sizeof(*peeks));
	}
	ret = ioctl(to_dh(h)->ds->fd, SNAP_IOC_SQ_FETCH, &f);
	return ret < 0 ? -errno : ret;
}

/*
 * A post that carries segments (SNAP_POST_DMA): their uapi form (in
 * stack when they fit, else in *s, which the caller frees) in the post's
 * flags, segs and nr_segs fields. A module without the feature gets them
 * in a DMA call of their own first, and the post carries none.
 */
static int post_segs(struct devsnap_host *dh, const struct snap_host_seg *segs,
		     unsigned int nr, struct snap_dma_seg *stack, struct snap_dma_seg **s,
		     __u16 *flags, __u64 *uptr, __u32 *count)
{
	*s = NULL;
	if (!nr)
		return 0;
	if (!(dh->ds->features & SNAP_F_POST_DMA))
		return host_dma(&dh->host, SNAP_DMA_TO_HOST, segs, nr);
	*s = uapi_segs(dh, segs, nr, stack);
	if (!*s)
		return -ENOMEM;
	*flags |= SNAP_POST_DMA;
	*uptr = (uintptr_t)*s;
	*count = nr;
	return 0;
}

static int host_post_cqe(struct snap_host *h, uint16_t cqid, const void *cqes,
			 const uint16_t *slots, unsigned int count, int irq,
			 const struct snap_host_seg *segs, unsigned int nr_segs)
{
	struct devsnap_host *dh = to_dh(h);
	struct snap_dma_seg stack[DMA_STACK_SEGS], *s;
	struct snap_post_cqe p = {
		.func_id = h->func_id,
		.cqid = cqid,
		.flags = irq ? SNAP_POST_IRQ : 0,
		.cqes = (uintptr_t)cqes,
		.count = count,
		.slots = (uintptr_t)slots,
	};
	int ret = post_segs(dh, segs, nr_segs, stack, &s, &p.flags, &p.segs, &p.nr_segs);

	if (!ret)
		ret = do_ioctl(dh, SNAP_IOC_POST_CQE, &p);
	if (s != stack)
		free(s);
	return ret;
}

static int host_vq_post(struct snap_host *h, uint16_t vq,
			const struct snap_vq_used_elem *elems,
			const uint16_t *slots, unsigned int count, int irq,
			const struct snap_host_seg *segs, unsigned int nr_segs)
{
	struct devsnap_host *dh = to_dh(h);
	struct snap_dma_seg stack[DMA_STACK_SEGS], *s;
	struct snap_vq_post p = {
		.func_id = h->func_id,
		.vq = vq,
		.flags = irq ? SNAP_POST_IRQ : 0,
		.elems = (uintptr_t)elems,
		.count = count,
		.slots = (uintptr_t)slots,
	};
	int ret = post_segs(dh, segs, nr_segs, stack, &s, &p.flags, &p.segs, &p.nr_segs);

	if (!ret)
		ret = do_ioctl(dh, SNAP_IOC_VQ_POST, &p);
	if (s != stack)
		free(s);
	return ret;
}

static int host_raise_irq(struct snap_host *h, uint16_t vector)
{
	struct snap_irq irq = { .func_id = h->func_id, .vector = vector };

	return do_ioctl(to_dh(h), SNAP_IOC_RAISE_IRQ, &irq);
}

static int host_queue_create(struct snap_host *h, const struct snap_queue_cfg *cfg)
{
	struct snap_queue_cfg c = *cfg;

	c.func_id = h->func_id;
	return do_ioctl(to_dh(h), SNAP_IOC_QUEUE_CREATE, &c);
}

static int host_queue_delete(struct snap_host *h, const struct snap_queue_cfg *cfg)
{
	struct snap_queue_cfg c = {
		.func_id = h->func_id,
		.qid = cfg->qid,
		.type = cfg->type,
	};

	return do_ioctl(to_dh(h), SNAP_IOC_QUEUE_DELETE, &c);
}

static int host_ctrl_done(struct snap_host *h, uint32_t event, uint32_t status)
{
	struct snap_ctrl_done d = {
		.func_id = h->func_id,
		.event = event,
		.status = status,
	};

	return do_ioctl(to_dh(h), SNAP_IOC_CTRL_DONE, &d);
}

static int host_fn_fatal(struct snap_host *h)
{
	struct snap_fn_fatal f = { .func_id = h->func_id };

	return do_ioctl(to_dh(h), SNAP_IOC_FN_FATAL, &f);
}

static void *host_buf_alloc(struct snap_host *h, size_t len)
{
	return bufpool_get(to_dh(h)->bp, len);
}

static void host_buf_free(struct snap_host *h, void *buf, size_t len)
{
	bufpool_put(to_dh(h)->bp, buf, len);
}

static const struct snap_host_ops devsnap_host_ops = {
	.dma = host_dma,
	.sq_fetch = host_sq_fetch,
	.post_cqe = host_post_cqe,
	.vq_post = host_vq_post,
	.raise_irq = host_raise_irq,
	.queue_create = host_queue_create,
	.queue_delete = host_queue_delete,
	.ctrl_done = host_ctrl_done,
	.fn_fatal = host_fn_fatal,
	.buf_alloc = host_buf_alloc,
	.buf_free = host_buf_free,
};

int devsnap_host_open(struct devsnap_host *dh, struct devsnap *ds,
		      uint32_t func_id, struct bufpool *bp)
{
	long page = sysconf(_SC_PAGESIZE);
	struct snap_fn_state *st;

	memset(dh, 0, sizeof(*dh));
	dh->state_len = (sizeof(*st) + (size_t)page - 1) & ~((size_t)page - 1);
	st = mmap(NULL, dh->state_len, PROT_READ | PROT_WRITE, MAP_SHARED, ds->fd,
		  (off_t)SNAP_MMAP_FN_STATE(func_id));
	if (st == MAP_FAILED)
		return -errno;
	if (st->magic != SNAP_FN_STATE_MAGIC || st->version != SNAP_FN_STATE_VERSION ||
	    st->func_id != func_id) {
		munmap(st, dh->state_len);
		return -EPROTO;
	}
	dh->host.ops = &devsnap_host_ops;
	dh->host.state = st;
	dh->host.func_id = func_id;
	dh->ds = ds;
	dh->bp = bp;
	return 0;
}

void devsnap_host_view(struct devsnap_host *view, const struct devsnap_host *dh,
		       struct bufpool *bp)
{
	*view = *dh;
	view->bp = bp;
	view->state_len = 0;
}

void devsnap_host_close(struct devsnap_host *dh)
{
	if (dh->host.state)
		munmap(dh->host.state, dh->state_len);
	dh->host.state = NULL;
}
