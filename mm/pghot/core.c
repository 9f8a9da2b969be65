// SPDX-License-Identifier: GPL-2.0
/*
 * pghot core: hotness records for the pages of lower-tier nodes, and
 * pghot_record_access(), the one call every access source makes.
 *
 * Each section of a lower-tier node gets a &struct pghot_map holding one
 * unsigned long record per page.  Maps are created when a node's memory
 * comes online in a lower tier and freed when it goes offline or the node
 * moves to the top tier; the top tier has none.  Records are updated
 * lock-free.
 */
#define pr_fmt(fmt) "pghot: " fmt

#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/pghot.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "pghot.h"

DEFINE_STATIC_KEY_ARRAY_FALSE(pghot_src_keys, PGHOT_NR_SRC);

/*
 * pghot_lock serializes changes of which nodes are tracked: map creation
 * and removal, pghot_nodes[] allocation and pghot_toptier.  Taken from the
 * memory hotplug notifier and at init.
 */
DEFINE_MUTEX(pghot_lock);

/* Allocated once for every node that ever had memory; never freed. */
struct pghot_node *pghot_nodes[MAX_NUMNODES];

/*
 * Top-tier nodes with memory: valid promotion targets.  Written under
 * pghot_lock, read locklessly by pghot_record(); a reader racing with a
 * tier change may see either mask.
 */
nodemask_t pghot_toptier;

/**
 * pghot_rec_update() - Compute a record after one more access.
 * @old: the record before the access.
 * @nid: the node the page should be promoted to.
 * @now: the time of the access, in jiffies.
 * @window: accesses further apart than this (jiffies) do not add up.
 * @threshold: accesses within @window that make the page ready.
 *
 * An empty record, a new target node, or an access more than @window
 * after the last one starts a new count at 1; otherwise the count goes
 * up, saturating at %PGHOT_COUNT_MAX, and the record keeps the later of
 * the two times.  An access more than @window before the record's time
 * changes nothing.  The page is ready while the count is at least
 * @threshold.
 *
 * Return: the new record.
 */
unsigned long pghot_rec_update(unsigned long old, int nid, unsigned long now,
			       unsigned long window, unsigned int threshold)
{
	unsigned long count = pghot_rec_count(old);
	unsigned long time = pghot_rec_time(old);
	bool live = pghot_rec_live(old, now, window);

	/* Too late to add up: the newer accesses stand as they are. */
	if (!live && count && pghot_time_before(now, time))
		return old;
	if (!live || pghot_rec_nid(old) != nid) {
		count = 1;
		time = now;
	} else {
		if (count < PGHOT_COUNT_MAX)
			count++;
		/* A late report does not move the time back. */
		if (!pghot_time_before(now, time))
			time = now;
	}
	return pghot_rec_make(nid, count, time, count >= threshold);
}

static void pghot_ready_add(struct pghot_map *map, long delta)
{
	struct pghot_node *pn;

	atomic_add(delta, &map->nr_ready);
	/* Maps of no node exist only in the KUnit tests. */
	if (map->nid == NUMA_NO_NODE)
		return;
	pn = READ_ONCE(pghot_nodes[map->nid]);
	if (pn)
		atomic_long_add(delta, &pn->nr_ready);
}

/**
 * pghot_map_update() - Update one record, and nothing else.
 * @map: the section's records.
 * @idx: the page's index in the section.
 * @nid: the node to promote the page to, or %NUMA_NO_NODE to keep the
 *       target of a live record if it is still in the top tier
 *       (pghot_rec_target()).
 * @dflt: the target when @nid is %NUMA_NO_NODE and the record is not live.
 * @now: the time of the access, in jiffies.
 * @weight: how many accesses it counts for.
 * @threshold: accesses within @window that make the page ready.
 * @window: the window, in jiffies.
 * @new: where to put the record as it became.
 *
 * The record changes with try_cmpxchg(); the ready counts, the chunk
 * bits and kmigrated are the caller's business.
 *
 * Return: the record as it was; *@new is what it became.
 */
unsigned long pghot_map_update(struct pghot_map *map, unsigned long idx,
			       int nid, int dflt, unsigned long now,
			       unsigned int weight, unsigned int threshold,
			       unsigned long window, unsigned long *new)
{
	unsigned long *rec = &map->records[idx];
	unsigned long old = READ_ONCE(*rec);
	/* Maps of no node exist only in the KUnit tests and the bench. */
	const nodemask_t *targets = map->nid == NUMA_NO_NODE ? NULL : &pghot_toptier;
	unsigned int i;
	int target;

	do {
		target = pghot_rec_target(old, nid, dflt, targets, now, window);
		*new = old;
		for (i = 0; i < weight; i++)
			*new = pghot_rec_update(*new, target, now, window, threshold);
	} while (!try_cmpxchg(rec, &old, *new));
	return old;
}

/**
 * pghot_map_record() - Record an access to one page of a section.
 * @map: the section's records.
 * @idx: the page's index in the section.
 * @nid: as for pghot_map_update().
 * @dflt: as for pghot_map_update().
 * @now: the time of the access, in jiffies.
 *
 * Updates the record against vm.pghot_promote_freq_threshold and the
 * window, then keeps the ready counts of the section and the node in step
 * with the ready bit, and marks the record's chunk.
 *
 * Return: 1 if the page became ready, 0 otherwise.
 */
int pghot_map_record(struct pghot_map *map, unsigned long idx, int nid,
		     int dflt, unsigned long now)
{
	unsigned long old, new;

	old = pghot_map_update(map, idx, nid, dflt, now, 1,
			       READ_ONCE(pghot_threshold),
			       READ_ONCE(pghot_window_jiffies), &new);
	if (!((old ^ new) & PGHOT_READY))
		return 0;
	if (new & PGHOT_READY) {
		set_bit(idx / PGHOT_CHUNK, map->ready_chunks);
		pghot_ready_add(map, 1);
		count_vm_event(PGHOT_READY_PAGES);
		return 1;
	}
	pghot_ready_add(map, -1);
	return 0;
}

/**
 * pghot_map_take() - Take a record for promotion, leaving it empty.
 * @map: the section's records.
 * @idx: the page's index in the section.
 *
 * Return: the record as it was.
 */
unsigned long pghot_map_take(struct pghot_map *map, unsigned long idx)
{
	unsigned long old = xchg(&map->records[idx], 0);

	if (old & PGHOT_READY)
		pghot_ready_add(map, -1);
	return old;
}

/*
 * Off until pghot tracks a node, so that a machine without a lower tier
 * pays nothing in the free path; then on for good.  Only debugfs switches
 * it off again, to measure what it costs.
 */
DEFINE_STATIC_KEY_FALSE(pghot_free_key);

/*
 * Switching a static key takes cpus_read_lock(), which ranks above the
 * memory hotplug lock the notifier runs under: do it from a work item.
 * Until it runs, kmigrated still finds freed pages by their refcount.
 */
static void pghot_free_key_enable(struct work_struct *work)
{
	static_branch_enable(&pghot_free_key);
}

static DECLARE_WORK(pghot_free_key_work, pghot_free_key_enable);

/* A block the buddy allocator frees never spans two sections. */
static_assert(MAX_PAGE_ORDER <= PFN_SECTION_SHIFT);

/**
 * __pghot_free_pages() - Forget the records of a block of pages being freed.
 * @page: the first page of the block.
 * @order: its order.
 *
 * A record outliving its page would be acted on later: kmigrated would
 * look up a page that is free or belongs to someone else, and a page
 * reused within the window would inherit the old owner's count, or its
 * ready bit, and be promoted while cold.  Empty every record of the
 * block; count ready ones as pghot_ready_freed.
 *
 * Any context the page allocator frees from.  A top-tier page costs the
 * section lookup; a lower-tier block also one read per page of the block.
 * A report racing with the free is emptied by pghot_record() itself.
 */
void __pghot_free_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long idx = pfn & (PAGES_PER_SECTION - 1);
	unsigned long end = idx + (1UL << order);
	struct pghot_map *map;

	rcu_read_lock();
	map = pghot_section_map(pfn, page_to_nid(page));
	for (; map && idx < end; idx++) {
		if (likely(!READ_ONCE(map->records[idx])))
			continue;
		if (pghot_map_take(map, idx) & PGHOT_READY)
			count_vm_event(PGHOT_READY_FREED);
	}
	rcu_read_unlock();
}

/**
 * pghot_lookup() - Find the record of a page.
 * @pfn: any page of a folio.
 * @nid: the target a source asked for, or %NUMA_NO_NODE.
 * @mapp: the map of the page's section.
 * @headp: the folio's first page, whose record it is.
 * @dfltp: the page's node's default target.
 *
 * What pghot_record() does before it touches the record, and all that the
 * debugfs bench times besides the update.  Call under rcu_read_lock().
 *
 * Return: 0, or pghot_record()'s errors.
 */
int pghot_lookup(unsigned long pfn, int nid, struct pghot_map **mapp,
		 unsigned long *headp, int *dfltp)
{
	struct mem_section *ms;
	struct pghot_map *map;
	unsigned long head;

	if (nid != NUMA_NO_NODE &&
	    (nid < 0 || nid >= MAX_NUMNODES || !node_isset(nid, pghot_toptier)))
		return -EINVAL;
	ms = pghot_section(pfn);
	if (!ms)
		return -EINVAL;
	/*
	 * Maps exist only for online sections of tracked nodes, so the fast
	 * path needs no other lookup; failures sort out why.
	 */
	map = rcu_dereference(ms->pghot_map);
	if (unlikely(!map || !online_section(ms) || !pfn_section_valid(ms, pfn)))
		return pfn_to_online_page(pfn) ? -ENOENT : -EINVAL;
	/* Racy against a split, which at worst credits a neighbouring page. */
	head = folio_pfn(page_folio(pfn_to_page(pfn)));
	/*
	 * A folio larger than a section is never promoted.  A section may
	 * hold pages of two nodes, and only one owns its map.
	 */
	if (unlikely((head ^ pfn) & PAGE_SECTION_MASK ||
		     page_to_nid(pfn_to_page(head)) != map->nid))
		return -ENOENT;
	*dfltp = READ_ONCE(pghot_nodes[map->nid]->target);
	if (nid == NUMA_NO_NODE && *dfltp == NUMA_NO_NODE)
		return -ENOENT;
	*mapp = map;
	*headp = head;
	return 0;
}

/**
 * pghot_record() - Record an access to a page, whoever saw it.
 * @pfn: any page of the folio that was accessed.
 * @nid: the node to promote it to, or %NUMA_NO_NODE: the target of the
 *       page's live record if it has one, else the nearest top-tier node
 *       of the page's node.
 * @now: the time of the access, in jiffies.
 *
 * The record of a folio is the one of its first page.  Safe in any
 * context that may take rcu_read_lock(); the map is found under RCU, so
 * a concurrent hot-remove cannot free it under us.
 *
 * Return: 0 when recorded; -EINVAL for a PFN that is not online memory or
 * a @nid that is not a top-tier node with memory; -ENOENT when the page's
 * node is not tracked (it is in the top tier) or the page is free.
 */
int pghot_record(unsigned long pfn, int nid, unsigned long now)
{
	struct pghot_map *map;
	unsigned long head, idx;
	int dflt, ret;

	rcu_read_lock();
	ret = pghot_lookup(pfn, nid, &map, &head, &dflt);
	/*
	 * A free page (a source that batches may report one it found mapped
	 * before) has no hotness to keep: its record would outlive it.
	 */
	if (!ret && unlikely(!page_ref_count(pfn_to_page(head))))
		ret = -ENOENT;
	if (!ret) {
		idx = head & (PAGES_PER_SECTION - 1);
		pghot_map_record(map, idx, nid, dflt, now);
		/*
		 * The page may have been freed since it was checked, and
		 * pghot_free_pages() may have run before the update: then the
		 * record is the page's no more.  The update's cmpxchg orders
		 * this read after it, as the free orders its own after the
		 * last reference is dropped.
		 */
		if (unlikely(!page_ref_count(pfn_to_page(head))))
			pghot_map_take(map, idx);
		count_vm_event(PGHOT_RECORDED_ACCESSES);
	}
	rcu_read_unlock();
	return ret;
}

/**
 * pghot_map_take_if() - Take a record if it is still what was read.
 * @map: the section's records.
 * @idx: the page's index in the section.
 * @rec: the record as the caller read it.
 *
 * Lets kmigrated act on exactly the record it decided on: one changed
 * meanwhile (a new target, a free) is left alone for it to read again.
 *
 * Return: true if the record was taken (emptied).
 */
bool pghot_map_take_if(struct pghot_map *map, unsigned long idx,
		       unsigned long rec)
{
	if (!try_cmpxchg(&map->records[idx], &rec, 0))
		return false;
	if (rec & PGHOT_READY)
		pghot_ready_add(map, -1);
	return true;
}

/**
 * pghot_record_access() - Report an access to a page.
 * @pfn: the page that was accessed.
 * @nid: the node it should be promoted to, usually the node of the CPU
 *       that accessed it, or %NUMA_NO_NODE when the source cannot tell;
 *       pghot then keeps the target of the page's live record, or uses
 *       the nearest top-tier node of the page's node.
 * @src: the reporting source, an &enum pghot_src.
 * @now: when the access happened, in jiffies.
 *
 * Callable from any context that may take rcu_read_lock(), including
 * under spinlocks and with interrupts off, but not from NMI context.
 *
 * Return: 0 when the access was recorded; -EOPNOTSUPP when @src is
 * disabled; -EINVAL for an unknown @src, a PFN that is not online memory,
 * or a @nid that is not a top-tier node with memory; -ENOENT when the page
 * is not in a lower tier.
 */
int pghot_record_access(unsigned long pfn, int nid, int src, unsigned long now)
{
	enum vm_event_item item;
	int ret;

	switch (src) {
	case PGHOT_HW_HINTS:
		if (!pghot_src_enabled(PGHOT_HW_HINTS))
			return -EOPNOTSUPP;
		item = PGHOT_RECORDED_HWHINTS;
		break;
	case PGHOT_PGTABLE_SCAN:
		if (!pghot_src_enabled(PGHOT_PGTABLE_SCAN))
			return -EOPNOTSUPP;
		item = PGHOT_RECORDED_PGTSCANS;
		break;
	case PGHOT_HINT_FAULT:
		if (!pghot_src_enabled(PGHOT_HINT_FAULT))
			return -EOPNOTSUPP;
		item = PGHOT_RECORDED_HINTFAULTS;
		break;
	default:
		return -EINVAL;
	}
	ret = pghot_record(pfn, nid, now);
	if (!ret)
		count_vm_event(item);
	return ret;
}
EXPORT_SYMBOL_GPL(pghot_record_access);

/**
 * pghot_map_alloc() - Allocate the records of one section.
 * @nid: the node the section belongs to (%NUMA_NO_NODE for private maps:
 *       the KUnit tests and the debugfs bench); the memory comes from it.
 *
 * Context: process context; may sleep.
 * Return: an empty map, or NULL without memory.
 */
struct pghot_map *pghot_map_alloc(int nid)
{
	struct pghot_map *map = kzalloc_node(sizeof(*map), GFP_KERNEL, nid);

	if (!map)
		return NULL;
	map->records = kvcalloc_node(PAGES_PER_SECTION, sizeof(*map->records),
				     GFP_KERNEL, nid);
	if (!map->records) {
		kfree(map);
		return NULL;
	}
	map->nid = nid;
	return map;
}

/**
 * pghot_map_free() - Free a map from pghot_map_alloc().
 * @map: the map, no longer reachable from any mem_section, or never was,
 *       and after an RCU grace period if it was.
 */
void pghot_map_free(struct pghot_map *map)
{
	kvfree(map->records);
	kfree(map);
}

/* The node of an online section, from its first present subsection. */
static int pghot_section_nid(unsigned long pfn)
{
	unsigned long end = pfn + PAGES_PER_SECTION;
	struct page *page;

	for (; pfn < end; pfn += PAGES_PER_SUBSECTION) {
		page = pfn_to_online_page(pfn);
		if (page)
			return page_to_nid(page);
	}
	return NUMA_NO_NODE;
}

/*
 * Give every online section of @pn's node a map if @track, and take the
 * maps of offline sections (or all of them if !@track) onto @dead.
 */
static void pghot_sync_sections(struct pghot_node *pn, bool track,
				struct list_head *dead)
{
	unsigned long pfn = ALIGN_DOWN(node_start_pfn(pn->nid), PAGES_PER_SECTION);
	unsigned long end = node_end_pfn(pn->nid);
	struct pghot_map *map;
	struct mem_section *ms;
	bool want;

	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		ms = pghot_section(pfn);
		if (!ms)
			continue;
		map = rcu_dereference_protected(ms->pghot_map,
						lockdep_is_held(&pghot_lock));
		want = track && online_section(ms) &&
		       pghot_section_nid(pfn) == pn->nid;
		if (want && !map) {
			map = pghot_map_alloc(pn->nid);
			if (!map) {
				pr_warn_ratelimited("no memory for the records of node %d section %lu\n",
						    pn->nid, pfn_to_section_nr(pfn));
				continue;
			}
			rcu_assign_pointer(ms->pghot_map, map);
		} else if (!want && map && map->nid == pn->nid) {
			RCU_INIT_POINTER(ms->pghot_map, NULL);
			list_add(&map->free, dead);
		}
	}
}

/* The nearest top-tier node with memory, by SLIT distance. */
static int pghot_nearest_toptier(int nid)
{
	int n, best = NUMA_NO_NODE;

	for_each_node_mask(n, pghot_toptier) {
		if (best == NUMA_NO_NODE ||
		    node_distance(nid, n) < node_distance(nid, best))
			best = n;
	}
	return best;
}

static struct pghot_node *pghot_node_get(int nid)
{
	struct pghot_node *pn = pghot_nodes[nid];

	if (pn)
		return pn;
	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn)
		return NULL;
	pn->nid = nid;
	pn->target = NUMA_NO_NODE;
	WRITE_ONCE(pghot_nodes[nid], pn);
	return pn;
}

/*
 * Bring the tracked nodes in line with the memory tiers: lower-tier nodes
 * with memory get maps for their online sections; other nodes lose them.
 * Called at init and after every memory online or offline, which is when
 * 6.12 changes tiers.
 */
static void pghot_sync_nodes(void)
{
	struct pghot_map *map, *next;
	struct pghot_node *pn;
	nodemask_t toptier = NODE_MASK_NONE;
	LIST_HEAD(dead);
	int nid;
	bool track;

	lockdep_assert_held(&pghot_lock);
	for_each_node_state(nid, N_MEMORY) {
		if (node_is_toptier(nid))
			node_set(nid, toptier);
	}
	pghot_toptier = toptier;

	for_each_node(nid) {
		track = node_state(nid, N_MEMORY) && !node_isset(nid, toptier);
		pn = node_state(nid, N_MEMORY) ? pghot_node_get(nid) : pghot_nodes[nid];
		if (!pn)
			continue;
		WRITE_ONCE(pn->target, pghot_nearest_toptier(nid));
		pghot_sync_sections(pn, track, &dead);
		if (track != pn->tracked)
			pr_info("%s node %d (promotion target %d)\n",
				track ? "tracking" : "no longer tracking", nid, pn->target);
		WRITE_ONCE(pn->tracked, track);
		/* Records exist from now on: freed pages must drop theirs. */
		if (track && !static_key_enabled(&pghot_free_key))
			schedule_work(&pghot_free_key_work);
	}

	if (list_empty(&dead))
		return;
	/* Readers find maps under RCU: wait for them once for all maps. */
	synchronize_rcu();
	list_for_each_entry_safe(map, next, &dead, free) {
		atomic_long_sub(atomic_read(&map->nr_ready),
				&pghot_nodes[map->nid]->nr_ready);
		pghot_map_free(map);
	}
}

static int pghot_memory_callback(struct notifier_block *nb,
				 unsigned long action, void *arg)
{
	switch (action) {
	case MEM_ONLINE:
	case MEM_OFFLINE:
		mutex_lock(&pghot_lock);
		pghot_sync_nodes();
		mutex_unlock(&pghot_lock);
		break;
	}
	return NOTIFY_OK;
}

static int __init pghot_init(void)
{
	int ret;

	pghot_register_sysctls();
	/* After memory-tiers' callback (MEMTIER_HOTPLUG_PRI) has set the tier. */
	ret = hotplug_memory_notifier(pghot_memory_callback, DEFAULT_CALLBACK_PRI);
	if (ret)
		return ret;
	/* Memory hotplug may run already: sync under its lock, as the notifier does. */
	get_online_mems();
	mutex_lock(&pghot_lock);
	pghot_sync_nodes();
	mutex_unlock(&pghot_lock);
	put_online_mems();
	return 0;
}
late_initcall(pghot_init);
