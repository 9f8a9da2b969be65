// SPDX-License-Identifier: GPL-2.0
/*
 * AMD IBS op sampling as pghot's hardware-hint source (PGHOT_HW_HINTS).
 *
 * Every so many ops (vm.pghot_ibs_sample_period) IBS tags one, and when it
 * retires raises an NMI with what the op did: whether it loaded or stored,
 * whether it missed the caches, its linear and physical address.  Where the
 * CPU has it, L3-miss-only filtering is on, so that only ops that went to
 * memory raise the NMI at all.  The sampler keeps user-mode loads and
 * stores that missed the caches, to pages of a node pghot tracks, and
 * reports them with pghot_record_access(pfn, node of the sampling CPU,
 * PGHOT_HW_HINTS, jiffies).
 *
 * It comes in two halves:
 *
 *  - the hardware half programs IbsOpCtl on each CPU and takes the NMI: it
 *    reads the sample's MSRs into a struct ibs_raw_sample and re-arms the
 *    counter.  It is the only code that touches an MSR.
 *
 *  - the sample half takes plain values: ibs_take_sample() decodes and
 *    filters a raw sample, pushes what it keeps into its CPU's ring, and
 *    queues an irq_work that drains the ring into pghot_record_access()
 *    outside NMI context.  The NMI handler and the debugfs injector
 *    (pghot/hwhint_inject) both feed it, so KUnit and the testbed, which
 *    have no IBS, run all of it.
 *
 * Sharing IBS with perf.  perf's IBS op PMU (arch/x86/events/amd/ibs.c)
 * keeps working; the sampler steps aside on a CPU while perf has an IBS op
 * event there:
 *
 *  - perf's pmu::add() calls ibs_pghot_perf_claim() before it programs
 *    IbsOpCtl, and pmu::del() calls ibs_pghot_perf_release() after it
 *    stopped the counter.  Both run on the CPU concerned with interrupts
 *    off; claim stops the sampler, release re-arms it if the source is on.
 *  - While perf holds a CPU, the NMI handler there reads and writes no IBS
 *    MSR and takes no sample: every IBS sample on that CPU is perf's.  It
 *    only claims the first NMI within IBS_LATE_NMI_NS of the claim, which
 *    may be its own last sample's (with IbsOpVal already clear it cannot
 *    tell, as perf cannot after its own stops); perf's handler runs for
 *    every NMI anyway.  While perf does not hold the CPU, the
 *    handler takes only NMIs whose IbsOpCtl has IbsOpVal set while it has
 *    the CPU armed, which perf's handler leaves alone since its op event is
 *    not started there.
 *  - A per-task perf event claims and releases the CPU at each switch to
 *    and from its task (counted in hwhint_perf_yield each time).
 *  - perf sets up the APIC's extended interrupt (IBS LVT offset, NMI
 *    delivery) on every CPU; the sampler relies on it and runs only where
 *    perf's IBS initialization found op sampling (get_ibs_caps()).
 */
#define pr_fmt(fmt) "pghot_ibs: " fmt

#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/kprobes.h>
#include <linux/memory_hotplug.h>
#include <linux/mmzone.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pghot.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <linux/sysctl.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <kunit/visibility.h>

#include <asm/amd-ibs.h>
#include <asm/cpufeature.h>
#include <asm/ibs.h>
#include <asm/nmi.h>
#include <asm/perf_event.h>

#include <trace/events/pghot.h>

#include "ibs_internal.h"

/* Ops between two samples, by default, and the range the sysctl takes. */
#define IBS_DEFAULT_PERIOD	20000
#define IBS_MIN_PERIOD		4096
/* IbsOpMaxCnt holds bits 19:4 of the period, IbsOpMaxCnt_Ext bits 26:20. */
#define IBS_MAX_PERIOD		((IBS_OP_MAX_CNT << 4) | IBS_OP_MAX_CNT_EXT_MASK)
#define IBS_MAX_PERIOD_NO_EXT	(IBS_OP_MAX_CNT << 4)

/*
 * Raw samples the injector takes with interrupts off, between two drains:
 * half a ring, so that a chunk always fits.
 */
#define IBS_INJECT_CHUNK	(IBS_RING_SIZE / 2)

static DEFINE_PER_CPU(struct ibs_cpu, ibs_cpus);

/*
 * ibs_lock serializes turning sampling on and off and changing its period,
 * with the IPIs that apply them.  ibs_ctl is what a CPU arms: the period
 * and the control bits, or 0 while the source is off; perf's release reads
 * it without the lock, with interrupts off, and an IPI that changes it
 * reaches that CPU after its release returned.
 */
static DEFINE_MUTEX(ibs_lock);
static u64 ibs_ctl;
static u64 ibs_ctl_flags;
static bool ibs_hw;
static unsigned int ibs_period = IBS_DEFAULT_PERIOD;
static unsigned int ibs_period_min = IBS_MIN_PERIOD;
static unsigned int ibs_period_max = IBS_MAX_PERIOD;

static const enum vm_event_item ibs_verdict_events[IBS_NR_VERDICTS] = {
	[IBS_KEEP]		= HWHINT_KEPT,
	[IBS_DROP_KERNEL]	= HWHINT_KERNEL,
	[IBS_DROP_NOT_LDST]	= HWHINT_NOT_LDST,
	[IBS_DROP_CACHE_HIT]	= HWHINT_CACHE_HIT,
	[IBS_DROP_NO_ADDR]	= HWHINT_NO_ADDR,
	[IBS_DROP_TOPTIER]	= HWHINT_TOPTIER,
};

/**
 * ibs_period_to_ctl() - Encode a sample period for IbsOpCtl.
 * @period: ops between two samples.
 *
 * The low four bits of the period are dropped: IbsOpMaxCnt (bits 15:0)
 * holds its bits 19:4, IbsOpMaxCnt_Ext (bits 26:20) its bits 26:20.
 *
 * Return: the IbsOpCtl bits that set the period.
 */
VISIBLE_IF_KUNIT u64 ibs_period_to_ctl(unsigned int period)
{
	return (((u64)period >> 4) & IBS_OP_MAX_CNT) |
	       ((u64)period & IBS_OP_MAX_CNT_EXT_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(ibs_period_to_ctl);

/**
 * ibs_ctl_to_period() - The sample period an IbsOpCtl value sets.
 * @ctl: the IbsOpCtl value.
 *
 * Return: ops between two samples.
 */
VISIBLE_IF_KUNIT unsigned int ibs_ctl_to_period(u64 ctl)
{
	return ((ctl & IBS_OP_MAX_CNT) << 4) | (ctl & IBS_OP_MAX_CNT_EXT_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(ibs_ctl_to_period);

/*
 * A load whose data came from a cache.  IbsOpData2's DataSrc is valid for
 * loads only; Zen 4 extends it by two bits.  Both encodings name caches
 * 1, 2, 4 and 5 (local, near or peer, remote, far CCX), and memory 3, 6, 8
 * and up; 0 means no data source was recorded.
 */
static bool ibs_data_src_cache(u64 op_data2)
{
	union ibs_op_data2 d2 = { .val = op_data2 };
	unsigned int src = d2.data_src_lo | (d2.data_src_hi << 3);

	return src == 1 || src == 2 || src == 4 || src == 5;
}

/**
 * ibs_decode() - Decode and filter a raw sample, but for its node.
 * @raw: the sample.
 * @pfn: set to the accessed page's PFN when the sample is kept.
 *
 * Return: %IBS_KEEP, or why the sample is dropped.
 */
VISIBLE_IF_KUNIT enum ibs_verdict ibs_decode(const struct ibs_raw_sample *raw,
					     unsigned long *pfn)
{
	union ibs_op_data3 d3 = { .val = raw->op_data3 };

	if (!raw->user)
		return IBS_DROP_KERNEL;
	if (!d3.ld_op && !d3.st_op)
		return IBS_DROP_NOT_LDST;
	if (!d3.dc_miss || (d3.ld_op && ibs_data_src_cache(raw->op_data2)))
		return IBS_DROP_CACHE_HIT;
	if (!d3.dc_lin_addr_valid || !d3.dc_phy_addr_valid ||
	    raw->lin_addr >= TASK_SIZE_MAX)
		return IBS_DROP_NO_ADDR;
	*pfn = PHYS_PFN(raw->phys_addr);
	return IBS_KEEP;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_decode);

/**
 * ibs_ring_push() - Add a sample to a ring.
 * @ring: the ring.
 * @s: the sample.
 *
 * Context: the ring's producer (see struct ibs_ring); NMI-safe.
 * Return: false, and nothing added, if the ring is full.
 */
VISIBLE_IF_KUNIT bool ibs_ring_push(struct ibs_ring *ring, const struct ibs_sample *s)
{
	unsigned int head = ring->head;

	/* Acquire: the consumer is done with the slot before it is reused. */
	if (head - smp_load_acquire(&ring->tail) >= IBS_RING_SIZE)
		return false;
	ring->slot[head % IBS_RING_SIZE] = *s;
	/* Release: the slot is filled before the consumer sees it. */
	smp_store_release(&ring->head, head + 1);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_ring_push);

/**
 * ibs_ring_pop() - Take the oldest sample from a ring.
 * @ring: the ring.
 * @s: where to put it.
 *
 * Context: the ring's consumer (see struct ibs_ring).
 * Return: false if the ring is empty.
 */
VISIBLE_IF_KUNIT bool ibs_ring_pop(struct ibs_ring *ring, struct ibs_sample *s)
{
	unsigned int tail = ring->tail;

	/* Acquire: pairs with the producer's release of @head. */
	if (tail == smp_load_acquire(&ring->head))
		return false;
	*s = ring->slot[tail % IBS_RING_SIZE];
	/* Release: the slot is read before the producer may refill it. */
	smp_store_release(&ring->tail, tail + 1);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_ring_pop);

/*
 * The node of a page of online memory, or NUMA_NO_NODE.  Looks only at
 * what the NMI may: the section table and the page's flags (no device
 * pagemap lookup, unlike pfn_to_online_page()).
 */
static int ibs_pfn_nid(unsigned long pfn)
{
	struct mem_section *ms = __pfn_to_section(pfn);

	if (!ms || !online_section(ms) || !pfn_section_valid(ms, pfn))
		return NUMA_NO_NODE;
	return page_to_nid(pfn_to_page(pfn));
}

/**
 * ibs_take_sample() - Decode, filter and queue one raw sample.
 * @c: the sampling CPU's state (this CPU's).
 * @raw: the sample.
 * @nid: the sampling CPU's node: where the page should go.
 * @now: when it was taken, in jiffies.
 *
 * Pushes a kept sample into @c's ring and queues the drain.  Each sample
 * is counted once: as kept if it was queued, as ring full if it was kept
 * but could not be (a full ring, or no ring: @c is NULL while the injector
 * owns the ring), or as the reason it was dropped.  Only a check of the
 * page's node stands between a top-tier sample and its drop.  A CPU node
 * that is no promotion target (a lower-tier CPU node) leaves the page to
 * its default target.
 *
 * Context: @c's CPU, as its ring's producer: in the IBS NMI, or with
 * interrupts off.
 * Return: the verdict.
 */
VISIBLE_IF_KUNIT enum ibs_verdict ibs_take_sample(struct ibs_cpu *c,
						  const struct ibs_raw_sample *raw,
						  int nid, unsigned long now)
{
	struct ibs_sample s = { .time = now };
	enum ibs_verdict v = ibs_decode(raw, &s.pfn);
	int page_nid;

	if (v == IBS_KEEP) {
		page_nid = ibs_pfn_nid(s.pfn);
		if (page_nid == NUMA_NO_NODE)
			v = IBS_DROP_NO_ADDR;
		else if (!pghot_node_tracked(page_nid))
			v = IBS_DROP_TOPTIER;
	}
	if (v != IBS_KEEP) {
		count_vm_event(ibs_verdict_events[v]);
		return v;
	}
	s.nid = pghot_node_is_target(nid) ? nid : NUMA_NO_NODE;
	if (!c || !ibs_ring_push(&c->ring, &s)) {
		count_vm_event(HWHINT_RING_FULL);
		return v;
	}
	count_vm_event(HWHINT_KEPT);
	irq_work_queue(&c->drain);
	return v;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_take_sample);

/**
 * ibs_drain() - Report a CPU's queued samples to pghot.
 * @c: the CPU's state.
 *
 * Context: @c's CPU, as its ring's consumer: its irq_work (hard interrupt
 * context, or the irq_work thread on PREEMPT_RT, where pghot's wakeups
 * may not run in hard interrupt context), or its hotplug teardown once
 * sampling stopped.
 * Return: the number of samples taken from the ring.
 */
VISIBLE_IF_KUNIT unsigned int ibs_drain(struct ibs_cpu *c)
{
	unsigned int n = 0, recorded = 0;
	struct ibs_sample s;

	while (ibs_ring_pop(&c->ring, &s)) {
		n++;
		if (!pghot_record_access(s.pfn, s.nid, PGHOT_HW_HINTS, s.time))
			recorded++;
	}
	if (n) {
		count_vm_events(HWHINT_DRAINED, n);
		trace_pghot_hwhint_drain(smp_processor_id(), n, recorded);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_drain);

static void ibs_drain_work(struct irq_work *work)
{
	ibs_drain(container_of(work, struct ibs_cpu, drain));
}

/**
 * ibs_nmi_whose() - Whose is this NMI, as far as pghot's sampler can tell?
 * @c: this CPU's state.
 * @ctl: IbsOpCtl as read in the NMI; 0 when @c is not armed (not read).
 * @now: local_clock() in the NMI, when @c is stopping (else unused).
 *
 * A sample is the sampler's only while it has the CPU armed, perf does
 * not hold it, and IbsOpVal is set: a sample of perf's is never taken.
 * Just after the sampler stopped (also for perf, or for a new period), the
 * first NMI within IBS_LATE_NMI_NS may be its last sample's, raised before
 * the stop and arriving with IbsOpVal already clear: that one is claimed,
 * even while perf holds the CPU (every NMI_LOCAL handler runs, so perf's
 * own handler still sees its samples).  It cannot be told from another
 * NMI in that window, which is then claimed instead, as with perf's own
 * stops.  Anything else is someone else's.
 *
 * Context: the IBS NMI handler, or @c's CPU with NMIs of no concern.
 * Return: %IBS_NMI_SAMPLE, %IBS_NMI_LATE or %IBS_NMI_OTHER.
 */
VISIBLE_IF_KUNIT enum ibs_nmi ibs_nmi_whose(struct ibs_cpu *c, u64 ctl, u64 now)
{
	if (!READ_ONCE(c->perf) && READ_ONCE(c->armed) && (ctl & IBS_OP_VAL))
		return IBS_NMI_SAMPLE;
	if (READ_ONCE(c->stopping)) {
		WRITE_ONCE(c->stopping, false);
		if (now - READ_ONCE(c->stopped_at) < IBS_LATE_NMI_NS)
			return IBS_NMI_LATE;
	}
	return IBS_NMI_OTHER;
}
EXPORT_SYMBOL_IF_KUNIT(ibs_nmi_whose);

/*
 * Arm this CPU's sampler with @ctl, or stop it if @ctl is 0; nothing while
 * perf holds the CPU or it is down.  Interrupts off; the NMI handler may
 * come between any two steps (see struct ibs_cpu).
 */
static void ibs_hw_set(struct ibs_cpu *c, u64 ctl)
{
	lockdep_assert_irqs_disabled();
	if (c->perf || c->down || ctl == c->armed)
		return;
	if (c->armed) {
		/* Its last sample's NMI may be on its way: eat it. */
		WRITE_ONCE(c->stopped_at, local_clock());
		WRITE_ONCE(c->stopping, true);
		WRITE_ONCE(c->armed, 0);
		barrier();
	}
	/* Family 10h (erratum #420): MaxCnt must clear before IbsOpEn. */
	if (boot_cpu_data.x86 == 0x10)
		wrmsrl(MSR_AMD64_IBSOPCTL, IBS_OP_ENABLE);
	/* A new period takes a 0 -> 1 transition of IbsOpEn. */
	wrmsrl(MSR_AMD64_IBSOPCTL, 0);
	if (ctl) {
		WRITE_ONCE(c->armed, ctl);
		barrier();
		wrmsrl(MSR_AMD64_IBSOPCTL, ctl);
	}
}

static void ibs_hw_set_ipi(void *unused)
{
	ibs_hw_set(this_cpu_ptr(&ibs_cpus), READ_ONCE(ibs_ctl));
}

/* Which mode the sampled op ran in: from its RIP, if the CPU gave it. */
static bool ibs_op_user(struct pt_regs *regs)
{
	u64 rip, op_data;

	if (get_ibs_caps() & IBS_CAPS_RIPINVALIDCHK) {
		rdmsrl(MSR_AMD64_IBSOPDATA, op_data);
		if (op_data & IBS_RIP_INVALID)
			return user_mode(regs);
	}
	rdmsrl(MSR_AMD64_IBSOPRIP, rip);
	return rip < TASK_SIZE_MAX;
}

static int ibs_nmi_handler(unsigned int cmd, struct pt_regs *regs)
{
	struct ibs_cpu *c = this_cpu_ptr(&ibs_cpus);
	u64 armed = READ_ONCE(c->armed), ctl = 0;
	struct ibs_raw_sample raw = {};
	union ibs_op_data3 d3;

	/* While perf holds the CPU, IbsOpCtl is not even read. */
	if (armed && !READ_ONCE(c->perf))
		rdmsrl(MSR_AMD64_IBSOPCTL, ctl);
	switch (ibs_nmi_whose(c, ctl, READ_ONCE(c->stopping) ? local_clock() : 0)) {
	case IBS_NMI_OTHER:
		return NMI_DONE;
	case IBS_NMI_LATE:
		return NMI_HANDLED;
	case IBS_NMI_SAMPLE:
		break;
	}
	count_vm_event(HWHINT_NMIS);

	rdmsrl(MSR_AMD64_IBSOPDATA3, raw.op_data3);
	d3.val = raw.op_data3;
	if (d3.ld_op)
		rdmsrl(MSR_AMD64_IBSOPDATA2, raw.op_data2);
	rdmsrl(MSR_AMD64_IBSDCLINAD, raw.lin_addr);
	rdmsrl(MSR_AMD64_IBSDCPHYSAD, raw.phys_addr);
	raw.user = ibs_op_user(regs);
	/* While the injector is producing on this CPU, its ring is not ours. */
	ibs_take_sample(READ_ONCE(c->producing) ? NULL : c, &raw, numa_node_id(),
			jiffies);

	/* Clears IbsOpVal and starts the next period. */
	wrmsrl(MSR_AMD64_IBSOPCTL, armed);
	return NMI_HANDLED;
}

NOKPROBE_SYMBOL(ibs_nmi_handler);

/**
 * ibs_pghot_perf_claim() - perf's IBS op PMU takes this CPU's op sampler.
 *
 * Called by perf's pmu::add() before it programs IbsOpCtl.  The sampler
 * stops on this CPU and takes no sample here until
 * ibs_pghot_perf_release(): every IBS sample is perf's.
 *
 * Context: the CPU concerned, interrupts off.
 */
void ibs_pghot_perf_claim(void)
{
	struct ibs_cpu *c = this_cpu_ptr(&ibs_cpus);

	lockdep_assert_irqs_disabled();
	if (c->armed) {
		ibs_hw_set(c, 0);
		count_vm_event(HWHINT_PERF_YIELD);
	}
	WRITE_ONCE(c->perf, true);
}

/**
 * ibs_pghot_perf_release() - perf's IBS op PMU gives this CPU back.
 *
 * Called by perf's pmu::del() after it stopped its counter.  The sampler
 * resumes on this CPU if the source is on.
 *
 * Context: the CPU concerned, interrupts off.
 */
void ibs_pghot_perf_release(void)
{
	struct ibs_cpu *c = this_cpu_ptr(&ibs_cpus);

	lockdep_assert_irqs_disabled();
	WRITE_ONCE(c->perf, false);
	ibs_hw_set(c, READ_ONCE(ibs_ctl));
}

/* Apply ibs_ctl on every online CPU.  Under ibs_lock. */
static void ibs_apply(u64 ctl)
{
	lockdep_assert_held(&ibs_lock);
	cpus_read_lock();
	WRITE_ONCE(ibs_ctl, ctl);
	on_each_cpu(ibs_hw_set_ipi, NULL, 1);
	cpus_read_unlock();
}

static u64 ibs_ctl_of(unsigned int period)
{
	return ibs_period_to_ctl(period) | ibs_ctl_flags;
}

static int ibs_start(void)
{
	if (!ibs_hw)
		return -EOPNOTSUPP;
	guard(mutex)(&ibs_lock);
	ibs_apply(ibs_ctl_of(ibs_period));
	return 0;
}

static void ibs_stop(void)
{
	if (!ibs_hw)
		return;
	guard(mutex)(&ibs_lock);
	ibs_apply(0);
}

static const struct pghot_hwhint_ops ibs_hwhint_ops = {
	.name	= "AMD IBS",
	.start	= ibs_start,
	.stop	= ibs_stop,
};

static int ibs_period_handler(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	int ret;

	guard(mutex)(&ibs_lock);
	ret = proc_douintvec_minmax(table, write, buffer, lenp, ppos);
	if (!ret && write && READ_ONCE(ibs_ctl))
		ibs_apply(ibs_ctl_of(ibs_period));
	return ret;
}

static struct ctl_table ibs_sysctls[] = {
	{
		.procname	= "pghot_ibs_sample_period",
		.data		= &ibs_period,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= ibs_period_handler,
		.extra1		= &ibs_period_min,
		.extra2		= &ibs_period_max,
	},
};

/*
 * This CPU is back (online, or resumed): whatever IbsOpCtl holds now, the
 * sampler did not arm it.  Sample if the source is on.  Interrupts off.
 */
static void ibs_cpu_back(struct ibs_cpu *c)
{
	WRITE_ONCE(c->armed, 0);
	WRITE_ONCE(c->stopping, false);
	WRITE_ONCE(c->down, false);
	ibs_hw_set(c, READ_ONCE(ibs_ctl));
}

static int ibs_cpu_online(unsigned int cpu)
{
	local_irq_disable();
	ibs_cpu_back(this_cpu_ptr(&ibs_cpus));
	local_irq_enable();
	return 0;
}

/*
 * A CPU goes down: stop sampling there and report what its ring holds.
 * perf's own teardown comes after this one and may give the CPU back
 * (ibs_pghot_perf_release()): @down keeps it unarmed until it is up.
 */
static int ibs_cpu_offline(unsigned int cpu)
{
	struct ibs_cpu *c = this_cpu_ptr(&ibs_cpus);

	local_irq_disable();
	ibs_hw_set(c, 0);
	WRITE_ONCE(c->down, true);
	local_irq_enable();
	irq_work_sync(&c->drain);
	local_irq_disable();
	ibs_drain(c);
	local_irq_enable();
	return 0;
}

#ifdef CONFIG_PM_SLEEP
/*
 * Suspend and hibernation take the other CPUs down through hotplug, but
 * not the boot CPU, whose IbsOpCtl does not survive: stop it before, and
 * treat it as a CPU coming back after.  Both run with interrupts off.
 */
static int ibs_suspend(void)
{
	ibs_hw_set(this_cpu_ptr(&ibs_cpus), 0);
	return 0;
}

static void ibs_resume(void)
{
	ibs_cpu_back(this_cpu_ptr(&ibs_cpus));
}

static struct syscore_ops ibs_syscore_ops = {
	.suspend	= ibs_suspend,
	.resume		= ibs_resume,
};

static void __init ibs_pm_init(void)
{
	register_syscore_ops(&ibs_syscore_ops);
}
#else
static inline void ibs_pm_init(void)
{
}
#endif /* CONFIG_PM_SLEEP */

#ifdef CONFIG_PGHOT_DEBUG
/*
 * pghot/hwhint_inject: raw samples, as struct pghot_hwhint_sample records,
 * go through ibs_take_sample() on the writing CPU, as if its IBS had taken
 * them.  Works without IBS.
 */
static ssize_t ibs_inject_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	const size_t chunk = IBS_INJECT_CHUNK * sizeof(struct pghot_hwhint_sample);
	struct pghot_hwhint_sample *in __free(kfree) = NULL;
	struct ibs_raw_sample raw;
	size_t done = 0, n, i;
	unsigned long flags;
	struct ibs_cpu *c;

	if (!count || count % sizeof(*in))
		return -EINVAL;
	in = kmalloc(chunk, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	while (done < count) {
		n = min(count - done, chunk);
		if (copy_from_user(in, ubuf + done, n))
			return done ? done : -EFAULT;
		for (i = 0; i < n / sizeof(*in); i++) {
			if (in[i].user > 1 || in[i].reserved)
				return done ? done : -EINVAL;
		}
		local_irq_save(flags);
		c = this_cpu_ptr(&ibs_cpus);
		WRITE_ONCE(c->producing, true);
		barrier();
		for (i = 0; i < n / sizeof(*in); i++) {
			raw.op_data3 = in[i].op_data3;
			raw.op_data2 = in[i].op_data2;
			raw.lin_addr = in[i].lin_addr;
			raw.phys_addr = in[i].phys_addr;
			raw.user = in[i].user;
			ibs_take_sample(c, &raw, numa_node_id(), jiffies);
		}
		barrier();
		WRITE_ONCE(c->producing, false);
		/* The drain runs as soon as interrupts are back on. */
		local_irq_restore(flags);
		done += n;
		cond_resched();
	}
	return done;
}

static const struct file_operations ibs_inject_fops = {
	.owner	= THIS_MODULE,
	.write	= ibs_inject_write,
	.llseek	= noop_llseek,
};

static void __init ibs_debugfs_init(void)
{
	debugfs_create_file("hwhint_inject", 0200, pghot_debugfs_dir(), NULL,
			    &ibs_inject_fops);
}
#else
static inline void ibs_debugfs_init(void)
{
}
#endif /* CONFIG_PGHOT_DEBUG */

static bool __init ibs_hw_init(void)
{
	u32 caps = get_ibs_caps();
	int ret;

	if (!(caps & IBS_CAPS_AVAIL) || !(caps & IBS_CAPS_OPSAM)) {
		/* get_ibs_caps() is 0 also where perf could not set IBS up. */
		if (boot_cpu_has(X86_FEATURE_IBS))
			pr_info("perf's IBS setup found no op sampling: hardware hints are off\n");
		else
			pr_info("no IBS op sampling on this CPU: hardware hints are off\n");
		return false;
	}
	ibs_ctl_flags = IBS_OP_ENABLE;
	if (caps & IBS_CAPS_OPCNT)
		ibs_ctl_flags |= IBS_OP_CNT_CTL;
	if (caps & IBS_CAPS_ZEN4)
		ibs_ctl_flags |= IBS_OP_L3MISSONLY;
	if (!(caps & IBS_CAPS_OPCNTEXT))
		ibs_period_max = IBS_MAX_PERIOD_NO_EXT;

	ret = register_nmi_handler(NMI_LOCAL, ibs_nmi_handler, 0, "pghot_ibs");
	if (ret) {
		pr_warn("cannot register the NMI handler (%d): hardware hints are off\n", ret);
		return false;
	}
	pr_info("IBS op sampling (caps 0x%x%s) as pghot's hardware hints\n", caps,
		(caps & IBS_CAPS_ZEN4) ? ", L3 misses only" : "");
	return true;
}

static int __init ibs_pghot_init(void)
{
	int cpu, state, ret;

	for_each_possible_cpu(cpu)
		init_irq_work(&per_cpu(ibs_cpus, cpu).drain, ibs_drain_work);
	/* So that KUnit and the injector run the sample half even without IBS. */
	ibs_debugfs_init();
	register_sysctl_init("vm", ibs_sysctls);

	ibs_hw = ibs_hw_init();
	if (!ibs_hw)
		return 0;
	state = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "x86/ibs/pghot:online",
				  ibs_cpu_online, ibs_cpu_offline);
	if (state < 0) {
		ret = state;
		goto fail_cpuhp;
	}
	ret = pghot_register_hwhint_ops(&ibs_hwhint_ops);
	if (ret)
		goto fail_register;
	ibs_pm_init();
	return 0;

fail_register:
	cpuhp_remove_state(state);
fail_cpuhp:
	unregister_nmi_handler(NMI_LOCAL, "pghot_ibs");
	ibs_hw = false;
	pr_warn("cannot set up (%d): hardware hints are off\n", ret);
	return 0;
}
late_initcall(ibs_pghot_init);
