// SPDX-License-Identifier: GPL-2.0
/*
 * The uring backend against a real file: data round trips (plain and
 * fixed buffers, O_DIRECT when the file system allows), flush, write
 * zeroes, deallocate, and an I/O error that must come back through done().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../snap_service/bdev/bdev_uring.h"
#include "../snap_service/ioloop.h"
#include "bdev_harness.h"

#define BS	4096u
#define BLOCKS	64u

struct fixture {
	char path[64];
	struct ioloop loop;
	unsigned char *pool;		/* 2 MiB, registered */
	struct bdev *b;
};

/* One I/O on l, which must be ioloop_current. */
static int run_on(struct fixture *f, struct ioloop *l, enum bdev_op op, uint64_t block,
		  uint32_t blocks, void *buf)
{
	struct waiter w = {
		.io = { .op = op, .offset = block * BS, .len = (uint64_t)blocks * BS,
			.buf = buf, .done = waiter_done },
	};
	int ret = bdev_submit(f->b, &w.io);

	if (ret)
		return ret;
	while (!w.done)
		assert_true(ioloop_reap(l, true) >= 0);
	return w.status;
}

static int run(struct fixture *f, enum bdev_op op, uint64_t block, uint32_t blocks,
	       void *buf)
{
	return run_on(f, &f->loop, op, block, blocks, buf);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int fd;

	strcpy(f->path, "/var/tmp/snap-uring-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, (off_t)BS * BLOCKS))
		return -1;
	close(fd);
	if (ioloop_init(&f->loop, 64))
		return -1;
	ioloop_current = &f->loop;
	f->pool = aligned_alloc(IOLOOP_FIXED_CHUNK, IOLOOP_FIXED_CHUNK);
	if (!f->pool || ioloop_register_pool(&f->loop, f->pool, IOLOOP_FIXED_CHUNK))
		return -1;
	f->b = bdev_uring_create("u0", f->path, 0, err, sizeof(err));
	if (!f->b) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bdev_destroy(f->b);
	ioloop_exit(&f->loop);
	unlink(f->path);
	free(f->pool);
	free(f);
	return 0;
}

static void test_geometry(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->b->block_size, 512);
	assert_int_equal(f->b->num_blocks, BS * BLOCKS / 512);
	assert_true(f->b->flags & BDEV_F_VOLATILE_CACHE);
}

static void test_round_trip_fixed_and_plain(void **state)
{
	struct fixture *f = *state;
	unsigned char *plain = aligned_alloc(BS, 4 * BS);

	/* Re-open with 4 KiB blocks so offsets are in BS units. */
	bdev_destroy(f->b);
	f->b = bdev_uring_create("u0", f->path, BS, (char[64]){ 0 }, 64);
	assert_non_null(f->b);
	for (unsigned int i = 0; i < 4 * BS; i++)
		f->pool[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(ioloop_fixed_index(&f->loop, f->pool, 4 * BS), 0);
	assert_int_equal(run(f, BDEV_OP_WRITE, 3, 4, f->pool), 0);
	memset(plain, 0, 4 * BS);
	assert_int_equal(ioloop_fixed_index(&f->loop, plain, 4 * BS), -1);
	assert_int_equal(run(f, BDEV_OP_READ, 3, 4, plain), 0);
	assert_memory_equal(plain, f->pool, 4 * BS);
	assert_int_equal(run(f, BDEV_OP_FLUSH, 0, 0, NULL), 0);
	free(plain);
}

/*
 * A growing pool's table starts empty: a chunk is a fixed buffer only
 * once registered, I/O before that goes by plain reads and writes.
 */
static void test_sparse_pool_fixed_once_registered(void **state)
{
	struct fixture *f = *state;
	unsigned char *two = aligned_alloc(IOLOOP_FIXED_CHUNK, 2 * IOLOOP_FIXED_CHUNK);
	unsigned char *second = two + IOLOOP_FIXED_CHUNK;
	struct ioloop l;

	assert_non_null(two);
	assert_int_equal(ioloop_init(&l, 8), 0);
	assert_int_equal(ioloop_register_pool_sparse(&l, two, 2 * IOLOOP_FIXED_CHUNK), 0);
	assert_int_equal(ioloop_fixed_index(&l, second, BS), -1);
	assert_int_equal(ioloop_register_chunk(&l, second), 0);
	assert_int_equal(ioloop_fixed_index(&l, second, BS), 1);
	assert_int_equal(ioloop_fixed_index(&l, two, BS), -1);
	assert_int_equal(ioloop_register_chunk(&l, second), 0);	/* once is enough */
	assert_int_equal(ioloop_register_chunk(&l, two + BS), -EINVAL);
	assert_int_equal(ioloop_register_chunk(&l, two + 2 * IOLOOP_FIXED_CHUNK), -EINVAL);

	/* The registered chunk works as a fixed buffer of this ring. */
	ioloop_current = &l;
	for (unsigned int i = 0; i < BS; i++)
		second[i] = (unsigned char)(i * 3 + 5);
	bdev_destroy(f->b);
	f->b = bdev_uring_create("u0", f->path, BS, (char[64]){ 0 }, 64);
	assert_non_null(f->b);
	assert_int_equal(run_on(f, &l, BDEV_OP_WRITE, 1, 1, second), 0);
	memset(two, 0, BS);
	assert_int_equal(run_on(f, &l, BDEV_OP_READ, 1, 1, two), 0);
	assert_memory_equal(two, second, BS);
	ioloop_current = &f->loop;
	ioloop_exit(&l);
	free(two);
}

static void test_zeroes_and_deallocate(void **state)
{
	struct fixture *f = *state;
	unsigned char *buf = f->pool + BS * 8;
	unsigned char zero[BS] = { 0 };

	bdev_destroy(f->b);
	f->b = bdev_uring_create("u0", f->path, BS, (char[64]){ 0 }, 64);
	memset(buf, 0x5a, 2 * BS);
	assert_int_equal(run(f, BDEV_OP_WRITE, 10, 2, buf), 0);
	assert_int_equal(run(f, BDEV_OP_WRITE_ZEROES, 10, 1, NULL), 0);
	assert_int_equal(run(f, BDEV_OP_READ, 10, 2, buf), 0);
	assert_memory_equal(buf, zero, BS);
	assert_int_equal(buf[BS], 0x5a);
	assert_int_equal(run(f, BDEV_OP_UNMAP, 11, 1, NULL), 0);
	assert_int_equal(run(f, BDEV_OP_READ, 11, 1, buf), 0);
	assert_memory_equal(buf, zero, BS);
}

/* The backend's descriptor, found through /proc since the test cannot see it. */
static int backing_fd(const char *path)
{
	char link[300], target[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int fd = -1;

	while (dir && (d = readdir(dir))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			fd = atoi(d->d_name);
	}
	if (dir)
		closedir(dir);
	return fd;
}

static void test_io_error_reaches_done(void **state)
{
	struct fixture *f = *state;
	int fd = backing_fd(f->path);
	int ro;

	assert_true(fd >= 0);
	/* The same file, now read-only: the next write fails in the kernel. */
	ro = open(f->path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(dup2(ro, fd), fd);
	close(ro);
	assert_int_equal(run(f, BDEV_OP_WRITE, 0, 1, f->pool), -EBADF);
	assert_int_equal(run(f, BDEV_OP_READ, 0, 1, f->pool), 0);
}

static void test_create_refuses(void **state)
{
	char err[256];

	(void)state;
	assert_null(bdev_uring_create("x", "/nonexistent/file", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	assert_null(bdev_uring_create("x", "/dev/null", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "neither a regular file nor a block device"));
}

static void test_no_loop_no_io(void **state)
{
	struct fixture *f = *state;
	struct waiter w = { .io = { .op = BDEV_OP_FLUSH, .done = waiter_done } };

	ioloop_current = NULL;
	assert_int_equal(bdev_submit(f->b, &w.io), -ENXIO);
	assert_false(w.done);
	ioloop_current = &f->loop;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_fixed_and_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_pool_fixed_once_registered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zeroes_and_deallocate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_error_reaches_done, setup, teardown),
		cmocka_unit_test(test_create_refuses),
		cmocka_unit_test_setup_teardown(test_no_loop_no_io, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("bdev_uring", tests, NULL, NULL);
}
