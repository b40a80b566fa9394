/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe base and NVM command set definitions the engine needs, written from
 * the NVM Express Base Specification 1.4/2.0 and the NVM Command Set
 * specification. Only what the engine implements is here.
 *
 * Structures are little endian on the wire; the engine runs on little-endian
 * machines only (x86-64, the BlueField's Arm cores), checked below, so the
 * fields are plain integers.
 */
#ifndef SNAP_NVME_SPEC_H
#define SNAP_NVME_SPEC_H

#include <assert.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the NVMe engine assumes a little-endian CPU"
#endif

#define NVME_SQE_SIZE		64
#define NVME_CQE_SIZE		16
#define NVME_IDENTIFY_SIZE	4096
#define NVME_NSID_ALL		0xffffffffu

/* ---- submission and completion queue entries ---- */

struct nvme_sgl_desc {
	uint64_t addr;
	uint32_t len;
	uint8_t rsvd[3];
	uint8_t id;		/* type in bits 7:4, subtype in bits 3:0 */
};

struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;		/* FUSE in bits 1:0, PSDT in bits 7:6 */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	union {
		struct {
			uint64_t prp1;
			uint64_t prp2;
		};
		struct nvme_sgl_desc sgl;
	};
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
static_assert(sizeof(struct nvme_sqe) == NVME_SQE_SIZE, "SQE is 64 bytes");

#define NVME_SQE_FUSE(f)	((f) & 0x3)
#define NVME_SQE_PSDT(f)	(((f) >> 6) & 0x3)
#define NVME_PSDT_PRP		0
#define NVME_PSDT_SGL_MPTR_CONTIG 1
#define NVME_PSDT_SGL_MPTR_SGL	2

struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* phase tag in bit 0, status field above */
};
static_assert(sizeof(struct nvme_cqe) == NVME_CQE_SIZE, "CQE is 16 bytes");

/* SGL descriptor types (bits 7:4 of the identifier) */
#define NVME_SGL_TYPE_DATA	0x0
#define NVME_SGL_TYPE_BIT_BUCKET 0x1
#define NVME_SGL_TYPE_SEGMENT	0x2
#define NVME_SGL_TYPE_LAST_SEGMENT 0x3
#define NVME_SGL_SUBTYPE_ADDRESS 0x0

/*
 * ---- status ----
 * The engine keeps a status as the CQE's status field shifted right by one
 * (no phase): SC in bits 7:0, SCT in bits 10:8, DNR in bit 14.
 */
#define NVME_SCT_GENERIC	0x000
#define NVME_SCT_CMD		0x100
#define NVME_SCT_MEDIA		0x200
#define NVME_STATUS_DNR		0x4000
#define NVME_STATUS_CODE(s)	((s) & 0x7ff)

enum nvme_status_code {
	NVME_SC_SUCCESS			= 0x00,
	NVME_SC_INVALID_OPCODE		= 0x01,
	NVME_SC_INVALID_FIELD		= 0x02,
	NVME_SC_DATA_XFER_ERROR		= 0x04,
	NVME_SC_INTERNAL		= 0x06,
	NVME_SC_ABORT_REQ		= 0x07,
	NVME_SC_ABORT_SQ_DELETION	= 0x08,
	NVME_SC_INVALID_NS		= 0x0b,
	NVME_SC_CMD_SEQ_ERROR		= 0x0c,
	NVME_SC_SGL_INVALID_SEG_DESC	= 0x0d,
	NVME_SC_SGL_INVALID_COUNT	= 0x0e,
	NVME_SC_SGL_INVALID_DATA_LEN	= 0x0f,
	NVME_SC_SGL_INVALID_TYPE	= 0x11,
	NVME_SC_PRP_INVALID_OFFSET	= 0x13,
	NVME_SC_SGL_INVALID_GRANULARITY	= 0x1e,
	NVME_SC_NS_NOT_READY		= 0x82,	/* generic set, 0x80+ */
	NVME_SC_LBA_RANGE		= 0x80,
	NVME_SC_CAP_EXCEEDED		= 0x81,

	NVME_SC_CQ_INVALID		= NVME_SCT_CMD | 0x00,
	NVME_SC_QID_INVALID		= NVME_SCT_CMD | 0x01,
	NVME_SC_QUEUE_SIZE		= NVME_SCT_CMD | 0x02,
	NVME_SC_ABORT_LIMIT		= NVME_SCT_CMD | 0x03,
	NVME_SC_AER_LIMIT		= NVME_SCT_CMD | 0x05,
	NVME_SC_INVALID_VECTOR		= NVME_SCT_CMD | 0x08,
	NVME_SC_INVALID_LOG_PAGE	= NVME_SCT_CMD | 0x09,
	NVME_SC_INVALID_QUEUE_DELETION	= NVME_SCT_CMD | 0x0c,
	NVME_SC_FEATURE_NOT_SAVEABLE	= NVME_SCT_CMD | 0x0d,

	NVME_SC_WRITE_FAULT		= NVME_SCT_MEDIA | 0x80,
	NVME_SC_UNRECOVERED_READ	= NVME_SCT_MEDIA | 0x81,
	NVME_SC_COMPARE_FAILED		= NVME_SCT_MEDIA | 0x85,
};

/* ---- controller registers (values the engine reads from the state) ---- */

#define NVME_CC_EN		(1u << 0)
#define NVME_CC_CSS(cc)		(((cc) >> 4) & 0x7)
#define NVME_CC_MPS(cc)		(((cc) >> 7) & 0xf)
#define NVME_CC_AMS(cc)		(((cc) >> 11) & 0x7)
#define NVME_CC_SHN(cc)		(((cc) >> 14) & 0x3)
#define NVME_CC_IOSQES(cc)	(((cc) >> 16) & 0xf)
#define NVME_CC_IOCQES(cc)	(((cc) >> 20) & 0xf)
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)
#define NVME_CSTS_SHST_MASK	(3u << 2)
#define NVME_CSTS_SHST_OCCURRING (1u << 2)
#define NVME_CSTS_SHST_COMPLETE	(2u << 2)
#define NVME_AQA_ASQS(aqa)	((aqa) & 0xfff)		/* 0's based */
#define NVME_AQA_ACQS(aqa)	(((aqa) >> 16) & 0xfff)

/* ---- opcodes ---- */

enum nvme_admin_opcode {
	NVME_ADM_DELETE_SQ	= 0x00,
	NVME_ADM_CREATE_SQ	= 0x01,
	NVME_ADM_GET_LOG_PAGE	= 0x02,
	NVME_ADM_DELETE_CQ	= 0x04,
	NVME_ADM_CREATE_CQ	= 0x05,
	NVME_ADM_IDENTIFY	= 0x06,
	NVME_ADM_ABORT		= 0x08,
	NVME_ADM_SET_FEATURES	= 0x09,
	NVME_ADM_GET_FEATURES	= 0x0a,
	NVME_ADM_ASYNC_EVENT	= 0x0c,
	NVME_ADM_KEEP_ALIVE	= 0x18,
};

enum nvme_io_opcode {
	NVME_IO_FLUSH		= 0x00,
	NVME_IO_WRITE		= 0x01,
	NVME_IO_READ		= 0x02,
	NVME_IO_COMPARE		= 0x05,
	NVME_IO_WRITE_ZEROES	= 0x08,
	NVME_IO_DSM		= 0x09,
};

/* Read/Write/Compare/Write Zeroes CDW12 */
#define NVME_RW_NLB(cdw12)	((cdw12) & 0xffff)	/* 0's based */
#define NVME_RW_FUA		(1u << 30)
#define NVME_WZ_DEAC		(1u << 25)
/* Dataset Management */
#define NVME_DSM_NR(cdw10)	((cdw10) & 0xff)	/* 0's based */
#define NVME_DSM_AD		(1u << 2)
#define NVME_DSM_MAX_RANGES	256

struct nvme_dsm_range {
	uint32_t cattr;
	uint32_t nlb;
	uint64_t slba;
};
static_assert(sizeof(struct nvme_dsm_range) == 16, "DSM range");

/* ---- Identify ---- */

enum nvme_cns {
	NVME_CNS_NS		= 0x00,
	NVME_CNS_CTRL		= 0x01,
	NVME_CNS_ACTIVE_NS_LIST	= 0x02,
	NVME_CNS_NS_DESC_LIST	= 0x03,
	NVME_CNS_CS_NS		= 0x05,
	NVME_CNS_CS_CTRL	= 0x06,
	NVME_CNS_CS_ACTIVE_NS_LIST = 0x07,
	NVME_CNS_NS_CS_INDEP	= 0x08,
};
#define NVME_CSI_NVM		0x00

struct nvme_psd {
	uint16_t mp;		/* maximum power, centiwatts */
	uint8_t rsvd2;
	uint8_t flags;
	uint32_t enlat;
	uint32_t exlat;
	uint8_t rrt, rrl, rwt, rwl;
	uint16_t idlp;
	uint8_t ips;
	uint8_t rsvd19;
	uint16_t actp;
	uint8_t apws;
	uint8_t rsvd23[9];
};
static_assert(sizeof(struct nvme_psd) == 32, "power state descriptor");

struct nvme_id_ctrl {
	uint16_t vid;
	uint16_t ssvid;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts;
	uint16_t cntlid;
	uint32_t ver;
	uint32_t rtd3r;
	uint32_t rtd3e;
	uint32_t oaes;
	uint32_t ctratt;
	uint16_t rrls;
	uint8_t rsvd102[9];
	uint8_t cntrltype;
	uint8_t fguid[16];
	uint16_t crdt[3];
	uint8_t rsvd134[122];
	uint16_t oacs;
	uint8_t acl;
	uint8_t aerl;
	uint8_t frmw;
	uint8_t lpa;
	uint8_t elpe;
	uint8_t npss;
	uint8_t avscc;
	uint8_t apsta;
	uint16_t wctemp;
	uint16_t cctemp;
	uint16_t mtfa;
	uint32_t hmpre;
	uint32_t hmmin;
	uint8_t tnvmcap[16];
	uint8_t unvmcap[16];
	uint32_t rpmbs;
	uint16_t edstt;
	uint8_t dsto;
	uint8_t fwug;
	uint16_t kas;
	uint16_t hctma;
	uint16_t mntmt;
	uint16_t mxtmt;
	uint32_t sanicap;
	uint32_t hmminds;
	uint16_t hmmaxd;
	uint16_t nsetidmax;
	uint16_t endgidmax;
	uint8_t anatt;
	uint8_t anacap;
	uint32_t anagrpmax;
	uint32_t nanagrpid;
	uint32_t pels;
	uint8_t rsvd356[156];
	uint8_t sqes;
	uint8_t cqes;
	uint16_t maxcmd;
	uint32_t nn;
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc;
	uint16_t awun;
	uint16_t awupf;
	uint8_t nvscc;
	uint8_t nwpc;
	uint16_t acwu;
	uint8_t rsvd534[2];
	uint32_t sgls;
	uint32_t mnan;
	uint8_t rsvd544[224];
	char subnqn[256];
	uint8_t rsvd1024[1024];
	struct nvme_psd psd[32];
	uint8_t vs[1024];
} __attribute__((packed));
static_assert(sizeof(struct nvme_id_ctrl) == NVME_IDENTIFY_SIZE, "id ctrl");
static_assert(__builtin_offsetof(struct nvme_id_ctrl, oacs) == 256, "oacs");
static_assert(__builtin_offsetof(struct nvme_id_ctrl, sqes) == 512, "sqes");
static_assert(__builtin_offsetof(struct nvme_id_ctrl, sgls) == 536, "sgls");
static_assert(__builtin_offsetof(struct nvme_id_ctrl, subnqn) == 768, "subnqn");
static_assert(__builtin_offsetof(struct nvme_id_ctrl, psd) == 2048, "psd");

#define NVME_VER_1_4		0x00010400u
#define NVME_CTRL_OAES_NS_ATTR	(1u << 8)
#define NVME_CTRL_ONCS_COMPARE	(1u << 0)
#define NVME_CTRL_ONCS_DSM	(1u << 2)
#define NVME_CTRL_ONCS_WRITE_ZEROES (1u << 3)
#define NVME_CTRL_ONCS_SAVE_SELECT (1u << 4)
#define NVME_CTRL_LPA_CMD_EFFECTS (1u << 1)
#define NVME_CTRL_LPA_EXT_DATA	(1u << 2)
#define NVME_CTRL_VWC_PRESENT	(1u << 0)
#define NVME_CTRL_VWC_FLUSH_ALL	(3u << 1)	/* flush with NSID all works */
#define NVME_CTRL_SGLS_DWORD	(2u << 0)	/* SGLs, dword granularity */
#define NVME_CTRL_SGLS_BIT_BUCKET (1u << 16)
#define NVME_CTRL_CNTRLTYPE_IO	1
#define NVME_CTRL_CMIC_MCTRS	(1u << 1)	/* may contain 2+ controllers */

struct nvme_lbaf {
	uint16_t ms;
	uint8_t lbads;
	uint8_t rp;
};

struct nvme_id_ns {
	uint64_t nsze;
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf;
	uint8_t flbas;
	uint8_t mc;
	uint8_t dpc;
	uint8_t dps;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint8_t dlfeat;
	uint16_t nawun;
	uint16_t nawupf;
	uint16_t nacwu;
	uint16_t nabsn;
	uint16_t nabo;
	uint16_t nabspf;
	uint16_t noiob;
	uint8_t nvmcap[16];
	uint16_t npwg;
	uint16_t npwa;
	uint16_t npdg;
	uint16_t npda;
	uint16_t nows;
	uint8_t rsvd74[18];
	uint32_t anagrpid;
	uint8_t rsvd96[3];
	uint8_t nsattr;
	uint16_t nvmsetid;
	uint16_t endgid;
	uint8_t nguid[16];
	uint8_t eui64[8];
	struct nvme_lbaf lbaf[16];
	uint8_t rsvd192[3904];
} __attribute__((packed));
static_assert(sizeof(struct nvme_id_ns) == NVME_IDENTIFY_SIZE, "id ns");
static_assert(__builtin_offsetof(struct nvme_id_ns, nguid) == 104, "nguid");
static_assert(__builtin_offsetof(struct nvme_id_ns, lbaf) == 128, "lbaf");

#define NVME_NS_DLFEAT_READ_ZEROES 0x1

struct nvme_id_ns_cs_indep {
	uint8_t nsfeat;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint32_t anagrpid;
	uint8_t nsattr;
	uint8_t rsvd9;
	uint16_t nvmsetid;
	uint16_t endgid;
	uint8_t nstat;
	uint8_t rsvd15[4081];
} __attribute__((packed));
static_assert(sizeof(struct nvme_id_ns_cs_indep) == NVME_IDENTIFY_SIZE, "cs indep");
#define NVME_NSTAT_READY	0x1

struct nvme_id_ctrl_nvm {
	uint8_t vsl;
	uint8_t wzsl;
	uint8_t wusl;
	uint8_t dmrl;
	uint32_t dmrsl;
	uint64_t dmsl;
	uint8_t rsvd16[4080];
};
static_assert(sizeof(struct nvme_id_ctrl_nvm) == NVME_IDENTIFY_SIZE, "id ctrl nvm");

struct nvme_ns_id_desc {
	uint8_t nidt;
	uint8_t nidl;
	uint16_t rsvd;
};
#define NVME_NIDT_NGUID		0x02
#define NVME_NIDT_UUID		0x03
#define NVME_NIDT_CSI		0x04

/* ---- features ---- */

enum nvme_feature_id {
	NVME_FEAT_ARBITRATION	= 0x01,
	NVME_FEAT_POWER_MGMT	= 0x02,
	NVME_FEAT_TEMP_THRESH	= 0x04,
	NVME_FEAT_ERR_RECOVERY	= 0x05,
	NVME_FEAT_VOLATILE_WC	= 0x06,
	NVME_FEAT_NUM_QUEUES	= 0x07,
	NVME_FEAT_IRQ_COALESCE	= 0x08,
	NVME_FEAT_IRQ_CONFIG	= 0x09,
	NVME_FEAT_WRITE_ATOMIC	= 0x0a,
	NVME_FEAT_ASYNC_EVENT	= 0x0b,
	NVME_FEAT_KATO		= 0x0f,
	NVME_FEAT_HOST_BEHAVIOR	= 0x16,
};
#define NVME_FEAT_FID(cdw10)	((cdw10) & 0xff)
#define NVME_FEAT_SEL(cdw10)	(((cdw10) >> 8) & 0x7)
#define NVME_FEAT_SV		(1u << 31)
#define NVME_FEAT_SEL_CURRENT	0
#define NVME_FEAT_SEL_DEFAULT	1
#define NVME_FEAT_SEL_SAVED	2
#define NVME_FEAT_SEL_CAPS	3
#define NVME_FEAT_CAP_CHANGEABLE (1u << 2)
#define NVME_FEAT_CAP_NS_SPECIFIC (1u << 1)
#define NVME_HOST_BEHAVIOR_SIZE	512

/* ---- log pages ---- */

enum nvme_log_id {
	NVME_LOG_ERROR		= 0x01,
	NVME_LOG_SMART		= 0x02,
	NVME_LOG_FW_SLOT	= 0x03,
	NVME_LOG_CHANGED_NS	= 0x04,
	NVME_LOG_CMD_EFFECTS	= 0x05,
};
#define NVME_LOG_LID(cdw10)	((cdw10) & 0xff)
#define NVME_LOG_RAE		(1u << 15)
#define NVME_LOG_NUMDL(cdw10)	((cdw10) >> 16)
#define NVME_LOG_NUMDU(cdw11)	((cdw11) & 0xffff)
#define NVME_LOG_CSI(cdw14)	((cdw14) >> 24)

struct nvme_error_log_entry {
	uint64_t error_count;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* with the phase tag bit, as in the CQE */
	uint16_t param_loc;
	uint64_t lba;
	uint32_t nsid;
	uint8_t vs;
	uint8_t trtype;
	uint8_t rsvd30[2];
	uint64_t cs;
	uint16_t trtype_spec;
	uint8_t rsvd42[22];
};
static_assert(sizeof(struct nvme_error_log_entry) == 64, "error log entry");

struct nvme_smart_log {
	uint8_t critical_warning;
	uint16_t temperature;
	uint8_t avail_spare;
	uint8_t spare_thresh;
	uint8_t percent_used;
	uint8_t endu_grp_crit_warn;
	uint8_t rsvd7[25];
	uint8_t data_units_read[16];
	uint8_t data_units_written[16];
	uint8_t host_reads[16];
	uint8_t host_writes[16];
	uint8_t ctrl_busy_time[16];
	uint8_t power_cycles[16];
	uint8_t power_on_hours[16];
	uint8_t unsafe_shutdowns[16];
	uint8_t media_errors[16];
	uint8_t num_err_log_entries[16];
	uint32_t warning_temp_time;
	uint32_t critical_comp_time;
	uint16_t temp_sensor[8];
	uint8_t rsvd216[296];
} __attribute__((packed));
static_assert(sizeof(struct nvme_smart_log) == 512, "smart log");
#define NVME_SMART_CRIT_TEMPERATURE (1u << 1)

struct nvme_fw_slot_log {
	uint8_t afi;
	uint8_t rsvd1[7];
	char frs[7][8];
	uint8_t rsvd64[448];
};
static_assert(sizeof(struct nvme_fw_slot_log) == 512, "fw slot log");

#define NVME_CHANGED_NS_MAX	1024
#define NVME_CMD_EFFECTS_SIZE	4096
#define NVME_CE_CSUPP		(1u << 0)
#define NVME_CE_LBCC		(1u << 1)
#define NVME_CE_NCC		(1u << 2)
#define NVME_CE_NIC		(1u << 3)
#define NVME_CE_CCC		(1u << 4)

/* ---- asynchronous events ---- */

#define NVME_AER_TYPE_SMART	1
#define NVME_AER_TYPE_NOTICE	2
#define NVME_AER_NOTICE_NS_CHANGED 0x00
#define NVME_AER_SMART_TEMP	0x01
#define NVME_AER_DW0(type, info, lid) \
	((uint32_t)(type) | ((uint32_t)(info) << 8) | ((uint32_t)(lid) << 16))
#define NVME_AEC_SMART_MASK	0xffu
#define NVME_AEC_NS_ATTR	(1u << 8)

#endif /* SNAP_NVME_SPEC_H */
