// SPDX-License-Identifier: GPL-2.0
/*
 * The sim provider's poller. Host writes to BAR0 land in RAM, so one
 * kthread per sim bus passes over every function that decodes memory and
 * may master the bus: its device model reports what changed in registers
 * it polls (NVMe: CC and the doorbells of the queues that exist; virtio's
 * registers trap instead, see trap.c), and the poller sends MSI-X messages
 * left pending while their vector was masked.
 *
 * Adaptive back-off, as nvmet's pci-epf does: a few passes without
 * sleeping after any change, then sleeps that double up to a ceiling,
 * and after a longer idle period longer sleeps still. Config writes,
 * queue changes and interrupts the daemon raises wake it early. While no
 * function both decodes memory and masters the bus it sleeps until a
 * config write changes that.
 *
 * While the daemon is busy it makes the same passes itself, in its own
 * context (snap_sim_poll_now(), through SNAP_IOC_WAIT with
 * SNAP_WAIT_POLL), and sees a doorbell as soon as it looks instead of
 * after the poller's next pass and a wake-up. Each of its passes holds the
 * poller back for a lease of a few milliseconds, so that only one of
 * them spins; a daemon about to sleep hands back at once, and one that
 * stops passing without a word (killed) when the lease ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "../datapath.h"
#include "../snap.h"
#include "simdev.h"

/*
 * Passes without sleeping after a change: the host usually rings the CQ
 * head and the next SQ tail shortly after a completion.
 */
#define SNAP_SIM_POLL_SPINS	8
/* The first sleep once nothing changes; each idle pass doubles it. */
#define SNAP_SIM_POLL_MIN_US	16
/*
 * The idle ceiling, reached about 32 ms after the last change: the first
 * doorbell after a pause waits at most this long.
 */
#define SNAP_SIM_POLL_MAX_US	16384
/*
 * After this long without a change the host is idle, not pausing: sleep
 * longer still. Under QEMU TCG each wake-up costs about 0.2-0.3 ms of
 * CPU, so 16 ms sleeps alone would keep 1.5% of a vCPU busy (and 50-100 us
 * then 1 ms sleeps cost 20-25%); 128 ms sleeps cost a few tenths of a
 * percent. The price is the latency of the first command after a long
 * idle period, far below any host timeout (CAP.TO is 30 s, admin commands
 * time out after 60 s). An interrupt the daemon raises, a queue change or
 * a config write ends the deep sleep at once.
 */
#define SNAP_SIM_POLL_DEEP_MS	2000
#define SNAP_SIM_POLL_DEEP_US	131072
/* Interrupts wake the poller only out of sleeps longer than this. */
#define SNAP_SIM_POLL_WAKE_US	256
/*
 * How long one pass of the daemon keeps the poller back. The daemon
 * passes every few microseconds while busy and stops after about a
 * millisecond without work; the first doorbell after that waits at most
 * this long.
 */
#define SNAP_SIM_POLL_LEASE_MS	2

/**
 * snap_sim_poll_kick() - make the poller pass now and poll fast again
 * @sim: the bus
 *
 * Any context (the config write path calls it under a raw spinlock).
 */
void snap_sim_poll_kick(struct snap_sim *sim)
{
	struct task_struct *task = READ_ONCE(sim->poll_task);

	if (!task)
		return;
	atomic_set(&sim->poll_kick, 1);
	wake_up_process(task);
}

/**
 * snap_sim_poll_wake() - kick the poller if it sleeps long
 * @sim: the bus
 *
 * For signs of traffic (the daemon raising an interrupt): the host will
 * ring doorbells soon, but a poller already polling fast needs no
 * wake-up.
 */
void snap_sim_poll_wake(struct snap_sim *sim)
{
	if (READ_ONCE(sim->poll_sleep_us) > SNAP_SIM_POLL_WAKE_US)
		snap_sim_poll_kick(sim);
}

/*
 * One pass over @fn. Returns whether anything changed; sets *@live when
 * the function decodes memory and may master the bus, i.e. when the host
 * may write something the poller acts on. Config writes that make it so,
 * and the end of a reset, kick the poller.
 */
static bool snap_sim_poll_fn_locked(struct snap_sim_fn *fn, bool *live)
{
	struct snap_sim *sim = fn->sim;
	void __iomem *bar = NULL;
	bool changed = false;
	unsigned long flags;
	bool resync = false;
	u32 gen;

	lockdep_assert_held(&fn->poll_lock);
	/* A slot without function (hotplug.c changes that under poll_lock). */
	if (!fn->model)
		return false;
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	if (fn->mem && fn->master && !fn->reset_pending)
		bar = snap_sim_bar0(fn);
	gen = fn->reset_gen;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);

	if (gen != fn->seen_reset_gen) {
		fn->seen_reset_gen = gen;
		resync = true;
	}
	if (fn->model->poll)
		changed = fn->model->poll(fn, bar, resync);
	if (bar) {
		*live = true;
		changed |= snap_sim_irq_poll(fn);
	}
	return changed;
}

static bool snap_sim_poll_fn(struct snap_sim_fn *fn, bool *live)
{
	bool changed;

	mutex_lock(&fn->poll_lock);
	changed = snap_sim_poll_fn_locked(fn, live);
	mutex_unlock(&fn->poll_lock);
	return changed;
}

/**
 * snap_sim_poll_now() - a pass by the daemon (the provider's poll op)
 * @sim: the bus
 * @busy: the daemon passes again soon; false: it is about to sleep
 *
 * Passes over every function in the caller's context. A busy daemon
 * holds the poller back for SNAP_SIM_POLL_LEASE_MS; one about to sleep
 * hands over to it at once. The caller is inside the data path's SRCU
 * section: it may wait for poll_lock because no holder of poll_lock (a
 * pass, a reset, a hot-plug change) waits for that section. Waiting, not
 * skipping a function another pass holds, keeps the daemon's promise: what
 * the host wrote before the call is in the events the call returns.
 * Process context.
 */
void snap_sim_poll_now(struct snap_sim *sim, bool busy)
{
	bool live = false;
	unsigned int i;

	if (busy)
		WRITE_ONCE(sim->poll_lease,
			   jiffies + msecs_to_jiffies(SNAP_SIM_POLL_LEASE_MS) + 1);
	for (i = 0; i < sim->nr_fns; i++) {
		struct snap_sim_fn *fn = &sim->fns[i];

		mutex_lock(&fn->poll_lock);
		snap_sim_poll_fn_locked(fn, &live);
		mutex_unlock(&fn->poll_lock);
	}
	if (!busy) {
		WRITE_ONCE(sim->poll_lease, jiffies);
		snap_sim_poll_kick(sim);
	}
}

/* Whether a pass of the daemon holds the poller back now. */
static bool snap_sim_poll_leased(struct snap_sim *sim, unsigned int *us)
{
	long left = (long)(READ_ONCE(sim->poll_lease) - jiffies);

	if (left <= 0)
		return false;
	*us = jiffies_to_usecs(left);
	return true;
}

/*
 * Sleeps @us microseconds, or until kicked when @us is 0. Returns whether
 * it was kicked. Interrupts wake it only out of a long sleep of its own
 * (@wakeable), not out of a lease: the daemon polls then.
 */
static bool snap_sim_poll_sleep(struct snap_sim *sim, unsigned int us,
				bool wakeable)
{
	ktime_t timeout;
	bool kicked;

	if (wakeable)
		WRITE_ONCE(sim->poll_sleep_us, us ?: UINT_MAX);
	/* TASK_IDLE: a sleeping poller is neither load nor a hung task. */
	set_current_state(TASK_IDLE);
	if (atomic_xchg(&sim->poll_kick, 0) || kthread_should_stop()) {
		__set_current_state(TASK_RUNNING);
		WRITE_ONCE(sim->poll_sleep_us, 0);
		return true;
	}
	if (us) {
		/* A quarter of slack lets long sleeps share timer wake-ups. */
		timeout = ns_to_ktime((u64)us * NSEC_PER_USEC);
		schedule_hrtimeout_range(&timeout, us * (NSEC_PER_USEC / 4),
					 HRTIMER_MODE_REL);
	} else {
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(sim->poll_sleep_us, 0);
	kicked = atomic_xchg(&sim->poll_kick, 0);
	return kicked;
}

static int snap_sim_poll_thread(void *data)
{
	struct snap_sim *sim = data;
	unsigned int i, spins = 0, sleep_us = 0, lease_us;
	unsigned long last_change = jiffies;
	bool changed, live;

	while (!kthread_should_stop()) {
		/* A kick (config write, queue change) still gets its pass. */
		if (snap_sim_poll_leased(sim, &lease_us) &&
		    !snap_sim_poll_sleep(sim, lease_us, false)) {
			spins = 0;
			sleep_us = 0;
			last_change = jiffies;
			continue;
		}
		changed = false;
		live = false;
		for (i = 0; i < sim->nr_fns; i++)
			changed |= snap_sim_poll_fn(&sim->fns[i], &live);
		if (changed) {
			spins = SNAP_SIM_POLL_SPINS;
			sleep_us = 0;
			last_change = jiffies;
		}
		if (spins) {
			spins--;
			cond_resched();
			continue;
		}
		if (time_after(jiffies, last_change +
			       msecs_to_jiffies(SNAP_SIM_POLL_DEEP_MS)))
			sleep_us = SNAP_SIM_POLL_DEEP_US;
		else
			sleep_us = clamp(sleep_us * 2, SNAP_SIM_POLL_MIN_US,
					 SNAP_SIM_POLL_MAX_US);
		if (snap_sim_poll_sleep(sim, live ? sleep_us : 0, true)) {
			sleep_us = 0;
			last_change = jiffies;
		}
	}
	return 0;
}

/**
 * snap_sim_poll_start() - start the poller of a sim bus
 * @sim: the bus; its functions are set up
 *
 * Return: 0 or a negative errno.
 */
int snap_sim_poll_start(struct snap_sim *sim)
{
	struct task_struct *task;

	task = kthread_create(snap_sim_poll_thread, sim, "snap_sim_poll");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* Kicks may come once the task is visible, even after it stopped. */
	get_task_struct(task);
	WRITE_ONCE(sim->poll_task, task);
	wake_up_process(task);
	return 0;
}

/**
 * snap_sim_poll_stop() - stop the poller
 * @sim: the bus; no config writes, queue changes or resets follow
 */
void snap_sim_poll_stop(struct snap_sim *sim)
{
	struct task_struct *task = sim->poll_task;

	kthread_stop(task);
	WRITE_ONCE(sim->poll_task, NULL);
	put_task_struct(task);
}

/**
 * snap_sim_reset_work() - reset the data path of a function
 * @work: the function's reset_work
 *
 * Queued from the config write path on FLR and when Bus Master Enable
 * clears; the registers are already back to their reset values.
 */
void snap_sim_reset_work(struct work_struct *work)
{
	struct snap_sim_fn *fn = container_of(work, struct snap_sim_fn,
					      reset_work);
	struct snap_sim *sim = fn->sim;
	unsigned long flags;
	u32 gen;

	mutex_lock(&fn->poll_lock);
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	gen = fn->reset_gen;
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);

	snap_dp_func_reset(fn->func);

	/* A reset that came meanwhile queued this work again. */
	raw_spin_lock_irqsave(&sim->cfg_lock, flags);
	if (fn->reset_gen == gen)
		WRITE_ONCE(fn->reset_pending, false);
	raw_spin_unlock_irqrestore(&sim->cfg_lock, flags);
	mutex_unlock(&fn->poll_lock);
	snap_sim_poll_kick(sim);
}
