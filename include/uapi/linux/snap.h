/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * snap: the ABI between the snap module and userspace (the snap_service
 * daemon and snapadm): the generic netlink family "snap" and /dev/snap.
 *
 * The netlink part is generated from Documentation/netlink/specs/snap.yaml
 * into linux/snap_nl_gen.h; change the spec, not the generated header.
 */
#ifndef _UAPI_LINUX_SNAP_H
#define _UAPI_LINUX_SNAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The major number changes only when an old daemon could misread the new
 * module; minor grows with additions that old daemons may ignore.
 */
#define SNAP_ABI_MAJOR		2
#define SNAP_ABI_MINOR		9

/* ---- generic netlink family ---- */

/*
 * The family's name, commands, attributes, enums and string limits are
 * generated from Documentation/netlink/specs/snap.yaml (scripts/nlgen.py).
 * Each object has NEW, DEL, GET (doit for one, dump for all) and, where
 * something can change, SET. The same commands announce changes on the
 * "events" group: NEW after a create, DEL after a destroy, SET after any
 * change, carrying the object's attributes as GET would.
 */
#include <linux/snap_nl_gen.h>

/* ---- /dev/snap ---- */

#define SNAP_DEV_NAME		"snap"

/*
 * Features a daemon asks for at attach; the module answers with the subset
 * it supports, as ublk does. Unknown bits are simply not granted.
 */
#define SNAP_F_STATUS_REPORT	(1ULL << 0)	/* daemon reports ready/error */
#define SNAP_F_DATAPATH		(1ULL << 1)	/* the ops below, mmap, uring_cmd */
#define SNAP_F_VIRTIO		(1ULL << 2)	/* the daemon serves virtqueues */
#define SNAP_F_WAIT_POLL	(1ULL << 3)	/* SNAP_WAIT_POLL (ABI 2.6) */
#define SNAP_F_POST_DMA		(1ULL << 4)	/* SNAP_POST_DMA (ABI 2.7) */
#define SNAP_F_VQ_PEEK		(1ULL << 5)	/* SNAP_SQ_FETCH_PEEK (ABI 2.9) */
#define SNAP_F_ALL		(SNAP_F_STATUS_REPORT | SNAP_F_DATAPATH | \
				 SNAP_F_VIRTIO | SNAP_F_WAIT_POLL | SNAP_F_POST_DMA | \
				 SNAP_F_VQ_PEEK)

/**
 * struct snap_ioc_attach - SNAP_IOC_ATTACH argument
 * @abi_major: in: the daemon's SNAP_ABI_MAJOR; out: the module's
 * @abi_minor: in: the daemon's SNAP_ABI_MINOR; out: the module's
 * @flags: must be 0
 * @features: in: wanted SNAP_F_*; out: granted
 * @reserved: must be 0
 */
struct snap_ioc_attach {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 flags;
	__u64 features;
	__u64 reserved[6];
};

/**
 * struct snap_ioc_info - SNAP_IOC_INFO result
 * @abi_major: the module's SNAP_ABI_MAJOR
 * @abi_minor: the module's SNAP_ABI_MINOR
 * @flags: must be 0 on input
 * @features: features the module supports
 * @generation: grows with every object change, for cheap resyncs
 * @daemon_pid: pid of the attached daemon, 0 when none
 * @pad: must be 0
 * @pool_size: bytes of the DMA pool (mmap offset %SNAP_MMAP_POOL); 0
 *	until the first daemon attached, which creates it
 * @pool_resident: bytes of it made resident with SNAP_IOC_POOL_GROW
 *	(ABI 2.3); must be 0 on input
 * @reserved: must be 0 on input
 */
struct snap_ioc_info {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 flags;
	__u64 features;
	__u64 generation;
	__u32 daemon_pid;
	__u32 pad;
	__u64 pool_size;
	__u64 pool_resident;
	__u64 reserved[2];
};

#define SNAP_IOC_MAGIC		0xb5
#define SNAP_IOC_ATTACH		_IOWR(SNAP_IOC_MAGIC, 0x00, struct snap_ioc_attach)
#define SNAP_IOC_DETACH		_IO(SNAP_IOC_MAGIC, 0x01)
#define SNAP_IOC_INFO		_IOWR(SNAP_IOC_MAGIC, 0x02, struct snap_ioc_info)

/* ---- /dev/snap data path (SNAP_F_DATAPATH) ---- */

/*
 * The daemon serves emulated functions through /dev/snap: it waits for
 * events (register changes, doorbells), moves data between host memory and
 * the DMA pool, posts completions and raises interrupts. Every operation is
 * an ioctl on the attached file and, with the same number and argument, an
 * io_uring uring_cmd (see struct snap_uring_cmd). Only the attached daemon's
 * file may use them (ENOTCONN otherwise). Malformed arguments fail with
 * EINVAL before anything is read from or written to host memory.
 *
 * mmap offsets of /dev/snap:
 * %SNAP_MMAP_POOL: the DMA pool, mempool_size_mb MiB of 2 MiB pages,
 *	readable and writable, usable as io_uring fixed buffers; pool offsets
 *	in struct snap_dma_seg are offsets into this mapping. The pool grows
 *	on demand: a 2 MiB chunk is made resident with SNAP_IOC_POOL_GROW
 *	before the daemon stages data in it; SNAP_IOC_DMA refuses (EINVAL)
 *	a segment in a chunk that is not.
 * SNAP_MMAP_FN_STATE(func_id): the struct snap_fn_state of one function,
 *	readable and writable. It outlives the daemon: a new daemon maps it
 *	and continues where the old one stopped.
 * SNAP_MMAP_BDEV(bdev_id): the contents of a malloc bdev (num_blocks *
 *	block_size bytes, zeroed when first mapped), kept by the module until
 *	the bdev is deleted, so a RAM disk survives a daemon restart.
 * SNAP_MMAP_BDEV_STATS(bdev_id) (ABI 2.5): the struct snap_bdev_stats of
 *	any bdev, readable and writable, zeroed when first mapped and kept by
 *	the module until the bdev is deleted.
 */
#define SNAP_MMAP_POOL			0ULL
#define SNAP_MMAP_FN_STATE_BASE		(1ULL << 40)
#define SNAP_MMAP_FN_STATE_STRIDE	(1ULL << 24)
#define SNAP_MMAP_FN_STATE(func_id) \
	(SNAP_MMAP_FN_STATE_BASE + (__u64)(func_id) * SNAP_MMAP_FN_STATE_STRIDE)

#define SNAP_MMAP_BDEV_STATS_BASE	(1ULL << 59)
#define SNAP_MMAP_BDEV_STATS_STRIDE	(1ULL << 24)
#define SNAP_MMAP_BDEV_STATS(bdev_id) \
	(SNAP_MMAP_BDEV_STATS_BASE + (__u64)(bdev_id) * SNAP_MMAP_BDEV_STATS_STRIDE)

#define SNAP_MMAP_BDEV_BASE		(1ULL << 60)
#define SNAP_MMAP_BDEV_STRIDE		(1ULL << 40)
#define SNAP_MMAP_BDEV(bdev_id) \
	(SNAP_MMAP_BDEV_BASE + (__u64)(bdev_id) * SNAP_MMAP_BDEV_STRIDE)

#define SNAP_POOL_CHUNK_SIZE	(2U << 20)	/* pool pages are 2 MiB */

#define SNAP_NVME_MAX_QUEUES	64	/* queue ids 0 (admin) to 63 */
#define SNAP_VIRTIO_MAX_QUEUES	64	/* virtqueues 0 to 63 */
#define SNAP_INFLIGHT_MAX	1024	/* in-flight slots per function */

#define SNAP_DMA_MAX_SEGS	1024	/* segments in one SNAP_IOC_DMA */
#define SNAP_DMA_MAX_SEG_LEN	(2U << 20)
#define SNAP_DMA_ALIGN		4	/* addresses, offsets, lengths */
#define SNAP_CQE_MAX_BATCH	64	/* entries in one SNAP_IOC_POST_CQE */
#define SNAP_USED_MAX_BATCH	64	/* entries in one SNAP_IOC_VQ_POST */
#define SNAP_SQ_FETCH_MAX	64	/* commands in one SNAP_IOC_SQ_FETCH */
#define SNAP_WAIT_MAX_EVENTS	256	/* events in one SNAP_IOC_WAIT */

/* struct snap_queue_state.flags */
#define SNAP_QF_IRQ		(1U << 0)	/* CQ: raise its vector */

/**
 * struct snap_queue_state - one submission or completion queue
 * @base: host address of the ring
 * @size: entries in the ring; 0 when the queue does not exist
 * @qid: queue id
 * @cqid: SQ: the CQ its completions go to; CQ: its own id
 * @vector: CQ: MSI-X vector
 * @flags: SNAP_QF_*
 * @doorbell: the last doorbell value the host wrote (SQ tail, CQ head), as
 *	the kernel saw it; written by the kernel
 * @head: SQ: the next entry SNAP_IOC_SQ_FETCH takes. CQ: the host's head,
 *	equal to @doorbell. Written by the kernel
 * @tail: CQ: the slot the next completion goes to; written by the kernel
 * @phase: CQ: phase tag of the next completion (0 or 1); written by the
 *	kernel
 * @inflight: SQ: commands fetched and not yet completed (slots in use);
 *	written by the kernel
 * @reserved: 0
 *
 * The kernel sets @base, @size, @qid, @cqid, @vector and @flags when the
 * controller is enabled (admin queues, from AQA/ASQ/ACQ) or the daemon
 * creates the queue (SNAP_IOC_QUEUE_CREATE), and clears the whole entry
 * when the controller is disabled or reset.
 */
struct snap_queue_state {
	__u64 base;
	__u32 size;
	__u16 qid;
	__u16 cqid;
	__u16 vector;
	__u16 flags;
	__u32 doorbell;
	__u32 head;
	__u32 tail;
	__u32 phase;
	__u32 inflight;
	__u32 reserved[6];
};

/**
 * struct snap_vq_state - one virtqueue of a virtio function
 * @desc: host address of the descriptor area
 * @driver: host address of the driver (available) area
 * @device: host address of the device (used) area
 * @size: entries; 0 when the queue is not enabled
 * @vector: MSI-X vector, or 0xffff (VIRTIO_MSI_NO_VECTOR) for none
 * @avail: the next available-ring index SNAP_IOC_SQ_FETCH takes (a free
 *	running 16-bit counter, as the ring's own idx); written by the kernel
 * @used: the next used-ring index SNAP_IOC_VQ_POST fills; written by the
 *	kernel
 * @inflight: chains fetched and not yet used (slots in use); written by
 *	the kernel
 * @reserved: 0
 *
 * The kernel fills in @desc, @driver, @device, @size and @vector when the
 * driver sets DRIVER_OK, and clears the whole entry on device reset.
 */
struct snap_vq_state {
	__u64 desc;
	__u64 driver;
	__u64 device;
	__u16 size;
	__u16 vector;
	__u16 avail;
	__u16 used;
	__u32 inflight;
	__u32 reserved[7];
};

/* struct snap_inflight_slot.flags */
#define SNAP_INFLIGHT_USED	(1U << 0)

/* struct snap_vq_chain_start.desc_flags */
#define SNAP_VQ_START_INDIRECT	(1U << 0)

#define SNAP_VQ_START_DESCS	3	/* descriptors a chain start holds */
#define SNAP_VRING_DESC_SIZE	16	/* struct vring_desc */

/**
 * struct snap_vq_chain_start - the start of a virtio chain, read at fetch
 * @head: the descriptor index that heads the chain
 * @nr_descs: (ABI 2.8) descriptors in @descs, 0 to %SNAP_VQ_START_DESCS;
 *	0 when the kernel read none (a module before 2.8 never does)
 * @desc_flags: (ABI 2.8) without %SNAP_VQ_START_INDIRECT, @descs are the
 *	descriptor table's entries from @head on. With it, the head
 *	descriptor refers to an indirect table (VRING_DESC_F_INDIRECT
 *	without VRING_DESC_F_NEXT) at @indirect_addr of @indirect_len bytes,
 *	a whole number of descriptors, and @descs are that table's first
 *	entries
 * @indirect_len: with %SNAP_VQ_START_INDIRECT: the head descriptor's len
 * @indirect_addr: with %SNAP_VQ_START_INDIRECT: the head descriptor's addr
 * @descs: @nr_descs struct vring_desc as the driver wrote them
 *
 * SNAP_IOC_SQ_FETCH reads these with the chain's head, so that the daemon
 * need not read them itself: what it would have read first, in the same
 * call that takes the chain. The kernel checks nothing beyond what it
 * needs to find them; the daemon validates them as it validates what it
 * reads. What the kernel could not read (host memory refused) is left
 * out, and the daemon meets the same refusal when it reads it.
 */
struct snap_vq_chain_start {
	__u16 head;
	__u8 nr_descs;
	__u8 desc_flags;
	__u32 indirect_len;
	__u64 indirect_addr;
	__u8 descs[SNAP_VQ_START_DESCS * SNAP_VRING_DESC_SIZE];
};

/**
 * struct snap_inflight_slot - a command fetched and not yet completed
 * @sqid: the submission queue (NVMe) or virtqueue (virtio) it came from
 * @flags: SNAP_INFLIGHT_*
 * @gen: the function's enable_count when it was fetched: a slot of an
 *	older generation is not the current controller's
 * @seq: fetch order: the function's running count of fetched commands
 * @sqe: NVMe: the 64-byte command as fetched
 * @head: virtio: the descriptor index that heads the chain (@vq.head);
 *	its descriptors are in host memory, which the driver leaves alone
 *	until the chain is used
 * @vq: virtio: the chain's start as read at fetch
 *
 * Written by the kernel only: SNAP_IOC_SQ_FETCH fills a slot in the same
 * step as it moves the SQ head, and SNAP_IOC_POST_CQE empties it in the
 * same step as it posts the command's completion. A daemon that dies at
 * any point therefore leaves exactly the commands the host is still
 * waiting for, each once; its successor runs them again in @seq order.
 * Controller disable and reset empty every slot.
 */
struct snap_inflight_slot {
	__u16 sqid;
	__u16 flags;
	__u32 gen;
	__u64 seq;
	union {
		__u8 sqe[64];
		__u16 head;
		struct snap_vq_chain_start vq;
	};
};

/**
 * struct snap_io_stats - I/O counters of one queue
 * @read_ops: reads completed (NVMe Read, virtio-blk IN)
 * @read_bytes: their data
 * @read_lat_ns: the sum of their latencies, fetch to completion
 * @write_ops: writes completed (NVMe Write, virtio-blk OUT)
 * @write_bytes: their data
 * @write_lat_ns: the sum of their latencies
 * @unmap_ops: deallocations completed (NVMe Dataset Management with
 *	Deallocate, virtio-blk DISCARD)
 * @unmap_lat_ns: the sum of their latencies
 * @flush_ops: flushes completed
 * @other_ops: other I/O commands completed (Write Zeroes, Compare, GET_ID)
 * @errors: commands of any kind completed with an error status
 * @reserved: 0
 *
 * The daemon counts each I/O command as it completes it to the host, in
 * struct snap_fn_state, so the counts outlive it; the kernel reports them
 * (nvme-ctrl-stats-get, vblk-ctrl-stats-get) and zeroes them when a
 * controller is created on the function.
 */
struct snap_io_stats {
	__u64 read_ops;
	__u64 read_bytes;
	__u64 read_lat_ns;
	__u64 write_ops;
	__u64 write_bytes;
	__u64 write_lat_ns;
	__u64 unmap_ops;
	__u64 unmap_lat_ns;
	__u64 flush_ops;
	__u64 other_ops;
	__u64 errors;
	__u64 reserved[5];
};

/**
 * struct snap_bdev_stats - I/O counters of one bdev (ABI 2.5)
 * @io: operations, bytes, summed latencies and errors, as a queue's, of
 *	the I/O the daemon's bdev layer completed: latency is submission to
 *	the backend to its completion; @io.other_ops counts Write Zeroes
 * @unmap_bytes: bytes the unmaps that succeeded covered
 * @max_read_lat_ns: the longest read; 0 before the first
 * @min_read_lat_ns: the shortest read; 0 before the first
 * @max_write_lat_ns: the longest write
 * @min_write_lat_ns: the shortest write
 * @max_unmap_lat_ns: the longest unmap
 * @min_unmap_lat_ns: the shortest unmap
 * @reserved: 0
 *
 * Every daemon thread using the bdev updates these with atomic operations
 * in the bdev's page (SNAP_MMAP_BDEV_STATS), so the counts outlive the
 * daemon; the kernel reports them (bdev-stats-get), each counter read
 * whole, and @reserved as 0.
 */
struct snap_bdev_stats {
	struct snap_io_stats io;
	__u64 unmap_bytes;
	__u64 max_read_lat_ns;
	__u64 min_read_lat_ns;
	__u64 max_write_lat_ns;
	__u64 min_write_lat_ns;
	__u64 max_unmap_lat_ns;
	__u64 min_unmap_lat_ns;
	__u64 reserved[9];
};

#define SNAP_FN_STATE_MAGIC	0x534e4150	/* "SNAP" */
#define SNAP_FN_STATE_VERSION	4
#define SNAP_FN_ENGINE_SIZE	2048

/**
 * struct snap_fn_state - data-path state of one emulated function
 * @magic: %SNAP_FN_STATE_MAGIC
 * @version: %SNAP_FN_STATE_VERSION
 * @func_id: the function's id (SNAP_A_ID of its func-get reply)
 * @max_queues: entries of @sq and @cq (NVMe) or @vq (virtio) this
 *	function may use
 * @cc: NVMe: the Controller Configuration value the kernel last acted on
 * @csts: NVMe: the Controller Status value the kernel last published
 * @aqa: NVMe: Admin Queue Attributes at enable
 * @enable_count: incremented on every enable (NVMe CC.EN, virtio
 *	DRIVER_OK), so a daemon sees resets
 * @asq: NVMe: Admin Submission Queue base at enable
 * @acq: NVMe: Admin Completion Queue base at enable
 * @type: enum snap_func_type: which of the unions' members apply
 * @device_status: virtio: device_status at the last DRIVER_OK
 * @driver_features: virtio: the features the driver negotiated
 * @reserved: 0
 * @sq: NVMe: submission queues by id
 * @cq: NVMe: completion queues by id
 * @vq: virtio: virtqueues by index
 * @inflight: commands fetched and not completed, by slot; see
 *	struct snap_inflight_slot
 * @engine: the daemon's own controller state that must outlive a daemon
 *	(features the host set, SMART counters). The kernel zeroes it when
 *	the function is created and never reads it.
 * @stats: I/O counters by queue (NVMe: SQ id; virtio: virtqueue index),
 *	written by the daemon; see struct snap_io_stats
 *
 * Everything but @engine and @stats is written by the kernel only.
 */
struct snap_fn_state {
	__u32 magic;
	__u32 version;
	__u32 func_id;
	__u32 max_queues;
	__u32 cc;
	__u32 csts;
	__u32 aqa;
	__u32 enable_count;
	__u64 asq;
	__u64 acq;
	__u32 type;
	__u32 device_status;
	__u64 driver_features;
	__u64 reserved[24];
	union {
		struct {
			struct snap_queue_state sq[SNAP_NVME_MAX_QUEUES];
			struct snap_queue_state cq[SNAP_NVME_MAX_QUEUES];
		};
		struct snap_vq_state vq[SNAP_VIRTIO_MAX_QUEUES];
	};
	struct snap_inflight_slot inflight[SNAP_INFLIGHT_MAX];
	__u8 engine[SNAP_FN_ENGINE_SIZE];
	struct snap_io_stats stats[SNAP_NVME_MAX_QUEUES];
};

/**
 * enum snap_event_type - what struct snap_event reports
 * @SNAP_EV_CTRL_ENABLE: the host set CC.EN (@value: CC). The admin queues
 *	are in struct snap_fn_state. Answer with SNAP_IOC_CTRL_DONE; the
 *	kernel then sets CSTS.RDY (or CSTS.CFS on a non-zero status).
 *	virtio: the driver set DRIVER_OK (@value: device_status); the
 *	virtqueues and negotiated features are in struct snap_fn_state. A
 *	non-zero answer sets DEVICE_NEEDS_RESET.
 * @SNAP_EV_CTRL_DISABLE: the host cleared CC.EN (@value: CC). Stop
 *	fetching, finish or drop in-flight commands, answer with
 *	SNAP_IOC_CTRL_DONE; the kernel then clears the queues and CSTS.RDY.
 *	virtio: the driver reset the device (wrote 0 to device_status); it
 *	reads the status as 0 only once the answer came.
 * @SNAP_EV_CTRL_SHUTDOWN: the host set CC.SHN (@value: CC). Answer with
 *	SNAP_IOC_CTRL_DONE; the kernel then reports shutdown complete.
 * @SNAP_EV_FUNC_RESET: function level reset, or bus mastering turned off:
 *	host memory is gone and DMA to it is already refused. The kernel has
 *	reset the registers and queues; drop all in-flight commands. No
 *	answer.
 * @SNAP_EV_SQ_DOORBELL: new SQ tail in @value for queue @qid; virtio:
 *	the driver notified virtqueue @qid (@value 0)
 * @SNAP_EV_CQ_DOORBELL: new CQ head in @value for queue @qid
 *
 * Control events the daemon has not answered are delivered again to the
 * next daemon that attaches. Doorbell events are coalesced per queue: one
 * event carries the latest value.
 */
enum snap_event_type {
	SNAP_EV_CTRL_ENABLE = 1,
	SNAP_EV_CTRL_DISABLE,
	SNAP_EV_CTRL_SHUTDOWN,
	SNAP_EV_FUNC_RESET,
	SNAP_EV_SQ_DOORBELL,
	SNAP_EV_CQ_DOORBELL,
};

/**
 * struct snap_event - one event from SNAP_IOC_WAIT
 * @type: enum snap_event_type
 * @qid: the queue, for doorbell events
 * @func_id: the function
 * @value: see enum snap_event_type
 * @reserved: 0
 * @data: CTRL_ENABLE: ASQ, ACQ; otherwise 0
 */
struct snap_event {
	__u16 type;
	__u16 qid;
	__u32 func_id;
	__u32 value;
	__u32 reserved;
	__u64 data[2];
};

/* struct snap_wait.flags */
#define SNAP_WAIT_NONBLOCK	(1U << 0)	/* return 0 events, not sleep */
/*
 * (ABI 2.6) Look at the hosts' doorbells and registers first, in the
 * caller's context, instead of leaving that to the module's own watcher:
 * a daemon busy with I/O sees a doorbell as soon as it asks. The watcher
 * holds back while such calls keep coming, until SNAP_WAIT_POLL_END or a
 * few milliseconds after the last one. A module without SNAP_F_WAIT_POLL
 * refuses the flags (EINVAL).
 */
#define SNAP_WAIT_POLL		(1U << 1)
/*
 * (ABI 2.6, with SNAP_WAIT_POLL) The caller's last pass before it sleeps:
 * the module's watcher takes over at once instead of after the hold.
 */
#define SNAP_WAIT_POLL_END	(1U << 2)

/**
 * struct snap_wait - SNAP_IOC_WAIT argument
 * @events: user pointer to an array of struct snap_event
 * @max_events: its length, 1 to %SNAP_WAIT_MAX_EVENTS
 * @flags: SNAP_WAIT_*
 * @reserved: 0
 *
 * Sleeps until at least one event is pending (unless NONBLOCK), then
 * returns the number of events written.
 */
struct snap_wait {
	__u64 events;
	__u32 max_events;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct snap_ctrl_done - SNAP_IOC_CTRL_DONE argument
 * @func_id: the function
 * @event: the SNAP_EV_CTRL_* being answered
 * @status: 0 for success; otherwise the controller reports fatal status
 * @reserved: 0
 */
struct snap_ctrl_done {
	__u32 func_id;
	__u32 event;
	__u32 status;
	__u32 reserved[5];
};

/**
 * struct snap_fn_fatal - SNAP_IOC_FN_FATAL argument
 * @func_id: the function
 * @reserved: 0
 *
 * The device met an error it cannot go on from until the host resets it
 * (a virtqueue the driver broke, say). NVMe: CSTS.CFS is set. virtio:
 * DEVICE_NEEDS_RESET is set and a configuration change interrupt sent
 * (virtio 1.2 section 2.1.2). Either stays until the host's reset, which
 * reaches the daemon as SNAP_EV_CTRL_DISABLE as usual. Only a function
 * whose enable was answered with success can fail so (-EINVAL otherwise);
 * a second call changes nothing.
 */
struct snap_fn_fatal {
	__u32 func_id;
	__u32 reserved[3];
};

/**
 * struct snap_pool_grow - SNAP_IOC_POOL_GROW argument (ABI 2.3)
 * @offset: pool offset
 * @len: bytes; every 2 MiB chunk of the pool that [@offset, @offset +
 *	@len) touches becomes resident and stays so until the module is
 *	unloaded. Chunks already resident cost nothing
 * @reserved: 0
 *
 * Fails with EINVAL for a range outside the pool, ENOMEM when memory runs
 * out or the resident pool would take more than half of RAM (chunks made
 * resident before that stay).
 */
struct snap_pool_grow {
	__u64 offset;
	__u64 len;
	__u64 reserved[2];
};

enum snap_queue_type {
	SNAP_QUEUE_SQ,
	SNAP_QUEUE_CQ,
};

/**
 * struct snap_queue_cfg - SNAP_IOC_QUEUE_CREATE/DELETE argument
 * @func_id: the function
 * @qid: I/O queue id, 1 to %SNAP_NVME_MAX_QUEUES - 1
 * @type: enum snap_queue_type
 * @flags: SNAP_QF_* (CQ only)
 * @base: host address of the ring, page aligned (create only)
 * @size: entries, 2 to MQES + 1 (create only)
 * @cqid: SQ: the existing CQ it completes to (create only)
 * @vector: CQ: MSI-X vector below the function's count (create only)
 * @reserved: 0
 *
 * The daemon calls these when it executes Create/Delete I/O SQ/CQ, so that
 * the kernel watches the right doorbells and knows where completions go.
 * Fields not used by an operation must be 0.
 */
struct snap_queue_cfg {
	__u32 func_id;
	__u16 qid;
	__u8 type;
	__u8 flags;
	__u64 base;
	__u32 size;
	__u16 cqid;
	__u16 vector;
	__u64 reserved[2];
};

enum snap_dma_dir {
	SNAP_DMA_FROM_HOST,	/* host memory -> pool */
	SNAP_DMA_TO_HOST,	/* pool -> host memory */
};

/**
 * struct snap_dma_seg - one contiguous piece of a transfer
 * @host_addr: host (bus) address
 * @pool_off: offset in the pool mapping
 * @len: bytes, 1 to %SNAP_DMA_MAX_SEG_LEN
 * @reserved: 0
 *
 * For NVMe functions @host_addr, @pool_off and @len are multiples of
 * %SNAP_DMA_ALIGN (NVMe data pointers are dword aligned); virtio
 * functions move any bytes. @pool_off + @len lies in the pool, in
 * resident chunks.
 */
struct snap_dma_seg {
	__u64 host_addr;
	__u64 pool_off;
	__u32 len;
	__u32 reserved;
};

/**
 * struct snap_dma - SNAP_IOC_DMA argument
 * @func_id: the function whose host memory is addressed
 * @dir: enum snap_dma_dir
 * @segs: user pointer to an array of struct snap_dma_seg
 * @nr_segs: its length, 1 to %SNAP_DMA_MAX_SEGS
 * @flags: 0
 * @reserved: 0
 *
 * All segments are checked before any byte moves. Fails with EIO when the
 * function's bus mastering is off or a host address is not memory the
 * host can DMA to; bytes of earlier segments may then have moved.
 */
struct snap_dma {
	__u32 func_id;
	__u32 dir;
	__u64 segs;
	__u32 nr_segs;
	__u32 flags;
	__u64 reserved[2];
};

/* struct snap_post_cqe.flags and struct snap_vq_post.flags */
#define SNAP_POST_IRQ		(1U << 0)	/* then raise the CQ's vector */
/*
 * (ABI 2.7) First move @segs to the host, as SNAP_IOC_DMA with
 * SNAP_DMA_TO_HOST would: the data and status the entries report, in the
 * same call. Every segment is checked before any byte moves (EINVAL) and
 * all have moved before the first entry is posted; should host memory
 * refuse one (EIO), no entry is posted and bytes of earlier segments may
 * have moved. Without the flag @segs and @nr_segs are 0.
 */
#define SNAP_POST_DMA		(1U << 1)

/**
 * struct snap_post_cqe - SNAP_IOC_POST_CQE argument
 * @func_id: the function
 * @cqid: the completion queue
 * @flags: SNAP_POST_*
 * @cqes: user pointer to 16-byte NVMe completion entries
 * @count: entries, 1 to %SNAP_CQE_MAX_BATCH
 * @nr_segs: with SNAP_POST_DMA: segments at @segs, 1 to %SNAP_DMA_MAX_SEGS;
 *	else 0 (ABI 2.7; was pad)
 * @slots: user pointer to @count __u16: the in-flight slot of each entry's
 *	command (struct snap_fn_state.inflight)
 * @segs: with SNAP_POST_DMA: user pointer to @nr_segs struct snap_dma_seg;
 *	else 0 (ABI 2.7; was reserved)
 *
 * Each entry completes the command in its slot, which must be in use,
 * hold the same command identifier and SQ (the entry's sqid) and belong
 * to an SQ that completes to @cqid. The kernel fills in SQ Head, writes
 * each entry at the CQ's tail with the current phase tag in bit 0 of its
 * status field, empties its slot (all in one step for a daemon that may
 * be killed: an entry is either posted and its slot empty, or neither),
 * advances the tail, and with SNAP_POST_IRQ raises the CQ's vector (when
 * the CQ has interrupts enabled). An entry whose slot does not hold such
 * a command is not posted: the host must never see a completion twice.
 * It is counted in the function's sysfs stale_cqes and the rest are
 * posted. Fails with EAGAIN, posting nothing, when the CQ has no room for
 * the entries to post; a SNAP_EV_CQ_DOORBELL follows when the host frees
 * some.
 */
struct snap_post_cqe {
	__u32 func_id;
	__u16 cqid;
	__u16 flags;
	__u64 cqes;
	__u32 count;
	__u32 nr_segs;
	__u64 slots;
	__u64 segs;
};

/* struct snap_sq_fetch.flags */
#define SNAP_SQ_FETCH_PEEK	(1U << 0)	/* virtio: fill @peeks (ABI 2.9) */

#define SNAP_VQ_PEEK_SIZE	16	/* bytes of a chain's first buffer */

/**
 * struct snap_vq_peek - the start of a chain's first buffer, read at fetch
 * @addr: that buffer's address
 * @len: bytes in @bytes: %SNAP_VQ_PEEK_SIZE, or 0 when the first buffer
 *	is device-writable, shorter than that, not found in the chain's
 *	start (struct snap_vq_chain_start) or refused by host memory
 * @reserved: 0
 * @bytes: the buffer's first bytes: a virtio-blk request's header
 *
 * What the daemon reads first of every chain, read in the fetch that
 * takes it: one call less per request. Read before anything of the chain
 * is validated: the daemon uses it only for the buffer its own walk finds
 * first, at @addr. Not kept in the in-flight slot: a daemon that runs a
 * chain again after a restart reads it itself.
 */
struct snap_vq_peek {
	__u64 addr;
	__u32 len;
	__u32 reserved;
	__u8 bytes[SNAP_VQ_PEEK_SIZE];
};

/**
 * struct snap_sq_fetch - SNAP_IOC_SQ_FETCH argument
 * @func_id: the function
 * @sqid: the submission queue
 * @flags: 0, or for a virtio function %SNAP_SQ_FETCH_PEEK
 * @slots: user pointer to @max __u16: free in-flight slots, filled in
 *	this order
 * @max: commands to take at most, 1 to %SNAP_SQ_FETCH_MAX
 * @peeks: (ABI 2.9; was reserved) with %SNAP_SQ_FETCH_PEEK: user pointer
 *	to @max struct snap_vq_peek, filled for the chains taken, in the
 *	order of @slots; else 0
 * @reserved: 0
 *
 * Reads up to @max commands between the SQ's head and the host's last
 * valid tail doorbell, records each in the next of @slots (struct
 * snap_inflight_slot: command, SQ, generation, fetch order) and moves the
 * head past them: one step for a daemon that may be killed, so that no
 * command is lost or fetched twice. Returns the number taken, 0 when the
 * SQ is empty (or was reset meanwhile). EBUSY: a slot in @slots is in
 * use; EIO: host memory refused the read, nothing was taken.
 *
 * virtio: @sqid is a virtqueue. Takes up to @max chain heads from the
 * available ring, from struct snap_vq_state.avail up to the ring's idx,
 * into the slots (@head) and advances avail. With RING_EVENT_IDX
 * negotiated it then writes avail_event, so the driver notifies for the
 * next chain. A head outside the ring is refused with EPROTO (the device
 * needs a reset).
 */
struct snap_sq_fetch {
	__u32 func_id;
	__u16 sqid;
	__u16 flags;
	__u64 slots;
	__u32 max;
	__u32 pad;
	__u64 peeks;
	__u64 reserved;
};

/**
 * struct snap_vq_used_elem - one used-ring entry for SNAP_IOC_VQ_POST
 * @id: the chain's head index
 * @len: bytes the device wrote into the chain's writable buffers
 */
struct snap_vq_used_elem {
	__u32 id;
	__u32 len;
};

/**
 * struct snap_vq_post - SNAP_IOC_VQ_POST argument
 * @func_id: a virtio function
 * @vq: the virtqueue
 * @flags: SNAP_POST_IRQ: then interrupt the driver, unless it asked not to
 *	be (VRING_AVAIL_F_NO_INTERRUPT, or used_event with RING_EVENT_IDX)
 * @elems: user pointer to @count struct snap_vq_used_elem
 * @count: entries, 1 to %SNAP_USED_MAX_BATCH
 * @nr_segs: as struct snap_post_cqe's (ABI 2.7; was pad)
 * @slots: user pointer to @count __u16: the in-flight slot of each entry's
 *	chain
 * @segs: as struct snap_post_cqe's (ABI 2.7; was reserved): with
 *	SNAP_POST_DMA the chains' data and status bytes
 *
 * Each entry completes the chain in its slot, which must be in use with
 * the same virtqueue and head. The kernel writes the entries at the used
 * ring's next indexes, then the used ring's idx, and empties the slots:
 * one step, as SNAP_IOC_POST_CQE. An entry whose slot does not hold such
 * a chain is not posted and is counted in stale_cqes.
 */
struct snap_vq_post {
	__u32 func_id;
	__u16 vq;
	__u16 flags;
	__u64 elems;
	__u32 count;
	__u32 nr_segs;
	__u64 slots;
	__u64 segs;
};

/**
 * struct snap_irq - SNAP_IOC_RAISE_IRQ argument
 * @func_id: the function
 * @vector: MSI-X vector, below the function's count
 * @flags: 0
 * @reserved: 0
 *
 * A masked vector sets its pending bit and fires when the host unmasks it.
 */
struct snap_irq {
	__u32 func_id;
	__u16 vector;
	__u16 flags;
	__u64 reserved[2];
};

/**
 * struct snap_uring_cmd - the 16-byte command area of an io_uring
 * IORING_OP_URING_CMD on /dev/snap
 * @addr: user pointer to the argument of the ioctl named by cmd_op
 * @len: its size
 * @flags: 0
 *
 * cmd_op is the SNAP_IOC_* number; the completion's res is what the ioctl
 * returns. SNAP_IOC_WAIT completes when events arrive.
 */
struct snap_uring_cmd {
	__u64 addr;
	__u32 len;
	__u32 flags;
};

#define SNAP_IOC_WAIT		_IOWR(SNAP_IOC_MAGIC, 0x10, struct snap_wait)
#define SNAP_IOC_CTRL_DONE	_IOW(SNAP_IOC_MAGIC, 0x11, struct snap_ctrl_done)
#define SNAP_IOC_QUEUE_CREATE	_IOW(SNAP_IOC_MAGIC, 0x12, struct snap_queue_cfg)
#define SNAP_IOC_QUEUE_DELETE	_IOW(SNAP_IOC_MAGIC, 0x13, struct snap_queue_cfg)
#define SNAP_IOC_DMA		_IOW(SNAP_IOC_MAGIC, 0x14, struct snap_dma)
#define SNAP_IOC_POST_CQE	_IOW(SNAP_IOC_MAGIC, 0x15, struct snap_post_cqe)
#define SNAP_IOC_RAISE_IRQ	_IOW(SNAP_IOC_MAGIC, 0x16, struct snap_irq)
#define SNAP_IOC_SQ_FETCH	_IOW(SNAP_IOC_MAGIC, 0x17, struct snap_sq_fetch)
#define SNAP_IOC_VQ_POST	_IOW(SNAP_IOC_MAGIC, 0x18, struct snap_vq_post)
#define SNAP_IOC_FN_FATAL	_IOW(SNAP_IOC_MAGIC, 0x19, struct snap_fn_fatal)
#define SNAP_IOC_POOL_GROW	_IOW(SNAP_IOC_MAGIC, 0x1a, struct snap_pool_grow)

#endif /* _UAPI_LINUX_SNAP_H */
