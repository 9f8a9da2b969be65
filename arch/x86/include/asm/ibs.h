/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD IBS op sampling as pghot's hardware-hint source (arch/x86/mm/ibs.c).
 * See Documentation/admin-guide/mm/pghot.rst.
 */
#ifndef _ASM_X86_IBS_H
#define _ASM_X86_IBS_H

#include <linux/types.h>

/**
 * struct ibs_raw_sample - One IBS op sample, as its MSRs hold it.
 * @op_data3: IbsOpData3: the kind of op, cache and TLB outcome, which of
 *            the addresses below are valid.
 * @op_data2: IbsOpData2: where a load's data came from; 0 when unknown.
 * @lin_addr: IbsDcLinAd: the linear address the op accessed.
 * @phys_addr: IbsDcPhysAd: the physical address it accessed.
 * @user: the op ran in user mode.
 *
 * The NMI handler reads them from the MSRs; the debugfs injector
 * (pghot/hwhint_inject) takes them from user space.  Both hand them to
 * the same decode, filter, ring and drain path.
 */
struct ibs_raw_sample {
	u64 op_data3;
	u64 op_data2;
	u64 lin_addr;
	u64 phys_addr;
	bool user;
};

/**
 * enum ibs_verdict - What the sampler does with a raw sample.
 * @IBS_KEEP: a user-mode load or store that missed the caches, to a
 *            lower-tier page: reported to pghot.
 * @IBS_DROP_KERNEL: the op ran in kernel mode.
 * @IBS_DROP_NOT_LDST: the op was neither a load nor a store.
 * @IBS_DROP_CACHE_HIT: the access hit a cache.
 * @IBS_DROP_NO_ADDR: no valid user linear and physical address, or the
 *                    physical address is not in online memory.
 * @IBS_DROP_TOPTIER: the page is not on a node pghot tracks.
 * @IBS_NR_VERDICTS: number of verdicts.
 */
enum ibs_verdict {
	IBS_KEEP,
	IBS_DROP_KERNEL,
	IBS_DROP_NOT_LDST,
	IBS_DROP_CACHE_HIT,
	IBS_DROP_NO_ADDR,
	IBS_DROP_TOPTIER,
	IBS_NR_VERDICTS,
};

/**
 * struct pghot_hwhint_sample - A raw sample as debugfs pghot/hwhint_inject
 *                              takes it.
 * @op_data3: as in &struct ibs_raw_sample.
 * @op_data2: as in &struct ibs_raw_sample.
 * @lin_addr: as in &struct ibs_raw_sample.
 * @phys_addr: as in &struct ibs_raw_sample.
 * @user: 1 if the op ran in user mode, else 0.
 * @reserved: must be 0.
 *
 * A write to the injector is a whole number of these, in the CPU's byte
 * order.  A debugging interface (CONFIG_PGHOT_DEBUG), not an ABI.
 */
struct pghot_hwhint_sample {
	__u64 op_data3;
	__u64 op_data2;
	__u64 lin_addr;
	__u64 phys_addr;
	__u32 user;
	__u32 reserved;
};

#ifdef CONFIG_PGHOT_IBS
void ibs_pghot_perf_claim(void);
void ibs_pghot_perf_release(void);
#else
static inline void ibs_pghot_perf_claim(void)
{
}

static inline void ibs_pghot_perf_release(void)
{
}
#endif

#endif /* _ASM_X86_IBS_H */
