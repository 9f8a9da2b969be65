// SPDX-License-Identifier: GPL-2.0
/*
 * Every vm.pghot_* knob refuses malformed and out-of-range writes with
 * EINVAL and keeps its old value; in-range writes take.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

struct knob {
	const char *name;
	const char *good[3];
	const char *bad[8];
};

static const struct knob knobs[] = {
	{ "record_hwhints_enable", { "1", "0" }, { "2", "-1", "abc", "", "1x" } },
	{ "record_pgtscans_enable", { "1", "0" }, { "2", "-1", "abc", "", "1x" } },
	{ "record_hintfaults_enable", { "1", "0" }, { "2", "-1", "abc", "", "1x" } },
	{ "promote_freq_window_ms", { "1", "3600000", "5000" },
	  { "0", "3600001", "-5", "abc", "", "99999999999999999999" } },
	{ "promote_freq_threshold", { "1", "7", "2" }, { "0", "8", "-1", "two", "" } },
	{ "promote_rate_limit_MBps", { "0", "2147483647", "65536" },
	  { "-1", "2147483648", "4294967296", "fast", "" } },
	{ "kmigrated_batch", { "1", "4096", "512" }, { "0", "4097", "-512", "x", "" } },
};

/* Write @val in one write(); return 0 or -errno. */
static int write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

TEST(bad_writes_rejected)
{
	char path[128], before[64], after[64];
	size_t k, i;

	if (getuid())
		SKIP(return, "must run as root");
	if (!pghot_available())
		SKIP(return, "no pghot (CONFIG_PGHOT)");

	for (k = 0; k < ARRAY_SIZE(knobs); k++) {
		snprintf(path, sizeof(path), PGHOT_SYSCTL("%s"), knobs[k].name);
		ASSERT_EQ(0, tier_read_file(path, before, sizeof(before)));
		for (i = 0; i < 8 && knobs[k].bad[i]; i++) {
			/* An empty write is a no-op for procfs; skip it. */
			if (!*knobs[k].bad[i])
				continue;
			EXPECT_EQ(-EINVAL, write_knob(path, knobs[k].bad[i]))
				TH_LOG("%s accepted '%s'", knobs[k].name, knobs[k].bad[i]);
			ASSERT_EQ(0, tier_read_file(path, after, sizeof(after)));
			EXPECT_STREQ(before, after)
				TH_LOG("%s changed by '%s'", knobs[k].name, knobs[k].bad[i]);
		}
	}
}

TEST(good_writes_take)
{
	char path[128], before[64], now[64];
	size_t k, i;

	if (getuid())
		SKIP(return, "must run as root");
	if (!pghot_available())
		SKIP(return, "no pghot (CONFIG_PGHOT)");

	for (k = 0; k < ARRAY_SIZE(knobs); k++) {
		snprintf(path, sizeof(path), PGHOT_SYSCTL("%s"), knobs[k].name);
		ASSERT_EQ(0, tier_read_file(path, before, sizeof(before)));
		for (i = 0; i < 3 && knobs[k].good[i]; i++) {
			EXPECT_EQ(0, write_knob(path, knobs[k].good[i]));
			ASSERT_EQ(0, tier_read_file(path, now, sizeof(now)));
			EXPECT_STREQ(knobs[k].good[i], now);
		}
		EXPECT_EQ(0, write_knob(path, before));
	}
}

TEST_HARNESS_MAIN
