// SPDX-License-Identifier: GPL-2.0
/*
 * A node that changes tier loses or gains its records.
 *
 * 6.12 puts in the top tier every node whose tier is no slower than the
 * slowest tier holding a node with CPUs.  On the tierchg topology node1 has
 * a CPU and only offline memory, and node2, CPU-less, is as slow as node1:
 * while node1's memory is offline node2 is in a lower tier, and pghot
 * tracks it.  Onlining node1's memory puts a CPU node in node2's tier,
 * which makes node2 top tier: its records must go, and its kmigrated with
 * them.  Offlining that memory again makes node2 a lower tier node once
 * more, with new, empty records, and its pages are promoted again.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MEMORY_SYSFS	"/sys/devices/system/memory/"
#define NODE_SYSFS	"/sys/devices/system/node/"
#define MAX_BLOCKS	64
#define LEN		(4UL << 20)
#define SEED		0x5eed0051ULL
#define LOWER		2	/* the node that changes tier */
#define CPU_NODE	1	/* the node with a CPU whose memory comes and goes */

/* Memory blocks of @node into @blocks; returns how many, -1 on error. */
static int node_blocks(int node, int *blocks, int max)
{
	struct dirent **names;
	char path[64];
	int n, i, nr, found = 0;

	snprintf(path, sizeof(path), NODE_SYSFS "node%d", node);
	n = scandir(path, &names, NULL, versionsort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(names[i]->d_name, "memory%d", &nr) == 1 && found < max)
			blocks[found++] = nr;
		free(names[i]);
	}
	free(names);
	return found;
}

/*
 * Write @state ("online_movable", "offline") to each of @n blocks not in
 * it yet; every block is tried.  Returns 0 or the first error.
 */
static int set_blocks(const int *blocks, int n, const char *state)
{
	char path[96], now[32];
	int i, ret, err = 0;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", blocks[i]);
		/* "online" stands for any online_* state. */
		if (!tier_read_file(path, now, sizeof(now))) {
			now[strcspn(now, "\n")] = '\0';
			if (now[0] && !strncmp(state, now, strlen(now)))
				continue;
		}
		ret = tier_write_file(path, state);
		if (ret && !err)
			err = ret;
	}
	return err;
}

static bool node_has_cpus(int node)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), NODE_SYSFS "node%d/cpulist", node);
	return !tier_read_file(path, buf, sizeof(buf)) && buf[0] && buf[0] != '\n';
}

/* Wait until there are @want kmigrated threads of LOWER (0 or 1); false after 5 s. */
static bool wait_kmigrated(int want)
{
	char name[16];
	int pid, tries;

	snprintf(name, sizeof(name), "kmigrated%d", LOWER);
	for (tries = 0; tries < 50 * tier_slow(); tries++) {
		if (pghot_kthread_pids(name, &pid, 1) == want)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

FIXTURE(tierchg)
{
	int blocks[MAX_BLOCKS];
	int nblocks;
	bool online;
	char *buf;
};

FIXTURE_SETUP(tierchg)
{
	self->nblocks = 0;
	self->online = false;
	self->buf = NULL;
	if (geteuid())
		SKIP(return, "must run as root");
	if (!pghot_debugfs_available())
		SKIP(return, "no pghot debugfs (CONFIG_PGHOT_DEBUG)");
	/*
	 * node1: CPUs and offline memory only; node2: lower-tier memory.  On
	 * the tierchg topology (testbed_tierchg=1) that is a failure, not a skip.
	 */
	if (tier_cmdline_int("testbed_tierchg", 0) > 0) {
		ASSERT_TRUE(node_has_cpus(CPU_NODE));
		ASSERT_FALSE(tier_memory_nodes() & (1UL << CPU_NODE));
		ASSERT_TRUE(tier_memory_nodes() & (1UL << LOWER));
		ASSERT_GT(tier_of_node(LOWER), tier_of_node(0));
	}
	if (!node_has_cpus(CPU_NODE) || (tier_memory_nodes() & (1UL << CPU_NODE)) ||
	    !(tier_memory_nodes() & (1UL << LOWER)) ||
	    tier_of_node(LOWER) <= tier_of_node(0))
		SKIP(return, "needs the tierchg topology (node1 CPUs, no memory; node2 lower)");
	self->nblocks = node_blocks(CPU_NODE, self->blocks, MAX_BLOCKS);
	ASSERT_LT(0, self->nblocks);
	ASSERT_EQ(0, access("/sys/kernel/debug/pghot/nodes", R_OK));
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "60000"));
}

FIXTURE_TEARDOWN(tierchg)
{
	if (self->buf)
		munmap(self->buf, LEN);
	/* node1's memory offline again, as the topology has it. */
	if (self->online && set_blocks(self->blocks, self->nblocks, "offline"))
		TH_LOG("could not offline all of node1's memory");
	tier_restore_all();
}

TEST_F_TIMEOUT(tierchg, node_changes_tier, 90)
{
	size_t pages = LEN / tier_page_size;
	uint64_t *pfns;
	long long sections;
	double start;

	pfns = calloc(pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	sections = pghot_node_stat(LOWER, "sections");
	TH_LOG("node2 in memory_tier%d, node0 in memory_tier%d: %lld sections tracked",
	       tier_of_node(LOWER), tier_of_node(0), sections);
	ASSERT_LT(0, sections);
	ASSERT_TRUE(wait_kmigrated(1));

	/* One access each: recorded, not ready. */
	self->buf = tier_alloc_on_node(LEN, LOWER, SEED);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pghot_pfns(self->buf, LEN, pfns));
	ASSERT_EQ(0, pghot_inject(pfns, pages, -1, 1));
	EXPECT_LE((long long)pages, pghot_node_stat(LOWER, "used"));
	EXPECT_EQ(0, pghot_node_stat(LOWER, "nr_ready"));

	/* A CPU node joins node2's tier: node2 is top tier now. */
	self->online = true;
	ASSERT_EQ(0, set_blocks(self->blocks, self->nblocks, "online_movable"));
	TH_LOG("node1's %d blocks online: node1 in memory_tier%d, node2 in memory_tier%d",
	       self->nblocks, tier_of_node(CPU_NODE), tier_of_node(LOWER));
	ASSERT_EQ(tier_of_node(CPU_NODE), tier_of_node(LOWER));
	EXPECT_EQ(-1, pghot_node_stat(LOWER, "sections"));
	EXPECT_EQ(-1, pghot_node_stat(CPU_NODE, "sections"));
	EXPECT_TRUE(wait_kmigrated(0));
	/* Its pages are not tracked: a report of one is refused. */
	EXPECT_GT(0, pghot_inject(pfns, 1, -1, 1));

	/* node1's memory goes: node2 is a lower tier again, records empty. */
	ASSERT_EQ(0, set_blocks(self->blocks, self->nblocks, "offline"));
	self->online = false;
	EXPECT_GT(tier_of_node(LOWER), tier_of_node(0));
	EXPECT_EQ(sections, pghot_node_stat(LOWER, "sections"));
	EXPECT_EQ(0, pghot_node_stat(LOWER, "used"));
	EXPECT_TRUE(wait_kmigrated(1));

	/* Reports count from zero: one is not enough, two promote. */
	ASSERT_EQ(0, pghot_inject(pfns, pages, -1, 1));
	EXPECT_EQ(0, pghot_node_stat(LOWER, "nr_ready"));
	usleep(500 * 1000);
	EXPECT_EQ(0, tier_pages_on_node(self->buf, LEN, 0));
	ASSERT_EQ(0, pghot_inject(pfns, pages, -1, 1));
	start = tier_now();
	while (tier_pages_on_node(self->buf, LEN, 0) < pages &&
	       tier_now() - start < 10 * tier_slow())
		usleep(100 * 1000);
	EXPECT_EQ(pages, tier_pages_on_node(self->buf, LEN, 0));
	EXPECT_EQ(-1, tier_verify(self->buf, LEN, SEED));
	free(pfns);
}

TIER_HARNESS_MAIN
