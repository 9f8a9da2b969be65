// SPDX-License-Identifier: GPL-2.0
/*
 * Another user of migration, with every pghot source off: move_pages() of
 * a 4 MiB anonymous buffer, 1024 pages with target nodes alternating 0, 1,
 * 0, 1, ..., three times (alternate, the same again, swapped) after the
 * buffer moved between the nodes a few times.
 *
 * In base pages each call moves what it must and takes well under a
 * second.  In THPs each 4 KiB entry moves its whole 2 MiB THP, as
 * move_pages() migrates folios: about 1024 THP migrations, 2 GiB copied,
 * per call.  None fails or is split, nothing reclaims or compacts on the
 * way, and every byte survives.
 *
 * Under TCG some THP calls take 30-70 s instead of 4-5 s, on unpatched
 * 6.12 too (README, "Emulator stalls"): half of the migrations of such a
 * call copy 5-50 times slower while the kernel does the same work.  So
 * the time bound for THPs is loose (180 s), and the counters are what
 * must hold.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define NR		1024
#define SEED		0x5eed00a1ULL
#define MPOL_MF_MOVE	2

static const char *const counters[] = {
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split", "compact_stall",
	"allocstall_dma32", "allocstall_normal", "allocstall_movable",
};

enum { MIGRATED, FAILED, THP_MIGRATED, THP_FAILED, THP_SPLIT, COMPACT, STALL };

FIXTURE(move) {
	char *buf;
	size_t len;
};

FIXTURE_VARIANT(move) {
	bool thp;
	double max_secs;	/* per call */
};

FIXTURE_VARIANT_ADD(move, base_pages) {
	.thp = false,
	.max_secs = 2,
};

FIXTURE_VARIANT_ADD(move, thp) {
	.thp = true,
	.max_secs = 180,
};

FIXTURE_SETUP(move)
{
	const char *why = pghot_missing(0);
	char enabled[128];

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	if (variant->thp &&
	    (tier_read_file("/sys/kernel/mm/transparent_hugepage/enabled", enabled,
			    sizeof(enabled)) || strstr(enabled, "[never]")))
		SKIP(return, "no THP");
	ASSERT_EQ(0, pghot_quiet());
	self->len = NR * tier_page_size;
	if (variant->thp)
		self->buf = tier_alloc_thp_on_node(self->len, 0, SEED);
	else
		self->buf = tier_alloc_on_node(self->len, 0, SEED);
	ASSERT_NE(NULL, self->buf);
	if (variant->thp && tier_thp_bytes(self->buf) < self->len)
		SKIP(return, "only %zu KiB of THP", tier_thp_bytes(self->buf) / 1024);
}

FIXTURE_TEARDOWN(move)
{
	if (self->buf)
		munmap(self->buf, self->len);
	tier_restore_all();
}

/* Move page i to @nodes[i]; the seconds it took, counter deltas in @d. */
static double move(char *buf, const int *nodes, long long *d)
{
	int status[NR];
	void *pages[NR];
	double t;
	unsigned int i;

	for (i = 0; i < NR; i++)
		pages[i] = buf + (size_t)i * tier_page_size;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		d[i] = tier_vmstat(counters[i]);
	t = tier_now();
	if (syscall(SYS_move_pages, 0, NR, pages, nodes, status, MPOL_MF_MOVE))
		return -1;
	t = tier_now() - t;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		d[i] = tier_vmstat(counters[i]) - d[i];
	return t;
}

TEST_F_TIMEOUT(move, alternating_nodes, 600)
{
	static const char *const what[] = { "alternate", "the same again", "swapped" };
	long long d[ARRAY_SIZE(counters)];
	int nodes[NR], i, r;
	double secs;

	for (r = 0; r < 4; r++) {
		for (i = 0; i < NR; i++)
			nodes[i] = (r + 1) % 2;
		ASSERT_LE(0, move(self->buf, nodes, d));
		ASSERT_EQ(NR, tier_pages_on_node(self->buf, self->len, nodes[0]));
	}
	for (r = 0; r < 3; r++) {
		for (i = 0; i < NR; i++)
			nodes[i] = (i + (r == 2)) % 2;
		secs = move(self->buf, nodes, d);
		TH_LOG("%s: %.2fs; pgmigrate_success +%lld, thp_migration_success +%lld",
		       what[r], secs, d[MIGRATED], d[THP_MIGRATED]);
		ASSERT_LE(0, secs);
		EXPECT_LE(secs, variant->max_secs);
		EXPECT_EQ(0, d[FAILED]);
		EXPECT_EQ(0, d[THP_FAILED]);
		EXPECT_EQ(0, d[THP_SPLIT]);
		EXPECT_EQ(0, d[COMPACT]);
		EXPECT_EQ(0, d[STALL] + d[STALL + 1] + d[STALL + 2]);
		if (variant->thp) {
			/* Each entry moved its THP, but where it already was. */
			EXPECT_GE(d[THP_MIGRATED], NR - 2);
		} else {
			/* Half moved, none, then all. */
			EXPECT_EQ(r == 0 ? NR / 2 : r == 1 ? 0 : NR, d[MIGRATED]);
			EXPECT_EQ(NR / 2, tier_pages_on_node(self->buf, self->len, 0));
		}
	}
	ASSERT_EQ(-1, tier_verify(self->buf, self->len, SEED));
}

TEST_HARNESS_MAIN
