// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for memory tiers: the invariants that tier placement and the
 * demotion targets must keep on whatever topology the kernel booted on.
 * Promotion and demotion policies (NUMA balancing, pghot, reclaim) all rely
 * on them.
 */
#include <kunit/test.h>
#include <linux/memory-tiers.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>

/* Some node with memory is in the top tier. */
static void memory_tiers_test_toptier_exists(struct kunit *test)
{
	int nid, nr_toptier = 0;

	for_each_node_state(nid, N_MEMORY)
		nr_toptier += node_is_toptier(nid);
	KUNIT_EXPECT_GT(test, nr_toptier, 0);
}

/* A node with CPUs is always top tier: that is how the top tier is made. */
static void memory_tiers_test_cpu_nodes_toptier(struct kunit *test)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		if (node_state(nid, N_CPU))
			KUNIT_EXPECT_TRUE_MSG(test, node_is_toptier(nid),
					      "node %d has CPUs", nid);
	}
}

/*
 * A demotion target is another node with memory, taken from the source's
 * lower tiers, and demoting never climbs out of the lower tiers.
 */
static void memory_tiers_test_demotion_goes_down(struct kunit *test)
{
	int nid, target, checked = 0;
	nodemask_t lower;

	for_each_node_state(nid, N_MEMORY) {
		target = next_demotion_node(nid);
		if (target == NUMA_NO_NODE)
			continue;
		node_get_allowed_targets(NODE_DATA(nid), &lower);
		KUNIT_EXPECT_NE(test, target, nid);
		KUNIT_EXPECT_TRUE(test, node_isset(target, lower));
		KUNIT_EXPECT_TRUE(test, node_state(target, N_MEMORY));
		if (!node_is_toptier(nid))
			KUNIT_EXPECT_FALSE(test, node_is_toptier(target));
		checked++;
	}
	if (!checked)
		kunit_skip(test, "no node has a demotion target (single tier)");
}

/* Following demotion targets ends, with no cycle. */
static void memory_tiers_test_demotion_terminates(struct kunit *test)
{
	int nid, node, hops;

	for_each_node_state(nid, N_MEMORY) {
		node = nid;
		for (hops = 0; hops <= nr_node_ids; hops++) {
			node = next_demotion_node(node);
			if (node == NUMA_NO_NODE)
				break;
		}
		KUNIT_EXPECT_LT_MSG(test, hops, (int)nr_node_ids,
				    "demotion from node %d does not end", nid);
	}
}

static struct kunit_case memory_tiers_test_cases[] = {
	KUNIT_CASE(memory_tiers_test_toptier_exists),
	KUNIT_CASE(memory_tiers_test_cpu_nodes_toptier),
	KUNIT_CASE(memory_tiers_test_demotion_goes_down),
	KUNIT_CASE(memory_tiers_test_demotion_terminates),
	{}
};

static struct kunit_suite memory_tiers_test_suite = {
	.name = "memory_tiers",
	.test_cases = memory_tiers_test_cases,
};

kunit_test_suite(memory_tiers_test_suite);
