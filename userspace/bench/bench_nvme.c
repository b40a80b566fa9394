// SPDX-License-Identifier: GPL-2.0
/*
 * bench_nvme: the NVMe engine's own cost per command, through the
 * in-process host and the null or malloc backend (no kernel, no device).
 *
 *   bench_nvme [-b null|malloc] [-s BLOCK_BYTES] [-q DEPTH] [-n COMMANDS]
 *              [-w]  (writes instead of reads)
 *
 * Prints commands per second and MB/s for DEPTH commands kept in flight on
 * one I/O queue pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_inproc.h"
#include "nvme/nvme_ctrl.h"
#include "nvme/nvme_spec.h"

struct opts {
	const char *backend;
	uint32_t bytes;
	uint32_t depth;
	uint64_t count;
	bool write;
};

static void sink(void *arg, const struct snap_event *ev)
{
	nvme_ctrl_event(arg, ev);
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ "null", 4096, 64, 1000000, false };
	while ((c = getopt(argc, argv, "b:s:q:n:w")) != -1) {
		switch (c) {
		case 'b': o->backend = optarg; break;
		case 's': o->bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'q': o->depth = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 'w': o->write = true; break;
		default: return -1;
		}
	}
	if (!o->bytes || o->bytes % 512 || o->bytes > (128u << 10) ||
	    o->depth < 1 || o->depth > 1023)
		return -1;
	return 0;
}

static void admin(struct inproc_host *h, struct nvme_sqe *s)
{
	struct nvme_cqe cqe;

	inproc_submit(h, 0, s);
	while (!inproc_reap(h, 0, &cqe))
		;
	if (cqe.status >> 1) {
		fprintf(stderr, "admin opcode %#x failed: %#x\n", s->opc,
			cqe.status >> 1);
		exit(1);
	}
}

static void create_queues(struct inproc_host *h, uint32_t size)
{
	struct nvme_sqe s;

	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_CQ;
	s.prp1 = inproc_mem_alloc(h, size * 16, 4096);
	s.cdw10 = 1 | ((size - 1) << 16);
	s.cdw11 = 3;
	admin(h, &s);
	memset(&s, 0, sizeof(s));
	s.opc = NVME_ADM_CREATE_SQ;
	s.prp1 = inproc_mem_alloc(h, size * 64, 4096);
	s.cdw10 = 1 | ((size - 1) << 16);
	s.cdw11 = 1 | (1u << 16);
	admin(h, &s);
}

/* PRP2 of each in-flight slot: the second page, or a PRP list. */
static uint64_t *build_prp2(struct inproc_host *h, const struct opts *o,
			    uint64_t data)
{
	uint64_t *prp2 = calloc(o->depth, sizeof(*prp2));
	uint32_t pages = (o->bytes + 4095) / 4096, i, p;

	for (i = 0; prp2 && i < o->depth; i++) {
		uint64_t buf = data + (uint64_t)i * o->bytes, list;
		uint64_t *l;

		if (pages == 2)
			prp2[i] = buf + 4096;
		if (pages <= 2)
			continue;
		list = inproc_mem_alloc(h, (pages - 1) * 8, 4096);
		l = inproc_mem_ptr(h, list, (pages - 1) * 8);
		for (p = 1; p < pages; p++)
			l[p - 1] = buf + (uint64_t)p * 4096;
		prp2[i] = list;
	}
	return prp2;
}

/* Keep depth commands in flight until count have completed. */
static double run(struct inproc_host *h, struct nvme_ctrl *c,
		  const struct opts *o, uint64_t data)
{
	uint64_t *prp2 = build_prp2(h, o, data), errors = 0;
	struct nvme_sqe s;
	struct nvme_cqe cqe;
	uint64_t sent = 0, done = 0, lba = 0, blocks = o->bytes / 512;

	if (!prp2)
		exit(1);
	struct timespec t0, t1;
	uint32_t i;

	memset(&s, 0, sizeof(s));
	s.opc = o->write ? NVME_IO_WRITE : NVME_IO_READ;
	s.nsid = 1;
	s.cdw12 = (uint32_t)blocks - 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < o->count) {
		for (i = 0; sent - done < o->depth && sent < o->count; i++) {
			s.cid = (uint16_t)sent;
			s.prp1 = data + ((sent % o->depth) * o->bytes);
			s.prp2 = prp2[sent % o->depth];
			s.cdw10 = (uint32_t)lba;
			lba = (lba + blocks) % (1024 * 1024 / 512 * 64 - blocks);
			if (inproc_sq_write(h, 1, &s))
				break;
			sent++;
		}
		if (i)
			inproc_sq_ring(h, 1);
		nvme_ctrl_poll(c);
		while (inproc_reap_quiet(h, 1, &cqe)) {
			errors += (cqe.status >> 1) != 0;
			done++;
		}
		inproc_cq_ring(h, 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(prp2);
	if (errors) {
		fprintf(stderr, "bench_nvme: %llu commands failed\n",
			(unsigned long long)errors);
		exit(1);
	}
	return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct nvme_ctrl_cfg cfg;
	struct inproc_host *h;
	struct nvme_ctrl *c;
	struct bdev *b;
	struct opts o;
	double secs;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: bench_nvme [-b null|malloc] [-s BYTES] "
			"[-q DEPTH] [-n COMMANDS] [-w]\n");
		return 2;
	}
	h = inproc_create(64u << 20, 1023, 4);
	if (h)
		h->buf_cache = true;
	nvme_ctrl_cfg_default(&cfg);
	cfg.num_msix = 4;
	cfg.mdts = 5;
	c = h ? nvme_ctrl_create(&cfg, &h->host) : NULL;
	b = strcmp(o.backend, "malloc") ? bdev_null_create("b", 131072, 512) :
					  bdev_malloc_create("b", 131072, 512);
	if (!c || !b || nvme_ctrl_attach_ns(c, 1, b, NULL)) {
		fprintf(stderr, "bench_nvme: setup failed\n");
		return 1;
	}
	inproc_set_sink(h, sink, c);
	inproc_enable(h, 31, 31, inproc_mem_alloc(h, 32 * 64, 4096),
		      inproc_mem_alloc(h, 32 * 16, 4096), (6u << 16) | (4u << 20));
	create_queues(h, 1024);
	secs = run(h, c, &o, inproc_mem_alloc(h, (uint64_t)o.depth * o.bytes, 4096));
	printf("%s %s %u B QD %u: %.0f commands/s, %.1f MB/s (%llu in %.2f s)\n",
	       o.backend, o.write ? "write" : "read", o.bytes, o.depth,
	       o.count / secs, o.count * (double)o.bytes / secs / 1e6,
	       (unsigned long long)o.count, secs);
	nvme_ctrl_destroy(c);
	bdev_destroy(b);
	inproc_destroy(h);
	return 0;
}
