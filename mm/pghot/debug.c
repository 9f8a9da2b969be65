// SPDX-License-Identifier: GPL-2.0
/*
 * pghot debugfs (CONFIG_PGHOT_DEBUG), in /sys/kernel/debug/pghot/:
 *
 *   record  write "PFN NID [COUNT]" lines: record COUNT accesses (default
 *           1) to PFN for promotion to NID (-1: the default target),
 *           without any source; fails with pghot_record()'s error
 *   nodes   read: per-node state, record statistics and memory, and
 *           kmigrated's passes and their CPU time
 *   kick    write a node id: run one kmigrated pass even with nothing ready
 *   clear   write a node id: empty all its records, ready or not
 *   bench   read: cost of what pghot_record_access() does for a page of a
 *           tracked section against atomic_long_inc(), both on private
 *           records: real records, knobs and counters are left alone
 *   free_hook  read or write 0 or 1: whether freed pages lose their
 *           records (1 once pghot tracks a node; 0 only to measure what
 *           it costs the page allocator, and records then outlive their
 *           pages; the next memory hotplug event sets it again)
 *
 * A debugging aid for tests and developers, not an ABI.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pghot.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pghot.h"

static ssize_t pghot_record_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char *buf, *line, *cur;
	unsigned long pfn;
	unsigned int n, i;
	int nid, ret = 0;

	if (count > PAGE_SIZE)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	cur = buf;
	while (!ret && (line = strsep(&cur, "\n"))) {
		if (!*line)
			continue;
		n = 1;
		if (sscanf(line, "%lu %d %u", &pfn, &nid, &n) < 2 || !n || n > 64) {
			ret = -EINVAL;
			break;
		}
		for (i = 0; i < n && !ret; i++)
			ret = pghot_record(pfn, nid, jiffies);
		cond_resched();
	}
	kfree(buf);
	return ret ? ret : count;
}

static const struct file_operations pghot_record_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= pghot_record_write,
	.llseek	= noop_llseek,
};

/* Count the node's non-empty and ready records, section by section. */
static void pghot_node_stats(struct pghot_node *pn, unsigned long *sections,
			     unsigned long *used, unsigned long *ready)
{
	unsigned long pfn = ALIGN_DOWN(node_start_pfn(pn->nid), PAGES_PER_SECTION);
	unsigned long end = node_end_pfn(pn->nid), i, rec;
	struct pghot_map *map;

	*sections = *used = *ready = 0;
	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		rcu_read_lock();
		map = pghot_section_map(pfn, pn->nid);
		if (map) {
			(*sections)++;
			for (i = 0; i < PAGES_PER_SECTION; i++) {
				rec = READ_ONCE(map->records[i]);
				*used += !!rec;
				*ready += !!(rec & PGHOT_READY);
			}
		}
		rcu_read_unlock();
		cond_resched();
	}
}

static int pghot_nodes_show(struct seq_file *m, void *v)
{
	unsigned long sections, used, ready;
	struct pghot_node *pn;
	int nid;

	mutex_lock(&pghot_lock);
	for_each_node(nid) {
		pn = pghot_nodes[nid];
		if (!pn || !pn->tracked)
			continue;
		pghot_node_stats(pn, &sections, &used, &ready);
		seq_printf(m, "node %d target %d sections %lu records %lu used %lu ready %lu nr_ready %ld",
			   nid, pn->target, sections, sections * PAGES_PER_SECTION,
			   used, ready, atomic_long_read(&pn->nr_ready));
		seq_printf(m, " record_bytes %lu kmigrated %d passes %lu pass_ns %llu",
			   sections * (PAGES_PER_SECTION * sizeof(unsigned long) +
				       sizeof(struct pghot_map)),
			   pn->kmigrated ? task_pid_nr(pn->kmigrated) : -1,
			   READ_ONCE(pn->passes), READ_ONCE(pn->pass_ns));
		seq_printf(m, " last_pass_ns %llu last_pass_sections %lu last_pass_ready %lu\n",
			   READ_ONCE(pn->last_pass_ns),
			   READ_ONCE(pn->last_pass_sections),
			   READ_ONCE(pn->last_pass_ready));
	}
	mutex_unlock(&pghot_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pghot_nodes);

/*
 * The tracked node whose id was written to a file, with pghot_lock held;
 * an ERR_PTR() without it for a bad id or a node with no records.
 */
static struct pghot_node *pghot_lock_written_node(const char __user *ubuf,
						  size_t count)
{
	struct pghot_node *pn;
	int nid, ret;

	ret = kstrtoint_from_user(ubuf, count, 0, &nid);
	if (ret)
		return ERR_PTR(ret);
	if (nid < 0 || nid >= MAX_NUMNODES)
		return ERR_PTR(-EINVAL);
	mutex_lock(&pghot_lock);
	pn = pghot_nodes[nid];
	if (pn && pn->tracked)
		return pn;
	mutex_unlock(&pghot_lock);
	return ERR_PTR(-ENOENT);
}

static ssize_t pghot_kick_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct pghot_node *pn = pghot_lock_written_node(ubuf, count);
	int ret = 0;

	if (IS_ERR(pn))
		return PTR_ERR(pn);
	if (pn->kmigrated) {
		WRITE_ONCE(pn->kick, true);
		wake_up(&pn->wait);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&pghot_lock);
	return ret ? ret : count;
}

static const struct file_operations pghot_kick_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= pghot_kick_write,
	.llseek	= noop_llseek,
};

/*
 * Tests empty a node's records so that what an earlier test recorded for
 * pages that are still in use does not count.
 */
static ssize_t pghot_clear_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct pghot_node *pn = pghot_lock_written_node(ubuf, count);
	unsigned long pfn, end, i;
	struct pghot_map *map;

	if (IS_ERR(pn))
		return PTR_ERR(pn);
	pfn = ALIGN_DOWN(node_start_pfn(pn->nid), PAGES_PER_SECTION);
	end = node_end_pfn(pn->nid);
	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		/* Maps change only under pghot_lock, which we hold. */
		map = pghot_section_map(pfn, pn->nid);
		if (!map)
			continue;
		for (i = 0; i < PAGES_PER_SECTION; i++)
			pghot_map_take(map, i);
		cond_resched();
	}
	mutex_unlock(&pghot_lock);
	return count;
}

static const struct file_operations pghot_clear_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= pghot_clear_write,
	.llseek	= noop_llseek,
};

/*
 * Time what pghot_record_access() does for every page of one tracked
 * section, a few rounds, against atomic_long_inc() on as many records.
 * Both write to private records, so a running system is not disturbed:
 * its records, its threshold and its counters stay as they are.
 */
#define PGHOT_BENCH_ROUNDS	4

static int pghot_bench_show(struct seq_file *m, void *v)
{
	unsigned long base = 0, pfn, head, i, round, calls, new;
	struct pghot_map *map = NULL, *scratch, *found;
	struct pghot_node *pn;
	u64 t0, t_rec, t_inc;
	int nid, dflt, ret, err = 0;

	/* Private records: the bench must not touch the real ones. */
	scratch = pghot_map_alloc(NUMA_NO_NODE);
	if (!scratch)
		return -ENOMEM;
	mutex_lock(&pghot_lock);
	for_each_node(nid) {
		pn = pghot_nodes[nid];
		if (!pn || !pn->tracked)
			continue;
		base = ALIGN_DOWN(node_start_pfn(nid), PAGES_PER_SECTION);
		for (; base < node_end_pfn(nid); base += PAGES_PER_SECTION) {
			map = pghot_section_map(base, nid);
			if (map)
				break;
		}
		if (map)
			break;
	}
	if (!map) {
		mutex_unlock(&pghot_lock);
		pghot_map_free(scratch);
		return -ENOENT;
	}

	/*
	 * What pghot_record_access() does for a real page of a tracked
	 * section: the lookup, the free-page check and the update, but into
	 * @scratch, with a threshold no count reaches and nothing counted.
	 */
	t0 = ktime_get_ns();
	for (round = 0; round < PGHOT_BENCH_ROUNDS; round++) {
		for (i = 0, pfn = base; i < PAGES_PER_SECTION; i++, pfn++) {
			rcu_read_lock();
			ret = pghot_lookup(pfn, NUMA_NO_NODE, &found, &head, &dflt);
			if (!ret && page_ref_count(pfn_to_page(head)))
				pghot_map_update(scratch, head & (PAGES_PER_SECTION - 1),
						 NUMA_NO_NODE, dflt, jiffies, 1,
						 PGHOT_COUNT_MAX + 1,
						 READ_ONCE(pghot_window_jiffies), &new);
			rcu_read_unlock();
			/* Pages of a folio that starts in another section. */
			err |= ret && ret != -ENOENT;
		}
	}
	t_rec = ktime_get_ns() - t0;
	mutex_unlock(&pghot_lock);

	t0 = ktime_get_ns();
	for (round = 0; round < PGHOT_BENCH_ROUNDS; round++)
		for (i = 0; i < PAGES_PER_SECTION; i++)
			atomic_long_inc((atomic_long_t *)&scratch->records[i]);
	t_inc = ktime_get_ns() - t0;
	pghot_map_free(scratch);

	calls = PGHOT_BENCH_ROUNDS * PAGES_PER_SECTION;
	seq_printf(m, "calls %lu record_access_ns %llu atomic_long_inc_ns %llu ratio_x100 %llu errors %d\n",
		   calls, div64_u64(t_rec, calls), div64_u64(t_inc, calls),
		   div64_u64(t_rec * 100, max_t(u64, t_inc, 1)), err);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pghot_bench);

static int pghot_free_hook_get(void *data, u64 *val)
{
	*val = static_key_enabled(&pghot_free_key);
	return 0;
}

static int pghot_free_hook_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	if (val)
		static_branch_enable(&pghot_free_key);
	else
		static_branch_disable(&pghot_free_key);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pghot_free_hook_fops, pghot_free_hook_get,
			 pghot_free_hook_set, "%llu\n");

static int __init pghot_debug_init(void)
{
	struct dentry *dir = debugfs_create_dir("pghot", NULL);

	debugfs_create_file("record", 0200, dir, NULL, &pghot_record_fops);
	debugfs_create_file("nodes", 0400, dir, NULL, &pghot_nodes_fops);
	debugfs_create_file("kick", 0200, dir, NULL, &pghot_kick_fops);
	debugfs_create_file("clear", 0200, dir, NULL, &pghot_clear_fops);
	debugfs_create_file("bench", 0400, dir, NULL, &pghot_bench_fops);
	debugfs_create_file_unsafe("free_hook", 0600, dir, NULL, &pghot_free_hook_fops);
	return 0;
}
late_initcall(pghot_debug_init);
