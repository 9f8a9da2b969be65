// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for specific-purpose memory (SPM) nodes: the allocation filter
 * (mt_node_allowed()), the sysram/SPM latch and, on a machine that has an
 * SPM node, what the page allocator, slab, vmalloc, the fallback zonelists
 * and the demotion targets do with it.
 *
 * The cases that need an SPM node skip at boot, before any exists; the
 * testbed hot-adds one and runs the suite again through debugfs
 * (/sys/kernel/debug/kunit/spm_node/run).
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/memory-tiers.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* The filter on its own, over a made-up set of SPM nodes. */
static void spm_test_filter(struct kunit *test)
{
	nodemask_t spm = NODE_MASK_NONE;
	int nid = nr_node_ids > 1 ? 1 : 0;
	int other = nid ? 0 : NUMA_NO_NODE;

	node_set(nid, spm);
	KUNIT_EXPECT_FALSE(test, __mt_node_allowed(&spm, nid, GFP_KERNEL));
	KUNIT_EXPECT_FALSE(test, __mt_node_allowed(&spm, nid, GFP_HIGHUSER_MOVABLE));
	KUNIT_EXPECT_FALSE(test, __mt_node_allowed(&spm, nid,
						   GFP_KERNEL | __GFP_THISNODE));
	KUNIT_EXPECT_FALSE(test, __mt_node_allowed(&spm, nid, GFP_ATOMIC));
	KUNIT_EXPECT_TRUE(test, __mt_node_allowed(&spm, nid,
						  GFP_KERNEL | __GFP_SPM_NODE));
	KUNIT_EXPECT_TRUE(test, __mt_node_allowed(&spm, nid, __GFP_SPM_NODE));
	if (other != NUMA_NO_NODE) {
		KUNIT_EXPECT_TRUE(test, __mt_node_allowed(&spm, other, GFP_KERNEL));
		KUNIT_EXPECT_TRUE(test, __mt_node_allowed(&spm, other,
							  GFP_KERNEL | __GFP_SPM_NODE));
	}
	nodes_clear(spm);
	KUNIT_EXPECT_TRUE(test, __mt_node_allowed(&spm, nid, GFP_KERNEL));
}

struct spm_latch_case {
	enum mt_node_type cur;
	enum mt_spm_purpose cur_purpose;
	enum mt_node_type want;
	enum mt_spm_purpose want_purpose;
	int ret;
};

static const struct spm_latch_case spm_latch_cases[] = {
	/* The first memory of a node sets its type. */
	{ MT_NODE_NONE, 0, MT_NODE_SYSRAM, 0, 1 },
	{ MT_NODE_NONE, 0, MT_NODE_SPM, MT_SPM_GENERIC, 1 },
	{ MT_NODE_NONE, 0, MT_NODE_SPM, MT_SPM_COMPRESSED, 1 },
	/* More of the same kind is fine. */
	{ MT_NODE_SYSRAM, 0, MT_NODE_SYSRAM, 0, 0 },
	{ MT_NODE_SPM, MT_SPM_COMPRESSED, MT_NODE_SPM, MT_SPM_COMPRESSED, 0 },
	/* The other kind, or another purpose, conflicts. */
	{ MT_NODE_SYSRAM, 0, MT_NODE_SPM, MT_SPM_GENERIC, -EBUSY },
	{ MT_NODE_SPM, MT_SPM_GENERIC, MT_NODE_SYSRAM, 0, -EBUSY },
	{ MT_NODE_SPM, MT_SPM_GENERIC, MT_NODE_SPM, MT_SPM_COMPRESSED, -EBUSY },
	/* Nonsense is refused whatever the node is. */
	{ MT_NODE_NONE, 0, MT_NODE_NONE, 0, -EINVAL },
	{ MT_NODE_NONE, 0, MT_NODE_SPM, MT_SPM_NR_PURPOSES, -EINVAL },
	{ MT_NODE_SPM, MT_SPM_GENERIC, MT_NODE_SPM, MT_SPM_NR_PURPOSES, -EINVAL },
};

static void spm_test_latch(struct kunit *test)
{
	const struct spm_latch_case *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(spm_latch_cases); i++) {
		c = &spm_latch_cases[i];
		KUNIT_EXPECT_EQ_MSG(test, mt_node_type_latch(c->cur, c->cur_purpose,
							     c->want, c->want_purpose),
				    c->ret, "case %d", i);
	}
}

/* The purpose survives its trip through the hot-add flags. */
static void spm_test_mhp_purpose(struct kunit *test)
{
	int p;

	KUNIT_EXPECT_EQ(test, mhp_spm_purpose(MHP_NONE), MT_SPM_GENERIC);
	KUNIT_EXPECT_EQ(test, mhp_spm_purpose(MHP_SPM_NODE), MT_SPM_GENERIC);
	for (p = 0; p < MT_SPM_NR_PURPOSES; p++) {
		mhp_t flags = MHP_SPM_NODE | MHP_SPM_PURPOSE(p) | MHP_NID_IS_MGID;

		KUNIT_EXPECT_EQ(test, mhp_spm_purpose(flags), p);
		KUNIT_EXPECT_TRUE(test, flags & MHP_SPM_NODE);
		KUNIT_EXPECT_TRUE(test, flags & MHP_NID_IS_MGID);
		KUNIT_EXPECT_EQ(test, mt_spm_purpose_parse(mt_spm_purpose_name(p)), p);
	}
	KUNIT_EXPECT_EQ(test, mt_spm_purpose_parse("compressed\n"), MT_SPM_COMPRESSED);
	KUNIT_EXPECT_EQ(test, mt_spm_purpose_parse("compress"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mt_spm_purpose_parse(""), -EINVAL);
}

/* The SPM nodes that have memory online, or skip. */
static void spm_nodes_or_skip(struct kunit *test, nodemask_t *spm)
{
	nodes_and(*spm, mt_spm_nodes, node_states[N_MEMORY]);
	if (nodes_empty(*spm))
		kunit_skip(test, "no specific-purpose memory node (the testbed adds one later)");
}

static void spm_expect_not_on(struct kunit *test, struct page *page,
			      const nodemask_t *spm, const char *what)
{
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "%s", what);
	KUNIT_EXPECT_FALSE_MSG(test, node_isset(page_to_nid(page), *spm),
			       "%s: got a page of SPM node %d", what, page_to_nid(page));
}

/*
 * Page allocator, slab and vmalloc on a real SPM node: only __GFP_SPM_NODE
 * gets its memory; naming the node without it falls back to system RAM.
 */
static void spm_test_live_alloc(struct kunit *test)
{
	const gfp_t thisnode = __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY;
	nodemask_t spm;
	struct page *page;
	void *p;
	int nid, i;

	spm_nodes_or_skip(test, &spm);
	for_each_node_mask(nid, spm) {
		/* Named with __GFP_THISNODE but no __GFP_SPM_NODE: nothing. */
		page = alloc_pages_node(nid, GFP_KERNEL | thisnode, 0);
		KUNIT_EXPECT_NULL_MSG(test, page, "node %d without __GFP_SPM_NODE", nid);
		if (page)
			__free_page(page);
		page = alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE | thisnode, 0);
		KUNIT_EXPECT_NULL_MSG(test, page, "node %d, movable", nid);
		if (page)
			__free_page(page);

		/* With it: that node's memory (kernel or movable zone). */
		page = alloc_pages_node(nid, GFP_KERNEL | __GFP_SPM_NODE | thisnode, 0);
		if (!page)
			page = alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE |
						__GFP_SPM_NODE | thisnode, 0);
		KUNIT_ASSERT_NOT_NULL_MSG(test, page, "node %d with __GFP_SPM_NODE", nid);
		KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
		__free_page(page);

		/* Preferred but not required: falls back to system RAM. */
		for (i = 0; i < 16; i++) {
			page = alloc_pages_node(nid, GFP_KERNEL, 0);
			spm_expect_not_on(test, page, &spm, "GFP_KERNEL preferring the SPM node");
			__free_page(page);
			page = alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE, 0);
			spm_expect_not_on(test, page, &spm, "GFP_HIGHUSER_MOVABLE preferring it");
			__free_page(page);
		}

		/* Slab never places objects there, not even when asked. */
		p = kmalloc_node(64, GFP_KERNEL | __GFP_SPM_NODE, nid);
		spm_expect_not_on(test, p ? virt_to_page(p) : NULL, &spm, "kmalloc_node");
		kfree(p);
		p = kmalloc_node(4 * PAGE_SIZE, GFP_KERNEL, nid);
		spm_expect_not_on(test, p ? virt_to_page(p) : NULL, &spm, "large kmalloc_node");
		kfree(p);

		p = vmalloc_node(8 * PAGE_SIZE, nid);
		KUNIT_ASSERT_NOT_NULL(test, p);
		for (i = 0; i < 8; i++)
			spm_expect_not_on(test, vmalloc_to_page(p + i * PAGE_SIZE), &spm,
					  "vmalloc_node");
		vfree(p);
	}
}

/*
 * No other node falls back to an SPM node, and none demotes to one; an SPM
 * node itself has no demotion target.
 */
static void spm_test_live_placement(struct kunit *test)
{
	struct zoneref *z;
	struct zone *zone;
	nodemask_t spm, targets;
	int nid, target;

	spm_nodes_or_skip(test, &spm);
	for_each_node_state(nid, N_MEMORY) {
		if (node_isset(nid, spm)) {
			KUNIT_EXPECT_EQ_MSG(test, next_demotion_node(nid), NUMA_NO_NODE,
					    "SPM node %d demotes", nid);
			continue;
		}
		for_each_zone_zonelist(zone, z, node_zonelist(nid, GFP_KERNEL),
				       MAX_NR_ZONES - 1)
			KUNIT_EXPECT_FALSE_MSG(test, node_isset(zone_to_nid(zone), spm),
					       "node %d falls back to SPM node %d",
					       nid, zone_to_nid(zone));
		target = next_demotion_node(nid);
		if (target != NUMA_NO_NODE)
			KUNIT_EXPECT_FALSE_MSG(test, node_isset(target, spm),
					       "node %d demotes to SPM node %d", nid, target);
		node_get_allowed_targets(NODE_DATA(nid), &targets);
		KUNIT_EXPECT_FALSE_MSG(test, nodes_intersects(targets, spm),
				       "node %d may demote to %*pbl", nid,
				       nodemask_pr_args(&targets));
	}
	/* The two masks never share a node. */
	KUNIT_EXPECT_FALSE(test, nodes_intersects(mt_sysram_nodes, mt_spm_nodes));
}

/*
 * A node of system RAM with system RAM in its lower tiers has a demotion
 * target, of system RAM: a tier of only specific-purpose nodes between
 * them (an HBM node faster than CXL memory, say) is gone past, not an
 * end of demotion.
 */
static void spm_test_demotion_skips_spm_tier(struct kunit *test)
{
	int nid, target, checked = 0;
	nodemask_t lower;

	if (nodes_empty(mt_spm_nodes))
		kunit_skip(test, "no specific-purpose memory node (the testbed adds one later)");
	for_each_node_state(nid, N_MEMORY) {
		if (mt_node_is_spm(nid))
			continue;
		node_get_allowed_targets(NODE_DATA(nid), &lower);
		mt_nodemask_sysram(&lower, &lower);
		nodes_and(lower, lower, node_states[N_MEMORY]);
		if (nodes_empty(lower))
			continue;
		target = next_demotion_node(nid);
		KUNIT_EXPECT_NE_MSG(test, target, NUMA_NO_NODE,
				    "node %d: system RAM below (%*pbl), no demotion target",
				    nid, nodemask_pr_args(&lower));
		if (target != NUMA_NO_NODE)
			KUNIT_EXPECT_FALSE_MSG(test, mt_node_is_spm(target),
					       "node %d demotes to SPM node %d", nid, target);
		checked++;
	}
	if (!checked)
		kunit_skip(test, "no node has system RAM in a lower tier");
}

static struct kunit_case spm_node_test_cases[] = {
	KUNIT_CASE(spm_test_filter),
	KUNIT_CASE(spm_test_latch),
	KUNIT_CASE(spm_test_mhp_purpose),
	KUNIT_CASE(spm_test_live_alloc),
	KUNIT_CASE(spm_test_live_placement),
	KUNIT_CASE(spm_test_demotion_skips_spm_tier),
	{}
};

/*
 * KUnit (6.12) takes a case that skipped in an earlier run of the suite for
 * one marked to skip, and never runs it again.  The live cases skip at boot
 * and must run when the suite runs again through debugfs: forget what the
 * earlier run found.
 */
static int spm_node_suite_init(struct kunit_suite *suite)
{
	struct kunit_case *test_case;

	kunit_suite_for_each_test_case(suite, test_case)
		test_case->status = KUNIT_SUCCESS;
	return 0;
}

static struct kunit_suite spm_node_test_suite = {
	.name = "spm_node",
	.suite_init = spm_node_suite_init,
	.test_cases = spm_node_test_cases,
};

kunit_test_suite(spm_node_test_suite);

MODULE_DESCRIPTION("KUnit tests for specific-purpose memory nodes");
MODULE_LICENSE("GPL");
