// SPDX-License-Identifier: GPL-2.0
/*
 * kmigrated: one thread per lower-tier node, promoting the node's ready
 * pages to their target nodes in batches.
 *
 * It sleeps until a record of its node becomes ready; there is no
 * periodic walk.  A pass visits the node's sections, skips those without
 * ready records, and in the others reads only the chunks of 64 records
 * marked as holding ready ones.  A pass thus costs O(sections + ready
 * pages), and an idle lower tier costs no CPU at all.
 */
#define pr_fmt(fmt) "pghot: " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pghot.h>
#include <linux/sched/cputime.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

#include "pghot.h"

#define CREATE_TRACE_POINTS
#include <trace/events/pghot.h>

/* How long to wait for kswapd to make room on a full target. */
#define KMIGRATED_FULL_DELAY	(HZ / 10)

/**
 * struct kmigrated_batch - Folios isolated for one migrate_pages() call.
 * @folios: the isolated folios, linked by their lru.
 * @target: the node they go to.
 * @nr: number of folios.
 * @nr_pages: number of base pages.
 * @drained: the per-CPU LRU caches were drained in this pass.
 *
 * Private to one kmigrated pass.
 */
struct kmigrated_batch {
	struct list_head folios;
	int target;
	unsigned int nr;
	unsigned int nr_pages;
	bool drained;
};

enum kmigrated_step {
	KMIGRATED_NEXT,		/* go on with the next record */
	KMIGRATED_FLUSH,	/* migrate the batch, then go on */
	KMIGRATED_RETRY,	/* migrate the batch, then retry this record */
	KMIGRATED_DRAIN,	/* drain the LRU caches, then retry this record */
	KMIGRATED_FULL,		/* the target needs room: stop the pass */
	KMIGRATED_THROTTLED,	/* over the rate limit: stop the pass */
};

/* Pages the rate limit lets through per one-second window. */
static unsigned long kmigrated_rate_limit_pages(void)
{
	return (unsigned long)READ_ONCE(pghot_rate_limit_mbps) << (20 - PAGE_SHIFT);
}

/*
 * Charge @nr pages to @tn's promotion budget for the current one-second
 * window.  Return: true if they fit; false, and nothing charged, if not.
 */
static bool kmigrated_rate_charge(struct pghot_node *tn, unsigned long nr)
{
	unsigned long limit = kmigrated_rate_limit_pages();
	unsigned long now = jiffies;
	bool fits;

	spin_lock(&tn->rl_lock);
	if (time_after_eq(now, tn->rl_start + HZ)) {
		tn->rl_start = now;
		tn->rl_pages = 0;
	}
	fits = tn->rl_pages + nr <= limit;
	if (fits)
		tn->rl_pages += nr;
	trace_pghot_rate_limit(tn->nid, nr, tn->rl_pages, limit, !fits);
	spin_unlock(&tn->rl_lock);
	return fits;
}

/* Jiffies until @tn's rate-limit window ends. */
static unsigned long kmigrated_rate_wait(struct pghot_node *tn)
{
	unsigned long end = READ_ONCE(tn->rl_start) + HZ;

	return time_after(end, jiffies) ? end - jiffies : 1;
}

/*
 * Does @nid have @nr free pages above the high watermark of a zone that
 * can take them?  If not, wake its kswapd so that demotion makes room.
 */
static bool kmigrated_target_has_room(int nid, unsigned long nr)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	struct zone *zone, *top = NULL;
	int z;

	for (z = pgdat->nr_zones - 1; z >= 0; z--) {
		zone = pgdat->node_zones + z;
		if (!managed_zone(zone))
			continue;
		if (!top)
			top = zone;
		if (zone_watermark_ok(zone, 0, high_wmark_pages(zone) + nr,
				      ZONE_MOVABLE, 0))
			return true;
	}
	if (top)
		wakeup_kswapd(top, 0, 0, ZONE_MOVABLE);
	return false;
}

static void kmigrated_flush(struct pghot_node *pn, struct kmigrated_batch *b)
{
	unsigned int migrated, failed;

	if (!b->nr)
		return;
	migrated = migrate_misplaced_folios_batch(&b->folios, b->target);
	failed = b->nr_pages - min(migrated, b->nr_pages);
	count_vm_events(PGHOT_PROMOTED, migrated);
	count_vm_events(PGHOT_PROMOTE_FAILED, failed);
	trace_pghot_kmigrated_batch(pn->nid, b->target, b->nr_pages, migrated, failed);
	b->nr = 0;
	b->nr_pages = 0;
}

/*
 * Look at one ready record and, if its page can go, isolate the folio
 * into @b.  Called under rcu_read_lock(), which keeps @map alive.
 */
static enum kmigrated_step kmigrated_collect(struct pghot_node *pn,
					     struct pghot_map *map,
					     unsigned long pfn, unsigned long idx,
					     struct kmigrated_batch *b)
{
	unsigned long rec = READ_ONCE(map->records[idx]);
	int target = pghot_rec_nid(rec);
	struct pghot_node *tn;
	struct folio *folio;
	struct page *page;
	unsigned long nr;

	if (!(rec & PGHOT_READY))
		return KMIGRATED_NEXT;
	if (pghot_age(pghot_rec_time(rec), jiffies) > READ_ONCE(pghot_window_jiffies)) {
		/* Hot once, but not since: not worth a migration. */
		pghot_map_take(map, idx);
		count_vm_event(PGHOT_STALE);
		return KMIGRATED_NEXT;
	}
	tn = READ_ONCE(pghot_nodes[target]);
	if (!tn || !node_isset(target, pghot_toptier))
		goto drop;
	if (b->nr && target != b->target)
		return KMIGRATED_RETRY;

	page = pfn_to_online_page(pfn);
	if (!page)
		goto drop;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		goto drop;
	/* Records belong to the first page of a folio; it may have changed. */
	if (unlikely(page_folio(page) != folio || folio_pfn(folio) != pfn ||
		     folio_nid(folio) != pn->nid))
		goto put;
	if (unlikely(!folio_test_lru(folio))) {
		/* A new folio may still sit in a per-CPU LRU cache. */
		if (b->drained)
			goto put;
		folio_put(folio);
		return KMIGRATED_DRAIN;
	}

	nr = folio_nr_pages(folio);
	if (!kmigrated_target_has_room(target, b->nr_pages + nr)) {
		folio_put(folio);
		return b->nr ? KMIGRATED_FLUSH : KMIGRATED_FULL;
	}
	if (!kmigrated_rate_charge(tn, nr)) {
		folio_put(folio);
		/* The batch is empty or for this target: tells whose window to wait. */
		b->target = target;
		count_vm_events(PGHOT_RATE_LIMITED, nr);
		return KMIGRATED_THROTTLED;
	}
	pghot_map_take(map, idx);
	if (migrate_misplaced_folio_prepare(folio, NULL, target)) {
		folio_put(folio);
		count_vm_events(PGHOT_PROMOTE_FAILED, nr);
		return KMIGRATED_NEXT;
	}
	/* Isolation holds its own reference. */
	folio_put(folio);
	list_add_tail(&folio->lru, &b->folios);
	b->target = target;
	b->nr++;
	b->nr_pages += nr;
	return b->nr >= READ_ONCE(pghot_batch) ? KMIGRATED_FLUSH : KMIGRATED_NEXT;

put:
	folio_put(folio);
drop:
	/* The page cannot be promoted as recorded; forget the record. */
	pghot_map_take(map, idx);
	count_vm_event(PGHOT_PROMOTE_FAILED);
	return KMIGRATED_NEXT;
}

/*
 * Scan the ready chunks of the section at @pfn until the batch must be
 * migrated or the pass must stop.  Return: what to do next, or
 * %KMIGRATED_NEXT when the section is done.
 */
static enum kmigrated_step kmigrated_scan_section(struct pghot_node *pn,
						  unsigned long pfn,
						  struct kmigrated_batch *b,
						  unsigned long *handled)
{
	enum kmigrated_step step = KMIGRATED_NEXT;
	struct pghot_map *map;
	unsigned long chunk, i;

	rcu_read_lock();
	map = pghot_section_map(pfn, pn->nid);
	if (!map)
		goto out;
	for_each_set_bit(chunk, map->ready_chunks, PGHOT_NR_CHUNKS) {
		if (!test_and_clear_bit(chunk, map->ready_chunks))
			continue;
		for (i = chunk * PGHOT_CHUNK; i < (chunk + 1) * PGHOT_CHUNK; i++) {
			step = kmigrated_collect(pn, map, pfn + i, i, b);
			if (step == KMIGRATED_NEXT || step == KMIGRATED_FLUSH)
				(*handled)++;
			if (step != KMIGRATED_NEXT)
				break;
		}
		if (step != KMIGRATED_NEXT) {
			/* Come back to this chunk: it may hold more ready records. */
			set_bit(chunk, map->ready_chunks);
			break;
		}
	}
out:
	rcu_read_unlock();
	return step;
}

/*
 * One pass over the node.  Return: jiffies to wait before the next pass
 * when it had to stop early (rate limit, full target), 0 otherwise.
 */
static unsigned long kmigrated_pass(struct pghot_node *pn)
{
	unsigned long pfn = ALIGN_DOWN(node_start_pfn(pn->nid), PAGES_PER_SECTION);
	unsigned long end = node_end_pfn(pn->nid);
	unsigned long scanned = 0, skipped = 0, handled = 0, delay = 0;
	u64 cpu = task_sched_runtime(current);
	struct kmigrated_batch b = { .folios = LIST_HEAD_INIT(b.folios) };
	struct pghot_map *map;
	enum kmigrated_step step;
	bool ready;

	for (; pfn < end && !delay; pfn += PAGES_PER_SECTION) {
		rcu_read_lock();
		map = pghot_section_map(pfn, pn->nid);
		ready = map && atomic_read(&map->nr_ready) > 0;
		rcu_read_unlock();
		if (!ready) {
			skipped++;
			continue;
		}
		scanned++;
		do {
			step = kmigrated_scan_section(pn, pfn, &b, &handled);
			if (step == KMIGRATED_FULL)
				delay = KMIGRATED_FULL_DELAY;
			else if (step == KMIGRATED_THROTTLED)
				delay = kmigrated_rate_wait(pghot_nodes[b.target]);
			kmigrated_flush(pn, &b);
			if (step == KMIGRATED_DRAIN) {
				/* At most once a pass: it interrupts every CPU. */
				lru_add_drain_all();
				b.drained = true;
			}
			cond_resched();
		} while (step == KMIGRATED_FLUSH || step == KMIGRATED_RETRY ||
			 step == KMIGRATED_DRAIN);
	}
	kmigrated_flush(pn, &b);

	count_vm_events(PGHOT_SECTIONS_SCANNED, scanned);
	count_vm_events(PGHOT_SECTIONS_SKIPPED, skipped);
	cpu = task_sched_runtime(current) - cpu;
	WRITE_ONCE(pn->last_pass_ns, cpu);
	WRITE_ONCE(pn->last_pass_sections, scanned);
	WRITE_ONCE(pn->last_pass_ready, handled);
	WRITE_ONCE(pn->passes, pn->passes + 1);
	WRITE_ONCE(pn->pass_ns, pn->pass_ns + cpu);
	trace_pghot_kmigrated_pass(pn->nid, scanned, skipped, handled, cpu);

	/* Ready records this pass could not find are being published now. */
	if (!delay && !handled && atomic_long_read(&pn->nr_ready) > 0)
		delay = 1;
	return delay;
}

/*
 * Stop, or a pass asked for; and when not waiting out a delay, any ready
 * record of the node.
 */
static bool kmigrated_should_wake(struct pghot_node *pn, bool ready)
{
	return kthread_should_stop() || READ_ONCE(pn->kick) ||
	       (ready && atomic_long_read(&pn->nr_ready) > 0);
}

static int kmigrated(void *data)
{
	struct pghot_node *pn = data;
	unsigned long delay = 0;

	set_freezable();
	while (!kthread_should_stop()) {
		if (delay)
			wait_event_freezable_timeout(pn->wait, kmigrated_should_wake(pn, false),
						     delay);
		else
			wait_event_freezable(pn->wait, kmigrated_should_wake(pn, true));
		if (kthread_should_stop())
			break;
		WRITE_ONCE(pn->kick, false);
		delay = kmigrated_pass(pn);
	}
	return 0;
}

/* Wake @pn's kmigrated; callable from any context but NMI. */
void kmigrated_wake(struct pghot_node *pn)
{
	if (wq_has_sleeper(&pn->wait))
		wake_up(&pn->wait);
}

/* Start @pn's kmigrated.  Called under pghot_lock. */
int kmigrated_start(struct pghot_node *pn)
{
	struct task_struct *t;

	lockdep_assert_held(&pghot_lock);
	t = kthread_create_on_node(kmigrated, pn, pn->nid, "kmigrated%d", pn->nid);
	if (IS_ERR(t))
		return PTR_ERR(t);
	pn->kmigrated = t;
	wake_up_process(t);
	return 0;
}

/* Stop @pn's kmigrated and wait for it.  Called under pghot_lock. */
void kmigrated_stop(struct pghot_node *pn)
{
	lockdep_assert_held(&pghot_lock);
	kthread_stop(pn->kmigrated);
	pn->kmigrated = NULL;
}
