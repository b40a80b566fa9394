// SPDX-License-Identifier: GPL-2.0
/*
 * snap_testhost: a test-only PCI driver that plays the host of one emulated
 * NVMe function, so the selftests drive the sim provider without the stock
 * nvme driver in the way. It has no id table and binds only through
 * driver_override. It counts the function's MSI-X interrupts, hands out
 * DMA-coherent buffers for queues and data, and masks vectors on request;
 * userspace reaches the registers through the BAR's sysfs resource file.
 * One function at a time (the misc device name is fixed).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "snap_testhost.h"

struct th_dev;

struct th_vec {
	atomic_t count;
	struct th_dev *th;
};

/**
 * struct th_dev - one bound function
 * @ref: held by the binding and by the open file
 * @pdev: the function (referenced)
 * @misc: /dev/snap_testhost
 * @wq: woken on every interrupt and at unbind
 * @lock: protects @open and @gone
 * @open: the misc device is open (one opener at a time)
 * @gone: unbound; vectors are freed
 * @nvec: MSI-X vectors allocated
 * @vec: per-vector interrupt counters
 */
struct th_dev {
	struct kref ref;
	struct pci_dev *pdev;
	struct miscdevice misc;
	wait_queue_head_t wq;
	struct mutex lock;
	bool open;
	bool gone;
	int nvec;
	struct th_vec vec[];
};

struct th_buf {
	void *cpu;
	dma_addr_t dma;
	size_t size;
	bool ready;	/* userspace has its address: it may be mapped */
	bool mmapped;	/* it was: only closing the file frees it */
};

struct th_file {
	struct th_dev *th;
	struct mutex lock;	/* protects @bufs and the stream fields */
	struct th_buf bufs[SNAP_TH_MAX_BUFS];
	struct page *stream;	/* see struct snap_th_stream */
	dma_addr_t stream_dma;
	enum dma_data_direction stream_dir;
	bool stream_mapped;
};

static void th_free(struct kref *ref)
{
	struct th_dev *th = container_of(ref, struct th_dev, ref);

	pci_dev_put(th->pdev);
	kfree(th);
}

static irqreturn_t th_irq(int irq, void *data)
{
	struct th_vec *v = data;

	atomic_inc(&v->count);
	wake_up_all(&v->th->wq);
	return IRQ_HANDLED;
}

static int th_open(struct inode *inode, struct file *file)
{
	struct th_dev *th = container_of(file->private_data, struct th_dev, misc);
	struct th_file *tf;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	mutex_lock(&th->lock);
	if (th->open || th->gone) {
		mutex_unlock(&th->lock);
		kfree(tf);
		return -EBUSY;
	}
	th->open = true;
	/* The previous opener's release turned it off. */
	pci_set_master(th->pdev);
	kref_get(&th->ref);
	mutex_unlock(&th->lock);

	tf->th = th;
	mutex_init(&tf->lock);
	file->private_data = tf;
	return 0;
}

static int th_release(struct inode *inode, struct file *file)
{
	struct th_file *tf = file->private_data;
	struct th_dev *th = tf->th;
	int i;

	mutex_lock(&th->lock);
	/* A controller left enabled must not write into freed memory. */
	if (!th->gone)
		pci_clear_master(th->pdev);
	th->open = false;
	mutex_unlock(&th->lock);

	for (i = 0; i < SNAP_TH_MAX_BUFS; i++)
		if (tf->bufs[i].cpu)
			dma_free_coherent(&th->pdev->dev, tf->bufs[i].size,
					  tf->bufs[i].cpu, tf->bufs[i].dma);
	if (tf->stream_mapped)
		dma_unmap_page(&th->pdev->dev, tf->stream_dma, PAGE_SIZE,
			       tf->stream_dir);
	if (tf->stream)
		__free_page(tf->stream);
	kfree(tf);
	kref_put(&th->ref, th_free);
	return 0;
}

static long th_ioctl_alloc(struct th_file *tf, void __user *argp)
{
	struct device *dev = &tf->th->pdev->dev;
	struct snap_th_alloc req;
	struct th_buf *buf = NULL;
	long ret = 0;
	int i;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!req.pages || req.pages > SNAP_TH_MAX_PAGES)
		return -EINVAL;

	mutex_lock(&tf->lock);
	for (i = 0; i < SNAP_TH_MAX_BUFS && !buf; i++)
		if (!tf->bufs[i].cpu)
			buf = &tf->bufs[i];
	if (!buf) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	buf->size = (size_t)req.pages << PAGE_SHIFT;
	buf->cpu = dma_alloc_coherent(dev, buf->size, &buf->dma, GFP_KERNEL);
	if (!buf->cpu) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	req.index = buf - tf->bufs;
	req.bus_addr = buf->dma;
	req.mmap_offset = req.index * SNAP_TH_MMAP_STRIDE;
	mutex_unlock(&tf->lock);

	/*
	 * Not under tf->lock: a fault here takes mmap_lock, which th_mmap()
	 * holds when it takes tf->lock. Until @ready the slot is reserved and
	 * cannot be mapped.
	 */
	if (copy_to_user(argp, &req, sizeof(req)))
		ret = -EFAULT;

	mutex_lock(&tf->lock);
	if (ret) {
		dma_free_coherent(dev, buf->size, buf->cpu, buf->dma);
		buf->cpu = NULL;
	} else {
		buf->ready = true;
	}
out_unlock:
	mutex_unlock(&tf->lock);
	return ret;
}

static long th_ioctl_free(struct th_file *tf, void __user *argp)
{
	struct snap_th_free req;
	struct th_buf *buf;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.index >= SNAP_TH_MAX_BUFS)
		return -EINVAL;
	mutex_lock(&tf->lock);
	buf = &tf->bufs[req.index];
	if (!buf->ready) {
		ret = -EINVAL;
	} else if (buf->mmapped) {
		ret = -EBUSY;
	} else {
		dma_free_coherent(&tf->th->pdev->dev, buf->size, buf->cpu,
				  buf->dma);
		memset(buf, 0, sizeof(*buf));
	}
	mutex_unlock(&tf->lock);
	return ret;
}

static long th_ioctl_irq(struct th_dev *th, unsigned int cmd,
			 void __user *argp)
{
	struct snap_th_irq req;
	struct th_vec *v;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.vector >= th->nvec)
		return -EINVAL;
	v = &th->vec[req.vector];

	if (cmd == SNAP_TH_IOC_IRQ_WAIT) {
		ret = wait_event_interruptible_timeout(th->wq,
			(u32)atomic_read(&v->count) >= req.min_count ||
			READ_ONCE(th->gone),
			msecs_to_jiffies(req.timeout_ms));
		if (ret < 0)
			return ret;
		ret = (u32)atomic_read(&v->count) >= req.min_count ? 0 :
		      READ_ONCE(th->gone) ? -ENODEV : -ETIMEDOUT;
	}
	/* The count goes back on a timeout too, to say how far it got. */
	req.count = atomic_read(&v->count);
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

/*
 * Sets or clears the vector's Mask bit in the MSI-X table, which is what
 * masking means to the device (disable_irq() would not touch the table).
 */
static long th_ioctl_mask(struct th_dev *th, void __user *argp)
{
	struct snap_th_mask req;
	struct irq_data *d;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.vector >= th->nvec || req.masked > 1)
		return -EINVAL;

	mutex_lock(&th->lock);
	if (th->gone) {
		ret = -ENODEV;
		goto out_unlock;
	}
	d = irq_get_irq_data(pci_irq_vector(th->pdev, req.vector));
	if (req.masked)
		pci_msi_mask_irq(d);
	else
		pci_msi_unmask_irq(d);
out_unlock:
	mutex_unlock(&th->lock);
	return ret;
}

static long th_ioctl_stream(struct th_file *tf, void __user *argp)
{
	struct device *dev = &tf->th->pdev->dev;
	struct snap_th_stream req;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	mutex_lock(&tf->lock);
	if (!tf->stream)
		tf->stream = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!tf->stream) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	switch (req.op) {
	case SNAP_TH_STREAM_MAP:
		if (tf->stream_mapped ||
		    (req.dir != DMA_TO_DEVICE && req.dir != DMA_FROM_DEVICE)) {
			ret = -EINVAL;
			break;
		}
		tf->stream_dma = dma_map_page(dev, tf->stream, 0, PAGE_SIZE, req.dir);
		if (dma_mapping_error(dev, tf->stream_dma)) {
			ret = -EIO;
			break;
		}
		tf->stream_dir = req.dir;
		tf->stream_mapped = true;
		req.bus_addr = tf->stream_dma;
		break;
	case SNAP_TH_STREAM_UNMAP:
		if (!tf->stream_mapped) {
			ret = -EINVAL;
			break;
		}
		dma_unmap_page(dev, tf->stream_dma, PAGE_SIZE, tf->stream_dir);
		tf->stream_mapped = false;
		break;
	case SNAP_TH_STREAM_PEEK:
		break;
	default:
		ret = -EINVAL;
	}
	memcpy(&req.head, page_address(tf->stream), sizeof(req.head));
out_unlock:
	mutex_unlock(&tf->lock);
	if (!ret && copy_to_user(argp, &req, sizeof(req)))
		ret = -EFAULT;
	return ret;
}

static long th_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct th_file *tf = file->private_data;
	void __user *argp = (void __user *)arg;
	struct snap_th_info info = {};

	switch (cmd) {
	case SNAP_TH_IOC_INFO:
		info.num_vectors = tf->th->nvec;
		return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
	case SNAP_TH_IOC_ALLOC:
		return th_ioctl_alloc(tf, argp);
	case SNAP_TH_IOC_IRQ_COUNT:
	case SNAP_TH_IOC_IRQ_WAIT:
		return th_ioctl_irq(tf->th, cmd, argp);
	case SNAP_TH_IOC_MASK:
		return th_ioctl_mask(tf->th, argp);
	case SNAP_TH_IOC_STREAM:
		return th_ioctl_stream(tf, argp);
	case SNAP_TH_IOC_FREE:
		return th_ioctl_free(tf, argp);
	default:
		return -ENOTTY;
	}
}

static int th_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct th_file *tf = file->private_data;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 idx = off / SNAP_TH_MMAP_STRIDE;
	struct th_buf *buf;
	int ret;

	if (off % SNAP_TH_MMAP_STRIDE || idx >= SNAP_TH_MAX_BUFS)
		return -EINVAL;
	mutex_lock(&tf->lock);
	buf = &tf->bufs[idx];
	if (!buf->ready || vma->vm_end - vma->vm_start > buf->size) {
		ret = -EINVAL;
	} else {
		/* dma_mmap_coherent() reads vm_pgoff as an offset in the buffer. */
		vma->vm_pgoff = 0;
		ret = dma_mmap_coherent(&tf->th->pdev->dev, vma, buf->cpu,
					buf->dma, buf->size);
		if (!ret)
			buf->mmapped = true;
	}
	mutex_unlock(&tf->lock);
	return ret;
}

static const struct file_operations th_fops = {
	.owner = THIS_MODULE,
	.open = th_open,
	.release = th_release,
	.unlocked_ioctl = th_ioctl,
	.mmap = th_mmap,
	.llseek = noop_llseek,
};

static int th_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct th_dev *th;
	int nvec, i, ret;

	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return -ENODEV;
	th = kzalloc(struct_size(th, vec, nvec), GFP_KERNEL);
	if (!th)
		return -ENOMEM;
	kref_init(&th->ref);
	init_waitqueue_head(&th->wq);
	mutex_init(&th->lock);
	th->pdev = pci_dev_get(pdev);
	th->nvec = nvec;

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_put;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_disable;
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_clear_master;
	for (i = 0; i < nvec; i++) {
		th->vec[i].th = th;
		ret = request_irq(pci_irq_vector(pdev, i), th_irq, 0,
				  KBUILD_MODNAME, &th->vec[i]);
		if (ret)
			goto err_free_irqs;
	}

	th->misc.minor = MISC_DYNAMIC_MINOR;
	th->misc.name = KBUILD_MODNAME;
	th->misc.fops = &th_fops;
	th->misc.mode = 0600;
	ret = misc_register(&th->misc);
	if (ret)
		goto err_free_irqs;
	pci_set_drvdata(pdev, th);
	pci_info(pdev, "test host bound, %d MSI-X vectors\n", nvec);
	return 0;

err_free_irqs:
	while (i--)
		free_irq(pci_irq_vector(pdev, i), &th->vec[i]);
	pci_free_irq_vectors(pdev);
err_clear_master:
	pci_clear_master(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	kref_put(&th->ref, th_free);
	return ret;
}

static void th_remove(struct pci_dev *pdev)
{
	struct th_dev *th = pci_get_drvdata(pdev);
	int i;

	/* No open is in progress once this returns (misc_mtx). */
	misc_deregister(&th->misc);
	mutex_lock(&th->lock);
	th->gone = true;
	mutex_unlock(&th->lock);
	wake_up_all(&th->wq);

	for (i = 0; i < th->nvec; i++)
		free_irq(pci_irq_vector(pdev, i), &th->vec[i]);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	kref_put(&th->ref, th_free);
}

/* No id table: only driver_override binds it, so nothing else gets probed. */
static struct pci_driver th_driver = {
	.name = KBUILD_MODNAME,
	.probe = th_probe,
	.remove = th_remove,
};

/*
 * What an unrelated ioread32/iowrite32 caller pays: the sim's register
 * trap probes those accessors for every caller. Timed on a vmalloc page,
 * which the trap must look up (ioremap addresses live there too), at
 * load with ioread_bench=LOOPS; scripts/bench-vm compares a load with
 * and without snap's virtio functions present.
 */
static unsigned int ioread_bench;
module_param(ioread_bench, uint, 0444);
MODULE_PARM_DESC(ioread_bench, "Time this many ioread32+iowrite32 pairs at load (0: none)");

static void th_ioread_bench(void)
{
	void __iomem *page;
	unsigned int i;
	u64 t0, ns;
	u32 v = 0;

	page = (void __force __iomem *)vzalloc(PAGE_SIZE);
	if (!page)
		return;
	t0 = ktime_get_ns();
	for (i = 0; i < ioread_bench; i++) {
		v += ioread32(page);
		iowrite32(v, page);
		if (!(i & 1023))
			cond_resched();
	}
	ns = ktime_get_ns() - t0;
	pr_info("ioread_bench: %u ioread32+iowrite32 pairs in %llu ns: %llu ns per pair\n",
		ioread_bench, ns, div_u64(ns, ioread_bench));
	vfree((void __force *)page);
}

static int __init th_init(void)
{
	if (ioread_bench)
		th_ioread_bench();
	return pci_register_driver(&th_driver);
}
module_init(th_init);

static void __exit th_exit(void)
{
	pci_unregister_driver(&th_driver);
}
module_exit(th_exit);

MODULE_DESCRIPTION("snap selftests: test host for emulated NVMe functions");
MODULE_LICENSE("GPL");
