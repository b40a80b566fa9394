// SPDX-License-Identifier: GPL-2.0
/*
 * Physical Region Page walking. PRP1 may start anywhere dword aligned in a
 * page; every further page starts at offset 0. Up to two pages, PRP2 is
 * the second page; beyond that it points to a PRP list, whose last entry
 * in each list page points to the next list page when more entries follow.
 */
#include <errno.h>

#include "nvme_int.h"

#define PRP_LIST_CHUNK	64	/* entries read per host access */

static uint16_t add_status(int err)
{
	return err == -ENOMEM ? NVME_SC_INTERNAL : nvme_dnr(NVME_SC_INVALID_FIELD);
}

static uint16_t add_page(struct nvme_dptr *out, uint64_t addr, uint32_t len,
			 uint32_t page_size)
{
	int err;

	if (addr & (page_size - 1))
		return nvme_dnr(NVME_SC_PRP_INVALID_OFFSET);
	err = nvme_dptr_add(out, addr, len, false);
	return err ? add_status(err) : 0;
}

/* Walk the list at list_addr for rem bytes of pages. */
static uint16_t walk_prp_list(const struct nvme_host_reader *r,
			      uint64_t list_addr, uint32_t rem,
			      uint32_t page_size, struct nvme_dptr *out)
{
	uint64_t entries[PRP_LIST_CHUNK];

	if (list_addr & 7)
		return nvme_dnr(NVME_SC_PRP_INVALID_OFFSET);
	while (rem) {
		uint32_t need = (rem + page_size - 1) / page_size;
		uint32_t in_page = (page_size - (list_addr & (page_size - 1))) / 8;
		/* the last slot of a list page chains when more follow */
		bool chains = need > in_page;
		uint32_t n = chains ? in_page : need;
		uint32_t i;

		/* A list page holding nothing but its link makes no progress:
		 * a host could chain it to itself forever. */
		if (chains && in_page == 1)
			return nvme_dnr(NVME_SC_PRP_INVALID_OFFSET);
		if (n > PRP_LIST_CHUNK)
			n = PRP_LIST_CHUNK;
		if (r->read(r->ctx, list_addr, entries, n * 8))
			return NVME_SC_DATA_XFER_ERROR;
		for (i = 0; i < n && rem; i++) {
			bool is_link = chains && n == in_page && i == n - 1;
			uint32_t len;
			uint16_t st;

			if (is_link) {
				if (entries[i] & 7)
					return nvme_dnr(NVME_SC_PRP_INVALID_OFFSET);
				list_addr = entries[i];
				break;
			}
			len = rem < page_size ? rem : page_size;
			st = add_page(out, entries[i], len, page_size);
			if (st)
				return st;
			rem -= len;
		}
		if (i == n)
			list_addr += (uint64_t)n * 8;
	}
	return 0;
}

uint16_t nvme_prp_map(const struct nvme_host_reader *r, uint64_t prp1,
		      uint64_t prp2, uint32_t len, uint32_t page_size,
		      struct nvme_dptr *out)
{
	uint32_t first, rem;
	int err;

	if (!len)
		return 0;
	if (prp1 & 3)
		return nvme_dnr(NVME_SC_PRP_INVALID_OFFSET);
	first = page_size - (prp1 & (page_size - 1));
	if (first > len)
		first = len;
	err = nvme_dptr_add(out, prp1, first, false);
	if (err)
		return add_status(err);
	rem = len - first;
	if (!rem)
		return 0;
	if (rem <= page_size)
		return add_page(out, prp2, rem, page_size);
	return walk_prp_list(r, prp2, rem, page_size, out);
}
