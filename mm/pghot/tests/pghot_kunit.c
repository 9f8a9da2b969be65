// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pghot records: encoding, the frequency window and
 * threshold, target node changes, reports without a target, count
 * saturation, time wrap-around, reports out of order, and the ready
 * accounting that kmigrated relies on.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pghot.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "../pghot.h"

#define WINDOW		1000	/* jiffies */
#define THRESHOLD	2

static void pghot_test_encoding(struct kunit *test)
{
	unsigned long nid = (1 << PGHOT_NID_WIDTH) - 1;
	unsigned long time = PGHOT_TIME_WRAP;
	unsigned long rec = pghot_rec_make(nid, PGHOT_COUNT_MAX, time, true);

	/* Every field round-trips at its maximum, without touching the others. */
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), nid);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), PGHOT_COUNT_MAX);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), time);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);

	rec = pghot_rec_make(5, 3, 0x123456789aUL, false);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 5UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 3UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), 0x123456789aUL);
	KUNIT_EXPECT_FALSE(test, rec & PGHOT_READY);

	/* The masks are disjoint and the widths are what the layout says. */
	KUNIT_EXPECT_EQ(test, PGHOT_NID_MASK & PGHOT_COUNT_MASK, 0UL);
	KUNIT_EXPECT_EQ(test, PGHOT_COUNT_MASK & PGHOT_TIME_MASK, 0UL);
	KUNIT_EXPECT_EQ(test, PGHOT_TIME_MASK & PGHOT_READY, 0UL);
	KUNIT_EXPECT_EQ(test, hweight_long(PGHOT_NID_MASK), PGHOT_NID_WIDTH);
	KUNIT_EXPECT_EQ(test, hweight_long(PGHOT_COUNT_MASK), PGHOT_COUNT_WIDTH);
	KUNIT_EXPECT_EQ(test, hweight_long(PGHOT_TIME_MASK), PGHOT_TIME_WIDTH);

	/* Time keeps its low bits only; nid and count do not spill. */
	rec = pghot_rec_make(0, 0, PGHOT_TIME_WRAP + 1 + 7, false);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), 7UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 0UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 0UL);
}

static void pghot_test_threshold(struct kunit *test)
{
	unsigned long now = 100000, rec;

	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 1UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 1UL);
	KUNIT_EXPECT_FALSE(test, rec & PGHOT_READY);

	rec = pghot_rec_update(rec, 1, now + 10, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), now + 10);

	/* A threshold of 1 makes the first access enough. */
	rec = pghot_rec_update(0, 1, now, WINDOW, 1);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);

	/* Below the maximum threshold until the count reaches it. */
	rec = 0;
	for (int i = 1; i < PGHOT_COUNT_MAX; i++) {
		rec = pghot_rec_update(rec, 1, now + i, WINDOW, PGHOT_COUNT_MAX);
		KUNIT_EXPECT_FALSE(test, rec & PGHOT_READY);
	}
	rec = pghot_rec_update(rec, 1, now + 100, WINDOW, PGHOT_COUNT_MAX);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);
}

static void pghot_test_window(struct kunit *test)
{
	unsigned long now = 100000, rec;

	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	/* Exactly at the window's end still counts... */
	rec = pghot_rec_update(rec, 1, now + WINDOW, WINDOW, 3);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	/* ...one jiffy later starts over, and the page is no longer ready. */
	rec = pghot_rec_update(rec, 1, now + 2 * WINDOW + 1, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 1UL);
	KUNIT_EXPECT_FALSE(test, rec & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), now + 2 * WINDOW + 1);
}

static void pghot_test_nid_reset(struct kunit *test)
{
	unsigned long now = 100000, rec;

	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, now + 1, WINDOW, THRESHOLD);
	KUNIT_ASSERT_TRUE(test, rec & PGHOT_READY);
	/* Another target starts a new count for that target. */
	rec = pghot_rec_update(rec, 3, now + 2, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 3UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 1UL);
	KUNIT_EXPECT_FALSE(test, rec & PGHOT_READY);
	/* Node 0 is a node like any other, not "empty". */
	rec = pghot_rec_update(rec, 0, now + 3, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 0, now + 4, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 0UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);
}

static void pghot_test_saturation(struct kunit *test)
{
	unsigned long now = 100000, rec = 0;
	int i;

	for (i = 0; i < 3 * PGHOT_COUNT_MAX; i++) {
		rec = pghot_rec_update(rec, 2, now + i, WINDOW, THRESHOLD);
		KUNIT_EXPECT_LE(test, pghot_rec_count(rec), PGHOT_COUNT_MAX);
		KUNIT_EXPECT_EQ(test, pghot_rec_nid(rec), 2UL);
	}
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), PGHOT_COUNT_MAX);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), now + i - 1);
}

static void pghot_test_time_wrap(struct kunit *test)
{
	/* The last jiffies before the time field wraps, and just after. */
	unsigned long before = PGHOT_TIME_WRAP - 5, after = PGHOT_TIME_WRAP + 1 + 5;
	unsigned long rec;

	KUNIT_EXPECT_EQ(test, pghot_age(before & PGHOT_TIME_WRAP, after), 11UL);
	rec = pghot_rec_update(0, 1, before, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, after, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);

	/* jiffies itself wrapping (64-bit ULONG_MAX to 0) is no different. */
	rec = pghot_rec_update(0, 1, ULONG_MAX - 1, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, 1, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);

	/* An old access across the wrap is still old. */
	rec = pghot_rec_update(0, 1, before, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, after + WINDOW, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 1UL);
}

static struct pghot_map *pghot_test_map(struct kunit *test)
{
	struct pghot_map *map = kunit_kzalloc(test, sizeof(*map), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	map->records = kunit_kcalloc(test, PAGES_PER_SECTION,
				     sizeof(*map->records), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map->records);
	map->nid = NUMA_NO_NODE;
	return map;
}

/*
 * A report older than the record's time (a batching source) is no age of
 * nearly 2^48: it adds to the count, and the record keeps the newer time.
 */
static void pghot_test_out_of_order(struct kunit *test)
{
	unsigned long now = 100000, rec;

	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, now - 5, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	KUNIT_EXPECT_TRUE(test, rec & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), now);
	KUNIT_EXPECT_EQ(test, pghot_age(pghot_rec_time(rec), now - 5), 0UL);

	/* Across the wrap of the time field too. */
	rec = pghot_rec_update(0, 1, PGHOT_TIME_WRAP + 2, WINDOW, THRESHOLD);
	rec = pghot_rec_update(rec, 1, PGHOT_TIME_WRAP - 2, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(rec), 2UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_time(rec), 1UL);

	/* More than a window late: the record stays as it is. */
	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_update(rec, 1, now - WINDOW - 1, WINDOW,
					       THRESHOLD), rec);
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, NUMA_NO_NODE, 2, NULL,
					       now - WINDOW - 1, WINDOW), 2);
}

/*
 * A report without a target (a page table scan) counts for the target of
 * a live record: it neither resets another source's count nor cancels its
 * pending promotion.  Without a live record it takes the default target.
 */
static void pghot_test_no_target(struct kunit *test)
{
	struct pghot_map *map = pghot_test_map(test);
	unsigned int threshold = pghot_threshold;
	unsigned long window = pghot_window_jiffies;
	unsigned long now = 100000, rec;
	nodemask_t no1 = NODE_MASK_ALL;

	KUNIT_EXPECT_EQ(test, pghot_rec_target(0, NUMA_NO_NODE, 2, NULL, now, WINDOW), 2);
	rec = pghot_rec_update(0, 1, now, WINDOW, THRESHOLD);
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, NUMA_NO_NODE, 2, NULL, now + 1, WINDOW), 1);
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, 3, 2, NULL, now + 1, WINDOW), 3);
	/* A record past its window holds nothing to keep. */
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, NUMA_NO_NODE, 2, NULL,
					       now + WINDOW + 1, WINDOW), 2);
	/* Nor does one whose target left the top tier. */
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, NUMA_NO_NODE, 2, &no1, now + 1, WINDOW), 1);
	node_clear(1, no1);
	KUNIT_EXPECT_EQ(test, pghot_rec_target(rec, NUMA_NO_NODE, 2, &no1, now + 1, WINDOW), 2);

	WRITE_ONCE(pghot_threshold, THRESHOLD);
	WRITE_ONCE(pghot_window_jiffies, WINDOW);
	/* Ready for node 1 (say, hint faults), then a scan without a target. */
	pghot_map_record(map, 9, 1, NUMA_NO_NODE, now);
	KUNIT_EXPECT_EQ(test, pghot_map_record(map, 9, 1, NUMA_NO_NODE, now), 1);
	KUNIT_EXPECT_EQ(test, pghot_map_record(map, 9, NUMA_NO_NODE, 2, now + 1), 0);
	KUNIT_EXPECT_TRUE(test, map->records[9] & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(map->records[9]), 1UL);
	KUNIT_EXPECT_EQ(test, pghot_rec_count(map->records[9]), THRESHOLD + 1UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 1);
	/* An empty record takes the default target. */
	pghot_map_record(map, 10, NUMA_NO_NODE, 2, now);
	KUNIT_EXPECT_EQ(test, pghot_rec_nid(map->records[10]), 2UL);
	pghot_map_take(map, 9);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 0);
	WRITE_ONCE(pghot_threshold, threshold);
	WRITE_ONCE(pghot_window_jiffies, window);
}

static void pghot_test_ready_accounting(struct kunit *test)
{
	struct pghot_map *map = pghot_test_map(test);
	unsigned long now = jiffies, idx = PGHOT_CHUNK * 3 + 5;
	unsigned int threshold = pghot_threshold;
	unsigned long window = pghot_window_jiffies;

	/* pghot_map_record() reads the knobs; pin them for the test. */
	WRITE_ONCE(pghot_threshold, THRESHOLD);
	WRITE_ONCE(pghot_window_jiffies, WINDOW);

	KUNIT_EXPECT_EQ(test, pghot_map_record(map, idx, 1, NUMA_NO_NODE, now), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(map->ready_chunks, PGHOT_NR_CHUNKS));

	/* Becoming ready counts once and marks the record's chunk. */
	KUNIT_EXPECT_EQ(test, pghot_map_record(map, idx, 1, NUMA_NO_NODE, now + 1), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(3, map->ready_chunks));
	KUNIT_EXPECT_EQ(test, bitmap_weight(map->ready_chunks, PGHOT_NR_CHUNKS), 1U);
	KUNIT_EXPECT_EQ(test, pghot_map_record(map, idx, 1, NUMA_NO_NODE, now + 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 1);

	/* A second ready page in the last chunk. */
	pghot_map_record(map, PAGES_PER_SECTION - 1, 1, NUMA_NO_NODE, now);
	pghot_map_record(map, PAGES_PER_SECTION - 1, 1, NUMA_NO_NODE, now);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 2);
	KUNIT_EXPECT_TRUE(test, test_bit(PGHOT_NR_CHUNKS - 1, map->ready_chunks));

	/* Losing readiness (new target) gives the count back. */
	pghot_map_record(map, idx, 2, NUMA_NO_NODE, now + 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 1);

	/* Taking a record empties it and gives its readiness back. */
	KUNIT_EXPECT_TRUE(test, pghot_map_take(map, PAGES_PER_SECTION - 1) & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, map->records[PAGES_PER_SECTION - 1], 0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 0);
	KUNIT_EXPECT_FALSE(test, pghot_map_take(map, idx) & PGHOT_READY);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->nr_ready), 0);

	WRITE_ONCE(pghot_threshold, threshold);
	WRITE_ONCE(pghot_window_jiffies, window);
}

static void pghot_test_bad_input(struct kunit *test)
{
	/* Not memory, a node that does not exist, an unknown source. */
	KUNIT_EXPECT_EQ(test, pghot_record(ULONG_MAX >> PAGE_SHIFT, NUMA_NO_NODE, jiffies),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pghot_record(0, MAX_NUMNODES, jiffies), -EINVAL);
	KUNIT_EXPECT_EQ(test, pghot_record(0, -5, jiffies), -EINVAL);
	KUNIT_EXPECT_EQ(test, pghot_record_access(0, NUMA_NO_NODE, PGHOT_NR_SRC, jiffies),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pghot_record_access(0, NUMA_NO_NODE, -1, jiffies), -EINVAL);
}

static void pghot_test_vmstat_names(struct kunit *test)
{
#if defined(CONFIG_VM_EVENT_COUNTERS) || defined(CONFIG_MEMCG)
	/* The enum order and the /proc/vmstat strings must agree. */
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_RECORDED_ACCESSES),
			   "pghot_recorded_accesses");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_RECORDED_HWHINTS),
			   "pghot_recorded_hwhints");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_RECORDED_PGTSCANS),
			   "pghot_recorded_pgtscans");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_RECORDED_HINTFAULTS),
			   "pghot_recorded_hintfaults");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_READY_PAGES), "pghot_ready");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_PROMOTED), "pghot_promoted");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_PROMOTE_FAILED), "pghot_promote_failed");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_PROMOTE_REFUSED), "pghot_promote_refused");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_READY_FREED), "pghot_ready_freed");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_RATE_LIMITED), "pghot_rate_limited");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_STALE), "pghot_stale");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_SECTIONS_SCANNED),
			   "pghot_kmigrated_sections_scanned");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGHOT_SECTIONS_SKIPPED),
			   "pghot_kmigrated_sections_skipped");
	/* And the neighbours did not shift. */
	KUNIT_EXPECT_STREQ(test, vm_event_name(NUMA_PAGE_MIGRATE), "numa_pages_migrated");
	KUNIT_EXPECT_STREQ(test, vm_event_name(PGMIGRATE_SUCCESS), "pgmigrate_success");
#else
	kunit_skip(test, "no vm event names without VM_EVENT_COUNTERS or MEMCG");
#endif
}

static struct kunit_case pghot_test_cases[] = {
	KUNIT_CASE(pghot_test_encoding),
	KUNIT_CASE(pghot_test_threshold),
	KUNIT_CASE(pghot_test_window),
	KUNIT_CASE(pghot_test_nid_reset),
	KUNIT_CASE(pghot_test_saturation),
	KUNIT_CASE(pghot_test_time_wrap),
	KUNIT_CASE(pghot_test_out_of_order),
	KUNIT_CASE(pghot_test_no_target),
	KUNIT_CASE(pghot_test_ready_accounting),
	KUNIT_CASE(pghot_test_bad_input),
	KUNIT_CASE(pghot_test_vmstat_names),
	{}
};

static struct kunit_suite pghot_test_suite = {
	.name = "pghot",
	.test_cases = pghot_test_cases,
};

kunit_test_suite(pghot_test_suite);
