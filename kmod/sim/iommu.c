// SPDX-License-Identifier: GPL-2.0
/*
 * The sim bus's IOMMU: the emulated functions get the module's own DMA
 * ops (as VDUSE gives its devices), so every mapping the host driver
 * makes is recorded per function, with its direction. Bus addresses stay
 * physical addresses (an identity IOMMU), but a function's DMA
 * (snap_sim_dma()) reaches only memory the host mapped for it, in the
 * direction it mapped it, and only while the mapping lives: a daemon bug
 * or a stale PRP cannot touch slab, page tables or a page the host has
 * freed. Each page is copied under the lock that unmapping takes, so an
 * unmap waits for at most one page in flight and the host never gets a
 * page written after it let go of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/interval_tree_generic.h>
#include <linux/slab.h>

#include "../snap.h"
#include "simdev.h"

/**
 * struct snap_iommu_map - one range the host mapped
 * @rb: in the function's tree
 * @start: first bus (= physical) address
 * @last: last one
 * @subtree_last: the tree's augmentation
 * @dir: the host's enum dma_data_direction
 */
struct snap_iommu_map {
	struct rb_node rb;
	u64 start;
	u64 last;
	u64 subtree_last;
	u8 dir;
};

/*
 * The tree's functions, generated here (as vhost's IOTLB does) rather
 * than lib/interval_tree's: those are built only into kernels that
 * select CONFIG_INTERVAL_TREE, and their bounds are unsigned long.
 */
#define SNAP_IOMMU_START(m)	((m)->start)
#define SNAP_IOMMU_LAST(m)	((m)->last)
INTERVAL_TREE_DEFINE(struct snap_iommu_map, rb, u64, subtree_last,
		     SNAP_IOMMU_START, SNAP_IOMMU_LAST, static, snap_iommu_tree);

static struct kmem_cache *snap_iommu_cache;

static struct snap_sim_fn *snap_iommu_fn(struct device *dev)
{
	return snap_sim_fn_of_pdev(to_pci_dev(dev));
}

static gfp_t snap_iommu_gfp(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) ? GFP_KERNEL : GFP_ATOMIC;
}

static int snap_iommu_add(struct snap_sim_fn *fn, phys_addr_t addr, size_t len,
			  enum dma_data_direction dir, gfp_t gfp)
{
	struct snap_iommu_map *m;
	unsigned long flags;

	if (!fn || !len)
		return -EINVAL;
	m = kmem_cache_alloc(snap_iommu_cache, snap_iommu_gfp(gfp));
	if (!m)
		return -ENOMEM;
	m->start = addr;
	m->last = addr + len - 1;
	m->dir = dir;
	raw_spin_lock_irqsave(&fn->iommu.lock, flags);
	snap_iommu_tree_insert(m, &fn->iommu.maps);
	fn->iommu.nr_maps++;
	raw_spin_unlock_irqrestore(&fn->iommu.lock, flags);
	return 0;
}

/*
 * Ranges may overlap (the zero page is mapped by every write-zeroes in
 * flight), so the one removed is one with exactly this extent.
 */
static void snap_iommu_remove(struct snap_sim_fn *fn, phys_addr_t addr,
			      size_t len)
{
	u64 last = addr + len - 1;
	struct snap_iommu_map *m;
	unsigned long flags;

	if (!fn || !len)
		return;
	raw_spin_lock_irqsave(&fn->iommu.lock, flags);
	for (m = snap_iommu_tree_iter_first(&fn->iommu.maps, addr, last); m;
	     m = snap_iommu_tree_iter_next(m, addr, last)) {
		if (m->start == addr && m->last == last) {
			snap_iommu_tree_remove(m, &fn->iommu.maps);
			fn->iommu.nr_maps--;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&fn->iommu.lock, flags);
	if (m)
		kmem_cache_free(snap_iommu_cache, m);
	else
		pr_warn_ratelimited("function %u: unmap of %pa+%zu that is not mapped\n",
				    fn->func->id, &addr, len);
}

static dma_addr_t snap_iommu_map_page(struct device *dev, struct page *page,
				      unsigned long offset, size_t size,
				      enum dma_data_direction dir,
				      unsigned long attrs)
{
	phys_addr_t phys = page_to_phys(page) + offset;

	if (snap_iommu_add(snap_iommu_fn(dev), phys, size, dir, GFP_ATOMIC))
		return DMA_MAPPING_ERROR;
	return phys;
}

static void snap_iommu_unmap_page(struct device *dev, dma_addr_t addr,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	snap_iommu_remove(snap_iommu_fn(dev), addr, size);
}

static void snap_iommu_unmap_sg(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir,
				unsigned long attrs)
{
	struct snap_sim_fn *fn = snap_iommu_fn(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		snap_iommu_remove(fn, sg_dma_address(sg), sg_dma_len(sg));
}

static int snap_iommu_map_sg(struct device *dev, struct scatterlist *sgl,
			     int nents, enum dma_data_direction dir,
			     unsigned long attrs)
{
	struct snap_sim_fn *fn = snap_iommu_fn(dev);
	struct scatterlist *sg;
	int i, ret;

	for_each_sg(sgl, sg, nents, i) {
		ret = snap_iommu_add(fn, sg_phys(sg), sg->length, dir, GFP_ATOMIC);
		if (ret) {
			snap_iommu_unmap_sg(dev, sgl, i, dir, attrs);
			return ret;
		}
		sg_dma_address(sg) = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

/* Coherent memory: pages of the host's, mapped both ways until freed. */
static void *snap_iommu_alloc(struct device *dev, size_t size,
			      dma_addr_t *dma_handle, gfp_t gfp,
			      unsigned long attrs)
{
	unsigned int order = get_order(size);
	struct page *page;

	page = alloc_pages(gfp | __GFP_ZERO, order);
	if (!page)
		return NULL;
	if (snap_iommu_add(snap_iommu_fn(dev), page_to_phys(page), size,
			   DMA_BIDIRECTIONAL, gfp)) {
		__free_pages(page, order);
		return NULL;
	}
	*dma_handle = page_to_phys(page);
	return page_address(page);
}

static void snap_iommu_free(struct device *dev, size_t size, void *vaddr,
			    dma_addr_t dma_handle, unsigned long attrs)
{
	snap_iommu_remove(snap_iommu_fn(dev), dma_handle, size);
	free_pages((unsigned long)vaddr, get_order(size));
}

static int snap_iommu_mmap(struct device *dev, struct vm_area_struct *vma,
			   void *cpu_addr, dma_addr_t dma_addr, size_t size,
			   unsigned long attrs)
{
	unsigned long pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long want = vma_pages(vma);

	if (vma->vm_pgoff >= pages || want > pages - vma->vm_pgoff)
		return -ENXIO;
	return remap_pfn_range(vma, vma->vm_start,
			       PHYS_PFN(dma_addr) + vma->vm_pgoff,
			       want << PAGE_SHIFT, vma->vm_page_prot);
}

/* Peer-to-peer and MMIO targets are not memory this bus moves. */
static dma_addr_t snap_iommu_map_resource(struct device *dev,
					  phys_addr_t phys_addr, size_t size,
					  enum dma_data_direction dir,
					  unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}

static int snap_iommu_supported(struct device *dev, u64 mask)
{
	return 1;
}

static const struct dma_map_ops snap_iommu_ops = {
	.alloc = snap_iommu_alloc,
	.free = snap_iommu_free,
	.mmap = snap_iommu_mmap,
	.map_page = snap_iommu_map_page,
	.unmap_page = snap_iommu_unmap_page,
	.map_sg = snap_iommu_map_sg,
	.unmap_sg = snap_iommu_unmap_sg,
	.map_resource = snap_iommu_map_resource,
	.dma_supported = snap_iommu_supported,
};

/* Every function on the bus gets these before a driver can bind. */
void snap_sim_iommu_attach(struct pci_dev *pdev)
{
	set_dma_ops(&pdev->dev, &snap_iommu_ops);
}

void snap_sim_iommu_init(struct snap_sim_fn *fn)
{
	raw_spin_lock_init(&fn->iommu.lock);
	fn->iommu.maps = RB_ROOT_CACHED;
}

/* The bus is gone: mappings its drivers did not undo are dropped. */
void snap_sim_iommu_exit(struct snap_sim_fn *fn)
{
	struct snap_iommu_map *m;

	if (fn->iommu.nr_maps)
		pr_warn("function %u: %lu DMA mapping(s) left by the host\n",
			fn->func->id, fn->iommu.nr_maps);
	while ((m = snap_iommu_tree_iter_first(&fn->iommu.maps, 0, U64_MAX))) {
		snap_iommu_tree_remove(m, &fn->iommu.maps);
		kmem_cache_free(snap_iommu_cache, m);
	}
	fn->iommu.nr_maps = 0;
}

static bool snap_iommu_dir_ok(u8 dir, bool to_host)
{
	if (dir == DMA_BIDIRECTIONAL)
		return true;
	/* The host's "to device" is a device read of host memory. */
	return dir == (to_host ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/**
 * snap_sim_iommu_allows() - whether live mappings cover a device access
 * @fn: the function; caller holds @fn->iommu.lock
 * @addr: bus address
 * @len: bytes, not 0, not wrapping
 * @to_host: a device write of host memory (else a read)
 *
 * Mappings may be adjacent or overlap: the range is covered when every
 * byte lies in some mapping that allows the direction.
 */
bool snap_sim_iommu_allows(struct snap_sim_fn *fn, u64 addr, u32 len,
			   bool to_host)
{
	u64 pos = addr, last = addr + len - 1, reach;
	struct snap_iommu_map *m;
	bool found;

	lockdep_assert_held(&fn->iommu.lock);
	for (;;) {
		found = false;
		reach = pos;
		for (m = snap_iommu_tree_iter_first(&fn->iommu.maps, pos, pos); m;
		     m = snap_iommu_tree_iter_next(m, pos, pos)) {
			if (!snap_iommu_dir_ok(m->dir, to_host))
				continue;
			found = true;
			reach = max(reach, m->last);
		}
		if (!found)
			return false;
		if (reach >= last)
			return true;
		pos = reach + 1;
	}
}

int snap_sim_iommu_setup(void)
{
	snap_iommu_cache = KMEM_CACHE(snap_iommu_map, 0);
	return snap_iommu_cache ? 0 : -ENOMEM;
}

void snap_sim_iommu_teardown(void)
{
	kmem_cache_destroy(snap_iommu_cache);
}
