// SPDX-License-Identifier: GPL-2.0
/*
 * The pghot core on its own, driven through debugfs with every source
 * off: a hot set recorded on node 1 is promoted to node 0 by kmigrated,
 * nothing else moves, and every byte survives.  Bad records are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Every promoted page shows up in a pghot_kmigrated_batch event. */
TEST_F(pghot, batches_traced)
{
	size_t hot = HOT / tier_page_size;
	unsigned long long migrated = 0, m;
	char line[512], *p;
	FILE *f;

	if (access(TRACING "events", F_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (access(TRACING "events/pghot/pghot_kmigrated_batch/enable", W_OK))
		SKIP(return, "no tracefs or no pghot tracepoints");
	ASSERT_EQ(0, tier_set_knob(TRACING "events/pghot/pghot_kmigrated_batch/enable", "1"));
	/* Opening "trace" for writing with O_TRUNC clears it. */
	close(open(TRACING "trace", O_WRONLY | O_TRUNC));

	ASSERT_EQ(0, pghot_inject(self->pfns, hot, -1, 2));
	ASSERT_EQ(hot, wait_on_node(self->buf, HOT, 0, 10));
	usleep(200 * 1000);

	f = fopen(TRACING "trace", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "pghot_kmigrated_batch:");
		if (p)
			p = strstr(p, " migrated=");
		if (p && sscanf(p, " migrated=%llu", &m) == 1)
			migrated += m;
	}
	fclose(f);
	TH_LOG("traced batches migrated %llu pages", migrated);
	EXPECT_EQ(hot, migrated);
}

TEST_HARNESS_MAIN
