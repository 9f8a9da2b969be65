// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the pghot IBS sampler's sample half: period encoding,
 * decode and filters, the ring, the drain, and whose NMI is whose.  They
 * need no IBS: they feed synthetic op data and addresses.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pghot.h>
#include <asm/amd-ibs.h>
#include <asm/perf_event.h>

#include "ibs_internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* IbsOpData3 of a user load that missed the caches, with both addresses. */
static u64 d3_load_miss(void)
{
	union ibs_op_data3 d3 = { .val = 0 };

	d3.ld_op = 1;
	d3.dc_miss = 1;
	d3.dc_lin_addr_valid = 1;
	d3.dc_phy_addr_valid = 1;
	return d3.val;
}

static struct ibs_raw_sample good_sample(unsigned long pfn)
{
	return (struct ibs_raw_sample) {
		.op_data3 = d3_load_miss(),
		.lin_addr = 0x7f0000001000ULL,
		.phys_addr = PFN_PHYS(pfn) + 0x18,
		.user = true,
	};
}

static void ibs_test_period_encoding(struct kunit *test)
{
	/* The low four bits are dropped; bits 19:4 go to IbsOpMaxCnt. */
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0x10), 0x1ULL);
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0x1234f), 0x1234ULL);
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0xffff0), IBS_OP_MAX_CNT);
	/* Bit 20 and up go to IbsOpMaxCnt_Ext, in place. */
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0x100000), 1ULL << 20);
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0x7fffff0),
			IBS_OP_MAX_CNT | IBS_OP_MAX_CNT_EXT_MASK);
	/* Nothing spills into IbsOpEn, IbsOpVal or the current count. */
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0xffffffff) &
			~(IBS_OP_MAX_CNT | IBS_OP_MAX_CNT_EXT_MASK), 0ULL);
	KUNIT_EXPECT_EQ(test, ibs_period_to_ctl(0xffffffff) &
			(IBS_OP_ENABLE | IBS_OP_VAL | IBS_OP_L3MISSONLY |
			 IBS_OP_CNT_CTL), 0ULL);
	/* Round trips, at the edges of both fields. */
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(4096)), 4096U);
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(0xffff0)), 0xffff0U);
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(0x100000)), 0x100000U);
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(0x100010)), 0x100010U);
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(0x7fffff0)), 0x7fffff0U);
	KUNIT_EXPECT_EQ(test, ibs_ctl_to_period(ibs_period_to_ctl(20007)), 20000U);
}

/* IbsOpData3 bits the decode looks at. */
#define D3_LD		BIT_ULL(0)
#define D3_ST		BIT_ULL(1)
#define D3_MISS		BIT_ULL(7)
#define D3_LIN		BIT_ULL(17)
#define D3_PHY		BIT_ULL(18)
/* IbsOpData2 DataSrc: bits 2:0, and 7:6 for the Zen 4 extension. */
#define D2_SRC(lo, hi)	((u64)(lo) | ((u64)(hi) << 6))

/**
 * struct ibs_decode_case - good_sample() changed one way, and the verdict.
 * @what: what the change makes of the sample.
 * @clear: IbsOpData3 bits cleared.
 * @set: IbsOpData3 bits set.
 * @op_data2: IbsOpData2.
 * @kernel: the op ran in kernel mode.
 * @lin_addr: the linear address, if not good_sample()'s.
 * @verdict: what ibs_decode() must say.
 */
struct ibs_decode_case {
	const char *what;
	u64 clear;
	u64 set;
	u64 op_data2;
	bool kernel;
	u64 lin_addr;
	enum ibs_verdict verdict;
};

static const struct ibs_decode_case ibs_decode_cases[] = {
	{ "a load that missed", 0, 0, 0, false, 0, IBS_KEEP },
	{ "a store that missed", D3_LD, D3_ST, 0, false, 0, IBS_KEEP },
	/* DataSrc is not valid for stores: ignored. */
	{ "a store, DataSrc cache", D3_LD, D3_ST, D2_SRC(2, 0), false, 0, IBS_KEEP },
	{ "kernel mode", 0, 0, 0, true, 0, IBS_DROP_KERNEL },
	{ "neither load nor store", D3_LD, 0, 0, false, 0, IBS_DROP_NOT_LDST },
	{ "a data cache hit", D3_MISS, 0, 0, false, 0, IBS_DROP_CACHE_HIT },
	{ "a store that hit", D3_LD | D3_MISS, D3_ST, 0, false, 0, IBS_DROP_CACHE_HIT },
	/* A load served by a cache, in either DataSrc encoding ... */
	{ "a load from a local cache", 0, 0, D2_SRC(2, 0), false, 0, IBS_DROP_CACHE_HIT },
	{ "a load from a far CCX", 0, 0, D2_SRC(5, 0), false, 0, IBS_DROP_CACHE_HIT },
	/* ... or from DRAM (3) or extension memory (8: CXL): kept. */
	{ "a load from DRAM", 0, 0, D2_SRC(3, 0), false, 0, IBS_KEEP },
	{ "a load from CXL", 0, 0, D2_SRC(0, 1), false, 0, IBS_KEEP },
	{ "no linear address", D3_LIN, 0, 0, false, 0, IBS_DROP_NO_ADDR },
	{ "no physical address", D3_PHY, 0, 0, false, 0, IBS_DROP_NO_ADDR },
	{ "a kernel linear address", 0, 0, 0, false, TASK_SIZE_MAX, IBS_DROP_NO_ADDR },
};

static void ibs_test_decode(struct kunit *test)
{
	const struct ibs_decode_case *c;
	struct ibs_raw_sample raw;
	unsigned long pfn;
	size_t i;

	/* The masks of the table are the bits of asm/amd-ibs.h's union. */
	KUNIT_ASSERT_EQ(test, d3_load_miss(), D3_LD | D3_MISS | D3_LIN | D3_PHY);
	for (i = 0; i < ARRAY_SIZE(ibs_decode_cases); i++) {
		c = &ibs_decode_cases[i];
		raw = good_sample(0x12345);
		raw.op_data3 = (raw.op_data3 & ~c->clear) | c->set;
		raw.op_data2 = c->op_data2;
		raw.user = !c->kernel;
		if (c->lin_addr)
			raw.lin_addr = c->lin_addr;
		pfn = 0;
		KUNIT_EXPECT_EQ_MSG(test, ibs_decode(&raw, &pfn), c->verdict, "%s", c->what);
		if (c->verdict == IBS_KEEP)
			KUNIT_EXPECT_EQ_MSG(test, pfn, 0x12345UL, "%s", c->what);
	}
}

static void ibs_test_ring(struct kunit *test)
{
	struct ibs_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);
	struct ibs_sample s = {}, out;
	unsigned int i, round;

	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_EXPECT_FALSE(test, ibs_ring_pop(ring, &out));

	/* Full: the next push fails and leaves the ring as it was. */
	for (i = 0; i < IBS_RING_SIZE; i++) {
		s.pfn = i;
		KUNIT_ASSERT_TRUE(test, ibs_ring_push(ring, &s));
	}
	s.pfn = 9999;
	KUNIT_EXPECT_FALSE(test, ibs_ring_push(ring, &s));
	for (i = 0; i < IBS_RING_SIZE; i++) {
		KUNIT_ASSERT_TRUE(test, ibs_ring_pop(ring, &out));
		KUNIT_EXPECT_EQ(test, out.pfn, (unsigned long)i);
	}
	KUNIT_EXPECT_FALSE(test, ibs_ring_pop(ring, &out));

	/* Wrap, slot index and the counters themselves. */
	ring->head = UINT_MAX - 2;
	ring->tail = UINT_MAX - 2;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < IBS_RING_SIZE - 1; i++) {
			s.pfn = round * 1000 + i;
			KUNIT_ASSERT_TRUE(test, ibs_ring_push(ring, &s));
		}
		for (i = 0; i < IBS_RING_SIZE - 1; i++) {
			KUNIT_ASSERT_TRUE(test, ibs_ring_pop(ring, &out));
			KUNIT_EXPECT_EQ(test, out.pfn, (unsigned long)(round * 1000 + i));
		}
	}
	KUNIT_EXPECT_FALSE(test, ibs_ring_pop(ring, &out));
}

static void ibs_test_nop_work(struct irq_work *work)
{
}

/* A page of @nid from the buddy allocator, or NULL. */
static struct page *page_on(int nid)
{
	struct page *page = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE |
					     __GFP_NOWARN, 0);

	if (page && page_to_nid(page) != nid) {
		__free_page(page);
		return NULL;
	}
	return page;
}

static void ibs_test_take_and_drain(struct kunit *test)
{
	struct ibs_cpu *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct page *top = NULL, *lower = NULL;
	struct ibs_raw_sample raw;
	struct ibs_sample out;
	int nid, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_irq_work(&c->drain, ibs_test_nop_work);
	/* @c is the test's own: no NMI or irq_work shares its ring. */
	for_each_node_state(nid, N_MEMORY) {
		if (!top && pghot_node_is_target(nid))
			top = page_on(nid);
		else if (!lower && pghot_node_tracked(nid))
			lower = page_on(nid);
	}
	if (!top) {
		if (lower)
			__free_page(lower);
		KUNIT_FAIL(test, "no top-tier page");
		return;
	}

	raw = good_sample(page_to_pfn(top));
	KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_DROP_TOPTIER);
	/* Not memory: far above any physical address. */
	raw = good_sample(PHYS_PFN(1ULL << 60));
	KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_DROP_NO_ADDR);
	raw.user = false;
	KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_DROP_KERNEL);
	KUNIT_EXPECT_EQ(test, ibs_drain(c), 0U);
	if (lower) {
		raw = good_sample(page_to_pfn(lower));
		/* Kept, with the CPU's node as target if it is a target ... */
		KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, page_to_nid(top), 7), IBS_KEEP);
		KUNIT_ASSERT_TRUE(test, ibs_ring_pop(&c->ring, &out));
		KUNIT_EXPECT_EQ(test, out.pfn, page_to_pfn(lower));
		KUNIT_EXPECT_EQ(test, out.nid, page_to_nid(top));
		KUNIT_EXPECT_EQ(test, out.time, 7UL);
		/* ... and the page's default target if the CPU's node is not one. */
		KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, page_to_nid(lower), 7), IBS_KEEP);
		KUNIT_ASSERT_TRUE(test, ibs_ring_pop(&c->ring, &out));
		KUNIT_EXPECT_EQ(test, out.nid, NUMA_NO_NODE);
		/* No ring (the injector owns it): kept, not queued. */
		KUNIT_EXPECT_EQ(test, ibs_take_sample(NULL, &raw, 0, jiffies), IBS_KEEP);
		KUNIT_EXPECT_FALSE(test, ibs_ring_pop(&c->ring, &out));
		for (n = 0; n < IBS_RING_SIZE; n++)
			KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_KEEP);
		/* Kept but dropped: the ring is full. */
		KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_KEEP);
		KUNIT_EXPECT_EQ(test, c->ring.head - c->ring.tail, (unsigned int)IBS_RING_SIZE);
		KUNIT_EXPECT_EQ(test, ibs_drain(c), (unsigned int)IBS_RING_SIZE);
		KUNIT_EXPECT_EQ(test, ibs_drain(c), 0U);
	}
	irq_work_sync(&c->drain);

	__free_page(top);
	if (lower)
		__free_page(lower);
	else
		kunit_skip(test, "no lower-tier node with free memory: kept samples untested");
}

static void ibs_test_nmi_ownership(struct kunit *test)
{
	struct ibs_cpu *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 armed = ibs_period_to_ctl(20000) | IBS_OP_ENABLE;
	u64 t = 1000 * NSEC_PER_SEC;

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Not sampling here: a valid op sample is someone else's (perf's). */
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, IBS_OP_VAL | IBS_OP_ENABLE, t), IBS_NMI_OTHER);
	/* Sampling: a valid sample is ours ... */
	c->armed = armed;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed | IBS_OP_VAL, t), IBS_NMI_SAMPLE);
	/* ... and no valid sample means another NMI source. */
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed, t), IBS_NMI_OTHER);
	/* perf holds the CPU: its samples are never taken. */
	c->perf = true;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed | IBS_OP_VAL, t), IBS_NMI_OTHER);
	c->armed = 0;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, IBS_OP_VAL, t), IBS_NMI_OTHER);
	/* Just stopped for perf: one late NMI of ours is eaten ... */
	c->stopping = true;
	c->stopped_at = t;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0, t + 1000), IBS_NMI_LATE);
	/* ... once: the next is someone else's. */
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0, t + 2000), IBS_NMI_OTHER);
	/* Stopped without perf, the same. */
	c->perf = false;
	c->stopping = true;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0, t + IBS_LATE_NMI_NS - 1), IBS_NMI_LATE);
	/* Too long after the stop: not a late sample, and no longer expected. */
	c->stopping = true;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0, t + IBS_LATE_NMI_NS), IBS_NMI_OTHER);
	KUNIT_EXPECT_FALSE(test, c->stopping);
	/* Re-armed for a new period: its samples are ours again. */
	c->stopping = true;
	c->armed = armed;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed | IBS_OP_VAL, t + 10), IBS_NMI_SAMPLE);
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed, t + 20), IBS_NMI_LATE);
}

static struct kunit_case ibs_test_cases[] = {
	KUNIT_CASE(ibs_test_period_encoding),
	KUNIT_CASE(ibs_test_decode),
	KUNIT_CASE(ibs_test_ring),
	KUNIT_CASE(ibs_test_take_and_drain),
	KUNIT_CASE(ibs_test_nmi_ownership),
	{}
};

static struct kunit_suite ibs_test_suite = {
	.name = "pghot_ibs",
	.test_cases = ibs_test_cases,
};

kunit_test_suite(ibs_test_suite);

MODULE_DESCRIPTION("KUnit tests of the pghot IBS sampler");
MODULE_LICENSE("GPL");
