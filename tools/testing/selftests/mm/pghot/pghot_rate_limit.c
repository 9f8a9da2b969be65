// SPDX-License-Identifier: GPL-2.0
/*
 * kmigrated keeps to vm.pghot_promote_rate_limit_MBps: with 32 MiB ready
 * and a limit of 4 MB/s, the bytes promoted by time t never exceed
 * limit * (t + 1 s).  The extra second is the tolerance: the budget is
 * counted per one-second window, and a window may start just before the
 * measurement does.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(32 * MB)
#define LIMIT_MB	4
#define SEED		0x5eed0003ULL

FIXTURE(rate) {
	char *buf;
	uint64_t *pfns;
};

FIXTURE_SETUP(rate)
{
	const char *why = pghot_missing(1);

	self->buf = NULL;
	self->pfns = NULL;
	if (why)
		SKIP(return, "%s", why);
	self->pfns = calloc(TOTAL / tier_page_size, sizeof(*self->pfns));
	ASSERT_NE(NULL, self->pfns);
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pghot_pfns(self->buf, TOTAL, self->pfns));
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "1"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "60000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "4"));
}

FIXTURE_TEARDOWN(rate)
{
	tier_restore_all();
	if (self->buf)
		munmap(self->buf, TOTAL);
	free(self->pfns);
}

TEST_F_TIMEOUT(rate, rate_limit_holds, 60)
{
	size_t pages = TOTAL / tier_page_size, on0 = 0, over = 0;
	long long limited = tier_vmstat("pghot_rate_limited");
	double start, t = 0;

	start = tier_now();
	ASSERT_EQ(0, pghot_inject(self->pfns, pages, -1, 1));
	while (t < 20 && on0 < pages) {
		usleep(200 * 1000);
		t = tier_now() - start;
		on0 = tier_pages_on_node(self->buf, TOTAL, 0);
		/* Bytes allowed by time t: limit * (t + 1 s). */
		if (on0 * tier_page_size > LIMIT_MB * MB * (t + 1))
			over++;
	}
	TH_LOG("%zu/%zu pages promoted in %.1fs (%.2f MB/s, limit %d MB/s)",
	       on0, pages, t, on0 * tier_page_size / (double)MB / t, LIMIT_MB);
	EXPECT_EQ(0, over);
	/* It was throttled, and it still finished: limited, not stuck. */
	EXPECT_GT(tier_vmstat("pghot_rate_limited"), limited);
	EXPECT_EQ(pages, on0);
	EXPECT_GE(t, TOTAL / (double)(LIMIT_MB * MB) - 1);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_HARNESS_MAIN
