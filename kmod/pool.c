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
 * the pool is a shmem file; the daemon's mapping of /dev/snap becomes a
 * mapping of that file. The file lives on the module's own tmpfs mount
 * with huge=within_size (as i915 does for its objects), so the pool is
 * made of 2 MiB pages where the kernel has transparent huge pages.
 *
 * The pool grows on demand, one 2 MiB chunk at a time: the first attach
 * only creates the file, and the daemon makes a chunk resident
 * (SNAP_IOC_POOL_GROW) before it first stages data there. Allocating the
 * whole default GiB at attach took seconds in the TCG test guest, longer
 * than a host driver probing a static PF waits for the daemon. The
 * module allocates a resident chunk's pages, keeps a reference to each,
 * marks them unevictable and maps the chunk contiguously into the
 * kernel. A chunk stays resident until unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "datapath.h"
#include "rules.h"
#include "snap.h"

#define SNAP_POOL_CHUNK_PAGES	(SNAP_POOL_CHUNK_SIZE >> PAGE_SHIFT)

/**
 * struct snap_pool_chunk - 2 MiB of the pool
 * @pages: its pages, a reference held on each; NULL while not resident
 * @vaddr: the kernel's contiguous mapping of them; set last, with release
 */
struct snap_pool_chunk {
	struct page **pages;
	void *vaddr;
};

static struct {
	struct mutex lock;		/* creation, growth and free */
	struct vfsmount *mnt;		/* tmpfs with huge pages, or NULL */
	struct file *file;
	struct snap_pool_chunk *chunks;
	unsigned long nr_chunks;
	unsigned long nr_resident;	/* written under lock */
	u64 size;			/* published last, with release */
} snap_pool = {
	.lock = __MUTEX_INITIALIZER(snap_pool.lock),
};

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

/**
 * snap_pool_create() - create the pool, once
 *
 * Called at every daemon attach; only the first creates it, with nothing
 * resident yet. Nothing is kept of a failed attempt.
 *
 * Return: 0 or -ENOMEM.
 */
int snap_pool_create(void)
{
	u64 size = round_up((u64)snap_params.mempool_size_mb * SZ_1M,
			    SNAP_POOL_CHUNK_SIZE);
	unsigned long nr_chunks = size / SNAP_POOL_CHUNK_SIZE;
	struct snap_pool_chunk *chunks;
	struct file *file;
	int ret = 0;

	mutex_lock(&snap_pool.lock);
	if (snap_pool.size)
		goto out_unlock;

	chunks = kvcalloc(nr_chunks, sizeof(*chunks), GFP_KERNEL);
	if (!chunks) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	file = snap_pool_file(size);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_free_chunks;
	}
	/*
	 * Not movable: FOLL_LONGTERM pins (io_uring) would migrate pages
	 * from under the kernel mapping. Unevictable: shmem would otherwise
	 * swap them out, replacing the page the kernel writes to.
	 */
	mapping_set_gfp_mask(file->f_mapping, GFP_KERNEL);
	mapping_set_unevictable(file->f_mapping);
	/*
	 * Append-only: no hole punch (MADV_REMOVE on the daemon's mapping,
	 * fallocate through /proc/PID/map_files) and no truncate. Either
	 * would take resident pages out of the file while the module keeps
	 * its references and kernel mapping: the kernel would go on moving
	 * host data through the old pages and the daemon would fault in new
	 * zeroed ones, so data would silently stop arriving where each side
	 * looks for it.
	 */
	inode_set_flags(file_inode(file), S_APPEND, S_APPEND);

	snap_pool.file = file;
	snap_pool.chunks = chunks;
	snap_pool.nr_chunks = nr_chunks;
	/* snap_pool_ptr() and snap_pool_mmap() read without the lock. */
	smp_store_release(&snap_pool.size, size);
	mutex_unlock(&snap_pool.lock);
	return 0;

err_free_chunks:
	kvfree(chunks);
out_unlock:
	mutex_unlock(&snap_pool.lock);
	return ret;
}

/*
 * Takes a reference on every page of the (possibly huge) folio at file
 * page @i, as far as it lies in [@first, @end); @pages[0] is page @first.
 */
static long snap_pool_get_folio(struct address_space *mapping,
				struct page **pages, unsigned long first,
				unsigned long i, unsigned long end)
{
	struct folio *folio;
	struct page *page;
	long nr, j;

	page = shmem_read_mapping_page_gfp(mapping, i, GFP_KERNEL | __GFP_NOWARN);
	if (IS_ERR(page))
		return PTR_ERR(page);
	folio = page_folio(page);
	nr = 1;
	if (folio_index(folio) == i && folio_nr_pages(folio) <= end - i) {
		nr = folio_nr_pages(folio);
		folio_ref_add(folio, nr - 1);
	}
	for (j = 0; j < nr; j++)
		pages[i - first + j] = nth_page(page, j);
	return nr;
}

static void snap_pool_put_pages(struct page **pages, unsigned long n)
{
	while (n--)
		put_page(pages[n]);
	kvfree(pages);
}

/* Makes chunk @c resident. Under the pool lock. */
static int snap_pool_fill_chunk(unsigned long c)
{
	struct address_space *mapping = snap_pool.file->f_mapping;
	unsigned long first = c * SNAP_POOL_CHUNK_PAGES, i = first;
	unsigned long end = first + SNAP_POOL_CHUNK_PAGES;
	struct page **pages;
	void *vaddr;
	long nr;

	lockdep_assert_held(&snap_pool.lock);
	pages = kvmalloc_array(SNAP_POOL_CHUNK_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	while (i < end) {
		nr = snap_pool_get_folio(mapping, pages, first, i, end);
		if (nr < 0) {
			snap_pool_put_pages(pages, i - first);
			return nr;
		}
		i += nr;
	}
	vaddr = vmap(pages, SNAP_POOL_CHUNK_PAGES, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		snap_pool_put_pages(pages, SNAP_POOL_CHUNK_PAGES);
		return -ENOMEM;
	}
	snap_pool.chunks[c].pages = pages;
	/* Pairs with the acquire in snap_pool_chunk_vaddr(). */
	smp_store_release(&snap_pool.chunks[c].vaddr, vaddr);
	snap_pool.nr_resident++;
	return 0;
}

/**
 * snap_pool_grow() - make pool bytes [@off, @off + @len) resident
 * @off: pool offset
 * @len: bytes; every 2 MiB chunk the range touches becomes resident
 *
 * Chunks already resident are left as they are, so a daemon that took
 * over asks again for what its predecessor had without cost.
 *
 * Return: 0, -EINVAL for a range outside the pool (or no pool yet),
 * -ENOMEM when memory runs out or the resident pool would take more than
 * half of RAM, or -EINTR when the caller was killed meanwhile (chunks made
 * resident so far stay).
 */
int snap_pool_grow(u64 off, u64 len)
{
	u64 size = snap_pool_size();
	unsigned long c, last;
	int ret = 0;

	if (!len || off >= size || len > size - off)
		return -EINVAL;
	last = (off + len - 1) / SNAP_POOL_CHUNK_SIZE;
	mutex_lock(&snap_pool.lock);
	for (c = off / SNAP_POOL_CHUNK_SIZE; c <= last; c++) {
		if (snap_pool.chunks[c].pages)
			continue;
		if (!snap_ram_share_ok((u64)(snap_pool.nr_resident + 1) * SNAP_POOL_CHUNK_SIZE,
				       (u64)totalram_pages() << PAGE_SHIFT)) {
			pr_warn_ratelimited("DMA pool: %lu MiB resident, half of RAM: not growing\n",
					    snap_pool.nr_resident * (SNAP_POOL_CHUNK_SIZE / SZ_1M));
			ret = -ENOMEM;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = snap_pool_fill_chunk(c);
		if (ret) {
			pr_warn_ratelimited("DMA pool: no memory for 2 MiB more (%lu MiB resident)\n",
					    snap_pool.nr_resident * (SNAP_POOL_CHUNK_SIZE / SZ_1M));
			break;
		}
		cond_resched();
	}
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
	unsigned long c;

	mutex_lock(&snap_pool.lock);
	for (c = 0; c < snap_pool.nr_chunks; c++) {
		if (!snap_pool.chunks[c].pages)
			continue;
		vunmap(snap_pool.chunks[c].vaddr);
		snap_pool_put_pages(snap_pool.chunks[c].pages,
				    SNAP_POOL_CHUNK_PAGES);
	}
	kvfree(snap_pool.chunks);
	if (snap_pool.file) {
		mapping_clear_unevictable(snap_pool.file->f_mapping);
		fput(snap_pool.file);
	}
	snap_pool.file = NULL;
	snap_pool.chunks = NULL;
	snap_pool.nr_chunks = 0;
	snap_pool.nr_resident = 0;
	snap_pool.size = 0;
	/* Files still mapped somewhere hold the mount themselves. */
	if (snap_pool.mnt)
		kern_unmount(snap_pool.mnt);
	snap_pool.mnt = NULL;
	mutex_unlock(&snap_pool.lock);
}

u64 snap_pool_size(void)
{
	/* Pairs with the release in snap_pool_create(). */
	return smp_load_acquire(&snap_pool.size);
}

u64 snap_pool_resident(void)
{
	return (u64)READ_ONCE(snap_pool.nr_resident) * SNAP_POOL_CHUNK_SIZE;
}

/* Kernel address of chunk @c, or NULL while it is not resident. */
static void *snap_pool_chunk_vaddr(unsigned long c)
{
	/* Pairs with the release in snap_pool_fill_chunk(): pages are set. */
	return smp_load_acquire(&snap_pool.chunks[c].vaddr);
}

/**
 * snap_pool_range_ok() - whether the kernel may move data to or from pool
 *	bytes [@off, @off + @len)
 * @off: pool offset
 * @len: bytes, not 0
 *
 * Return: true when the range lies in the pool and is resident.
 */
bool snap_pool_range_ok(u64 off, u64 len)
{
	u64 size = snap_pool_size();
	unsigned long c;

	if (!len || off >= size || len > size - off)
		return false;
	for (c = off / SNAP_POOL_CHUNK_SIZE;
	     c <= (off + len - 1) / SNAP_POOL_CHUNK_SIZE; c++)
		if (!snap_pool_chunk_vaddr(c))
			return false;
	return true;
}

/*
 * Each chunk is mapped on its own, so a range must not cross from one
 * to the next: callers split at SNAP_POOL_CHUNK_SIZE boundaries.
 */
void *snap_pool_ptr(u64 off, u32 len)
{
	u64 size = snap_pool_size();
	unsigned long c = off / SNAP_POOL_CHUNK_SIZE;
	void *vaddr;

	if (!len || off >= size || len > size - off ||
	    (off + len - 1) / SNAP_POOL_CHUNK_SIZE != c)
		return NULL;
	vaddr = snap_pool_chunk_vaddr(c);
	return vaddr ? vaddr + off % SNAP_POOL_CHUNK_SIZE : NULL;
}

/**
 * snap_pool_mmap() - map pool bytes [vm_pgoff, vm_pgoff + length)
 * @vma: a shared mapping inside the pool
 *
 * The mapping becomes one of the pool's shmem file: its faults find the
 * pages the module holds (or add pages to the file that a later
 * snap_pool_grow() finds there).
 *
 * Return: 0, -ENXIO before the pool exists, -EINVAL for a private or
 * out-of-pool mapping.
 */
int snap_pool_mmap(struct vm_area_struct *vma)
{
	/* Pairs with the release in snap_pool_create(): file is set. */
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
	snap_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}
