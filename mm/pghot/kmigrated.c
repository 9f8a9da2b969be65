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
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pghot.h>
#include <linux/rmap.h>
#include <linux/sched/cputime.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

#include "../internal.h"
#include "pghot.h"

#define CREATE_TRACE_POINTS
#include <trace/events/pghot.h>

/* How long to wait for kswapd to make room on a full target. */
#define KMIGRATED_FULL_DELAY	(HZ / 10)

/*
 * Base pages isolated for one batch at most (or one larger folio): what
 * migrate_pages() migrates with one TLB flush (NR_MAX_BATCHED_MIGRATION).
 */
#define KMIGRATED_BATCH_PAGES	512

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
	KMIGRATED_REREAD,	/* the record changed: read it again */
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

/* How long a request for room lasts unless kmigrated renews it. */
#define KMIGRATED_ROOM_LAPSE	(3 * KMIGRATED_FULL_DELAY)

/*
 * What kmigrated asks of the kswapd of a full target node: room for
 * @pages above the high watermark, until @until (jiffies; 0: none).  Any
 * kmigrated writes it with WRITE_ONCE() (@pages is the largest batch asked
 * for since the request last lapsed) and kswapd reads it without a lock.
 * A request lapses unless renewed, so a kmigrated that stops, records
 * that go stale and a node that goes offline leave nothing behind.
 */
static struct {
	unsigned long until;
	unsigned long pages;
} kmigrated_room[MAX_NUMNODES];

/**
 * pghot_kswapd_wmark() - The free pages pghot asks kswapd to leave in a zone.
 * @zone: a zone kswapd balances.
 *
 * When the target of a promotion is full, kswapd must make room there
 * whatever kernel.numa_balancing is.  Balancing to the high watermark, as
 * kswapd does outside NUMA balancing's tiering mode, leaves nothing above
 * it, and the promo watermark of tiering mode may leave less than a batch
 * (a THP): so, while kmigrated waits for room on the zone's node, kswapd
 * balances it to the promo watermark or to the waiting batch above the
 * high one, whichever is higher.
 *
 * Context: kswapd, any context; lockless.
 * Return: that watermark in pages, or 0 when kmigrated is not waiting.
 */
unsigned long pghot_kswapd_wmark(struct zone *zone)
{
	int nid = zone_to_nid(zone);
	unsigned long until = READ_ONCE(kmigrated_room[nid].until);

	if (!until || time_after(jiffies, until))
		return 0;
	return max(promo_wmark_pages(zone),
		   high_wmark_pages(zone) + READ_ONCE(kmigrated_room[nid].pages));
}

/*
 * Ask @pgdat's kswapd for room for @nr pages (see pghot_kswapd_wmark()),
 * unless it has given up on the node: then asking again only wakes it
 * to fail, until reclaim somewhere frees memory there again.
 */
static void kmigrated_ask_room(pg_data_t *pgdat, unsigned long nr)
{
	int nid = pgdat->node_id;
	unsigned long until = READ_ONCE(kmigrated_room[nid].until);

	if (READ_ONCE(pgdat->kswapd_failures) >= MAX_RECLAIM_RETRIES)
		return;
	if (until && !time_after(jiffies, until))
		nr = max(nr, READ_ONCE(kmigrated_room[nid].pages));
	WRITE_ONCE(kmigrated_room[nid].pages, nr);
	until = jiffies + KMIGRATED_ROOM_LAPSE;
	WRITE_ONCE(kmigrated_room[nid].until, until ?: 1);
}

/*
 * Does @nid have @nr free pages above the high watermark of a zone that
 * can take them?  If not, ask its kswapd to make room.
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
	if (top) {
		kmigrated_ask_room(pgdat, nr);
		wakeup_kswapd(top, 0, 0, ZONE_MOVABLE);
	}
	return false;
}

/*
 * Would memory policy @pol let NUMA balancing move a page to @nid?  Only
 * a policy with MPOL_F_MOF lets it move pages at all (the default one, or
 * MPOL_BIND or MPOL_PREFERRED_MANY with MPOL_F_NUMA_BALANCING), and those
 * two only within their nodes: the rule of mpol_misplaced() and
 * task_numa_work().
 */
static bool kmigrated_mpol_allows(struct mempolicy *pol, int nid)
{
	if (!pol)
		return true;
	if (!(pol->flags & MPOL_F_MOF))
		return false;
	if (pol->mode == MPOL_BIND || pol->mode == MPOL_PREFERRED_MANY)
		return node_isset(nid, pol->nodes);
	return true;
}

/*
 * Does the owner of @mm, the task its cgroups are taken from, allow @nid:
 * is @nid in its cpuset's mems, and does its task policy allow it?  Only
 * CONFIG_MEMCG records an owner; without it, only VMA policies apply.
 */
static bool kmigrated_owner_allows(struct mm_struct *mm, int nid)
{
#ifdef CONFIG_MEMCG
	struct task_struct *p;
	bool allowed = true;

	rcu_read_lock();
	p = rcu_dereference(mm->owner);
	if (p) {
		/* The task's copy of its cpuset's mems; one bit, read racily. */
		allowed = node_isset(nid, p->mems_allowed);
		if (allowed) {
			task_lock(p);	/* keeps p->mempolicy */
			allowed = kmigrated_mpol_allows(p->mempolicy, nid);
			task_unlock(p);
		}
	}
	rcu_read_unlock();
	return allowed;
#else
	return true;
#endif
}

/**
 * struct kmigrated_policy_walk - A folio's mappings, asked about one node.
 * @nid: the node the folio would go to.
 * @allowed: cleared by the first mapping whose policy refuses @nid.
 * @contended: a mapping's VMA (or, without CONFIG_PER_VMA_LOCK, its
 *	mmap_lock) was locked for writing, so its policy could not be read.
 */
struct kmigrated_policy_walk {
	int nid;
	bool allowed;
	bool contended;
};

/*
 * rmap_one of the walk: the VMA's policy and its owner's cpuset and task
 * policy.  The rmap lock keeps @vma and its mm.  The VMA's policy changes
 * only with the VMA write-locked (vma_replace_policy(), mpol_rebind_mm()),
 * so its per-VMA lock is enough to read it; without CONFIG_PER_VMA_LOCK,
 * the mmap_lock is.  Both rank above the rmap lock, so they are only
 * tried.  With per-VMA locks, a process that keeps its mmap_lock busy
 * changing other mappings (mprotect(), mmap(), munmap() in another
 * thread) does not keep this one's pages from moving; the VMA lock fails
 * only while this VMA is write-locked, that is with the mmap_lock held
 * for writing, so the mmap_lock is not tried again then.  A VMA linked
 * into the rmap before it was ever write-locked (fork, a split) may be
 * read: its policy, and its owner's, are set before it is linked.
 */
static bool kmigrated_vma_allows(struct folio *folio, struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	struct kmigrated_policy_walk *w = arg;
	struct mempolicy *pol;
	pgoff_t ilx;

	if (IS_ENABLED(CONFIG_PER_VMA_LOCK) ? !vma_start_read(vma) :
	    !mmap_read_trylock(vma->vm_mm)) {
		w->contended = true;
		return false;
	}
	pol = __get_vma_policy(vma, addr, &ilx);
	w->allowed = kmigrated_mpol_allows(pol, w->nid) &&
		     kmigrated_owner_allows(vma->vm_mm, w->nid);
	mpol_cond_put(pol);
	if (IS_ENABLED(CONFIG_PER_VMA_LOCK))
		vma_end_read(vma);
	else
		mmap_read_unlock(vma->vm_mm);
	return w->allowed;
}

/**
 * kmigrated_policy_allows() - May @folio be promoted to @nid?
 * @folio: an isolated folio.
 * @nid: the node it would go to.
 *
 * A promotion must respect what bounds the processes mapping the folio,
 * as a migration in one of them would: the memory policy of each VMA
 * mapping it and, for each such process, its task policy and its
 * cpuset's mems.  One mapping that refuses @nid is enough to keep the
 * folio where it is.  An unmapped folio (page cache) is bound by nothing.
 *
 * This is checked here, when the folio moves, rather than when a source
 * reports the access: every source passes through here, including those
 * that cannot look at VMAs (a sampler's NMI handler), and a policy or a
 * cpuset changed after the report is the one that counts.  It costs one
 * rmap walk per folio, next to the one migration makes anyway.
 *
 * Return: 1 if allowed, 0 if refused, -EAGAIN if a lock that the answer
 * needs was busy.
 */
static int kmigrated_policy_allows(struct folio *folio, int nid)
{
	struct kmigrated_policy_walk w = { .nid = nid, .allowed = true };
	struct rmap_walk_control rwc = {
		.rmap_one = kmigrated_vma_allows,
		.arg = &w,
		.anon_lock = folio_lock_anon_vma_read,
		.try_lock = true,
	};

	if (!folio_mapped(folio))
		return 1;
	/* File and KSM rmap walks need the folio lock. */
	if (!folio_trylock(folio))
		return -EAGAIN;
	rmap_walk(folio, &rwc);
	folio_unlock(folio);
	if (w.contended || rwc.contended)
		return -EAGAIN;
	return w.allowed;
}

/*
 * Take the folios of @b that no policy lets go to its target out of it
 * and put them back.  Return: the base pages taken out, refused or not.
 */
static unsigned int kmigrated_filter(struct kmigrated_batch *b)
{
	unsigned int refused = 0, busy = 0, nr;
	struct folio *folio, *next;
	LIST_HEAD(back);
	int ret;

	list_for_each_entry_safe(folio, next, &b->folios, lru) {
		ret = kmigrated_policy_allows(folio, b->target);
		if (ret > 0)
			continue;
		nr = folio_nr_pages(folio);
		if (ret)
			busy += nr;
		else
			refused += nr;
		list_move_tail(&folio->lru, &back);
		b->nr--;
		b->nr_pages -= nr;
	}
	if (list_empty(&back))
		return 0;
	putback_movable_pages(&back);
	count_vm_events(PGHOT_PROMOTE_REFUSED, refused);
	count_vm_events(PGHOT_PROMOTE_FAILED, busy);
	return refused + busy;
}

static void kmigrated_flush(struct pghot_node *pn, struct kmigrated_batch *b)
{
	unsigned int migrated, failed, out;

	if (!b->nr)
		return;
	/* What is put back stays charged to the rate limit. */
	out = kmigrated_filter(b);
	migrated = b->nr ? migrate_misplaced_folios_batch(&b->folios, b->target) : 0;
	failed = b->nr_pages - min(migrated, b->nr_pages);
	count_vm_events(PGHOT_PROMOTED, migrated);
	count_vm_events(PGHOT_PROMOTE_FAILED, failed);
	trace_pghot_kmigrated_batch(pn->nid, b->target, b->nr_pages + out,
				    migrated, failed, out);
	b->nr = 0;
	b->nr_pages = 0;
}

/*
 * Would isolating @nr more pages of @folio's kind (anon or file) from
 * @nid make direct reclaim there find too many isolated pages and
 * throttle?  too_many_isolated() in mm/vmscan.c allows an eighth of the
 * inactive list.
 */
static bool kmigrated_isolated_enough(int nid, struct folio *folio, unsigned long nr)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	bool file = folio_is_file_lru(folio);
	unsigned long inactive, isolated;

	inactive = node_page_state(pgdat, file ? NR_INACTIVE_FILE : NR_INACTIVE_ANON);
	isolated = node_page_state(pgdat, file ? NR_ISOLATED_FILE : NR_ISOLATED_ANON);
	return isolated + nr > inactive / 8;
}

/*
 * Look at one ready record and, if its page can go, isolate the folio
 * into @b.  Called under rcu_read_lock(), which keeps @map alive.
 *
 * A batch holds at most %KMIGRATED_BATCH_PAGES base pages, or one larger
 * folio, and grows only while the node's reclaim would not see too many
 * isolated pages: kmigrated must not throttle the reclaim that demotion
 * into its node relies on.
 */
static enum kmigrated_step kmigrated_collect(struct pghot_node *pn,
					     struct pghot_map *map,
					     unsigned long pfn, unsigned long idx,
					     struct kmigrated_batch *b)
{
	unsigned long rec = READ_ONCE(map->records[idx]);
	int target = pghot_rec_nid(rec);
	struct pghot_node *tn;
	unsigned long nr = 1;
	struct folio *folio;
	struct page *page;

	if (!(rec & PGHOT_READY))
		return KMIGRATED_NEXT;
	if (pghot_age(pghot_rec_time(rec), jiffies) > READ_ONCE(pghot_window_jiffies)) {
		/* Hot once, but not since: not worth a migration. */
		if (!pghot_map_take_if(map, idx, rec))
			return KMIGRATED_REREAD;
		count_vm_event(PGHOT_STALE);
		return KMIGRATED_NEXT;
	}
	tn = READ_ONCE(pghot_nodes[target]);

	page = pfn_to_online_page(pfn);
	if (!page)
		goto drop;
	folio = page_folio(page);
	if (!folio_try_get(folio))
		goto freed;
	/*
	 * Records belong to the first page of a folio.  If that is not this
	 * one any more, the folio that was hot was freed since.
	 */
	if (unlikely(page_folio(page) != folio || folio_pfn(folio) != pfn)) {
		folio_put(folio);
		goto freed;
	}
	nr = folio_nr_pages(folio);
	if (unlikely(folio_nid(folio) != pn->nid || !tn ||
		     !node_isset(target, pghot_toptier)))
		goto put;
	if (b->nr && (target != b->target ||
		      b->nr_pages + nr > KMIGRATED_BATCH_PAGES ||
		      kmigrated_isolated_enough(pn->nid, folio, nr))) {
		folio_put(folio);
		return KMIGRATED_RETRY;
	}
	if (unlikely(!folio_test_lru(folio))) {
		/* A new folio may still sit in a per-CPU LRU cache. */
		if (b->drained)
			goto put;
		folio_put(folio);
		return KMIGRATED_DRAIN;
	}

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
	if (!pghot_map_take_if(map, idx, rec)) {
		folio_put(folio);
		return KMIGRATED_REREAD;
	}
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
	return b->nr >= READ_ONCE(pghot_batch) || b->nr_pages >= KMIGRATED_BATCH_PAGES ?
	       KMIGRATED_FLUSH : KMIGRATED_NEXT;

freed:
	if (!pghot_map_take_if(map, idx, rec))
		return KMIGRATED_REREAD;
	count_vm_event(PGHOT_READY_FREED);
	return KMIGRATED_NEXT;
put:
	folio_put(folio);
drop:
	/* The page cannot be promoted as recorded; forget the record. */
	if (!pghot_map_take_if(map, idx, rec))
		return KMIGRATED_REREAD;
	count_vm_events(PGHOT_PROMOTE_FAILED, nr);
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
			do {
				step = kmigrated_collect(pn, map, pfn + i, i, b);
			} while (step == KMIGRATED_REREAD);
			if (step == KMIGRATED_NEXT || step == KMIGRATED_FLUSH)
				(*handled)++;
			/* Leave RCU now and then: come back to this chunk. */
			if (step == KMIGRATED_NEXT && need_resched())
				step = KMIGRATED_RETRY;
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

/**
 * kmigrated_wake() - Wake a node's kmigrated if it sleeps.
 * @pn: the node.
 *
 * Called when the node's first record becomes ready.
 *
 * Context: any context but NMI.
 */
void kmigrated_wake(struct pghot_node *pn)
{
	if (wq_has_sleeper(&pn->wait))
		wake_up(&pn->wait);
}

/**
 * kmigrated_start() - Start a node's kmigrated thread.
 * @pn: the node, which pghot now tracks.
 *
 * Context: process context, with pghot_lock held.
 * Return: 0, or the error of kthread_create_on_node().
 */
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

/**
 * kmigrated_stop() - Stop a node's kmigrated thread and wait for it.
 * @pn: the node, which pghot no longer tracks.
 *
 * A batch it holds is migrated or put back before it exits.
 *
 * Context: process context, with pghot_lock held.
 */
void kmigrated_stop(struct pghot_node *pn)
{
	lockdep_assert_held(&pghot_lock);
	kthread_stop(pn->kmigrated);
	pn->kmigrated = NULL;
}
