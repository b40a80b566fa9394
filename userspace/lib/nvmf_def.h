/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SNAP_NVMF_DEF_H
#define SNAP_NVMF_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/snap.h>

/*
 * What an nvmf bdev is, as the module stores it in bdev_args: one
 * namespace of a remote NVMe-oF controller. snapadm writes it
 * (bdev_nvme_attach_controller) and reads it back (get_controllers,
 * detach_controller); snap_service connects by it. Words KEY=VALUE,
 * blank separated:
 *
 *   ctrlr=Nvme0 trtype=tcp adrfam=ipv4 traddr=127.0.0.1 trsvcid=4420
 *   subnqn=nqn.... nsid=1 [hostnqn=nqn....] [hdgst=1] [ddgst=1]
 *   [ctrlr_loss_timeout_sec=N reconnect_delay_sec=N [fast_io_fail_timeout_sec=N]]
 *   [keep_alive_timeout_ms=N] [rdma_srq_size=N]
 *
 * ctrlr is the name given to attach_controller (the bdev is <ctrlr>n<nsid>).
 */
struct nvmf_def {
	char ctrlr[SNAP_NAME_MAX];
	char trtype[8];			/* tcp, rdma */
	char adrfam[8];			/* ipv4, ipv6 */
	char traddr[256];
	char trsvcid[32];
	char subnqn[SNAP_NQN_MAX];
	char hostnqn[SNAP_NQN_MAX];	/* empty: the daemon's default */
	uint32_t nsid;
	bool hdgst, ddgst;		/* NVMe/TCP header and data digests */
	/* SPDK's reconnect policy: -1 forever, 0 no reconnecting */
	int32_t ctrlr_loss_timeout_sec;
	uint32_t reconnect_delay_sec;
	uint32_t fast_io_fail_timeout_sec;	/* 0: I/O waits as long */
	/* KATO of the association (0: no keep-alive); absent: the default */
	uint32_t keep_alive_timeout_ms;
	/* NVMe/RDMA: receive buffers of the Shared Receive Queue its I/O
	 * queue uses (bdev_nvme_set_options --rdma-srq-size); 0: none, the
	 * queue posts its own */
	uint32_t rdma_srq_size;
};

/* SNAP's limits for rdma_srq_size: a hard maximum, and the smallest
 * size its guide recommends (smaller ones make the target retry sends
 * the host is not ready for, RNR). */
#define NVMF_RDMA_SRQ_MAX		32767u
#define NVMF_RDMA_SRQ_RECOMMENDED	4096u

/* SPDK's default keep_alive_timeout_ms. */
#define NVMF_DEF_KATO_MS	10000u

/* 0, or -EINVAL with the reason in err. */
int nvmf_def_parse(const char *s, struct nvmf_def *d, char *err, size_t errlen);
/* Checks d and writes its definition; 0, or -EINVAL / -ENAMETOOLONG with
 * the reason in err. */
int nvmf_def_format(const struct nvmf_def *d, char *buf, size_t len, char *err,
		    size_t errlen);

#endif
