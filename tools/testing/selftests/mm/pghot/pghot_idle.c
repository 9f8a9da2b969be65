// SPDX-License-Identifier: GPL-2.0
/*
 * With every source off, an idle lower tier costs nothing: the kmigrated
 * threads neither run nor even wake up over 10 seconds.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

/* utime + stime (clock ticks) and voluntary switches of a task. */
static int task_cpu(int pid, unsigned long long *ticks, unsigned long long *nvcsw)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (tier_read_file(path, buf, sizeof(buf)))
		return -1;
	/* Fields after the ")" that ends the command: 14 and 15 are utime, stime. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	*ticks = ut + st;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	*nvcsw = ~0ULL;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "voluntary_ctxt_switches: %llu", nvcsw) == 1)
			break;
	fclose(f);
	return *nvcsw == ~0ULL ? -1 : 0;
}

FIXTURE(idle) {
	int unused;
};

FIXTURE_SETUP(idle)
{
}

FIXTURE_TEARDOWN(idle)
{
	tier_restore_all();
}

TEST_F_TIMEOUT(idle, kmigrated_idle, 60)
{
	unsigned long long t0[8], t1[8], s0[8], s1[8];
	const char *why = pghot_missing(0);
	int pids[8], n, i;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pghot_quiet());
	/* Let anything already ready drain first. */
	sleep(2);

	n = pghot_kmigrated_pids(pids, 8);
	ASSERT_GE(n, 1);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, task_cpu(pids[i], &t0[i], &s0[i]));
	sleep(10);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, task_cpu(pids[i], &t1[i], &s1[i]));
		TH_LOG("kmigrated pid %d: %llu ticks, %llu wakeups in 10s",
		       pids[i], t1[i] - t0[i], s1[i] - s0[i]);
		EXPECT_EQ(t0[i], t1[i]);
		EXPECT_EQ(s0[i], s1[i]);
	}
}

TEST_HARNESS_MAIN
