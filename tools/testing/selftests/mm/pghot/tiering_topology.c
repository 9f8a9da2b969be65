// SPDX-License-Identifier: GPL-2.0
/*
 * The machine the pghot tests need: a top-tier node with CPUs (node 0) and
 * a CPU-less node in a lower memory tier (node 1) that node 0 demotes to.
 * If this fails, no promotion test below means anything.
 */
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"

TEST(node1_in_lower_tier)
{
	unsigned long nodes = tier_memory_nodes();
	int t0, t1;

	if (getuid())
		SKIP(return, "must run as root");
	if ((nodes & 3) != 3)
		SKIP(return, "needs memory on nodes 0 and 1 (has_memory mask %#lx)", nodes);
	t0 = tier_of_node(0);
	t1 = tier_of_node(1);
	TH_LOG("node0 in memory_tier%d, node1 in memory_tier%d", t0, t1);
	ASSERT_GE(t0, 0);
	ASSERT_GE(t1, 0);
	/* A higher tier id is a larger abstract distance: a slower tier. */
	ASSERT_GT(t1, t0);
}

TEST(node0_demotes_to_node1)
{
	unsigned long nodes = tier_memory_nodes();

	if (getuid())
		SKIP(return, "must run as root");
	if ((nodes & 3) != 3)
		SKIP(return, "needs memory on nodes 0 and 1 (has_memory mask %#lx)", nodes);
	ASSERT_EQ(tier_demotion_target(0), 1);
	/* Nothing is below the lowest tier. */
	ASSERT_EQ(tier_demotion_target(1), -1);
}

TEST(node1_has_no_cpus)
{
	char list[64];

	if (tier_read_file("/sys/devices/system/node/node1/cpulist", list, sizeof(list)))
		SKIP(return, "no node1");
	ASSERT_STREQ("", list);
}

TEST_HARNESS_MAIN
