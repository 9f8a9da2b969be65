// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA balancing in memory-tiering mode (kernel.numa_balancing=2) promotes
 * a hot set from the lower tier (node 1) to the top tier (node 0), leaves
 * the cold rest alone, and loses no byte on the way.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(256 * MB)
#define HOT		(32 * MB)
#define SEED		0x5eed0001ULL
#define DEADLINE	30.0

FIXTURE(numab) {
	char *buf;
};

FIXTURE_SETUP(numab)
{
	const char *why = tier_missing();

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	if (tier_set_knob("/proc/sys/kernel/numa_balancing", "2"))
		SKIP(return, "no NUMA balancing");
	/* No THP: the counts below are in base pages. */
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(numab)
{
	if (self->buf)
		munmap(self->buf, TOTAL);
	tier_restore_all();
}

TEST_F_TIMEOUT(numab, hot_set_promoted, 90)
{
	size_t hot_pages = HOT / tier_page_size;
	size_t cold_pages = (TOTAL - HOT) / tier_page_size;
	long long promoted0 = tier_vmstat("pgpromote_success");
	long long faults0 = tier_vmstat("numa_hint_faults");
	struct tier_promotion p = tier_promote_hot_set(self->buf, TOTAL, HOT, DEADLINE);

	TH_LOG("%.1fs after the first hint fault: hot %zu/%zu on node0, cold %zu/%zu on node0",
	       p.secs, p.hot_on0, hot_pages, p.cold_on0, cold_pages);
	TH_LOG("task system time %.3fs (hint faults, migration, placement queries)", p.stime);
	TH_LOG("pgpromote_success +%lld, numa_hint_faults +%lld",
	       tier_vmstat("pgpromote_success") - promoted0,
	       tier_vmstat("numa_hint_faults") - faults0);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	EXPECT_LE(p.cold_on0 * 100, cold_pages);
	EXPECT_GT(tier_vmstat("pgpromote_success"), promoted0);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_HARNESS_MAIN
