// SPDX-License-Identifier: GPL-2.0
/*
 * zswap on a compressed-memory node (zswap.spm_node): pages zswap stores
 * land on the specific-purpose memory node whose purpose is "compressed",
 * and every page reads back intact after swap-in.  When that node is full,
 * when there is none, or when the parameter is off (the default), zswap
 * compresses into its own pool as before, and nothing is lost either.
 * zswap's shrinker does not write the node's pages back to the swap
 * device: that would free none of the system RAM reclaim asks for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"
#include "spm_util.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define SWAPFILE	"/mnt/disk/spm_zswap.swap"
#define SWAP_MB		256
#define SEED		0x25a9ull
/* Free pages on per-CPU lists: 2 CPUs, a few MiB each at most. */
#define PCP_SLACK_KB	(16 << 10)
/* What NR_FREE_PAGES may lag: vmstat's per-CPU deltas, 2 CPUs. */
#define DRIFT_KB	1024

#define WB_CGROUP	"/sys/fs/cgroup/spm_zswap_wb"

/* Move this process into a new memory cgroup (0), or back out (1). */
static int wb_cgroup(bool enter)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!enter) {
		tier_write_file("/sys/fs/cgroup/cgroup.procs", pid);
		return rmdir(WB_CGROUP) ? -errno : 0;
	}
	if (tier_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory") ||
	    (mkdir(WB_CGROUP, 0755) && errno != EEXIST))
		return -1;
	return tier_write_file(WB_CGROUP "/cgroup.procs", pid);
}

FIXTURE(zswap) {
	int node;	/* the compressed-memory node, or -1 */
	bool swap;
};

/*
 * need_node: the variant needs a compressed-memory node (1), needs there to
 * be none (0).  spm_node: the parameter's value.  extra_mb: how much more
 * than the node has free to page out (-1: a small buffer that fits).
 */
FIXTURE_VARIANT(zswap) {
	int need_node;
	const char *spm_node;
	int extra_mb;
	bool cpuset;	/* run in a cgroup whose cpuset.mems is node 0 */
};

FIXTURE_VARIANT_ADD(zswap, stored_on_node) {
	.need_node = 1, .spm_node = "Y", .extra_mb = -1,
};

/*
 * In a cpuset, which holds no SPM node: zswap's allocation on the node
 * (__GFP_SPM_NODE) still takes the fast path.
 */
FIXTURE_VARIANT_ADD(zswap, stored_on_node_in_cpuset) {
	.need_node = 1, .spm_node = "Y", .extra_mb = -1, .cpuset = true,
};

FIXTURE_VARIANT_ADD(zswap, node_full) {
	.need_node = 1, .spm_node = "Y", .extra_mb = 32,
};

FIXTURE_VARIANT_ADD(zswap, param_off) {
	.need_node = 1, .spm_node = "N", .extra_mb = -1,
};

FIXTURE_VARIANT_ADD(zswap, no_node) {
	.need_node = 0, .spm_node = "Y", .extra_mb = -1,
};

FIXTURE_SETUP(zswap)
{
	char val[8];

	self->swap = false;
	if (getuid())
		SKIP(return, "must run as root");
	if (access(ZSWAP_PARAM("spm_node"), W_OK))
		SKIP(return, "no zswap.spm_node");
	self->node = spm_first_node("compressed");
	if (variant->need_node && self->node < 0)
		SKIP(return, "no compressed-memory node (spm topology)");
	if (!variant->need_node && self->node >= 0)
		SKIP(return, "node %d is a compressed-memory node", self->node);

	/* Off unless asked for. */
	ASSERT_EQ(tier_read_file(ZSWAP_PARAM("spm_node"), val, sizeof(val)), 0);
	ASSERT_EQ(val[0], 'N');

	ASSERT_EQ(spm_swap_on(SWAPFILE, SWAP_MB), 0);
	self->swap = true;
	ASSERT_EQ(tier_set_knob(ZSWAP_PARAM("enabled"), "Y"), 0);
	ASSERT_EQ(tier_set_knob(ZSWAP_PARAM("spm_node"), variant->spm_node), 0);
	if (variant->cpuset) {
		char st[4096], *m;

		ASSERT_EQ(pghot_bound(PGHOT_BOUND_CPUSET, NULL, 0, 0), 0);
		ASSERT_EQ(tier_read_file("/proc/self/status", st, sizeof(st)), 0);
		m = strstr(st, "Mems_allowed_list:");
		ASSERT_NE(NULL, m);
		TH_LOG("in a cpuset: %.*s", (int)strcspn(m, "\n"), m);
	}
}

FIXTURE_TEARDOWN(zswap)
{
	if (!access(WB_CGROUP, F_OK))
		wb_cgroup(false);
	if (variant->cpuset)
		pghot_bound(PGHOT_BOUND_CPUSET, NULL, 0, -1);
	tier_restore_all();
	if (self->swap)
		spm_swap_off(SWAPFILE);
}

struct zswap_counts {
	long long stored, spm, fallback, zswpout;
	long node_free_kb;
};

static struct zswap_counts zswap_counts(int node)
{
	struct zswap_counts c = {
		.stored = spm_zswap_stat("stored_pages"),
		.spm = spm_zswap_stat("spm_stored_pages"),
		.fallback = spm_zswap_stat("spm_fallback"),
		.zswpout = tier_vmstat("zswpout"),
		.node_free_kb = node >= 0 ? spm_node_free_kb(node) : 0,
	};
	return c;
}

/* Minutes on a debug (KASAN) kernel under TCG. */
TEST_F_TIMEOUT(zswap, pages_land_and_read_back, 300)
{
	struct zswap_counts before = zswap_counts(self->node), out, in;
	size_t len = 32UL << 20, pages;
	long long spm, compressed;
	long bad;
	char *buf;

	if (variant->extra_mb >= 0)
		len = ((size_t)before.node_free_kb << 10) + ((size_t)variant->extra_mb << 20);
	pages = len / tier_page_size;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(buf, MAP_FAILED);
	ASSERT_EQ(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	spm_fill(buf, len, SEED);

	ASSERT_EQ(madvise(buf, len, MADV_PAGEOUT), 0);
	out = zswap_counts(self->node);
	spm = out.spm - before.spm;
	compressed = out.stored - before.stored - spm;
	TH_LOG("%zu pages out: zswpout %lld, on node %d %lld, compressed %lld, fallback %lld",
	       pages, out.zswpout - before.zswpout, self->node, spm, compressed,
	       out.fallback - before.fallback);
	TH_LOG("node free %ld -> %ld kB", before.node_free_kb, out.node_free_kb);
	/* Nearly all of it went to zswap, one way or the other. */
	EXPECT_GE(out.zswpout - before.zswpout, pages * 95 / 100);

	if (variant->need_node && variant->spm_node[0] == 'Y' && variant->extra_mb < 0) {
		/* All on the node, uncompressed: its free memory went down by that. */
		EXPECT_GE(spm, (long long)pages * 95 / 100);
		EXPECT_EQ(out.fallback, before.fallback);
		EXPECT_GE(before.node_free_kb - out.node_free_kb, (long)(spm * 4) * 95 / 100);
	} else if (variant->need_node && variant->spm_node[0] == 'Y') {
		/* The node filled up; the rest was compressed as usual. */
		EXPECT_GT(spm, 0);
		EXPECT_GT(out.fallback, before.fallback);
		EXPECT_GT(compressed, 0);
		EXPECT_LT(out.node_free_kb, before.node_free_kb / 4);
	} else {
		/* Parameter off or no such node: zswap's own pool only. */
		EXPECT_EQ(spm, 0);
		EXPECT_GE(compressed, (long long)pages * 95 / 100);
		/* Give or take the free-page counters' per-CPU drift. */
		if (self->node >= 0)
			EXPECT_GE(out.node_free_kb, before.node_free_kb - DRIFT_KB);
	}

	/* Swap it all back in: every byte as it was. */
	bad = spm_verify(buf, len, SEED);
	EXPECT_EQ(bad, -1);
	in = zswap_counts(self->node);
	TH_LOG("after swap-in: on node %lld, stored %lld, node free %ld kB",
	       in.spm - before.spm, in.stored - before.stored, in.node_free_kb);
	/*
	 * The entries went with the swap-in; the node's pages are free again,
	 * but for those the per-CPU free lists hold (not counted as free).
	 */
	EXPECT_LE(in.spm, before.spm + (long long)pages / 100);
	if (self->node >= 0)
		EXPECT_GE(in.node_free_kb, before.node_free_kb - PCP_SLACK_KB);
	munmap(buf, len);
}

/*
 * Pages on the compressed-memory node stay there when reclaim asks
 * zswap's shrinker for system RAM: writing them back to the swap device
 * would free only memory of that node.  Reclaim is proactive reclaim of
 * the test's own memory cgroup (memory.reclaim), whose anonymous memory
 * is all in zswap already, so what it reclaims is what the shrinker
 * writes back.  (A cgroup, because zswap's pages of the root cgroup are
 * charged to no one, and the shrinker never writes them back.)
 */
TEST_F_TIMEOUT(zswap, pages_on_node_not_written_back, 300)
{
	size_t len = 32UL << 20, pages = len / tier_page_size;
	long long spm, spm_after, written, written_after, pswpin;
	char *buf;

	if (!variant->need_node || variant->spm_node[0] != 'Y' || variant->extra_mb >= 0 ||
	    variant->cpuset)
		SKIP(return, "for pages stored on the node (stored_on_node)");
	ASSERT_EQ(tier_set_knob(ZSWAP_PARAM("shrinker_enabled"), "Y"), 0);
	ASSERT_EQ(0, wb_cgroup(true));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(buf, MAP_FAILED);
	ASSERT_EQ(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	spm_fill(buf, len, SEED);
	ASSERT_EQ(madvise(buf, len, MADV_PAGEOUT), 0);
	spm = spm_zswap_stat("spm_stored_pages");
	written = spm_zswap_stat("written_back_pages");
	EXPECT_GE(spm, (long long)pages * 95 / 100);

	/* Several rounds: the shrinker scans a part of its LRU each time. */
	for (int i = 0; i < 8; i++)
		tier_write_file(WB_CGROUP "/memory.reclaim", "16M");
	spm_after = spm_zswap_stat("spm_stored_pages");
	written_after = spm_zswap_stat("written_back_pages");
	/* Read back: from zswap, none from the swap device. */
	pswpin = tier_vmstat("pswpin");
	EXPECT_EQ(-1, spm_verify(buf, len, SEED));
	pswpin = tier_vmstat("pswpin") - pswpin;
	TH_LOG("%zu pages on node %d: after reclaim %lld -> %lld there, %lld written back",
	       pages, self->node, spm, spm_after, written_after - written);
	TH_LOG("%lld read back from the swap device", pswpin);
	EXPECT_GE(spm_after, spm);
	EXPECT_LT(pswpin * 100, (long long)pages);
	munmap(buf, len);
	EXPECT_EQ(0, wb_cgroup(false));
}

TEST_HARNESS_MAIN
