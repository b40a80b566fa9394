// SPDX-License-Identifier: GPL-2.0
/*
 * A daemon killed at the worst moments, and the one that takes over: at
 * each fault point (userspace/snap_service/fault.h) the engine "dies"
 * (the handler jumps out of it, as SIGKILL would end it), a new engine is
 * created on the same function state, and the host must see every
 * command it submitted complete exactly once, with the data it wrote.
 *
 * The case the issue was filed for: completions posted, the daemon killed
 * before it released their slots, and the successor running those writes
 * again from host buffers the host had already reused for other blocks.
 */
#include <sys/mman.h>

#include "nvme_harness.h"
#include "bdev/bdev.h"
#include "fault.h"

#define NR_CMDS		16
#define BLOCK_BYTES	H_BS

static jmp_buf died;

static void die(enum snap_fault f)
{
	(void)f;
	longjmp(died, 1);
}

static struct nvme_sqe rw_cmd(struct harness *t, uint8_t opc, uint64_t lba,
			      uint64_t addr)
{
	struct nvme_sqe s = h_sqe(t, opc, 1);

	s.prp1 = addr;
	s.cdw10 = (uint32_t)lba;
	return s;
}

/* Queue NR_CMDS commands on SQ 1 and ring once: one fetch, one transfer. */
static void submit_batch(struct harness *t, uint8_t opc, uint64_t buf,
			 uint16_t *cids)
{
	for (unsigned int i = 0; i < NR_CMDS; i++) {
		struct nvme_sqe s = rw_cmd(t, opc, i, buf + i * 4096);

		cids[i] = s.cid;
		assert_int_equal(inproc_sq_write(t->h, 1, &s), 0);
	}
	inproc_sq_ring(t->h, 1);
}

/*
 * A new engine on the same function state and namespace, nothing else
 * kept, replaces t->c; returns how many commands it took over.
 */
static int take_over(struct harness *t)
{
	struct nvme_ctrl *old = t->c;
	int n;

	t->c = nvme_ctrl_create(&t->cfg, &t->h->host);
	assert_non_null(t->c);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 1, t->ns1, NULL), 0);
	inproc_set_sink(t->h, h_sink, t->c);
	n = nvme_ctrl_recover(t->c);
	nvme_ctrl_destroy(old);
	return n;
}

/*
 * Run the batch with the fault armed; returns whether the engine died.
 * After a death, a new engine takes over the function state.
 */
static bool run_until_death(struct harness *t, enum snap_fault f,
			    uint8_t opc, uint64_t buf, uint16_t *cids)
{
	snap_fault_set_handler(die);
	snap_fault_arm(f, 1);
	if (!setjmp(died)) {
		submit_batch(t, opc, buf, cids);
		snap_fault_disarm();
		snap_fault_set_handler(NULL);
		return false;
	}
	snap_fault_disarm();
	snap_fault_set_handler(NULL);
	take_over(t);
	return true;
}

/* Every cid exactly once, successfully; nothing more. */
static void reap_each_once(struct harness *t, const uint16_t *cids)
{
	unsigned int seen[NR_CMDS] = { 0 }, n = 0;
	struct nvme_cqe cqe;

	nvme_ctrl_poll(t->c);
	while (inproc_reap(t->h, 1, &cqe)) {
		unsigned int i;

		for (i = 0; i < NR_CMDS && cids[i] != cqe.cid; i++)
			;
		assert_true(i < NR_CMDS);
		assert_int_equal(cqe.status >> 1, 0);
		seen[i]++;
		n++;
		nvme_ctrl_poll(t->c);
	}
	for (unsigned int i = 0; i < NR_CMDS; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(n, NR_CMDS);
	assert_int_equal(t->h->stale_cqes, 0);
	assert_int_equal(t->h->state->sq[1].inflight, 0);
}

static void fill(uint8_t *p, uint8_t seed)
{
	for (unsigned int i = 0; i < NR_CMDS; i++)
		memset(p + i * 4096, seed + i, BLOCK_BYTES);
}

/* Block i of the namespace holds seed + i, read back through the engine. */
static void check_blocks(struct harness *t, uint8_t seed)
{
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);

	for (unsigned int i = 0; i < NR_CMDS; i++) {
		memset(p, 0, BLOCK_BYTES);
		assert_int_equal(h_rw(t, NVME_IO_READ, 1, i, 1, a), 0);
		assert_int_equal(p[0], (uint8_t)(seed + i));
		assert_int_equal(p[BLOCK_BYTES - 1], (uint8_t)(seed + i));
	}
}

/* Writes of seed + i to blocks 0..15, the daemon dying at fault point f. */
static void write_through_death(enum snap_fault f)
{
	struct harness *t = h_new();
	uint16_t cids[NR_CMDS];
	uint64_t a;
	uint8_t *p = h_buf(t, NR_CMDS * 4096, &a);

	h_io_queue(t, 1, 64);
	fill(p, 0x10);
	assert_true(run_until_death(t, f, NVME_IO_WRITE, a, cids));
	reap_each_once(t, cids);

	/*
	 * The host has seen its writes complete: it reuses the buffers for
	 * other data. Nothing of the first batch may run again over them.
	 */
	memset(p, 0xee, NR_CMDS * 4096);
	nvme_ctrl_poll(t->c);
	check_blocks(t, 0x10);
	h_free(t);
}

static void test_killed_after_posting(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_POST);
}

static void test_killed_in_the_middle_of_a_transfer(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_XFER);
}

static void test_killed_after_fetching(void **state)
{
	(void)state;
	write_through_death(SNAP_FAULT_FETCH);
}

/*
 * Reads through a kill: run again, each completed once with its data.
 * A read's data moves in the call that posts its completion, so no kill
 * falls between the two: only after fetching or after posting.
 */
static void read_through_death(enum snap_fault f)
{
	struct harness *t = h_new();
	uint16_t cids[NR_CMDS];
	uint64_t a;
	uint8_t *p = h_buf(t, NR_CMDS * 4096, &a);

	h_io_queue(t, 1, 64);
	fill(p, 0x30);
	for (unsigned int i = 0; i < NR_CMDS; i++)
		assert_int_equal(h_rw(t, NVME_IO_WRITE, 1, i, 1, a + i * 4096), 0);
	memset(p, 0, NR_CMDS * 4096);
	assert_true(run_until_death(t, f, NVME_IO_READ, a, cids));
	reap_each_once(t, cids);
	for (unsigned int i = 0; i < NR_CMDS; i++)
		assert_int_equal(p[i * 4096], 0x30 + i);
	h_free(t);
}

static void test_reads_killed_after_fetching(void **state)
{
	(void)state;
	read_through_death(SNAP_FAULT_FETCH);
}

static void test_reads_killed_after_posting(void **state)
{
	(void)state;
	read_through_death(SNAP_FAULT_POST);
}

/* The successor runs what it takes over in the order it was fetched. */
static void test_takeover_runs_in_fetch_order(void **state)
{
	struct harness *t = h_new();
	struct nvme_sqe w1, w2;
	struct nvme_cqe cqe;
	uint64_t a;
	uint8_t *p = h_buf(t, 2 * 4096, &a);

	(void)state;
	h_io_queue(t, 1, 16);
	memset(p, 0x01, BLOCK_BYTES);
	memset(p + 4096, 0x02, BLOCK_BYTES);
	/* two writes to block 5: the second (in the lower slot) wins */
	w1 = rw_cmd(t, NVME_IO_WRITE, 5, a);
	w2 = rw_cmd(t, NVME_IO_WRITE, 5, a + 4096);
	assert_int_equal(inproc_slot_fill(t->h, 9, 1, &w1), 0);
	assert_int_equal(inproc_slot_fill(t->h, 2, 1, &w2), 0);
	assert_int_equal(take_over(t), 2);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, w1.cid);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, w2.cid);
	memset(p, 0, BLOCK_BYTES);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 5, 1, a), 0);
	assert_int_equal(p[0], 0x02);
	h_free(t);
}

static void no_daemon(void *arg, const struct snap_event *ev)
{
	(void)arg;
	(void)ev;
}

/* Namespace 1 over memory the test can tear, as a killed copy would. */
static uint8_t *ns1_over_test_memory(struct harness *t)
{
	size_t size = (size_t)H_BLOCKS * H_BS;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(mem != MAP_FAILED);
	assert_int_equal(nvme_ctrl_detach_ns(t->c, 1), 0);
	bdev_destroy(t->ns1);
	t->ns1 = bdev_malloc_create_mapped("Malloc0", H_BLOCKS, H_BS, mem);
	assert_non_null(t->ns1);
	assert_int_equal(nvme_ctrl_attach_ns(t->c, 1, t->ns1, NULL), 0);
	return mem;
}

/*
 * The CI failure: a daemon killed inside a write's copy to a malloc
 * namespace leaves a block half new, half old, and only that write, run
 * again, repairs it. A read of the block that the successor takes over
 * (fetched before the write: first in fetch order) must wait for it, and
 * return the block whole; so must a read the old daemon never fetched,
 * which the successor leaves in the SQ until the write has ended.
 */
static void test_takeover_reads_wait_for_writes(void **state)
{
	struct harness *t = h_new();
	struct nvme_sqe rd, wr, later;
	struct nvme_cqe cqe;
	uint8_t *mem, *p;
	uint64_t a;

	(void)state;
	h_io_queue(t, 1, 16);
	mem = ns1_over_test_memory(t);
	p = h_buf(t, 3 * 4096, &a);
	memset(p + 4096, 0xbb, BLOCK_BYTES);
	memset(mem + 5 * H_BS, 0xbb, H_BS / 2);
	memset(mem + 5 * H_BS + H_BS / 2, 0xaa, H_BS / 2);
	rd = rw_cmd(t, NVME_IO_READ, 5, a);
	wr = rw_cmd(t, NVME_IO_WRITE, 5, a + 4096);
	assert_int_equal(inproc_slot_fill(t->h, 3, 1, &rd), 0);
	assert_int_equal(inproc_slot_fill(t->h, 4, 1, &wr), 0);
	/* in the SQ, its doorbell rung while no daemon was there */
	later = rw_cmd(t, NVME_IO_READ, 5, a + 2 * 4096);
	inproc_set_sink(t->h, no_daemon, NULL);
	assert_int_equal(inproc_sq_write(t->h, 1, &later), 0);
	inproc_sq_ring(t->h, 1);
	assert_int_equal(take_over(t), 2);
	nvme_ctrl_poll(t->c);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, wr.cid);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, rd.cid);
	assert_int_equal(cqe.status >> 1, 0);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 1);
	assert_int_equal(cqe.cid, later.cid);
	assert_int_equal(cqe.status >> 1, 0);
	for (unsigned int i = 0; i < H_BS; i++) {
		assert_int_equal(p[i], 0xbb);
		assert_int_equal(p[2 * 4096 + i], 0xbb);
	}
	h_free(t);
}

/*
 * Slots of a controller the host has reset since are not its commands,
 * but the host side still holds them: the successor neither runs them
 * nor fetches into them (a fetch naming a held slot is refused whole),
 * and commands submitted after the take-over complete.
 */
static void test_takeover_skips_older_generations(void **state)
{
	struct harness *t = h_new();
	struct nvme_cqe cqe;
	struct nvme_sqe w;
	unsigned int n = 0;
	uint64_t a;

	(void)state;
	h_buf(t, 4096, &a);
	h_io_queue(t, 1, 16);
	w = rw_cmd(t, NVME_IO_WRITE, 1, a);
	assert_int_equal(inproc_slot_fill(t->h, 4, 1, &w), 0);
	t->h->state->inflight[4].gen--;
	assert_int_equal(take_over(t), 0);

	for (unsigned int i = 0; i < 8; i++) {
		struct nvme_sqe r = rw_cmd(t, NVME_IO_READ, i, a);

		assert_int_equal(inproc_sq_write(t->h, 1, &r), 0);
	}
	inproc_sq_ring(t->h, 1);
	nvme_ctrl_poll(t->c);
	while (inproc_reap(t->h, 1, &cqe)) {
		assert_int_equal(cqe.status >> 1, 0);
		n++;
		nvme_ctrl_poll(t->c);
	}
	assert_int_equal(n, 8);
	h_free(t);
}

/* The host side refuses a completion for a command not in flight. */
static void test_completion_twice_is_refused(void **state)
{
	struct harness *t = h_new();
	struct nvme_cqe cqe = { 0 };
	uint16_t slot = 0;
	uint64_t a;
	uint8_t *p = h_buf(t, 4096, &a);

	(void)state;
	(void)p;
	h_io_queue(t, 1, 16);
	assert_int_equal(h_rw(t, NVME_IO_READ, 1, 0, 1, a), 0);
	cqe.cid = t->last.cid;
	cqe.sqid = 1;
	/* the slot it ran in is empty: nothing is posted, it is counted */
	assert_int_equal(t->h->host.ops->post_cqe(&t->h->host, 1, &cqe, &slot, 1, 1, NULL, 0), 0);
	assert_int_equal(inproc_reap(t->h, 1, &cqe), 0);
	assert_int_equal(t->h->stale_cqes, 1);
	t->h->stale_cqes = 0;
	h_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_after_posting),
		cmocka_unit_test(test_killed_in_the_middle_of_a_transfer),
		cmocka_unit_test(test_killed_after_fetching),
		cmocka_unit_test(test_reads_killed_after_fetching),
		cmocka_unit_test(test_reads_killed_after_posting),
		cmocka_unit_test(test_takeover_runs_in_fetch_order),
		cmocka_unit_test(test_takeover_reads_wait_for_writes),
		cmocka_unit_test(test_takeover_skips_older_generations),
		cmocka_unit_test(test_completion_twice_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
