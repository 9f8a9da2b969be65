/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sample half of the pghot IBS sampler (arch/x86/mm/ibs.c), for its
 * KUnit tests (arch/x86/mm/ibs_kunit.c).
 */
#ifndef _X86_MM_IBS_INTERNAL_H
#define _X86_MM_IBS_INTERNAL_H

#include <linux/irq_work.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <asm/ibs.h>

/* Samples a CPU's ring holds: a power of two. */
#define IBS_RING_SIZE	256

/**
 * struct ibs_sample - A kept sample, waiting to be reported.
 * @pfn: the page accessed.
 * @time: when, in jiffies.
 * @nid: the node of the CPU that took it: where the page should go.
 */
struct ibs_sample {
	unsigned long pfn;
	unsigned long time;
	int nid;
};

/**
 * struct ibs_ring - A CPU's kept samples, lock-free.
 * @head: the next slot to fill; written by the producer only.
 * @tail: the next slot to drain; written by the consumer only.
 * @slot: the samples.
 *
 * One producer and one consumer, both on the ring's CPU.  The producer is
 * the IBS NMI handler, or the injector with interrupts off (the NMI handler
 * then drops its sample rather than push concurrently).  The consumer is
 * the CPU's drain irq_work, or its hotplug teardown once sampling stopped.
 * The release of @head publishes a filled slot, the release of @tail a
 * drained one.  A full ring drops the sample.
 */
struct ibs_ring {
	unsigned int head;
	unsigned int tail;
	struct ibs_sample slot[IBS_RING_SIZE];
};

/*
 * What pghot's sampler knows of each CPU.  Every field but the ring is
 * written only on its own CPU with interrupts off (from an IPI sent under
 * ibs_lock, from perf's pmu::add() and pmu::del(), from the CPU's hotplug
 * callbacks, or by the injector) and read by that CPU's NMI handler, which
 * sees either the old or the new value of each; the NMI handler itself
 * writes only @stopping.  @armed is cleared before IbsOpCtl is stopped and
 * set before it is armed, so that the NMI handler never takes a sample of
 * a counter it did not arm, nor re-arms one being stopped.
 */
struct ibs_cpu {
	struct ibs_ring ring;
	struct irq_work drain;
	/* IbsOpCtl as the sampler armed it; 0 while it is not sampling. */
	u64 armed;
	/* When it last stopped (local_clock()), for @stopping. */
	u64 stopped_at;
	/* perf's IBS op PMU has an event on this CPU: IBS is perf's there. */
	bool perf;
	/* The CPU is going or gone down: nothing arms it until it is up. */
	bool down;
	/* Stopped since the last NMI: a late sample NMI may still come. */
	bool stopping;
	/* The injector is pushing to the ring: an NMI drops its sample. */
	bool producing;
};

/* A late NMI comes within this of the stop, or it is someone else's. */
#define IBS_LATE_NMI_NS		NSEC_PER_MSEC

/**
 * enum ibs_nmi - Whose an NMI is, as the sampler's NMI handler sees it.
 * @IBS_NMI_OTHER: not the sampler's: perf's, or another source's.
 * @IBS_NMI_SAMPLE: a sample of the sampler's.
 * @IBS_NMI_LATE: the last sample of a sampler just stopped, to be eaten.
 */
enum ibs_nmi {
	IBS_NMI_OTHER,
	IBS_NMI_SAMPLE,
	IBS_NMI_LATE,
};

#if IS_ENABLED(CONFIG_KUNIT)
u64 ibs_period_to_ctl(unsigned int period);
unsigned int ibs_ctl_to_period(u64 ctl);
enum ibs_verdict ibs_decode(const struct ibs_raw_sample *raw, unsigned long *pfn);
bool ibs_ring_push(struct ibs_ring *ring, const struct ibs_sample *s);
bool ibs_ring_pop(struct ibs_ring *ring, struct ibs_sample *s);
enum ibs_verdict ibs_take_sample(struct ibs_cpu *c, const struct ibs_raw_sample *raw,
				 int nid, unsigned long now);
unsigned int ibs_drain(struct ibs_cpu *c);
enum ibs_nmi ibs_nmi_whose(struct ibs_cpu *c, u64 ctl, u64 now);
#endif

#endif /* _X86_MM_IBS_INTERNAL_H */
