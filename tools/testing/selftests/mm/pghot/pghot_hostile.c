// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input to every knob pghot adds: sysctls and debugfs files.
 * Negative, overflowing, non-numeric, blank, 4 KiB and longer, embedded
 * NUL: each write fails with EINVAL (ERANGE for a number too big) and the
 * old value stays.  Writers without CAP_SYS_ADMIN, or not root, are
 * refused.  Writers racing each other leave one of the values they wrote.
 * The debugfs injector refuses PFNs that are invalid, in the top tier,
 * offline, in a hole or on an SPM node, and bad node ids, and records
 * nothing for them.
 *
 * Runs on every topology; each finds the targets its machine has.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define MEMORY_SYSFS	"/sys/devices/system/memory/"

struct target {
	const char *path;
	const char *good[3];	/* values it takes, the first two differ */
};

static const struct target targets[] = {
	/* Write-only: what shows a write was refused is its error alone. */
	{ PGHOT_DEBUGFS("kick"), { "1", "1" } },
	{ PGHOT_DEBUGFS("clear"), { "1", "1" } },
	{ PGHOT_SYSCTL("record_hintfaults_enable"), { "1", "0" } },
	{ PGHOT_SYSCTL("record_pgtscans_enable"), { "1", "0" } },
	{ PGHOT_SYSCTL("record_hwhints_enable"), { "0", "0" } },
	{ PGHOT_SYSCTL("promote_freq_window_ms"), { "1000", "4000" } },
	{ PGHOT_SYSCTL("promote_freq_threshold"), { "2", "3" } },
	{ PGHOT_SYSCTL("promote_rate_limit_MBps"), { "100", "65536" } },
	{ PGHOT_SYSCTL("kmigrated_batch"), { "64", "512" } },
	{ PGHOT_SYSCTL("klruscand_interval_ms"), { "100", "1000" } },
	{ PGHOT_SYSCTL("klruscand_cpu_percent"), { "20", "50" } },
	{ PGHOT_DEBUGFS("hwhint_emulate"), { "0", "1" } },
	{ PGHOT_DEBUGFS("free_hook"), { "1", "0" } },
};

struct hostile {
	const char *what;
	const char *buf;
	size_t len;		/* 0: strlen(buf) */
};

static const struct hostile hostiles[] = {
	{ "negative", "-1" },
	{ "very negative", "-9223372036854775809" },
	{ "past 32 bits", "4294967296" },
	{ "past 64 bits", "18446744073709551616" },
	{ "huge", "999999999999999999999999999999" },
	{ "non-numeric", "abc" },
	{ "trailing junk", "1x" },
	{ "two values", "1 2" },
	{ "a fraction", "1.5" },
	{ "bad hex", "0xg" },
	{ "blank line", "\n" },
	{ "spaces", "   " },
	{ "embedded NUL", "1\000junk", 6 },
	{ "NUL first", "\0001", 2 },
};

static size_t hostile_len(const struct hostile *x)
{
	return x->len ? x->len : strlen(x->buf);
}

/* Long writes built at run time: 4 KiB and more. */
#define NR_LONG	4
static char *long_buf[NR_LONG];
static size_t long_len[NR_LONG];
static const char * const long_what[NR_LONG] = {
	"4 KiB of digits", "64 KiB of digits", "1, 4 KiB of spaces, junk", "8 KiB of 'y'",
};

static void make_long(void)
{
	static const size_t len[NR_LONG] = { 4096, 65536, 4200, 8192 };
	int i;

	for (i = 0; i < NR_LONG; i++) {
		long_buf[i] = malloc(len[i] + 1);
		long_len[i] = len[i];
		memset(long_buf[i], i == 3 ? 'y' : i == 2 ? ' ' : '1', len[i]);
		if (i == 2) {
			long_buf[i][0] = '1';
			long_buf[i][len[i] - 1] = 'x';
		}
		long_buf[i][len[i]] = '\0';
	}
}

/* The target's file on this machine, false if it has none. */
static bool target_path(const struct target *t, char *path, size_t size)
{
	snprintf(path, size, "%s", t->path);
	return !access(path, W_OK);
}

/* One write() of @len bytes: 0 when all were taken, else -errno. */
static int write_raw(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EMSGSIZE;	/* took part of it: as bad as taking it */
	close(fd);
	return ret;
}

static int nr_tried;

/* A target's value; "" for a file that cannot be read (write-only). */
static void read_value(const char *path, char *buf, size_t size)
{
	if (tier_read_file(path, buf, size))
		buf[0] = '\0';
}

/* Save every target's value, for the teardown to put back. */
static void save_targets(void)
{
	char path[256], val[256];
	size_t t;

	for (t = 0; t < ARRAY_SIZE(targets); t++)
		if (target_path(&targets[t], path, sizeof(path)) &&
		    !tier_read_file(path, val, sizeof(val)))
			tier_set_knob(path, val);
}

/*
 * Write @buf to @path: it must fail with EINVAL (or ERANGE) and leave
 * @path as it was.
 * Returns false (after logging) when it did not.
 */
static bool refused(const char *path, const char *what, const char *buf, size_t len)
{
	char before[256], after[256];
	int ret;

	nr_tried++;
	read_value(path, before, sizeof(before));
	ret = write_raw(path, buf, len);
	read_value(path, after, sizeof(after));
	/* ERANGE: what kstrto*() say of a number too big; as clear. */
	if ((ret == -EINVAL || ret == -ERANGE) && !strcmp(before, after))
		return true;
	ksft_print_msg("%s: %s: write returned %d (%s), value '%s' -> '%s'\n", path, what,
		       ret, ret ? strerror(-ret) : "taken", before, after);
	return false;
}

FIXTURE(hostile) {
};

FIXTURE_SETUP(hostile)
{
	if (getuid())
		SKIP(return, "must run as root");
	if (!pghot_available())
		SKIP(return, "no pghot (CONFIG_PGHOT)");
	make_long();
	save_targets();
}

FIXTURE_TEARDOWN(hostile)
{
	tier_restore_all();
}

/* Every knob, every hostile value: EINVAL, and the old value stays. */
TEST_F(hostile, values_refused)
{
	char path[256];
	size_t t, h;
	int bad = 0, knobs = 0;

	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		if (!target_path(&targets[t], path, sizeof(path)))
			continue;
		knobs++;
		for (h = 0; h < ARRAY_SIZE(hostiles); h++) {
			const struct hostile *x = &hostiles[h];

			bad += !refused(path, x->what, x->buf, hostile_len(x));
		}
		for (h = 0; h < NR_LONG; h++)
			bad += !refused(path, long_what[h], long_buf[h], long_len[h]);
	}
	ksft_print_msg("%d knobs, %d hostile writes, %d taken or wrongly refused\n",
		       knobs, nr_tried, bad);
	EXPECT_LT(0, knobs);
	EXPECT_EQ(0, bad);
}

/* Set the effective capabilities to all but CAP_SYS_ADMIN. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data);
}

/*
 * In a child that is root without CAP_SYS_ADMIN (@nobody false) or not
 * root at all: write a good value; the child's exit code is the errno.
 */
static int write_as(const char *path, const char *val, bool nobody)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		if (nobody ? setresuid(65534, 65534, 65534) : drop_sys_admin())
			_exit(255);
		_exit(-write_raw(path, val, strlen(val)));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(hostile, unprivileged_refused)
{
	char path[256], before[256], after[256];
	size_t t;
	int knobs = 0;

	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		const struct target *k = &targets[t];
		const char *val;

		if (!target_path(k, path, sizeof(path)))
			continue;
		knobs++;
		read_value(path, before, sizeof(before));
		/* A value it does not have, so that taking it would show. */
		val = strcmp(before, k->good[0]) ? k->good[0] : k->good[1];
		nr_tried += 2;
		EXPECT_EQ(EPERM, write_as(path, val, false))
			TH_LOG("%s: root without CAP_SYS_ADMIN", path);
		EXPECT_EQ(EACCES, write_as(path, val, true))
			TH_LOG("%s: not root", path);
		read_value(path, after, sizeof(after));
		EXPECT_STREQ(before, after);
	}
	EXPECT_LT(0, knobs);
}

/*
 * Writer @w of three: 200 writes to @path, a third of them hostile.
 * Returns 1 if a hostile write was taken.
 */
static int race(const char *path, const struct target *k, int w)
{
	const struct hostile *x;
	const char *good;
	int i;

	for (i = 0; i < 200; i++) {
		x = &hostiles[i % ARRAY_SIZE(hostiles)];
		good = k->good[(i + w) % 2];
		if (i % 3 != w)
			write_raw(path, good, strlen(good));
		else if (!write_raw(path, x->buf, hostile_len(x)))
			return 1;
	}
	return 0;
}

/*
 * Three writers race on each knob, good values and bad: afterwards the
 * knob holds one of the good values, and every bad write failed.
 */
TEST_F(hostile, concurrent_writers)
{
	char path[256], now[256];
	size_t t;

	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		const struct target *k = &targets[t];
		int w, status, taken = 0;

		if (!target_path(k, path, sizeof(path)))
			continue;
		if (!strcmp(k->good[0], k->good[1]))
			continue;	/* nothing to race between */
		ASSERT_EQ(0, tier_read_file(path, now, sizeof(now)));
		ASSERT_EQ(0, tier_set_knob(path, now));
		for (w = 0; w < 3; w++)
			if (!fork())
				_exit(race(path, k, w));
		for (w = 0; w < 3; w++) {
			ASSERT_NE(-1, wait(&status));
			taken += !WIFEXITED(status) || WEXITSTATUS(status);
		}
		nr_tried += 3 * 200;
		EXPECT_EQ(0, taken) TH_LOG("%s took a bad value", path);
		ASSERT_EQ(0, tier_read_file(path, now, sizeof(now)));
		EXPECT_TRUE(!strcmp(now, k->good[0]) || !strcmp(now, k->good[1]))
			TH_LOG("%s is '%s' after the race", path, now);
		tier_restore_all();
	}
}

/* One "PFN NID" line to the injector: 0 or -errno. */
static int inject_line(const char *line)
{
	nr_tried++;
	return write_raw(PGHOT_DEBUGFS("record"), line, strlen(line));
}

/* 1 (logged) if the injector took @line, which it must refuse; else 0. */
static int taken(const char *what, const char *line)
{
	if (inject_line(line))
		return 0;
	ksft_print_msg("record took %s: '%.*s'\n", what, (int)strcspn(line, "\n"), line);
	return 1;
}

/* The first PFN of a memory block of @node, -1 if it has none. */
static long long node_block_pfn(int node, bool online)
{
	char path[256], state[32], size[32];
	struct dirent *d;
	long long pfn = -1;
	DIR *dir;
	int nr;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	dir = opendir(path);
	while (dir && pfn < 0 && (d = readdir(dir))) {
		if (sscanf(d->d_name, "memory%d", &nr) != 1)
			continue;
		snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", nr);
		if (tier_read_file(path, state, sizeof(state)) ||
		    !strcmp(state, "online") != online)
			continue;
		snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/phys_index", nr);
		if (!tier_read_file(path, state, sizeof(state)) &&
		    !tier_read_file(MEMORY_SYSFS "block_size_bytes", size, sizeof(size)))
			pfn = strtoull(state, NULL, 16) * strtoull(size, NULL, 16) /
			      tier_page_size;
	}
	if (dir)
		closedir(dir);
	return pfn;
}

/* Offline a memory block of node 1: its number, or -1. */
static int offline_block(void)
{
	char path[256];
	struct dirent *d;
	int nr, block = -1;
	DIR *dir = opendir("/sys/devices/system/node/node1");

	while (dir && block < 0 && (d = readdir(dir))) {
		if (sscanf(d->d_name, "memory%d", &nr) != 1)
			continue;
		snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", nr);
		if (!tier_write_file(path, "offline"))
			block = nr;
	}
	if (dir)
		closedir(dir);
	return block;
}

/*
 * The injector refuses what is not a tracked, online, lower-tier page or
 * not a node, and records nothing for it; a good line still takes.
 */
TEST_F(hostile, injector_refuses_bad_pfns)
{
	long long recorded, used, pfn, spm_pfn, top_pfn;
	char line[128], *buf, *top;
	uint64_t good;
	const char *why = pghot_missing(1);
	int block, nid, n, bad = 0;
	static const char * const bad_nids[] = { "-2", "9999", "2147483648", "x", "1" };
	static const char * const bad_lines[] = {
		"abc", "1", "-1 -1", "18446744073709551615 -1", "1 -1 2 3", "1 4294967296",
		"1 -1 4294967297",
		"18446744073709551616 -1", "1 -1 0", "1 -1 65", "1 -1 -1",
	};

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pghot_quiet());
	buf = tier_alloc_on_node(MB, 1, 1);
	top = tier_alloc_on_node(MB, 0, 2);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, top);
	ASSERT_EQ(0, pghot_pfns(buf, tier_page_size, &good));
	ASSERT_EQ(0, pghot_pfns(top, tier_page_size, (uint64_t *)&top_pfn));

	recorded = tier_vmstat("pghot_recorded_accesses");
	used = pghot_node_stat(1, "used");

	for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++)
		bad += taken("a malformed line", bad_lines[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad_nids); i++) {
		snprintf(line, sizeof(line), "%llu %s\n", (unsigned long long)good, bad_nids[i]);
		bad += taken("a bad node id", line);
	}
	/* A good line, then a NUL and junk: not text. */
	n = snprintf(line, sizeof(line), "%llu -1", (unsigned long long)good) + 1;
	n += snprintf(line + n, sizeof(line) - n, "junk");
	nr_tried++;
	if (!write_raw(PGHOT_DEBUGFS("record"), line, n)) {
		ksft_print_msg("record took a line with a NUL in it\n");
		bad++;
	}
	/* A top-tier page, and pages past the end of memory. */
	snprintf(line, sizeof(line), "%lld -1\n", top_pfn);
	bad += taken("a top-tier PFN", line);
	snprintf(line, sizeof(line), "%llu -1\n", 1ULL << 40);
	bad += taken("a PFN past the end of memory", line);
	/* The holes topology: between node 1's boot memory and its dimm at 80 GiB. */
	snprintf(line, sizeof(line), "%lu -1\n", 40UL << 30 >> 12);
	bad += taken("a PFN in a hole", line);
	/* A page of an SPM node (spm topology). */
	for (nid = 2; nid < TIER_MAX_NODES; nid++) {
		char type[32];

		snprintf(line, sizeof(line), "/sys/devices/system/node/node%d/memory_type", nid);
		if (tier_read_file(line, type, sizeof(type)) || strcmp(type, "spm"))
			continue;
		spm_pfn = node_block_pfn(nid, true);
		if (spm_pfn < 0)
			continue;
		snprintf(line, sizeof(line), "%lld -1\n", spm_pfn);
		bad += taken("an SPM node's PFN", line);
	}
	/* A block of node 1 taken offline. */
	block = offline_block();
	if (block >= 0) {
		char state[128];

		pfn = node_block_pfn(1, false);
		snprintf(line, sizeof(line), "%lld -1\n", pfn);
		bad += taken("an offline PFN", line);
		snprintf(state, sizeof(state), MEMORY_SYSFS "memory%d/state", block);
		if (tier_write_file(state, "online"))
			EXPECT_EQ(0, tier_write_file(state, "online_movable"));
		/* The buffer's page may have moved off the block. */
		ASSERT_EQ(0, pghot_pfns(buf, tier_page_size, &good));
	} else {
		ksft_print_msg("no block of node 1 would go offline: offline PFN not tried\n");
	}

	EXPECT_EQ(recorded, tier_vmstat("pghot_recorded_accesses"));
	EXPECT_EQ(used, pghot_node_stat(1, "used"));
	EXPECT_EQ(0, bad);

	/* And a good line still takes: the checks above could fail. */
	snprintf(line, sizeof(line), "%llu -1\n", (unsigned long long)good);
	EXPECT_EQ(0, inject_line(line));
	EXPECT_EQ(recorded + 1, tier_vmstat("pghot_recorded_accesses"));
	munmap(buf, MB);
	munmap(top, MB);
	ksft_print_msg("%d hostile inputs tried in this test\n", nr_tried);
}

TIER_HARNESS_MAIN
