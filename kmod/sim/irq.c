// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X for the sim provider's functions. Whether a vector fires, becomes
 * pending or is dropped is decided by cfgspace.c from config space and the
 * table and PBA in BAR0. A message that fires is not written anywhere:
 * the host is this kernel, so the provider runs the handler of the Linux
 * irq the host driver got for that vector. x86's vector-domain irqs may
 * only be handled in hard-irq context, so that happens in an irq_work,
 * one per vector, queued on the CPU the irq is routed to: a real MSI-X
 * message goes where the host's driver aimed it, and the host's
 * completion then runs on the CPU that submitted (blk-mq gives each CPU
 * its queue and vector), with no second IPI to get there.
 *
 * The irq number is looked up when the vector is raised, in process
 * context (pci_irq_vector() takes a mutex), and used later in the
 * irq_work. The host frees its vectors only after it turned MSI-X off
 * (or reset the function) through config space: each such stop starts a
 * new MSI-X generation under cfg_lock, the irq_work fires a vector only
 * if the generation it was raised in is still current, and the config
 * write that stopped MSI-X waits for a handler that passed that check to
 * return. So an irq number is never fired after the host let it go, when
 * it may already be another device's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/bitmap.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/slab.h>

#include "../snap.h"
#include "simdev.h"

/*
 * Whether a vector raised in MSI-X generation @gen may still fire; if so,
 * counts one more handler running until snap_sim_irq_fire() ends it. A
 * count, not a flag: the irq_work may run on two CPUs at once (queued
 * again while it runs), and one finishing must not hide the other. Hard
 * irq.
 */
static bool snap_sim_irq_claim(struct snap_sim_fn *fn, u32 gen)
{
	bool ok;

	raw_spin_lock(&fn->sim->cfg_lock);
	ok = gen == fn->msix_gen;
	if (ok)
		atomic_inc(&fn->irq_firing);
	raw_spin_unlock(&fn->sim->cfg_lock);
	return ok;
}

/* Runs the handler of @v if it is still to fire. Hard irq. */
static void snap_sim_irq_fire_vec(struct snap_sim_irq_vec *v)
{
	struct snap_sim_fn *fn = v->fn;
	u32 gen;
	int irq;

	raw_spin_lock(&fn->irq_lock);
	if (!v->fire) {
		raw_spin_unlock(&fn->irq_lock);
		return;
	}
	v->fire = false;
	irq = v->virq;
	gen = v->gen;
	raw_spin_unlock(&fn->irq_lock);
	if (!snap_sim_irq_claim(fn, gen))
		return;
	generic_handle_irq(irq);
	/* Pairs with the acquire in snap_sim_irq_wait_fired(). */
	atomic_dec_return_release(&fn->irq_firing);
}

static void snap_sim_irq_fire(struct irq_work *work)
{
	snap_sim_irq_fire_vec(container_of(work, struct snap_sim_irq_vec, work));
}

/*
 * The IPI of the CPU the irq is routed to. Should that CPU have gone
 * offline meanwhile, the call runs elsewhere outside hard irq: hand it
 * to the irq_work there.
 */
static void snap_sim_irq_ipi(void *info)
{
	struct snap_sim_irq_vec *v = info;
	struct snap_sim_fn *fn = v->fn;

	if (in_hardirq())
		snap_sim_irq_fire_vec(v);
	else
		irq_work_queue(&v->work);
	/* Pairs with the acquire in snap_sim_irq_exit(). */
	atomic_dec_return_release(&fn->irq_ipis);
}

/**
 * snap_sim_irq_stopped() - MSI-X of a function stopped (disable or FLR)
 * @fn: the function; caller holds @fn->sim->cfg_lock, and is the config
 *	write that stopped it
 *
 * Vectors raised before are not fired any more. The caller then calls
 * snap_sim_irq_wait_fired() once it dropped cfg_lock.
 */
void snap_sim_irq_stopped(struct snap_sim_fn *fn)
{
	lockdep_assert_held(&fn->sim->cfg_lock);
	fn->msix_gen++;
}

/**
 * snap_sim_irq_wait_fired() - wait for a handler the irq_work is running
 * @fn: the function, after snap_sim_irq_stopped()
 *
 * The host frees its vectors once the config write returns, so the write
 * waits here for a handler that claimed its vector before the stop. Any
 * context, interrupts off included: a handler still running is in hard
 * irq on another CPU (on this one it would have finished), and the caller
 * holds no lock a handler takes (cfg_lock is dropped; x86 makes config
 * accesses without pci_lock).
 */
void snap_sim_irq_wait_fired(struct snap_sim_fn *fn)
{
	/* Pairs with the release in snap_sim_irq_fire(): the handlers ran. */
	while (atomic_read_acquire(&fn->irq_firing))
		cpu_relax();
}

/**
 * snap_sim_pdev() - the host's pci_dev of a function
 * @fn: the function; caller holds @fn->pdev_lock, which keeps the
 *	pci_dev returned alive
 *
 * The pci_dev is looked up again once it is unregistered, since a remove
 * and rescan creates a new one for the same function. Process context.
 *
 * Return: the pci_dev, or NULL while the function is not on the bus.
 */
struct pci_dev *snap_sim_pdev(struct snap_sim_fn *fn)
{
	struct pci_dev *pdev = fn->pdev;

	lockdep_assert_held(&fn->pdev_lock);
	if (pdev && !device_is_registered(&pdev->dev)) {
		pci_dev_put(pdev);
		pdev = NULL;
	}
	if (!pdev)
		pdev = snap_sim_get_pdev(fn);
	fn->pdev = pdev;
	return pdev;
}

/*
 * The Linux irq of MSI-X table entry @vec. Process context:
 * pci_irq_vector() takes the device's MSI descriptor mutex.
 */
static int snap_sim_virq(struct snap_sim_fn *fn, u16 vec)
{
	struct pci_dev *pdev;
	int irq;

	mutex_lock(&fn->pdev_lock);
	pdev = snap_sim_pdev(fn);
	irq = pdev ? pci_irq_vector(pdev, vec) : -ENODEV;
	mutex_unlock(&fn->pdev_lock);
	return irq;
}

/*
 * The CPU @irq is routed to (its effective affinity), or -1 when none of
 * them is online: the caller's CPU then runs the handler.
 */
static int snap_sim_irq_cpu(int irq)
{
	const struct cpumask *mask = irq_get_effective_affinity_mask(irq);
	unsigned int cpu;

	if (!mask)
		return -1;
	cpu = cpumask_first_and(mask, cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : -1;
}

/*
 * Sends vector @vec, raised in MSI-X generation @gen, to the CPU its irq
 * is routed to: an IPI there, or the irq_work here. A call already on its
 * way (-EBUSY) has not looked at the vector yet and fires it.
 */
static int snap_sim_irq_queue(struct snap_sim_fn *fn, u16 vec, u32 gen)
{
	struct snap_sim_irq_vec *v = &fn->irq_vecs[vec];
	unsigned long flags;
	int irq, cpu, here;

	irq = snap_sim_virq(fn, vec);
	if (irq < 0)
		return irq;
	raw_spin_lock_irqsave(&fn->irq_lock, flags);
	v->virq = irq;
	v->gen = gen;
	v->fire = true;
	raw_spin_unlock_irqrestore(&fn->irq_lock, flags);
	cpu = snap_sim_irq_cpu(irq);
	here = get_cpu();
	if (cpu < 0 || cpu == here) {
		irq_work_queue(&v->work);
	} else {
		atomic_inc(&fn->irq_ipis);
		if (smp_call_function_single_async(cpu, &v->csd))
			atomic_dec(&fn->irq_ipis);
	}
	put_cpu();
	return 0;
}

/**
 * snap_sim_raise_irq() - the provider's raise_irq op
 * @func: the function
 * @vector: MSI-X table entry
 *
 * Return: 0 when the vector fired or became pending (masked); -EIO when
 * the function cannot interrupt (memory decode, bus mastering or MSI-X
 * off, vector beyond the table, or no irq behind it).
 */
int snap_sim_raise_irq(struct snap_func *func, u16 vector)
{
	struct snap_sim_fn *fn = snap_sim_fn_of(func);
	enum snap_msix_action action = SNAP_MSIX_DROP;
	struct snap_msix_msg msg;
	struct snap_sim *sim;
	void __iomem *bar;
	unsigned long flags;
	u32 gen;

	if (!fn)
		return -ENODEV;
	sim = fn->sim;
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	gen = fn->msix_gen;
	bar = fn->mem && !fn->reset_pending ? snap_sim_bar0(fn) : NULL;
	if (bar)
		action = snap_msix_raise(&fn->cfg,
					 (void __force *)bar + fn->model->msix_table,
					 (void __force *)bar + fn->model->msix_pba,
					 vector, &msg);
	if (action == SNAP_MSIX_PENDING)
		fn->irq_pending = true;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);

	switch (action) {
	case SNAP_MSIX_FIRE:
		if (snap_sim_irq_queue(fn, vector, gen))
			return -EIO;
		snap_sim_poll_wake(sim);
		return 0;
	case SNAP_MSIX_PENDING:
		return 0;
	default:
		return -EIO;
	}
}

/**
 * snap_sim_irq_poll() - send messages whose vector was unmasked
 * @fn: the function; called by the poller
 *
 * The host unmasks vectors by writing the table in BAR0, which cannot
 * trap: the poller looks at the PBA on each pass while some vector of
 * the function is pending (only the provider sets PBA bits).
 *
 * Return: whether any pending message was sent.
 */
bool snap_sim_irq_poll(struct snap_sim_fn *fn)
{
	struct snap_sim *sim = fn->sim;
	struct snap_msix_msg msg;
	void __iomem *bar;
	unsigned long flags;
	bool sent = false, left = false;
	unsigned int w, vec, words;
	u64 pending;
	u32 gen;

	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	gen = fn->msix_gen;
	words = DIV_ROUND_UP(fn->num_msix, 64);
	bar = fn->mem && fn->irq_pending && !fn->reset_pending ?
	      snap_sim_bar0(fn) : NULL;
	for (w = 0; bar && w < words; w++) {
		pending = lo_hi_readq(bar + fn->model->msix_pba + w * 8);
		for (; pending; pending &= pending - 1) {
			vec = w * 64 + __ffs64(pending);
			if (vec >= fn->num_msix)
				break;
			if (snap_msix_deliver_pending(&fn->cfg,
						      (void __force *)bar + fn->model->msix_table,
						      (void __force *)bar + fn->model->msix_pba,
						      vec, &msg))
				__set_bit(vec, fn->irq_due);
			else
				left = true;
		}
	}
	if (bar)
		fn->irq_pending = left;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);

	for_each_set_bit(vec, fn->irq_due, fn->max_msix) {
		__clear_bit(vec, fn->irq_due);
		snap_sim_irq_queue(fn, vec, gen);
		sent = true;
	}
	return sent;
}

/**
 * snap_sim_irq_init() - set up interrupt delivery of a function
 * @fn: the function; @fn->max_msix is set
 *
 * Sized for @fn->max_msix vectors, so that the count may change later.
 *
 * Return: 0 or -ENOMEM.
 */
int snap_sim_irq_init(struct snap_sim_fn *fn)
{
	unsigned int i, n = max_t(unsigned int, fn->max_msix, 1);

	raw_spin_lock_init(&fn->irq_lock);
	fn->irq_vecs = kcalloc(n, sizeof(*fn->irq_vecs), GFP_KERNEL);
	fn->irq_due = bitmap_zalloc(n, GFP_KERNEL);
	if (!fn->irq_vecs || !fn->irq_due) {
		snap_sim_irq_exit(fn);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		fn->irq_vecs[i].work = IRQ_WORK_INIT_HARD(snap_sim_irq_fire);
		INIT_CSD(&fn->irq_vecs[i].csd, snap_sim_irq_ipi, &fn->irq_vecs[i]);
		fn->irq_vecs[i].fn = fn;
	}
	return 0;
}

/**
 * snap_sim_irq_exit() - undo snap_sim_irq_init()
 * @fn: the function; nothing raises its interrupts any more
 */
void snap_sim_irq_exit(struct snap_sim_fn *fn)
{
	unsigned int i, n = max_t(unsigned int, fn->max_msix, 1);

	/* Pairs with the release in snap_sim_irq_ipi(). */
	while (atomic_read_acquire(&fn->irq_ipis))
		cpu_relax();
	for (i = 0; fn->irq_vecs && i < n; i++)
		irq_work_sync(&fn->irq_vecs[i].work);
	pci_dev_put(fn->pdev);
	fn->pdev = NULL;
	bitmap_free(fn->irq_due);
	kfree(fn->irq_vecs);
	fn->irq_due = NULL;
	fn->irq_vecs = NULL;
}
