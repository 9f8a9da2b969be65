// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the pghot IBS sampler's sample half: period encoding,
 * decode and filters, the ring, the drain, and whose NMI is whose.  They
 * need no IBS: they feed synthetic op data and addresses.
 */
#include <kunit/test.h>
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

static void ibs_test_decode(struct kunit *test)
{
	struct ibs_raw_sample raw = good_sample(0x12345);
	union ibs_op_data2 d2 = { .val = 0 };
	union ibs_op_data3 d3;
	unsigned long pfn = 0;

	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_KEEP);
	KUNIT_EXPECT_EQ(test, pfn, 0x12345UL);

	/* A store that missed is kept too. */
	d3.val = raw.op_data3;
	d3.ld_op = 0;
	d3.st_op = 1;
	raw.op_data3 = d3.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_KEEP);
	/* DataSrc is not valid for stores: ignored. */
	d2.data_src_lo = 2;
	raw.op_data2 = d2.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_KEEP);

	raw = good_sample(1);
	raw.user = false;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_KERNEL);

	raw = good_sample(1);
	d3.val = raw.op_data3;
	d3.ld_op = 0;
	raw.op_data3 = d3.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_NOT_LDST);

	raw = good_sample(1);
	d3.val = raw.op_data3;
	d3.dc_miss = 0;
	raw.op_data3 = d3.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_CACHE_HIT);

	/* A load served by a cache, in either DataSrc encoding. */
	raw = good_sample(1);
	d2.val = 0;
	d2.data_src_lo = 2;
	raw.op_data2 = d2.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_CACHE_HIT);
	d2.data_src_lo = 5;
	raw.op_data2 = d2.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_CACHE_HIT);
	/* ... and from DRAM (3) or extension memory (8: CXL): kept. */
	d2.data_src_lo = 3;
	raw.op_data2 = d2.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_KEEP);
	d2.data_src_lo = 0;
	d2.data_src_hi = 1;
	raw.op_data2 = d2.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_KEEP);

	raw = good_sample(1);
	d3.val = raw.op_data3;
	d3.dc_lin_addr_valid = 0;
	raw.op_data3 = d3.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_NO_ADDR);

	raw = good_sample(1);
	d3.val = raw.op_data3;
	d3.dc_phy_addr_valid = 0;
	raw.op_data3 = d3.val;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_NO_ADDR);

	/* A kernel linear address in a user-mode sample. */
	raw = good_sample(1);
	raw.lin_addr = TASK_SIZE_MAX;
	KUNIT_EXPECT_EQ(test, ibs_decode(&raw, &pfn), IBS_DROP_NO_ADDR);
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
	unsigned long flags;
	int nid, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_irq_work(&c->drain, ibs_test_nop_work);
	for_each_node_state(nid, N_MEMORY) {
		if (!top && !pghot_node_tracked(nid))
			top = page_on(nid);
		else if (!lower && pghot_node_tracked(nid))
			lower = page_on(nid);
	}
	KUNIT_ASSERT_NOT_NULL(test, top);

	local_irq_save(flags);
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
		for (n = 0; n < IBS_RING_SIZE; n++)
			KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_KEEP);
		/* Kept but dropped: the ring is full. */
		KUNIT_EXPECT_EQ(test, ibs_take_sample(c, &raw, 0, jiffies), IBS_KEEP);
		KUNIT_EXPECT_EQ(test, c->ring.head - c->ring.tail, (unsigned int)IBS_RING_SIZE);
		KUNIT_EXPECT_EQ(test, ibs_drain(c), (unsigned int)IBS_RING_SIZE);
		KUNIT_EXPECT_EQ(test, ibs_drain(c), 0U);
	}
	local_irq_restore(flags);
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

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Not sampling here: a valid op sample is someone else's (perf's). */
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, IBS_OP_VAL | IBS_OP_ENABLE), IBS_NMI_OTHER);
	/* Sampling: a valid sample is ours ... */
	c->armed = armed;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed | IBS_OP_VAL), IBS_NMI_SAMPLE);
	/* ... and no valid sample means another NMI source. */
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed), IBS_NMI_OTHER);
	/* perf holds the CPU: its samples are never taken, nor eaten. */
	c->perf = true;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, armed | IBS_OP_VAL), IBS_NMI_OTHER);
	c->stopping = true;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, IBS_OP_VAL), IBS_NMI_OTHER);
	/* Just stopped: one late NMI is eaten, the next is someone else's. */
	c->perf = false;
	c->armed = 0;
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0), IBS_NMI_LATE);
	KUNIT_EXPECT_EQ(test, ibs_nmi_whose(c, 0), IBS_NMI_OTHER);
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
