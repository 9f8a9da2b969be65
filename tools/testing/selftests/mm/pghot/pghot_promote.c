// SPDX-License-Identifier: GPL-2.0
/*
 * The pghot core on its own, driven through debugfs with every source
 * off: a hot set recorded on node 1 is promoted to node 0 by kmigrated,
 * nothing else moves, and every byte survives.  Pages whose process
 * bounds them to node 1 (mbind, set_mempolicy, cpuset.mems) stay there,
 * and those it does not are promoted while another thread keeps its
 * mmap_lock busy.
 * Bad records are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(64 * MB)
#define HOT		(16 * MB)
#define SEED		0x5eed0002ULL

FIXTURE(pghot) {
	char *buf;
	uint64_t *pfns;
	size_t pages;
};

FIXTURE_SETUP(pghot)
{
	const char *why = pghot_missing(1);

	self->buf = NULL;
	self->pfns = NULL;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "5000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));

	self->pages = TOTAL / tier_page_size;
	self->pfns = calloc(self->pages, sizeof(*self->pfns));
	ASSERT_NE(NULL, self->pfns);
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pghot_pfns(self->buf, TOTAL, self->pfns));
}

FIXTURE_TEARDOWN(pghot)
{
	if (!access(PGHOT_CPUSET, F_OK))
		pghot_bound(PGHOT_BOUND_CPUSET, NULL, 0, -1);
	if (self->buf)
		munmap(self->buf, TOTAL);
	free(self->pfns);
	tier_restore_all();
}

/* Wait up to @secs for all of [addr, addr + len) to be on @node. */
static size_t wait_on_node(void *addr, size_t len, int node, double secs)
{
	double end = tier_now() + secs;
	size_t on;

	do {
		on = tier_pages_on_node(addr, len, node);
		if (on == len / tier_page_size)
			break;
		usleep(100 * 1000);
	} while (tier_now() < end);
	return on;
}

TEST_F(pghot, hot_set_promoted)
{
	size_t hot = HOT / tier_page_size;
	long long numa_migrated = tier_vmstat("numa_pages_migrated");
	long long promoted = tier_vmstat("pghot_promoted");
	long long ready = tier_vmstat("pghot_ready");
	long long recorded = tier_vmstat("pghot_recorded_accesses");
	double start = tier_now();
	size_t on0;

	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 2));
	on0 = wait_on_node(self->buf, HOT, 0, 10);
	TH_LOG("%zu/%zu hot pages on node0 after %.1fs", on0, hot, tier_now() - start);
	ASSERT_EQ(hot, on0);
	/* Nothing else moved. */
	ASSERT_EQ(self->pages - hot, tier_pages_on_node(self->buf + HOT, TOTAL - HOT, 1));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
	/* Each counter saw exactly what was injected. */
	EXPECT_EQ(2 * hot, tier_vmstat("pghot_recorded_accesses") - recorded);
	EXPECT_EQ(hot, tier_vmstat("pghot_ready") - ready);
	EXPECT_EQ(hot, tier_vmstat("pghot_promoted") - promoted);
	/* NUMA balancing is off: none of this was its migration. */
	EXPECT_EQ(numa_migrated, tier_vmstat("numa_pages_migrated"));
}

/*
 * A hot set whose placement the process bounds to node 1, by @how, stays
 * there: kmigrated refuses each ready page and counts it.  Once the bound
 * is lifted, the same pages are promoted.
 */
static void bound_stays(struct __test_metadata *_metadata, char *buf,
			uint64_t *pfns, size_t pages, enum pghot_bound how)
{
	size_t hot = HOT / tier_page_size;
	long long refused = tier_vmstat("pghot_promote_refused");
	long long failed = tier_vmstat("pghot_promote_failed");
	double end;

	ASSERT_EQ(0, pghot_bound(how, buf, TOTAL, 1));
	ASSERT_EQ(0, pghot_inject(pfns, hot, -1, 2));
	/* kmigrated promotes such a set in well under a second. */
	end = tier_now() + 5;
	while (tier_vmstat("pghot_promote_refused") - refused < (long long)hot &&
	       tier_now() < end)
		usleep(100 * 1000);
	TH_LOG("bound: %zu/%zu on node0, refused +%lld, failed +%lld",
	       tier_pages_on_node(buf, HOT, 0), hot,
	       tier_vmstat("pghot_promote_refused") - refused,
	       tier_vmstat("pghot_promote_failed") - failed);
	EXPECT_EQ(pages, tier_pages_on_node(buf, TOTAL, 1));
	EXPECT_EQ(hot, tier_vmstat("pghot_promote_refused") - refused);

	ASSERT_EQ(0, pghot_bound(how, buf, TOTAL, -1));
	ASSERT_EQ(0, pghot_inject(pfns, hot, -1, 2));
	EXPECT_EQ(hot, wait_on_node(buf, HOT, 0, 10));
	ASSERT_EQ(-1, tier_verify(buf, TOTAL, SEED));
}

TEST_F(pghot, mbind_bound_stays)
{
	bound_stays(_metadata, self->buf, self->pfns, self->pages, PGHOT_BOUND_VMA);
}

TEST_F(pghot, task_policy_bound_stays)
{
	bound_stays(_metadata, self->buf, self->pfns, self->pages, PGHOT_BOUND_TASK);
}

TEST_F(pghot, cpuset_bound_stays)
{
	bound_stays(_metadata, self->buf, self->pfns, self->pages, PGHOT_BOUND_CPUSET);
}

/* Set to stop busy_mmap_lock(). */
static bool busy_stop;

/*
 * Keep the process's mmap_lock busy: flip the protection of the middle
 * page of @arg (three pages, the outer two PROT_NONE, so that the middle
 * one never merges with a neighbour and only its own VMA is locked).
 * Returns how many times it did.
 */
static void *busy_mmap_lock(void *arg)
{
	char *page = (char *)arg + tier_page_size;
	unsigned long n = 0;

	while (!__atomic_load_n(&busy_stop, __ATOMIC_RELAXED))
		mprotect(page, tier_page_size,
			 n++ & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
	return (void *)n;
}

/*
 * Another thread keeps the process's mmap_lock held for writing, changing
 * a mapping of its own, as a JIT or an allocator does: the hot set is
 * still promoted, and no promotion fails for a busy lock.  kmigrated
 * reads the hot set's policy under the hot set's own VMA lock, which
 * nothing here takes (a kernel without CONFIG_PER_VMA_LOCK, which x86-64
 * SMP always has, would take the mmap_lock and fail this).
 */
TEST_F(pghot, promoted_while_mmap_lock_busy)
{
	size_t hot = HOT / tier_page_size, on0 = 0;
	long long failed = tier_vmstat("pghot_promote_failed");
	long long promoted = tier_vmstat("pghot_promoted");
	char *scratch;
	pthread_t busy;
	void *flips;
	int injected;

	/* With one CPU, the busy thread never holds the lock while kmigrated runs. */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	scratch = mmap(NULL, 3 * tier_page_size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, scratch);
	ASSERT_EQ(0, mprotect(scratch + tier_page_size, tier_page_size, PROT_READ));
	busy_stop = false;
	ASSERT_EQ(0, pthread_create(&busy, NULL, busy_mmap_lock, scratch));
	/* Nothing may return between here and the join. */
	usleep(100 * 1000);
	injected = pghot_inject(self->pfns, hot, -1, 2);
	if (!injected)
		on0 = wait_on_node(self->buf, HOT, 0, 10);
	__atomic_store_n(&busy_stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(busy, &flips));
	munmap(scratch, 3 * tier_page_size);
	ASSERT_EQ(0, injected);
	TH_LOG("%lu mprotect()s meanwhile: %zu/%zu on node0, promoted +%lld, failed +%lld",
	       (unsigned long)flips, on0, hot, tier_vmstat("pghot_promoted") - promoted,
	       tier_vmstat("pghot_promote_failed") - failed);
	EXPECT_GT((unsigned long)flips, 1000);
	EXPECT_EQ(hot, on0);
	EXPECT_EQ(0, tier_vmstat("pghot_promote_failed") - failed);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_F(pghot, below_threshold_stays)
{
	size_t hot = HOT / tier_page_size;
	long long ready = tier_vmstat("pghot_ready");

	/* One access each, the threshold is two. */
	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 1));
	sleep(2);
	EXPECT_EQ(self->pages, tier_pages_on_node(self->buf, TOTAL, 1));
	EXPECT_EQ(ready, tier_vmstat("pghot_ready"));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_F(pghot, explicit_target)
{
	size_t hot = HOT / tier_page_size;

	ASSERT_EQ(0, pghot_inject(self->pfns, hot, 0, 2));
	ASSERT_EQ(hot, wait_on_node(self->buf, HOT, 0, 10));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_F(pghot, bad_records_refused)
{
	uint64_t pfn = self->pfns[0], top;
	char *page0;

	/* A lower-tier node is no promotion target; nor is a missing one. */
	EXPECT_EQ(-EINVAL, pghot_inject(&pfn, 1, 1, 1));
	EXPECT_EQ(-EINVAL, pghot_inject(&pfn, 1, 1000, 1));
	EXPECT_EQ(-EINVAL, pghot_inject(&pfn, 1, -7, 1));
	/* Not memory at all. */
	pfn = 1ULL << 50;
	EXPECT_EQ(-EINVAL, pghot_inject(&pfn, 1, -1, 1));
	/* A top-tier page has no record. */
	page0 = tier_alloc_on_node(tier_page_size, 0, 1);
	ASSERT_NE(NULL, page0);
	ASSERT_EQ(0, pghot_pfns(page0, tier_page_size, &top));
	EXPECT_EQ(-ENOENT, pghot_inject(&top, 1, -1, 1));
	munmap(page0, tier_page_size);
	/* Malformed lines. */
	EXPECT_EQ(-EINVAL, tier_write_file(PGHOT_DEBUGFS("record"), "12x\n"));
	EXPECT_EQ(-EINVAL, tier_write_file(PGHOT_DEBUGFS("record"), "42\n"));
	/* Nothing of this moved anything. */
	EXPECT_EQ(self->pages, tier_pages_on_node(self->buf, TOTAL, 1));
}

#define TRACING	"/sys/kernel/tracing/"

/* Start collecting pghot_kmigrated_batch events; false if there are none. */
static bool trace_batches(void)
{
	if (access(TRACING "events", F_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (access(TRACING "events/pghot/pghot_kmigrated_batch/enable", W_OK))
		return false;
	if (tier_set_knob(TRACING "events/pghot/pghot_kmigrated_batch/enable", "1"))
		return false;
	/* Opening "trace" for writing with O_TRUNC clears it. */
	close(open(TRACING "trace", O_WRONLY | O_TRUNC));
	return true;
}

/*
 * Sum the pages the traced batches migrated, and find the largest batch
 * offered, in base pages.  Returns the number of batches, or -1.
 */
static int traced_batches(unsigned long long *migrated, unsigned long long *largest)
{
	unsigned long long m, nr;
	char line[512], *p;
	int batches = 0;
	FILE *f = fopen(TRACING "trace", "r");

	if (!f)
		return -1;
	*migrated = *largest = 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "pghot_kmigrated_batch:");
		if (p)
			p = strstr(p, " nr_pages=");
		if (!p || sscanf(p, " nr_pages=%llu migrated=%llu", &nr, &m) != 2)
			continue;
		batches++;
		*migrated += m;
		if (nr > *largest)
			*largest = nr;
	}
	fclose(f);
	return batches;
}

/* Every promoted page shows up in a pghot_kmigrated_batch event. */
TEST_F(pghot, batches_traced)
{
	size_t hot = HOT / tier_page_size;
	unsigned long long migrated, largest;

	if (!trace_batches())
		SKIP(return, "no tracefs or no pghot tracepoints");
	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 2));
	ASSERT_EQ(hot, wait_on_node(self->buf, HOT, 0, 10));
	usleep(200 * 1000);
	ASSERT_LT(0, traced_batches(&migrated, &largest));
	TH_LOG("traced batches migrated %llu pages", migrated);
	EXPECT_EQ(hot, migrated);
}

/*
 * kmigrated isolates at most 512 base pages at a time (or one larger
 * folio), whatever pghot_kmigrated_batch says in folios, so that reclaim
 * on node 1 does not see too many isolated pages.  With THPs, a batch is
 * one THP.
 */
TEST_F(pghot, large_folio_batches_bounded)
{
	size_t len = 32 * MB, pages = len / tier_page_size;
	unsigned long long migrated, largest;
	char enabled[128], *buf;
	uint64_t *pfns;
	int batches;

	if (tier_read_file("/sys/kernel/mm/transparent_hugepage/enabled", enabled,
			   sizeof(enabled)) || strstr(enabled, "[never]"))
		SKIP(return, "no THP");
	if (!trace_batches())
		SKIP(return, "no tracefs or no pghot tracepoints");
	buf = tier_alloc_thp_on_node(len, 1, SEED + 3);
	ASSERT_NE(NULL, buf);
	if (tier_thp_bytes(buf) < len / 2)
		SKIP(goto out, "only %zu KiB of THP on node 1", tier_thp_bytes(buf) / 1024);
	ASSERT_EQ(pages, tier_pages_on_node(buf, len, 1));
	pfns = calloc(pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	ASSERT_EQ(0, pghot_pfns(buf, len, pfns));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("kmigrated_batch"), "4096"));

	ASSERT_EQ(0, pghot_inject(pfns, pages, -1, 2));
	EXPECT_EQ(pages, wait_on_node(buf, len, 0, 20));
	usleep(200 * 1000);
	batches = traced_batches(&migrated, &largest);
	TH_LOG("%zu KiB of THP: %d batches, largest %llu pages, %llu pages migrated",
	       tier_thp_bytes(buf) / 1024, batches, largest, migrated);
	EXPECT_LE(largest, 512);
	EXPECT_EQ(pages, migrated);
	EXPECT_EQ(-1, tier_verify(buf, len, SEED + 3));
	free(pfns);
out:
	munmap(buf, len);
}

/*
 * A page freed while its record is ready takes the record with it: the
 * node has nothing ready left, the page is counted as pghot_ready_freed,
 * and kmigrated, let go, has nothing to fail on.
 */
TEST_F(pghot, freed_pages_leave_no_records)
{
	size_t hot = HOT / tier_page_size;
	long long freed = tier_vmstat("pghot_ready_freed");
	long long failed = tier_vmstat("pghot_promote_failed");
	long long ready;
	double end;

	/* A rate limit of 0 holds kmigrated off: the records stay ready. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "0"));
	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 2));
	ASSERT_EQ(hot, pghot_node_stat(1, "nr_ready"));
	munmap(self->buf, TOTAL);
	self->buf = NULL;
	/* Pages still in a per-CPU LRU cache are freed when it drains. */
	end = tier_now() + 2;
	while ((ready = pghot_node_stat(1, "nr_ready")) && tier_now() < end)
		usleep(50 * 1000);
	TH_LOG("after munmap: nr_ready %lld of %zu, pghot_ready_freed +%lld",
	       ready, hot, tier_vmstat("pghot_ready_freed") - freed);
	EXPECT_EQ(0, ready);
	EXPECT_EQ(hot, tier_vmstat("pghot_ready_freed") - freed);

	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	ASSERT_EQ(0, tier_write_file(PGHOT_DEBUGFS("kick"), "1"));
	usleep(500 * 1000);
	EXPECT_EQ(failed, tier_vmstat("pghot_promote_failed"));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A page freed while ready and reused by someone else does not bring the
 * old owner's readiness with it: the new buffer, never accessed since, is
 * not promoted.
 */
TEST_F(pghot, reused_pages_not_promoted)
{
	size_t hot = HOT / tier_page_size, reused = 0, i;
	uint64_t *pfns;
	char *buf;

	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "0"));
	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 2));
	munmap(self->buf, TOTAL);
	self->buf = NULL;

	buf = tier_alloc_on_node(TOTAL, 1, SEED + 4);
	ASSERT_NE(NULL, buf);
	pfns = calloc(self->pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	ASSERT_EQ(0, pghot_pfns(buf, TOTAL, pfns));
	qsort(self->pfns, hot, sizeof(*pfns), cmp_u64);
	for (i = 0; i < self->pages; i++)
		reused += !!bsearch(&pfns[i], self->pfns, hot, sizeof(*pfns), cmp_u64);
	TH_LOG("%zu of the %zu pages that were ready are in the new buffer", reused, hot);
	if (!reused)
		SKIP(goto out, "no page was reused");

	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	ASSERT_EQ(0, tier_write_file(PGHOT_DEBUGFS("kick"), "1"));
	sleep(1);
	EXPECT_EQ(self->pages, tier_pages_on_node(buf, TOTAL, 1));
	EXPECT_EQ(-1, tier_verify(buf, TOTAL, SEED + 4));
out:
	free(pfns);
	munmap(buf, TOTAL);
}

TEST_HARNESS_MAIN
