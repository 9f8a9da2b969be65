// SPDX-License-Identifier: GPL-2.0
/*
 * klruscand: page table scanning as a pghot source.
 *
 * One kernel thread walks the page tables of every process, once every
 * vm.pghot_klruscand_interval_ms, with MGLRU's walker (lru_gen_scan_mm()),
 * and reports each young PTE or PMD that maps a page of a lower-tier node
 * to pghot as PGHOT_PGTABLE_SCAN, once per folio and pass, without a
 * target node: pghot keeps the target of a live record or promotes to the
 * nearest top-tier node.  It owns no policy; a page the scan finds
 * young in enough passes within pghot's window becomes ready.
 *
 * The Accessed bit: the walk clears it for every young entry it reports,
 * as MGLRU's aging does, and moves the folio to the youngest generation,
 * which is what aging does with a young entry.  So reclaim sees a page the
 * scan found young as recently used, not as idle.  The walk adds no
 * generation, takes nothing from MGLRU's mm list or Bloom filters, and
 * touches only entries that map lower-tier pages: the top tier is not
 * touched at all, and the aging finds cleared only bits it would have
 * cleared itself (so fewer lower-tier PTE tables qualify for its Bloom
 * filters).  Folios charged to another memcg than the process's are not
 * reported, and a folio several processes map is reported once for each
 * that touched it.  It needs MGLRU to be enabled (/sys/kernel/mm/lru_gen/enabled);
 * with the classic LRU it does not scan, because clearing Accessed bits
 * there would hide the accesses from reclaim.
 *
 * The thread sleeps while the source is disabled and costs nothing then.
 */
#define pr_fmt(fmt) "klruscand: " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/pghot.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/vmstat.h>

#include <trace/events/pghot.h>

#include "pghot.h"

/* PFNs reported to pghot at a time: 32 KiB of buffer. */
#define KLRUSCAND_BATCH		4096

/* Milliseconds between the starts of two passes (vm.pghot_klruscand_interval_ms). */
static unsigned int klruscand_interval_ms = 500;
static unsigned int interval_min_ms = 10;
static unsigned int interval_max_ms = 60 * MSEC_PER_SEC;
/* CPU time a pass may take, in percent of the interval (vm.pghot_klruscand_cpu_percent). */
static unsigned int klruscand_cpu_percent = 10;
static unsigned int cpu_percent_min = 1;
static unsigned int cpu_percent_max = 100;

/**
 * struct klruscand_batch - Young PFNs waiting to be reported.
 * @nr: how many.
 * @last: the folio (its first PFN) reported last in this pass.
 * @young: young folios found in this pass.
 * @recorded: of which pghot recorded.
 * @next_pid: where the next pass starts: 1, or where a pass that ran out
 *            of CPU time stopped.
 * @pfns: their first PFNs.
 *
 * Private to the klruscand thread.
 */
struct klruscand_batch {
	unsigned int nr;
	unsigned long last;
	unsigned long young;
	unsigned long recorded;
	int next_pid;
	unsigned long pfns[KLRUSCAND_BATCH];
};

/*
 * Called by the walk under the page table lock: only queue the folio.
 *
 * A large folio mapped by PTEs (mTHP, or a THP whose PMD was split) has a
 * young entry for each page it was touched through, but it was found
 * young once in this pass, as a PMD-mapped THP is: one access per folio
 * per pass, so that it becomes ready after as many passes as a base page.
 * The walk visits a folio's PTEs one after another, so comparing with the
 * last folio reported is enough.  The entry maps the folio and the lock is
 * held, so the folio cannot be freed or split under us.
 */
static bool klruscand_accessed(unsigned long pfn, void *arg)
{
	struct klruscand_batch *b = arg;
	unsigned long head = folio_pfn(page_folio(pfn_to_page(pfn)));

	if (head == b->last)
		return false;
	b->last = head;
	b->pfns[b->nr++] = head;
	return b->nr == KLRUSCAND_BATCH;
}

/* Called with no lock held: report the queued PFNs. */
static void klruscand_flush(void *arg)
{
	struct klruscand_batch *b = arg;
	unsigned long now = jiffies;
	unsigned int i;
	int ret;

	for (i = 0; i < b->nr; i++) {
		ret = pghot_record_access(b->pfns[i], NUMA_NO_NODE,
					  PGHOT_PGTABLE_SCAN, now);
		if (!ret)
			b->recorded++;
		else if (ret == -EOPNOTSUPP)
			break;	/* the source was switched off */
		if (i % 512 == 511)
			cond_resched();
	}
	b->young += b->nr;
	b->nr = 0;
}

static const struct lru_gen_scan_ops klruscand_ops = {
	.accessed	= klruscand_accessed,
	.flush		= klruscand_flush,
};

/* The next process from PID @*next on, with a reference on its mm. */
static struct mm_struct *klruscand_next_mm(int *next)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	rcu_read_lock();
	while ((pid = find_ge_pid(*next, &init_pid_ns))) {
		*next = pid_nr(pid) + 1;
		/* Thread group leaders only: one walk per process. */
		task = pid_task(pid, PIDTYPE_TGID);
		mm = task ? get_task_mm(task) : NULL;
		if (mm) {
			rcu_read_unlock();
			return mm;
		}
	}
	rcu_read_unlock();
	return NULL;
}

static bool klruscand_should_go_on(void)
{
	return pghot_src_enabled(PGHOT_PGTABLE_SCAN) && !kthread_should_stop();
}

/*
 * One pass over every process: one walk of its page tables looks at the
 * folios of every node whose pages pghot tracks (a node it does not track,
 * such as a specific-purpose memory node, would refuse every report).
 *
 * A pass takes at most vm.pghot_klruscand_cpu_percent of the interval in
 * CPU time, give or take one process: past that it stops, and the next
 * pass goes on from the next process.
 */
static void klruscand_pass(struct klruscand_batch *b)
{
	unsigned long mms = 0, busy = 0;
	u64 cpu = task_sched_runtime(current), budget;
	struct mm_struct *mm;
	struct pghot_node *pn;
	nodemask_t nodes = NODE_MASK_NONE;
	bool over = false;
	int nid, ret;

	for_each_node_state(nid, N_MEMORY) {
		pn = READ_ONCE(pghot_nodes[nid]);
		/* Read racily: a walk for a node just untracked finds nothing. */
		if (pn && READ_ONCE(pn->tracked))
			node_set(nid, nodes);
	}
	if (nodes_empty(nodes))
		return;

	budget = (u64)READ_ONCE(klruscand_interval_ms) * NSEC_PER_MSEC / 100 *
		 READ_ONCE(klruscand_cpu_percent);
	b->young = 0;
	b->recorded = 0;
	b->last = ULONG_MAX;
	while (klruscand_should_go_on() && (mm = klruscand_next_mm(&b->next_pid))) {
		ret = lru_gen_scan_mm(mm, &nodes, &klruscand_ops, b);
		mmput(mm);
		if (ret == -EOPNOTSUPP) {
			pr_warn_once("MGLRU is disabled: not scanning\n");
			break;
		}
		busy += ret == -EBUSY;
		mms++;
		if (task_sched_runtime(current) - cpu >= budget) {
			over = true;
			break;
		}
		cond_resched();
	}
	/* A whole round done (or given up): the next starts from the first process. */
	if (!over)
		b->next_pid = 1;
	klruscand_flush(b);
	cpu = task_sched_runtime(current) - cpu;
	count_vm_event(PGHOT_PGTSCAN_PASSES);
	if (over)
		count_vm_event(PGHOT_PGTSCAN_OVER_BUDGET);
	count_vm_events(PGHOT_PGTSCAN_MMS, mms);
	count_vm_events(PGHOT_PGTSCAN_YOUNG, b->young);
	count_vm_events(PGHOT_PGTSCAN_MM_BUSY, busy);
	trace_pghot_klruscand_pass(nodes_weight(nodes), mms, busy, b->young,
				   b->recorded, cpu);
}

static int klruscand(void *data)
{
	struct klruscand_batch *b = data;
	unsigned long start;
	long left;

	set_freezable();
	while (!kthread_should_stop()) {
		wait_event_freezable(pghot_src_wait,
				     pghot_src_enabled(PGHOT_PGTABLE_SCAN) ||
				     kthread_should_stop());
		if (kthread_should_stop())
			break;
		start = jiffies;
		klruscand_pass(b);
		/* Sleep out the rest of the interval, or until switched off. */
		left = start + msecs_to_jiffies(READ_ONCE(klruscand_interval_ms)) - jiffies;
		if (left > 0)
			wait_event_freezable_timeout(pghot_src_wait,
						     !klruscand_should_go_on(), left);
	}
	kvfree(b);
	return 0;
}

static struct ctl_table klruscand_sysctls[] = {
	{
		.procname	= "pghot_klruscand_interval_ms",
		.data		= &klruscand_interval_ms,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= &interval_min_ms,
		.extra2		= &interval_max_ms,
	},
	{
		.procname	= "pghot_klruscand_cpu_percent",
		.data		= &klruscand_cpu_percent,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= &cpu_percent_min,
		.extra2		= &cpu_percent_max,
	},
};

static int __init klruscand_init(void)
{
	struct klruscand_batch *b = kvzalloc(sizeof(*b), GFP_KERNEL);
	struct task_struct *t;

	if (!b)
		return -ENOMEM;
	b->next_pid = 1;
	t = kthread_run(klruscand, b, "klruscand");
	if (IS_ERR(t)) {
		kvfree(b);
		return PTR_ERR(t);
	}
	register_sysctl_init("vm", klruscand_sysctls);
	return 0;
}
late_initcall(klruscand_init);
