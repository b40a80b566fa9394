/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snap backend plugins: block backends in a shared object that
 * snap_service loads at start (--plugin PATH or SNAP_PLUGINS), as SNAP
 * loads SPDK bdev modules through SNAP_LD_PRELOAD. The same object can
 * give snapadm its own commands (construct_ext_passthru_bdev ...), which
 * become bdev definitions of type plugin in the module, so a restarted
 * daemon opens them again.
 *
 * A plugin exports one symbol, SNAP_PLUGIN_ENTRY, a function returning its
 * struct snap_plugin. abi_version must equal SNAP_PLUGIN_ABI_VERSION of
 * the loader's header: any change to this file that moves a field or
 * changes a contract bumps it, and a mismatch is refused at load.
 *
 * A plugin bdev's definition is its type word then KEY=VALUE words, as
 * the module stores it in bdev_args: "ext_passthru base=Malloc0".
 *
 * The I/O contract is the built-in backends' (bdev.h): submit() starts an
 * I/O and returns 0, after which the plugin calls host->complete() exactly
 * once, either inside submit() or later from poll(), always on the thread
 * that submitted it; or submit() returns a negative errno and never
 * completes it. submit() and poll() must not block: one thread serves
 * every queue it has. Several threads may call them on one bdev at once
 * (a controller's queues spread over the daemon's threads, or two
 * controllers sharing the bdev), so what a bdev's I/Os share is the
 * plugin's to guard. Completion status is 0 or a negative errno (-EIO
 * reaches the host as a media error).
 */
#ifndef SNAP_PLUGIN_H
#define SNAP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_PLUGIN_ABI_VERSION	1
#define SNAP_PLUGIN_ENTRY	"snap_plugin_entry"

/* Block operations: the daemon's own backends use these values too. */
enum snap_bdev_op {
	SNAP_BDEV_OP_READ,
	SNAP_BDEV_OP_WRITE,
	SNAP_BDEV_OP_FLUSH,
	SNAP_BDEV_OP_WRITE_ZEROES,
	SNAP_BDEV_OP_UNMAP,
	SNAP_BDEV_OP_COUNT,
};

/* Bdev properties, reported by open(). */
#define SNAP_BDEV_F_VOLATILE_CACHE	(1u << 0)	/* FLUSH means something */
#define SNAP_BDEV_F_UNMAP_ZEROES	(1u << 1)	/* unmapped blocks read 0 */

/* I/O flags */
#define SNAP_PLUGIN_IO_FUA		(1u << 0)	/* WRITE: durable when done */

/* One I/O, owned by the plugin from submit() until it completes it. */
struct snap_plugin_io {
	uint32_t op;		/* enum snap_bdev_op */
	uint32_t flags;		/* SNAP_PLUGIN_IO_* */
	uint64_t offset;	/* bytes, a multiple of the block size */
	uint64_t len;		/* bytes, a multiple of the block size */
	void *buf;		/* READ/WRITE: len bytes of the daemon's */
	void *plugin_data;	/* the plugin's while it owns the io */
};

/* What open() fills in. */
struct snap_plugin_bdev {
	void *ctx;		/* passed back to close/submit/poll */
	uint64_t num_blocks;
	uint32_t block_size;	/* must equal the definition's */
	uint32_t flags;		/* SNAP_BDEV_F_* */
};

/* Another bdev of the daemon, opened by a stacking plugin (passthru). */
struct snap_plugin_base;
typedef void (*snap_plugin_done_t)(struct snap_plugin_io *io, int status);

/* What the daemon offers a plugin. Valid for the life of the process. */
struct snap_plugin_host {
	uint32_t abi_version;	/* SNAP_PLUGIN_ABI_VERSION */
	uint32_t reserved;
	/* Ends an I/O submitted to the plugin (see the contract above). */
	void (*complete)(struct snap_plugin_io *io, int status);
	/* level 0 errors .. 3 info .. 5 trace, as snap_log_level_set. */
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/*
	 * The value of KEY in a definition's KEY=VALUE words, copied into
	 * buf; 0, -ENOENT when absent, -ENAMETOOLONG when it does not fit.
	 */
	int (*param)(const char *params, const char *key, char *buf, size_t len);
	/*
	 * Opens the bdev called name for I/O, with its geometry; NULL with
	 * the reason in err when it does not exist or is not ready. The
	 * base stays usable until base_close(), even if it is deleted.
	 */
	struct snap_plugin_base *(*base_open)(const char *name,
					      struct snap_plugin_bdev *geometry,
					      char *err, size_t errlen);
	void (*base_close)(struct snap_plugin_base *base);
	/* submit()'s contract, with done() in place of complete(). */
	int (*base_submit)(struct snap_plugin_base *base, struct snap_plugin_io *io,
			   snap_plugin_done_t done);
	/* Runs the base's pending completions; returns how many. */
	int (*base_poll)(struct snap_plugin_base *base);
};

/* A bdev type the plugin provides. */
struct snap_plugin_bdev_type {
	const char *name;	/* the definition's first word */
	/*
	 * Opens bdev name from its definition's words (params, the type word
	 * left out). 0 with *bdev filled in, or a negative errno with the
	 * reason in err. Runs on the daemon's control thread.
	 */
	int (*open)(const struct snap_plugin_host *host, const char *name,
		    const char *params, struct snap_plugin_bdev *bdev,
		    char *err, size_t errlen);
	/* After the last I/O completed; on the control thread. */
	void (*close)(void *ctx);
	int (*submit)(void *ctx, struct snap_plugin_io *io);
	/* Completes what is ready; returns how many. May be NULL. */
	int (*poll)(void *ctx);
};

/* snapadm commands: what they put into a definition. */
enum snap_plugin_opt_role {
	SNAP_PLUGIN_OPT_PARAM,	/* a KEY=VALUE word, KEY = opt.key */
	SNAP_PLUGIN_OPT_NAME,	/* the bdev's name */
	/* A KEY=VALUE word naming another bdev, whose block size and size the
	 * new bdev takes. */
	SNAP_PLUGIN_OPT_BASE,
};

#define SNAP_PLUGIN_OPT_REQUIRED	(1u << 0)

struct snap_plugin_opt {
	const char *lng;	/* --lng; a positional's name */
	const char *shrt;	/* -shrt, or NULL */
	uint32_t role;		/* enum snap_plugin_opt_role */
	uint32_t flags;		/* SNAP_PLUGIN_OPT_* */
	const char *key;	/* PARAM and BASE */
	const char *help;
};

enum snap_plugin_cmd_action {
	SNAP_PLUGIN_CMD_CREATE,	/* a bdev of bdev_type from the options */
	SNAP_PLUGIN_CMD_DELETE,	/* the bdev named by the NAME option, if of bdev_type */
};

struct snap_plugin_cmd {
	const char *name;	/* construct_ext_passthru_bdev */
	const char *help;
	uint32_t action;	/* enum snap_plugin_cmd_action */
	const char *bdev_type;
	const struct snap_plugin_opt *opts;	/* ends with lng == NULL; or NULL */
	const struct snap_plugin_opt *pos;	/* idem */
};

struct snap_plugin {
	uint32_t abi_version;	/* SNAP_PLUGIN_ABI_VERSION */
	uint32_t reserved;	/* 0 */
	const char *name;
	const char *version;
	const struct snap_plugin_bdev_type *bdev_types;	/* ends with name == NULL */
	const struct snap_plugin_cmd *cmds;	/* ends with name == NULL; or NULL */
};

typedef const struct snap_plugin *(*snap_plugin_entry_t)(void);

#endif /* SNAP_PLUGIN_H */
