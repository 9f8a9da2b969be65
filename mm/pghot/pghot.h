/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pghot internals.
 */
#ifndef _MM_PGHOT_PGHOT_H
#define _MM_PGHOT_PGHOT_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/rcupdate.h>

/*
 * The hotness record: one unsigned long per page of a lower-tier node.
 *
 *   bits  0-9   target node id
 *   bits 10-12  access count in the current window, saturating at 7
 *   bits 13-60  access time: the low 48 bits of jiffies
 *   bit  63     ready: the count reached the threshold; kmigrated will
 *               promote the page to the target node
 *
 * A record of 0 is empty: nothing was recorded since the page was last
 * promoted, found stale, or came online.  Times are compared modulo 2^48
 * (pghot_age()), so jiffies wrapping the field is harmless: a time more
 * than 2^47 jiffies ahead reads as behind, and at HZ=1000 that takes 4400
 * years.
 */
#define PGHOT_NID_WIDTH		10
#define PGHOT_COUNT_WIDTH	3
#define PGHOT_TIME_WIDTH	48

#define PGHOT_NID_SHIFT		0
#define PGHOT_COUNT_SHIFT	(PGHOT_NID_SHIFT + PGHOT_NID_WIDTH)
#define PGHOT_TIME_SHIFT	(PGHOT_COUNT_SHIFT + PGHOT_COUNT_WIDTH)
#define PGHOT_READY_BIT		63

#define PGHOT_NID_MASK		GENMASK(PGHOT_COUNT_SHIFT - 1, PGHOT_NID_SHIFT)
#define PGHOT_COUNT_MASK	GENMASK(PGHOT_TIME_SHIFT - 1, PGHOT_COUNT_SHIFT)
#define PGHOT_TIME_MASK		GENMASK(PGHOT_TIME_SHIFT + PGHOT_TIME_WIDTH - 1, PGHOT_TIME_SHIFT)
#define PGHOT_READY		BIT(PGHOT_READY_BIT)

#define PGHOT_COUNT_MAX		((1UL << PGHOT_COUNT_WIDTH) - 1)
#define PGHOT_TIME_WRAP		GENMASK_ULL(PGHOT_TIME_WIDTH - 1, 0)

static_assert(PGHOT_TIME_SHIFT + PGHOT_TIME_WIDTH <= PGHOT_READY_BIT);
static_assert(MAX_NUMNODES <= (1 << PGHOT_NID_WIDTH));

/* Records are grouped in chunks of 64; a bitmap marks chunks holding ready records. */
#define PGHOT_CHUNK		64
#define PGHOT_NR_CHUNKS		(PAGES_PER_SECTION / PGHOT_CHUNK)

/**
 * struct pghot_map - Hotness records of one memory section.
 * @free: links maps being freed, after an RCU grace period.
 * @nid: the node the section belongs to.
 * @nr_ready: number of records with the ready bit set.
 * @ready_chunks: chunks of %PGHOT_CHUNK records that may hold ready records.
 * @records: one record per page of the section, %PAGES_PER_SECTION of them,
 *           allocated apart so that they take exactly 8 bytes a page.
 *
 * Hung off &struct mem_section.pghot_map, only for sections of lower-tier
 * nodes.  The pointer is published and cleared under pghot_lock and read
 * under rcu_read_lock().  Records are updated lock-free with cmpxchg; a
 * record's ready bit changes only together with @nr_ready and the node's
 * ready count, by whoever changed the bit.  Chunk bits are set by whoever
 * makes a record ready and cleared by kmigrated before it scans the chunk.
 */
struct pghot_map {
	struct list_head free;
	int nid;
	atomic_t nr_ready;
	DECLARE_BITMAP(ready_chunks, PGHOT_NR_CHUNKS);
	unsigned long *records;
};

/**
 * struct pghot_node - pghot state of a node with memory.
 * @nid: the node.
 * @tracked: the node is in a lower tier and its sections have maps.
 * @target: where pages of this node are promoted when a source does not
 *          say: the nearest top-tier node with memory.
 * @nr_ready: ready records in the node's sections.
 *
 * @tracked and @target change under pghot_lock.
 */
struct pghot_node {
	int nid;
	bool tracked;
	int target;
	atomic_long_t nr_ready;
};

/* Knobs (vm.pghot_*), read with READ_ONCE(). */
extern unsigned int pghot_window_ms;
extern unsigned long pghot_window_jiffies;
extern unsigned int pghot_threshold;
extern unsigned int pghot_rate_limit_mbps;
extern unsigned int pghot_batch;

extern struct mutex pghot_lock;
extern struct pghot_node *pghot_nodes[MAX_NUMNODES];
extern nodemask_t pghot_toptier;

/**
 * pghot_section() - The mem_section of a PFN, if it has one.
 * @pfn: any PFN, inside a node's span or not.
 *
 * A node's span may have holes.  With SPARSEMEM_EXTREME, a hole wider than
 * one root (%SECTIONS_PER_ROOT sections, 16 GiB on x86-64) has no
 * mem_section at all, and __pfn_to_section() returns NULL there.  Every
 * walk over a node's span gets its sections from here.
 *
 * Return: the section, or NULL if there is none.
 */
static inline struct mem_section *pghot_section(unsigned long pfn)
{
	if (pfn_to_section_nr(pfn) >= NR_MEM_SECTIONS)
		return NULL;
	return __pfn_to_section(pfn);
}

/**
 * pghot_section_map() - The records of one section of a node.
 * @pfn: any PFN of the section.
 * @nid: the node.
 *
 * Call under rcu_read_lock(), or with pghot_lock held.
 *
 * Return: the section's map if the section exists and its records belong
 * to @nid, NULL otherwise.
 */
static inline struct pghot_map *pghot_section_map(unsigned long pfn, int nid)
{
	struct mem_section *ms = pghot_section(pfn);
	struct pghot_map *map;

	if (!ms)
		return NULL;
	map = rcu_dereference_check(ms->pghot_map, lockdep_is_held(&pghot_lock));
	return map && map->nid == nid ? map : NULL;
}

static inline unsigned long pghot_rec_nid(unsigned long rec)
{
	return (rec & PGHOT_NID_MASK) >> PGHOT_NID_SHIFT;
}

static inline unsigned long pghot_rec_count(unsigned long rec)
{
	return (rec & PGHOT_COUNT_MASK) >> PGHOT_COUNT_SHIFT;
}

static inline unsigned long pghot_rec_time(unsigned long rec)
{
	return (rec & PGHOT_TIME_MASK) >> PGHOT_TIME_SHIFT;
}

static inline unsigned long pghot_rec_make(unsigned long nid, unsigned long count,
					   unsigned long time, bool ready)
{
	return ((nid << PGHOT_NID_SHIFT) & PGHOT_NID_MASK) |
	       ((count << PGHOT_COUNT_SHIFT) & PGHOT_COUNT_MASK) |
	       ((time << PGHOT_TIME_SHIFT) & PGHOT_TIME_MASK) |
	       (ready ? PGHOT_READY : 0);
}

/*
 * Is @now before @time, modulo the width of the time field?  Sources that
 * batch (a page table scan, a sample ring) report an access a little after
 * a newer one was recorded.
 */
static inline bool pghot_time_before(unsigned long now, unsigned long time)
{
	return ((now - time) & PGHOT_TIME_WRAP) > PGHOT_TIME_WRAP / 2;
}

/*
 * Jiffies since @time was recorded, modulo the width of the time field;
 * 0 for a @now before @time, which is not an age of nearly 2^48.
 */
static inline unsigned long pghot_age(unsigned long time, unsigned long now)
{
	if (pghot_time_before(now, time))
		return 0;
	return (now - time) & PGHOT_TIME_WRAP;
}

/*
 * Does @old hold accesses that an access at @now still adds up with?  A
 * late report (@now before the record's time) does while it is late by no
 * more than @window.
 */
static inline bool pghot_rec_live(unsigned long old, unsigned long now,
				  unsigned long window)
{
	unsigned long time = pghot_rec_time(old);

	if (!pghot_rec_count(old))
		return false;
	if (pghot_time_before(now, time))
		return ((time - now) & PGHOT_TIME_WRAP) <= window;
	return pghot_age(time, now) <= window;
}

/**
 * pghot_rec_target() - The node an access counts for.
 * @old: the record before the access.
 * @nid: the node the source asked for, or %NUMA_NO_NODE.
 * @dflt: the page's default target, the nearest top-tier node.
 * @targets: the nodes a live record's target must still be in (the top
 *           tier), or NULL for any node.
 * @now: the time of the access, in jiffies.
 * @window: the accumulation window, in jiffies.
 *
 * A source that cannot tell where the page should go (a page table scan)
 * adds to the count of a live record for the target it has, rather than
 * cancel another source's pending promotion by resetting it; unless that
 * target has left @targets since.
 *
 * Return: @nid if given; else the target of a live record, if still in
 * @targets; else @dflt.
 */
static inline int pghot_rec_target(unsigned long old, int nid, int dflt,
				   const nodemask_t *targets,
				   unsigned long now, unsigned long window)
{
	if (nid != NUMA_NO_NODE)
		return nid;
	if (pghot_rec_live(old, now, window) &&
	    (!targets || node_isset(pghot_rec_nid(old), *targets)))
		return pghot_rec_nid(old);
	return dflt;
}

unsigned long pghot_rec_update(unsigned long old, int nid, unsigned long now,
			       unsigned long window, unsigned int threshold);
unsigned long pghot_map_update(struct pghot_map *map, unsigned long idx,
			       int nid, int dflt, unsigned long now,
			       unsigned int weight, unsigned int threshold,
			       unsigned long window, unsigned long *new);
int pghot_lookup(unsigned long pfn, int nid, struct pghot_map **mapp,
		 unsigned long *headp, int *dfltp);
int pghot_map_record(struct pghot_map *map, unsigned long idx, int nid,
		     int dflt, unsigned long now);
unsigned long pghot_map_take(struct pghot_map *map, unsigned long idx);
bool pghot_map_take_if(struct pghot_map *map, unsigned long idx,
		       unsigned long rec);
int pghot_record(unsigned long pfn, int nid, unsigned long now);

struct pghot_map *pghot_map_alloc(int nid);
void pghot_map_free(struct pghot_map *map);
void pghot_register_sysctls(void);

#endif /* _MM_PGHOT_PGHOT_H */
