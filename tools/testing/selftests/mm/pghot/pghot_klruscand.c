// SPDX-License-Identifier: GPL-2.0
/*
 * klruscand clears the Accessed bits it reports; reclaim must still see
 * those pages as recently used.  With promotion held off, pages klruscand
 * found young are in MGLRU's two youngest generations of node 1 after the
 * next aging, and pages it did not find young are not.  If the scan only
 * cleared the bits, the hot pages would have aged with the cold ones.
 *
 * And a pass reports each young page exactly once, although its 4096-PFN
 * batches make the walk stop, flush and resume several times per mm; and
 * a large folio mapped by PTEs (mTHP, a THP whose PMD was split) counts
 * once per pass, not once per young PTE.  A pass keeps to its CPU budget
 * (vm.pghot_klruscand_cpu_percent), and the next goes on where it stopped.
 * And one walk of a process covers every lower-tier node.
 */
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(64 * MB)
#define HOT		(8 * MB)
#define SEED		0x5eed0007ULL
#define LRU_GEN		"/sys/kernel/debug/lru_gen"
#define THP_SYSFS	"/sys/kernel/mm/transparent_hugepage/"
#define KPF_COMPOUND_HEAD	15

/**
 * struct lru_gens - Anonymous pages of the root memcg on one node.
 * @memcg: the root memcg's id.
 * @max_seq: the youngest generation.
 * @young: pages in the two youngest generations.
 * @old: pages in the older ones.
 */
struct lru_gens {
	int memcg;
	unsigned long max_seq;
	unsigned long young;
	unsigned long old;
};

static int lru_gens_read(struct lru_gens *g, int on)
{
	unsigned long seq[8], anon[8], s, age, a, f;
	char line[256], path[128];
	int root = 0, node = -1, n = 0, i, id;
	FILE *fp = fopen(LRU_GEN, "r");

	if (!fp)
		return -1;
	memset(g, 0, sizeof(*g));
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "memcg %d %127s", &id, path) >= 1) {
			root = line[strlen(line) - 2] == '/';
			if (root)
				g->memcg = id;
		} else if (sscanf(line, " node %d", &node) == 1) {
			continue;
		} else if (root && node == on && n < 8 &&
			   sscanf(line, " %lu %lu %lu %lu", &s, &age, &a, &f) == 4) {
			seq[n] = s;
			anon[n++] = a;
		}
	}
	fclose(fp);
	if (!n)
		return -1;
	g->max_seq = seq[n - 1];
	for (i = 0; i < n; i++) {
		if (seq[i] + 1 >= g->max_seq)
			g->young += anon[i];
		else
			g->old += anon[i];
	}
	return 0;
}

/* One MGLRU aging of @node that walks every page table (force_scan). */
static int lru_gen_age(int node)
{
	struct lru_gens g;
	char cmd[64];

	if (lru_gens_read(&g, node))
		return -1;
	snprintf(cmd, sizeof(cmd), "+ %d %d %lu 100 1", g.memcg, node, g.max_seq);
	return tier_write_file(LRU_GEN, cmd);
}

/* A filled buffer on node 1, with klruscand off and promotion held off. */
FIXTURE(klruscand) {
	char *buf;
};

FIXTURE_SETUP(klruscand)
{
	const char *why = pghot_missing(0);
	int pid;

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	if (!pghot_kthread_pids("klruscand", &pid, 1))
		SKIP(return, "no klruscand thread");
	ASSERT_EQ(0, pghot_quiet());
	/* Accesses 1 ms apart do not add up: nothing is ever ready. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "1"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_interval_ms"), "100"));
	/* Filled, so every page's Accessed bit is set. */
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(klruscand)
{
	if (self->buf)
		munmap(self->buf, TOTAL);
	tier_restore_all();
}

TEST_F(klruscand, found_young_stays_young)
{
	size_t hot = HOT / tier_page_size, cold = (TOTAL - HOT) / tier_page_size;
	char *buf = self->buf;
	long long passes;
	struct lru_gens g;

	if (access(LRU_GEN, W_OK))
		SKIP(return, "no %s", LRU_GEN);

	/* Two agings with no access: the whole buffer is old. */
	ASSERT_EQ(0, lru_gen_age(1));
	ASSERT_EQ(0, lru_gen_age(1));
	ASSERT_EQ(0, lru_gens_read(&g, 1));
	TH_LOG("before: max_seq %lu, young %lu, old %lu", g.max_seq, g.young, g.old);
	EXPECT_GE(g.old * 100, (hot + cold) * 99);

	/* klruscand finds the hot part young, pass after pass. */
	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "1"));
	passes = tier_vmstat("pghot_pgtscan_passes");
	while (tier_vmstat("pghot_pgtscan_passes") < passes + 5)
		tier_touch(buf, HOT);
	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "0"));
	usleep(200 * 1000);

	/* Then the aging, which finds most Accessed bits already cleared. */
	ASSERT_EQ(0, lru_gen_age(1));
	ASSERT_EQ(0, lru_gens_read(&g, 1));
	TH_LOG("after: max_seq %lu, young %lu (hot %zu), old %lu (cold %zu)",
	       g.max_seq, g.young, hot, g.old, cold);
	EXPECT_GE(g.young * 100, hot * 99);
	EXPECT_LE(g.young, hot + cold / 100);
	EXPECT_GE(g.old * 100, cold * 99);
	EXPECT_EQ(-1, tier_verify(buf, TOTAL, SEED));
}

/* Wait for klruscand to start and finish @n more passes; false after 10 s. */
static bool wait_passes(int n)
{
	long long passes = tier_vmstat("pghot_pgtscan_passes");
	double start = tier_now();

	while (tier_vmstat("pghot_pgtscan_passes") < passes + n) {
		if (tier_now() - start > 10)
			return false;
		usleep(10 * 1000);
	}
	return true;
}

TEST_F(klruscand, each_young_page_reported_once)
{
	size_t pages = TOTAL / tier_page_size;
	long long young, first, second;

	young = tier_vmstat("pghot_pgtscan_young");
	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "1"));
	ASSERT_TRUE(wait_passes(1));
	first = tier_vmstat("pghot_pgtscan_young") - young;
	/* Untouched since: a second pass finds none of them young. */
	ASSERT_TRUE(wait_passes(1));
	second = tier_vmstat("pghot_pgtscan_young") - young - first;
	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "0"));
	TH_LOG("%zu pages: first pass %lld young, second %lld", pages, first, second);
	/* A little slack for the other processes' pages on node 1. */
	EXPECT_GE(first, (long long)pages);
	EXPECT_LE(first, (long long)pages + 256);
	EXPECT_LE(second, 256);
	EXPECT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

/* Heads of compound pages among @n PFNs, from /proc/kpageflags; -1 on error. */
static long compound_heads(const uint64_t *pfns, size_t n)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	long heads = 0;
	uint64_t flags;
	size_t i;

	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (pread(fd, &flags, sizeof(flags), pfns[i] * sizeof(flags)) != sizeof(flags)) {
			heads = -1;
			break;
		}
		heads += (flags >> KPF_COMPOUND_HEAD) & 1;
	}
	close(fd);
	return heads;
}

/*
 * Touch @len bytes at @buf for the next pass to find.  A pass clears
 * Accessed bits and, like MGLRU's aging, flushes no TLB, and an access
 * through a translation the TLB still holds sets no bit (x86 sets it when
 * it walks the page tables): on a quiet testbed nothing may flush the TLB
 * between one pass and the touch before the next, which then finds none
 * of it.  Changing the protection flushes the range first.
 */
static void touch_fresh(struct __test_metadata *_metadata, char *buf, size_t len)
{
	ASSERT_EQ(0, mprotect(buf, len, PROT_READ));
	ASSERT_EQ(0, mprotect(buf, len, PROT_READ | PROT_WRITE));
	tier_touch(buf, len);
}

/* Exactly one klruscand pass, with the source on only for it. */
static bool one_pass(void)
{
	long long passes = tier_vmstat("pghot_pgtscan_passes");
	double start = tier_now();
	bool done;

	if (tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "1"))
		return false;
	while (!(done = tier_vmstat("pghot_pgtscan_passes") > passes) &&
	       tier_now() - start < 10)
		usleep(10 * 1000);
	tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "0");
	return done;
}

/* Only @size_kb of the anonymous THP sizes on; the others never. */
static int thp_only(int size_kb)
{
	char want[64];
	glob_t g;
	size_t i;
	int ret = 0;

	if (glob(THP_SYSFS "hugepages-*kB/enabled", 0, NULL, &g))
		return -1;
	snprintf(want, sizeof(want), "/hugepages-%dkB/", size_kb);
	for (i = 0; i < g.gl_pathc && !ret; i++)
		ret = tier_set_knob(g.gl_pathv[i],
				    strstr(g.gl_pathv[i], want) ? "always" : "never");
	globfree(&g);
	return ret;
}

/*
 * @len bytes on node 1, mapped at a 2 MiB boundary (the mapping, with the
 * slack, in @map), in the large folios the THP knobs allow; with
 * @split_pmd, each PMD mapping is split into PTEs (mprotect() of one
 * page), leaving the THP itself whole, and khugepaged is kept off it.
 * Returns the buffer and, in @folios, how many large folios back it.
 */
static char *large_folios_on_node1(size_t len, bool split_pmd, long *folios,
				   char **map)
{
	size_t pages = len / tier_page_size, off;
	uint64_t *pfns;
	char *buf;

	*map = mmap(NULL, len + 2 * MB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*map == MAP_FAILED)
		return NULL;
	buf = (char *)(((uintptr_t)*map + 2 * MB - 1) & ~(2 * MB - 1));
	pfns = calloc(pages, sizeof(*pfns));
	if (!pfns || madvise(buf, len, MADV_HUGEPAGE) || tier_mbind(buf, len, 1))
		goto fail;
	tier_fill(buf, len, SEED);
	if (tier_mbind(buf, len, -1))
		goto fail;
	for (off = 0; split_pmd && off < len; off += 2 * MB) {
		if (mprotect(buf + off, tier_page_size, PROT_READ) ||
		    mprotect(buf + off, tier_page_size, PROT_READ | PROT_WRITE))
			goto fail;
	}
	/* khugepaged would collapse the split THPs into new folios. */
	if (split_pmd && madvise(buf, len, MADV_NOHUGEPAGE))
		goto fail;
	if (tier_pages_on_node(buf, len, 1) != pages || pghot_pfns(buf, len, pfns))
		goto fail;
	*folios = compound_heads(pfns, pages);
	free(pfns);
	return buf;
fail:
	free(pfns);
	munmap(*map, len + 2 * MB);
	return NULL;
}

/*
 * With a threshold of 2, a large folio touched before each pass is not
 * ready after the first pass and is after the second, like a base page:
 * the buffer stays on node 1 after one pass and is promoted after two.
 */
static void large_folio_two_passes(struct __test_metadata *_metadata,
				   bool split_pmd, size_t folio_size)
{
	size_t len = 8 * MB, pages = len / tier_page_size, on0;
	uint64_t *before, *after;
	long long ready, recorded, busy;
	long folios = 0;
	char *buf, *map;
	double start;
	int tries;

	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "60000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_interval_ms"), "60000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	buf = large_folios_on_node1(len, split_pmd, &folios, &map);
	ASSERT_NE(NULL, buf);
	TH_LOG("%ld large folios of %zu KiB back %zu MiB on node1", folios,
	       folio_size >> 10, len / MB);
	ASSERT_EQ((long)(len / folio_size), folios);

	/*
	 * A record belongs to a PFN: a folio that compaction moves between
	 * the passes starts again with a new record.  Keep compaction quiet,
	 * and take the first pass again if the buffer moved during it.
	 */
	ASSERT_EQ(0, tier_set_knob("/proc/sys/vm/compaction_proactiveness", "0"));
	before = calloc(pages, sizeof(*before));
	after = calloc(pages, sizeof(*after));
	ASSERT_TRUE(before && after);
	for (tries = 1; ; tries++) {
		ASSERT_EQ(0, pghot_pfns(buf, len, before));
		ready = tier_vmstat("pghot_ready");
		recorded = tier_vmstat("pghot_recorded_pgtscans");
		touch_fresh(_metadata, buf, len);
		ASSERT_TRUE(one_pass());
		/* Had anything become ready, kmigrated would have moved it by now. */
		usleep(500 * 1000);
		on0 = tier_pages_on_node(buf, len, 0);
		TH_LOG("first pass: %lld recorded, %lld ready, %zu/%zu pages on node0",
		       tier_vmstat("pghot_recorded_pgtscans") - recorded,
		       tier_vmstat("pghot_ready") - ready, on0, pages);
		EXPECT_EQ(0, on0);
		ASSERT_EQ(0, pghot_pfns(buf, len, after));
		if (!memcmp(before, after, pages * sizeof(*after)) || tries == 3)
			break;
		TH_LOG("the buffer moved on node1 during the pass: once more");
	}
	free(before);

	touch_fresh(_metadata, buf, len);
	busy = tier_vmstat("pghot_pgtscan_mm_busy");
	ASSERT_TRUE(one_pass());
	busy = tier_vmstat("pghot_pgtscan_mm_busy") - busy;
	start = tier_now();
	while ((on0 = tier_pages_on_node(buf, len, 0)) < pages && tier_now() < start + 10)
		usleep(100 * 1000);
	TH_LOG("second pass: %lld ready, %zu/%zu pages on node0 after %.1fs",
	       tier_vmstat("pghot_ready") - ready, on0, pages, tier_now() - start);
	TH_LOG("second pass: %lld walks left short", busy);
	/*
	 * A pass can miss a young entry: a walk left short by a contended
	 * mmap lock or memcg (counted), or a PTE table whose lock the walk
	 * does not wait for.  A folio missed is one access short, never
	 * counted twice, which the first pass checked: one more pass must
	 * finish the job.
	 */
	if (on0 < pages) {
		TH_LOG("second pass missed %zu pages: one more pass", pages - on0);
		touch_fresh(_metadata, buf, len);
		ASSERT_TRUE(one_pass());
		start = tier_now();
		while ((on0 = tier_pages_on_node(buf, len, 0)) < pages &&
		       tier_now() < start + 10)
			usleep(100 * 1000);
		TH_LOG("third pass: %zu/%zu pages on node0", on0, pages);
	}
	free(after);
	EXPECT_EQ(pages, on0);
	EXPECT_EQ(-1, tier_verify(buf, len, SEED));
	munmap(map, len + 2 * MB);
}

TEST_F(klruscand, mthp_counts_once_per_pass)
{
	if (access(THP_SYSFS "hugepages-64kB/enabled", W_OK))
		SKIP(return, "no 64 KiB mTHP");
	ASSERT_EQ(0, thp_only(64));
	large_folio_two_passes(_metadata, false, 64 << 10);
}

TEST_F(klruscand, pte_mapped_thp_counts_once_per_pass)
{
	if (access(THP_SYSFS "hugepages-2048kB/enabled", W_OK))
		SKIP(return, "no THP");
	ASSERT_EQ(0, thp_only(2048));
	large_folio_two_passes(_metadata, true, 2 * MB);
}

/* Processes with an address space: what klruscand walks in a pass. */
static int mm_processes(void)
{
	glob_t g;
	size_t i;
	int n = 0;

	if (glob("/proc/[0-9]*/statm", 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		long size;

		if (!tier_read_long(g.gl_pathv[i], &size) && size > 0)
			n++;
	}
	globfree(&g);
	return n;
}

/*
 * With two lower-tier nodes (the cxl2 topology), one walk of each process
 * per pass finds the young pages of both: pghot_pgtscan_mms grows by the
 * number of processes per pass, not by that times the nodes, and the hot
 * pages of each node are reported and moved to the youngest generation of
 * their own node's lruvec (so the walk's generation updates went to the
 * right lruvec), while the cold pages stay old on both.
 */
TEST_F(klruscand, one_walk_covers_every_lower_node)
{
	enum { NR_KIDS = 8 };
	size_t hot = HOT / tier_page_size, cold = (TOTAL - HOT) / tier_page_size;
	long long passes, mms, young;
	int i, n, nproc, pids[TIER_MAX_NODES];
	pid_t kids[NR_KIDS];
	struct lru_gens g[3];
	char *buf2;

	if (access(LRU_GEN, W_OK))
		SKIP(return, "no %s", LRU_GEN);
	if (pghot_kthread_pids("kmigrated", pids, TIER_MAX_NODES) < 2 ||
	    !(tier_memory_nodes() & (1UL << 2)) || tier_of_node(2) <= tier_of_node(0))
		SKIP(return, "needs lower-tier nodes 1 and 2 (the cxl2 topology)");
	buf2 = tier_alloc_on_node(TOTAL, 2, SEED + 1);
	ASSERT_NE(NULL, buf2);

	/* More processes to walk, which do not map the buffers. */
	ASSERT_EQ(0, madvise(self->buf, TOTAL, MADV_DONTFORK));
	ASSERT_EQ(0, madvise(buf2, TOTAL, MADV_DONTFORK));
	for (i = 0; i < NR_KIDS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i]) {
			pause();
			_exit(0);
		}
	}
	nproc = mm_processes();
	ASSERT_LT(NR_KIDS, nproc);
	/* Time enough to walk them all in one pass. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_cpu_percent"), "100"));

	/* Two agings of each node with no access: both buffers are old. */
	for (n = 1; n <= 2; n++) {
		ASSERT_EQ(0, lru_gen_age(n));
		ASSERT_EQ(0, lru_gen_age(n));
	}
	touch_fresh(_metadata, self->buf, HOT);
	touch_fresh(_metadata, buf2, HOT);
	passes = tier_vmstat("pghot_pgtscan_passes");
	mms = tier_vmstat("pghot_pgtscan_mms");
	young = tier_vmstat("pghot_pgtscan_young");
	ASSERT_LE(0, mms);
	ASSERT_TRUE(one_pass());
	usleep(200 * 1000);
	passes = tier_vmstat("pghot_pgtscan_passes") - passes;
	mms = tier_vmstat("pghot_pgtscan_mms") - mms;
	young = tier_vmstat("pghot_pgtscan_young") - young;
	for (n = 1; n <= 2; n++) {
		ASSERT_EQ(0, lru_gen_age(n));
		ASSERT_EQ(0, lru_gens_read(&g[n], n));
	}
	for (i = 0; i < NR_KIDS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}

	TH_LOG("%lld passes over %d processes: %lld walks, %lld young (hot %zu + %zu)",
	       passes, nproc, mms, young, hot, hot);
	for (n = 1; n <= 2; n++)
		TH_LOG("node%d: young %lu (hot %zu), old %lu (cold %zu)",
		       n, g[n].young, hot, g[n].old, cold);
	ASSERT_LE(1, passes);
	/* Each process once a pass (a little slack for processes coming and going). */
	EXPECT_LE(mms, passes * (nproc + 2));
	EXPECT_GE(mms, passes * (nproc - 2));
	EXPECT_GE(young, (long long)(2 * hot));
	EXPECT_LE(young, (long long)(2 * hot) + 256 * passes);
	for (n = 1; n <= 2; n++) {
		EXPECT_GE(g[n].young * 100, hot * 99);
		EXPECT_LE(g[n].young, hot + cold / 100);
		EXPECT_GE(g[n].old * 100, cold * 99);
	}
	EXPECT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
	EXPECT_EQ(-1, tier_verify(buf2, TOTAL, SEED + 1));
	munmap(buf2, TOTAL);
}

/*
 * Pages of the two lower-tier nodes interleaved page by page (MPOL_INTERLEAVE
 * over nodes 1 and 2), all touched: the walk meets another node's folio at
 * nearly every entry, stops to flush its batch there each time and resumes,
 * and still finds every page young in one pass and moves each to the
 * youngest generation of its own node's lruvec.
 */
TEST_F(klruscand, interleaved_nodes_found_in_one_pass)
{
	size_t len = 16 * MB, pages = len / tier_page_size;
	unsigned long mask = (1UL << 1) | (1UL << 2);
	long long passes, young;
	struct lru_gens g[3];
	int n, pids[TIER_MAX_NODES];
	double kcpu;
	char *buf;

	if (access(LRU_GEN, W_OK))
		SKIP(return, "no %s", LRU_GEN);
	if (pghot_kthread_pids("kmigrated", pids, TIER_MAX_NODES) < 2 ||
	    !(tier_memory_nodes() & (1UL << 2)) || tier_of_node(2) <= tier_of_node(0))
		SKIP(return, "needs lower-tier nodes 1 and 2 (the cxl2 topology)");
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, madvise(buf, len, MADV_NOHUGEPAGE));
	/* MPOL_INTERLEAVE (3) over nodes 1 and 2. */
	ASSERT_EQ(0, syscall(SYS_mbind, buf, len, 3, &mask, TIER_MAX_NODES + 1, 0));
	tier_fill(buf, len, SEED + 2);
	ASSERT_EQ(pages / 2, tier_pages_on_node(buf, len, 1));
	ASSERT_EQ(pages / 2, tier_pages_on_node(buf, len, 2));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_cpu_percent"), "100"));

	for (n = 1; n <= 2; n++) {
		ASSERT_EQ(0, lru_gen_age(n));
		ASSERT_EQ(0, lru_gen_age(n));
	}
	touch_fresh(_metadata, buf, len);
	passes = tier_vmstat("pghot_pgtscan_passes");
	young = tier_vmstat("pghot_pgtscan_young");
	kcpu = pghot_kthread_cpu("klruscand");
	ASSERT_TRUE(one_pass());
	usleep(200 * 1000);
	passes = tier_vmstat("pghot_pgtscan_passes") - passes;
	young = tier_vmstat("pghot_pgtscan_young") - young;
	kcpu = pghot_kthread_cpu("klruscand") - kcpu;
	for (n = 1; n <= 2; n++) {
		ASSERT_EQ(0, lru_gen_age(n));
		ASSERT_EQ(0, lru_gens_read(&g[n], n));
	}
	TH_LOG("%zu interleaved pages: %lld passes, %lld young, klruscand CPU %.3fs",
	       pages, passes, young, kcpu);
	for (n = 1; n <= 2; n++)
		TH_LOG("node%d: young %lu, old %lu (fixture's cold %zu)", n,
		       g[n].young, g[n].old, n == 1 ? TOTAL / tier_page_size : 0);
	ASSERT_LE(1, passes);
	EXPECT_GE(young, (long long)pages);
	EXPECT_LE(young, (long long)pages + 256 * passes);
	for (n = 1; n <= 2; n++)
		EXPECT_GE(g[n].young * 100, pages / 2 * 99);
	EXPECT_EQ(-1, tier_verify(buf, len, SEED + 2));
	munmap(buf, len);
}

/*
 * A pass keeps to its CPU budget.  With 16 more processes of 16 MiB on
 * node 1 to walk and a pass every 100 ms: at vm.pghot_klruscand_cpu_percent
 * 1 passes stop early (pghot_pgtscan_over_budget) and klruscand takes less
 * CPU time than at 100, and yet every process is walked in its turn: this
 * one's hot pages are still found young.
 */
TEST_F_TIMEOUT(klruscand, pass_keeps_to_cpu_budget, 240)
{
	enum { NR_KIDS = 16 };
	static const char * const pct[] = { "100", "1" };
	long long passes[2], over[2], young[2];
	double cpu[2], secs[2];
	pid_t kids[NR_KIDS];
	int i, r, pipefd[2];
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	for (i = 0; i < NR_KIDS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i]) {
			char *b = tier_alloc_on_node(16 * MB, 1, SEED + i);

			c = b ? 1 : 0;
			if (write(pipefd[1], &c, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	for (i = 0; i < NR_KIDS; i++) {
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
		ASSERT_EQ(1, c);
	}
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_pgtscans_enable"), "1"));
	for (r = 0; r < 2; r++) {
		double start, kcpu;

		ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_cpu_percent"), pct[r]));
		usleep(300 * 1000);
		passes[r] = tier_vmstat("pghot_pgtscan_passes");
		over[r] = tier_vmstat("pghot_pgtscan_over_budget");
		young[r] = tier_vmstat("pghot_pgtscan_young");
		kcpu = pghot_kthread_cpu("klruscand");
		start = tier_now();
		/*
		 * Keep the hot part young for 6 seconds, and on until klruscand
		 * found it young (a round of passes cut short may take longer
		 * with more processes about), for 60 seconds at most.
		 */
		while (tier_now() - start < 6 ||
		       (tier_vmstat("pghot_pgtscan_young") - young[r] <
			(long long)(HOT / tier_page_size) && tier_now() - start < 60)) {
			tier_touch(self->buf, HOT);
			usleep(50 * 1000);
		}
		secs[r] = tier_now() - start;
		cpu[r] = pghot_kthread_cpu("klruscand") - kcpu;
		passes[r] = tier_vmstat("pghot_pgtscan_passes") - passes[r];
		over[r] = tier_vmstat("pghot_pgtscan_over_budget") - over[r];
		young[r] = tier_vmstat("pghot_pgtscan_young") - young[r];
		TH_LOG("cpu_percent %s: %lld passes, %lld over budget, %lld young",
		       pct[r], passes[r], over[r], young[r]);
		TH_LOG("cpu_percent %s: klruscand CPU %.2fs in %.1fs (%.1f%%)",
		       pct[r], cpu[r], secs[r], cpu[r] * 100 / secs[r]);
	}
	for (i = 0; i < NR_KIDS; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	EXPECT_GT(over[1], 0);
	/* Per second: the run at 1% may have gone on longer. */
	EXPECT_LT(cpu[1] / secs[1], cpu[0] / secs[0]);
	/* Each hot page found young at least once. */
	EXPECT_GE(young[1], (long long)(HOT / tier_page_size));
}

TEST_HARNESS_MAIN
