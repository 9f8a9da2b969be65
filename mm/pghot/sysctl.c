// SPDX-License-Identifier: GPL-2.0
/*
 * pghot knobs in /proc/sys/vm.  Every write is range-checked: a bad value
 * gets -EINVAL and the knob keeps its old value.
 */
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/pghot.h>
#include <linux/sysctl.h>

#include "pghot.h"

/* Accesses further apart than this do not add up (ms, and in jiffies). */
unsigned int pghot_window_ms = 5000;
unsigned long pghot_window_jiffies;
/* Accesses within the window that make a page ready for promotion. */
unsigned int pghot_threshold = 2;
/* Promotion budget per top-tier node, in MB per second. */
unsigned int pghot_rate_limit_mbps = 65536;
/* Folios kmigrated migrates with one migrate_pages() call. */
unsigned int pghot_batch = 512;

static int pghot_src_enable[PGHOT_NR_SRC];

static unsigned int window_max_ms = 3600 * MSEC_PER_SEC;
static unsigned int threshold_max = PGHOT_COUNT_MAX;
static unsigned int rate_limit_max = INT_MAX;
static unsigned int batch_max = 4096;

/*
 * Serializes a source's enable value with its static key, and
 * pghot_window_ms with pghot_window_jiffies.
 */
static DEFINE_MUTEX(pghot_sysctl_lock);

static int pghot_src_handler(const struct ctl_table *table, int write,
			     void *buffer, size_t *lenp, loff_t *ppos)
{
	int src = (int *)table->data - pghot_src_enable;
	int ret;

	mutex_lock(&pghot_sysctl_lock);
	ret = proc_dointvec_minmax(table, write, buffer, lenp, ppos);
	if (!ret && write) {
		if (pghot_src_enable[src])
			static_branch_enable(&pghot_src_keys[src]);
		else
			static_branch_disable(&pghot_src_keys[src]);
	}
	mutex_unlock(&pghot_sysctl_lock);
	return ret;
}

static int pghot_window_handler(const struct ctl_table *table, int write,
				void *buffer, size_t *lenp, loff_t *ppos)
{
	int ret;

	mutex_lock(&pghot_sysctl_lock);
	ret = proc_douintvec_minmax(table, write, buffer, lenp, ppos);
	if (!ret && write)
		WRITE_ONCE(pghot_window_jiffies,
			   msecs_to_jiffies(READ_ONCE(pghot_window_ms)));
	mutex_unlock(&pghot_sysctl_lock);
	return ret;
}

#define PGHOT_SRC_SYSCTL(_name, _src)					\
	{								\
		.procname	= _name,				\
		.data		= &pghot_src_enable[_src],		\
		.maxlen		= sizeof(int),				\
		.mode		= 0644,					\
		.proc_handler	= pghot_src_handler,			\
		.extra1		= SYSCTL_ZERO,				\
		.extra2		= SYSCTL_ONE,				\
	}

#define PGHOT_UINT_SYSCTL(_name, _var, _handler, _min, _max)		\
	{								\
		.procname	= _name,				\
		.data		= &(_var),				\
		.maxlen		= sizeof(unsigned int),			\
		.mode		= 0644,					\
		.proc_handler	= _handler,				\
		.extra1		= (_min),				\
		.extra2		= (_max),				\
	}

static struct ctl_table pghot_sysctls[] = {
	PGHOT_SRC_SYSCTL("pghot_record_hwhints_enable", PGHOT_HW_HINTS),
	PGHOT_SRC_SYSCTL("pghot_record_pgtscans_enable", PGHOT_PGTABLE_SCAN),
	PGHOT_SRC_SYSCTL("pghot_record_hintfaults_enable", PGHOT_HINT_FAULT),
	PGHOT_UINT_SYSCTL("pghot_promote_freq_window_ms", pghot_window_ms,
			  pghot_window_handler, SYSCTL_ONE, &window_max_ms),
	PGHOT_UINT_SYSCTL("pghot_promote_freq_threshold", pghot_threshold,
			  proc_douintvec_minmax, SYSCTL_ONE, &threshold_max),
	PGHOT_UINT_SYSCTL("pghot_promote_rate_limit_MBps", pghot_rate_limit_mbps,
			  proc_douintvec_minmax, SYSCTL_ZERO, &rate_limit_max),
	PGHOT_UINT_SYSCTL("pghot_kmigrated_batch", pghot_batch,
			  proc_douintvec_minmax, SYSCTL_ONE, &batch_max),
};

/**
 * pghot_register_sysctls() - Register the vm.pghot_* knobs.
 *
 * Called once from pghot_init().
 */
void __init pghot_register_sysctls(void)
{
	pghot_window_jiffies = msecs_to_jiffies(pghot_window_ms);
	register_sysctl_init("vm", pghot_sysctls);
}
