// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA pool: mempool_size_mb MiB (rounded up to 2 MiB) the daemon
 * stages data in. The module owns it so that it outlives a daemon: a
 * restarted daemon maps the same memory and finds in-flight buffers where
 * it left them.
 *
 * The daemon registers the pool as io_uring fixed buffers. Linux 6.1's
 * io_uring only accepts anonymous, shmem or hugetlbfs memory for those
 * (io_pin_pages() refuses any other file mapping with EOPNOTSUPP), so
 * the pool is a shmem file whose every page the module allocates up
 * front, keeps a reference to, marks unevictable and maps contiguously
 * into the kernel; the daemon's mapping of /dev/snap becomes a mapping of
 * that file. The file lives on the module's own tmpfs mount with
 * huge=within_size (as i915 does for its objects), so the pool is made of
 * 2 MiB pages where the kernel has transparent huge pages: allocating it
 * page by page took 10 s per GiB in the TCG test guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "datapath.h"
#include "snap.h"

static struct {
	struct mutex lock;		/* allocation and free */
	struct vfsmount *mnt;		/* tmpfs with huge pages, or NULL */
	struct file *file;
	struct page **pages;
	void *vaddr;
	u64 size;			/* published last, with release */
} snap_pool = {
	.lock = __MUTEX_INITIALIZER(snap_pool.lock),
};

static void snap_pool_release(struct file *file, struct page **pages,
			      unsigned long n, void *vaddr)
{
	if (vaddr)
		vunmap(vaddr);
	while (n--)
		put_page(pages[n]);
	kvfree(pages);
	mapping_clear_unevictable(file->f_mapping);
	fput(file);
}

static struct file *snap_pool_file(u64 size)
{
	char opts[] = "huge=within_size";
	struct file_system_type *type;

	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && !snap_pool.mnt) {
		type = get_fs_type("tmpfs");
		if (type) {
			snap_pool.mnt = vfs_kern_mount(type, SB_KERNMOUNT,
						       type->name, opts);
			if (IS_ERR(snap_pool.mnt))
				snap_pool.mnt = NULL;
		}
		if (!snap_pool.mnt)
			pr_notice("DMA pool: no huge tmpfs mount, using small pages\n");
	}
	if (snap_pool.mnt)
		return shmem_file_setup_with_mnt(snap_pool.mnt, "snap-pool", size,
						 VM_NORESERVE);
	return shmem_file_setup("snap-pool", size, VM_NORESERVE);
}

/* Takes a reference on every page of the (possibly huge) folio at @i. */
static long snap_pool_get_folio(struct address_space *mapping,
				struct page **pages, unsigned long i,
				unsigned long n)
{
	struct folio *folio;
	struct page *page;
	long nr, j;

	page = shmem_read_mapping_page_gfp(mapping, i, GFP_KERNEL | __GFP_NOWARN);
	if (IS_ERR(page))
		return PTR_ERR(page);
	folio = page_folio(page);
	nr = 1;
	if (folio_index(folio) == i && folio_nr_pages(folio) <= n - i) {
		nr = folio_nr_pages(folio);
		folio_ref_add(folio, nr - 1);
	}
	for (j = 0; j < nr; j++)
		pages[i + j] = nth_page(page, j);
	return nr;
}

/**
 * snap_pool_alloc() - allocate the pool, once
 *
 * Called at every daemon attach; only the first allocates. Nothing is
 * kept of a failed attempt, so a later attach may try again.
 *
 * Return: 0, -ENOMEM, or -EINTR when the caller was killed meanwhile.
 */
int snap_pool_alloc(void)
{
	u64 size = round_up((u64)snap_params.mempool_size_mb * SZ_1M,
			    SNAP_POOL_CHUNK_SIZE);
	unsigned long n = size >> PAGE_SHIFT, i = 0;
	struct address_space *mapping;
	struct page **pages = NULL;
	u64 start = ktime_get_ns();
	struct file *file;
	void *vaddr = NULL;
	int ret = 0;

	mutex_lock(&snap_pool.lock);
	if (snap_pool.size)
		goto out_unlock;

	file = snap_pool_file(size);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_unlock;
	}
	mapping = file->f_mapping;
	/*
	 * Not movable: FOLL_LONGTERM pins (io_uring) would migrate pages
	 * from under the kernel mapping. Unevictable: shmem would otherwise
	 * swap them out, replacing the page the kernel writes to.
	 */
	mapping_set_gfp_mask(mapping, GFP_KERNEL);
	mapping_set_unevictable(mapping);

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto err_release;
	}
	while (i < n) {
		long nr = snap_pool_get_folio(mapping, pages, i, n);

		if (nr < 0) {
			ret = nr;
			goto err_release;
		}
		i += nr;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_release;
		}
		cond_resched();
	}
	vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		ret = -ENOMEM;
		goto err_release;
	}

	snap_pool.file = file;
	snap_pool.pages = pages;
	snap_pool.vaddr = vaddr;
	/* snap_pool_ptr() and snap_pool_mmap() read without the lock. */
	smp_store_release(&snap_pool.size, size);
	pr_info("DMA pool: %llu MiB of %s pages in %llu ms\n", size / SZ_1M,
		folio_test_large(page_folio(pages[0])) ? "huge" : "small",
		div_u64(ktime_get_ns() - start, NSEC_PER_MSEC));
	mutex_unlock(&snap_pool.lock);
	return 0;

err_release:
	pr_warn("DMA pool: allocating %llu MiB failed (%d)\n", size / SZ_1M, ret);
	snap_pool_release(file, pages, pages ? i : 0, NULL);
out_unlock:
	mutex_unlock(&snap_pool.lock);
	return ret;
}

/*
 * At unload: no daemon holds /dev/snap. A process may still map the pool
 * (its mapping holds the shmem file) or have it pinned through io_uring;
 * the pages then stay until it lets go.
 */
void snap_pool_free(void)
{
	mutex_lock(&snap_pool.lock);
	if (snap_pool.size)
		snap_pool_release(snap_pool.file, snap_pool.pages,
				  snap_pool.size >> PAGE_SHIFT, snap_pool.vaddr);
	snap_pool.file = NULL;
	snap_pool.pages = NULL;
	snap_pool.vaddr = NULL;
	snap_pool.size = 0;
	/* Files still mapped somewhere hold the mount themselves. */
	if (snap_pool.mnt)
		kern_unmount(snap_pool.mnt);
	snap_pool.mnt = NULL;
	mutex_unlock(&snap_pool.lock);
}

u64 snap_pool_size(void)
{
	/* Pairs with the release in snap_pool_alloc(). */
	return smp_load_acquire(&snap_pool.size);
}

/*
 * The pool is contiguous in kernel space, so any range inside it has an
 * address; callers still split at SNAP_POOL_CHUNK_SIZE boundaries, which
 * a provider with 2 MiB DMA chunks would need.
 */
void *snap_pool_ptr(u64 off, u32 len)
{
	/* Pairs with the release in snap_pool_alloc(): vaddr is set. */
	u64 size = smp_load_acquire(&snap_pool.size);

	if (!len || off > size || len > size - off)
		return NULL;
	return snap_pool.vaddr + off;
}

/**
 * snap_pool_mmap() - map pool bytes [vm_pgoff, vm_pgoff + length)
 * @vma: a shared mapping inside the pool
 *
 * The mapping becomes one of the pool's shmem file: its faults find the
 * pages the module holds.
 *
 * Return: 0, -ENXIO before the pool exists, -EINVAL for a private or
 * out-of-pool mapping.
 */
int snap_pool_mmap(struct vm_area_struct *vma)
{
	/* Pairs with the release in snap_pool_alloc(): file is set. */
	u64 size = smp_load_acquire(&snap_pool.size);
	u64 pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	int ret;

	if (!size)
		return -ENXIO;
	/* A private mapping would copy on write: the kernel'd never see it. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > size >> PAGE_SHIFT ||
	    pages > (size >> PAGE_SHIFT) - vma->vm_pgoff)
		return -EINVAL;

	vma_set_file(vma, snap_pool.file);
	ret = call_mmap(snap_pool.file, vma);
	if (ret)
		return ret;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return 0;
}
