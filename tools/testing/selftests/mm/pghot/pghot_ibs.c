// SPDX-License-Identifier: GPL-2.0
/*
 * pghot's IBS sampler (CONFIG_PGHOT_IBS) on a machine without IBS, such
 * as the testbed (QEMU TCG):
 *
 *  - the kernel log says so once, and enabling hardware hints fails with
 *    EOPNOTSUPP, leaving the knob at 0;
 *  - vm.pghot_ibs_sample_period keeps to its range (EINVAL, old value
 *    kept);
 *  - the injector (debugfs pghot/hwhint_inject) feeds raw samples through
 *    the sampler's decode, filter, ring and drain: each filter counts what
 *    it drops, kept samples of lower-tier pages are recorded while the
 *    source is on and only counted while it is off, samples of top-tier
 *    pages cost a check; malformed writes get EINVAL;
 *  - what an injected sample costs, from decode to a recorded access,
 *    next to what pghot_record_access() alone costs (debugfs bench).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define SEED		0x5eed0009ULL
#define HWHINTS		PGHOT_SYSCTL("record_hwhints_enable")
#define PERIOD		PGHOT_SYSCTL("ibs_sample_period")
#define EMULATE		PGHOT_DEBUGFS("hwhint_emulate")
#define NO_IBS_LINE	"pghot_ibs: no IBS op sampling on this CPU"

/* Write @val to @path in one write(); 0 or the errno. */
static int write_errno(const char *path, const void *val, size_t len)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, len) < 0)
		ret = errno;
	close(fd);
	return ret;
}

static int write_str(const char *path, const char *val)
{
	return write_errno(path, val, strlen(val));
}

/* Does this CPU have IBS (the "ibs" flag in /proc/cpuinfo)? */
static bool cpu_has_ibs(void)
{
	char line[4096];
	bool ibs = false;
	FILE *fp = fopen("/proc/cpuinfo", "r");

	if (!fp)
		return false;
	while (!ibs && fgets(line, sizeof(line), fp))
		ibs = !strncmp(line, "flags", 5) && strstr(line, " ibs");
	fclose(fp);
	return ibs;
}

/* Lines of the kernel log that contain @what; -1 if it was not read. */
static int klog_count(const char *what, bool *from_boot)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), len, n = 0;
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	/* The buffer still holds the boot if it holds the banner. */
	*from_boot = !!strstr(buf, "Linux version ");
	for (p = buf; (p = strstr(p, what)); p++)
		n++;
	free(buf);
	return n;
}

FIXTURE(ibs) {
	char *buf;
	size_t len;
};

FIXTURE_SETUP(ibs)
{
	const char *why = pghot_missing(1);

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	if (access(PERIOD, F_OK) || access(PGHOT_HWHINT_INJECT, W_OK))
		SKIP(return, "no IBS sampler or injector (CONFIG_PGHOT_IBS, CONFIG_PGHOT_DEBUG)");
	if (cpu_has_ibs())
		SKIP(return, "this CPU has IBS: these are the checks for CPUs without");
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(EMULATE, "N"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "60000"));
	/* Nothing is promoted: the records stay to be looked at. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "0"));
	self->len = 4 * MB;
	self->buf = tier_alloc_on_node(self->len, 1, SEED);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(ibs)
{
	if (self->buf)
		munmap(self->buf, self->len);
	tier_restore_all();
}

TEST_F(ibs, enable_fails_without_ibs)
{
	bool from_boot = false;
	long val;
	int n;

	EXPECT_EQ(EOPNOTSUPP, write_str(HWHINTS, "1"));
	ASSERT_EQ(0, tier_read_long(HWHINTS, &val));
	EXPECT_EQ(0, val);
	/* Turning it off needs nothing. */
	EXPECT_EQ(0, write_str(HWHINTS, "0"));
	/* One line at boot said why. */
	n = klog_count(NO_IBS_LINE, &from_boot);
	TH_LOG("kernel log: '%s' %d times%s", NO_IBS_LINE, n,
	       from_boot ? "" : " (the boot messages are gone)");
	if (from_boot)
		EXPECT_EQ(1, n);
}

TEST_F(ibs, period_range)
{
	static const char * const bad[] = {
		"0", "4095", "134217713", "4294967296", "-1", "x", "20000x",
	};
	static const char * const good[] = { "4096", "134217712", "20000" };
	long val, old;
	size_t i;

	ASSERT_EQ(0, tier_read_long(PERIOD, &old));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(EINVAL, write_str(PERIOD, bad[i]))
			TH_LOG("period '%s' accepted", bad[i]);
		ASSERT_EQ(0, tier_read_long(PERIOD, &val));
		EXPECT_EQ(old, val);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, tier_set_knob(PERIOD, good[i]));
		ASSERT_EQ(0, tier_read_long(PERIOD, &val));
		EXPECT_EQ(strtol(good[i], NULL, 10), val);
	}
}

TEST_F(ibs, malformed_injections_refused)
{
	struct pghot_hwhint_sample s[2];
	uint64_t pfn;
	long long kept = tier_vmstat("hwhint_kept");

	ASSERT_EQ(0, pghot_pfns(self->buf, tier_page_size, &pfn));
	pghot_hwhint_make(&s[0], PGHOT_HWHINT_LOAD, self->buf, pfn);
	s[1] = s[0];
	/* Not a whole number of samples. */
	EXPECT_EQ(EINVAL, write_errno(PGHOT_HWHINT_INJECT, s, sizeof(s[0]) + 8));
	EXPECT_EQ(EINVAL, write_errno(PGHOT_HWHINT_INJECT, s, 4));
	/* Reserved bits, a mode that is neither user nor kernel. */
	s[1].reserved = 1;
	EXPECT_EQ(EINVAL, write_errno(PGHOT_HWHINT_INJECT, s, sizeof(s)));
	s[1].reserved = 0;
	s[1].user = 2;
	EXPECT_EQ(EINVAL, write_errno(PGHOT_HWHINT_INJECT, s, sizeof(s)));
	/* None of it got in. */
	EXPECT_EQ(kept, tier_vmstat("hwhint_kept"));
	/* Unreadable memory to copy from. */
	EXPECT_EQ(EFAULT, write_errno(PGHOT_HWHINT_INJECT, (void *)8, sizeof(s[0])));
}

/*
 * One sample of each kind for each page of the buffer: every filter
 * counts its own, and the kept ones are recorded only with the source on.
 */
TEST_F(ibs, injected_samples_filtered_and_recorded)
{
	static const char * const counters[] = {
		"hwhint_kept", "hwhint_kernel", "hwhint_not_ldst", "hwhint_cache_hit",
		"hwhint_no_addr", "hwhint_toptier", "hwhint_drained",
		"pghot_recorded_hwhints", "hwhint_ring_full",
	};
	enum { KEPT, KERNEL, NOT_LDST, HIT, NO_ADDR, TOPTIER, DRAINED, RECORDED, FULL, NR };
	size_t pages = self->len / tier_page_size, i, n = 0;
	struct pghot_hwhint_sample *s = calloc(pages * 6, sizeof(*s));
	uint64_t *pfns = calloc(pages, sizeof(*pfns)), top_pfn;
	long long before[NR], after[NR];
	char *top = tier_alloc_on_node(tier_page_size, 0, SEED + 1);
	int k, round;

	ASSERT_TRUE(s && pfns && top);
	ASSERT_EQ(0, pghot_pfns(self->buf, self->len, pfns));
	ASSERT_EQ(0, pghot_pfns(top, tier_page_size, &top_pfn));
	for (i = 0; i < pages; i++) {
		char *p = self->buf + i * tier_page_size;

		pghot_hwhint_make(&s[n++], i % 2 ? PGHOT_HWHINT_STORE : PGHOT_HWHINT_LOAD,
				  p, pfns[i]);
		pghot_hwhint_make(&s[n++], PGHOT_HWHINT_KERNEL, p, pfns[i]);
		pghot_hwhint_make(&s[n++], PGHOT_HWHINT_NOT_LDST, p, pfns[i]);
		pghot_hwhint_make(&s[n++], PGHOT_HWHINT_HIT, p, pfns[i]);
		pghot_hwhint_make(&s[n++], PGHOT_HWHINT_NO_ADDR, p, pfns[i]);
		/* A miss to a page of the top tier. */
		pghot_hwhint_make(&s[n++], PGHOT_HWHINT_LOAD, top, top_pfn);
	}

	/* Round 0 with the source off, round 1 with it on. */
	for (round = 0; round < 2; round++) {
		if (round)
			ASSERT_EQ(0, pghot_hwhints_on());
		for (k = 0; k < NR; k++)
			before[k] = tier_vmstat(counters[k]);
		ASSERT_EQ(0, pghot_hwhint_inject(s, n));
		/* The drain is an irq_work: done by the time the write returns. */
		for (k = 0; k < NR; k++)
			after[k] = tier_vmstat(counters[k]) - before[k];
		TH_LOG("source %s: kept %lld kernel %lld not_ldst %lld hit %lld no_addr %lld",
		       round ? "on" : "off", after[KEPT], after[KERNEL], after[NOT_LDST],
		       after[HIT], after[NO_ADDR]);
		TH_LOG("source %s: toptier %lld drained %lld recorded %lld",
		       round ? "on" : "off", after[TOPTIER], after[DRAINED], after[RECORDED]);
		EXPECT_EQ((long long)pages, after[KEPT]);
		EXPECT_EQ((long long)pages, after[KERNEL]);
		EXPECT_EQ((long long)pages, after[NOT_LDST]);
		EXPECT_EQ((long long)pages, after[HIT]);
		EXPECT_EQ((long long)pages, after[NO_ADDR]);
		EXPECT_EQ((long long)pages, after[TOPTIER]);
		EXPECT_EQ((long long)pages, after[DRAINED]);
		EXPECT_EQ(round ? (long long)pages : 0, after[RECORDED]);
		/* Chunks of half a ring, drained between: none dropped. */
		EXPECT_EQ(0, after[FULL]);
	}
	/* Kept samples of every page, twice with the source on: ready. */
	ASSERT_EQ(0, pghot_hwhint_inject(s, n));
	EXPECT_GE(pghot_node_stat(1, "nr_ready"), (long long)pages);
	ASSERT_EQ(-1, tier_verify(self->buf, self->len, SEED));
	munmap(top, tier_page_size);
	free(pfns);
	free(s);
}

/* What debugfs "bench" prints. */
#define BENCH_FORMAT \
	"calls %lld record_access_ns %lld atomic_long_inc_ns %lld ratio_x100 %lld"

/* The best of three injections of @n samples: ns per sample. */
static double inject_ns(const struct pghot_hwhint_sample *s, size_t n)
{
	double start, ns, best = -1;
	int round;

	for (round = 0; round < 3; round++) {
		start = tier_now();
		if (pghot_hwhint_inject(s, n))
			return -1;
		ns = (tier_now() - start) * 1e9 / n;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

/*
 * What one sample costs, from decode to a recorded access, next to what
 * pghot_record_access() costs alone (debugfs bench), side by side.  The
 * injector's own share (the write, the copy from user space, the loop) is
 * what a sample the first filter drops costs; the rest, the filters, the
 * ring, the irq_work drain and the record, is what a kept sample adds.
 */
TEST_F(ibs, injected_sample_cost)
{
	size_t pages = self->len / tier_page_size, i, n = 64 * 1024;
	struct pghot_hwhint_sample *kept = calloc(n, sizeof(*kept));
	struct pghot_hwhint_sample *dropped = calloc(n, sizeof(*dropped));
	uint64_t *pfns = calloc(pages, sizeof(*pfns));
	long long calls, rec_ns, inc_ns, ratio, recorded;
	double kept_ns, dropped_ns, path_ns;
	char buf[256];
	int got;

	ASSERT_TRUE(kept && dropped && pfns);
	ASSERT_EQ(0, pghot_pfns(self->buf, self->len, pfns));
	for (i = 0; i < n; i++) {
		char *p = self->buf + (i % pages) * tier_page_size;

		pghot_hwhint_make(&kept[i], PGHOT_HWHINT_LOAD, p, pfns[i % pages]);
		pghot_hwhint_make(&dropped[i], PGHOT_HWHINT_KERNEL, p, pfns[i % pages]);
	}
	ASSERT_EQ(0, pghot_hwhints_on());
	/* A threshold no count reaches: the records just keep counting. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "7"));
	recorded = tier_vmstat("pghot_recorded_hwhints");
	kept_ns = inject_ns(kept, n);
	dropped_ns = inject_ns(dropped, n);
	ASSERT_GT(kept_ns, 0);
	ASSERT_GT(dropped_ns, 0);
	EXPECT_EQ(3 * (long long)n, tier_vmstat("pghot_recorded_hwhints") - recorded);
	ASSERT_EQ(0, tier_read_file(PGHOT_DEBUGFS("bench"), buf, sizeof(buf)));
	got = sscanf(buf, BENCH_FORMAT, &calls, &rec_ns, &inc_ns, &ratio);
	ASSERT_EQ(4, got);
	ASSERT_GT(rec_ns, 0);
	path_ns = kept_ns - dropped_ns;
	TH_LOG("per sample: kept and recorded %.0f ns, dropped by the first filter %.0f ns",
	       kept_ns, dropped_ns);
	TH_LOG("decode to recorded access %.0f ns, pghot_record_access() alone %lld ns: %.2fx",
	       path_ns, rec_ns, path_ns / rec_ns);
	/* Timings are reported, not judged: an emulated machine is noisy. */
	free(pfns);
	free(dropped);
	free(kept);
}

TEST_HARNESS_MAIN
