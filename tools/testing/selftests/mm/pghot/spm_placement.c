// SPDX-License-Identifier: GPL-2.0
/*
 * User space cannot place memory on a specific-purpose memory (SPM) node:
 * mbind, set_mempolicy (every mode), set_mempolicy_home_node, move_pages,
 * migrate_pages, cpuset.mems and tmpfs mpol= naming it fail with a clear
 * errno and change nothing, while the same calls naming a system RAM node
 * work.  Default node sets (cpusets, interleave) leave it out.  pghot
 * does not track it, so klruscand does not walk page tables for it.
 * Demotion goes past it, even when its tier lies between two of system
 * RAM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"
#include "spm_util.h"

#define MPOL_PREFERRED		1
#define MPOL_BIND		2
#define MPOL_INTERLEAVE		3
#define MPOL_PREFERRED_MANY	5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MAXNODE			(TIER_MAX_NODES + 1)

#ifndef __NR_set_mempolicy_home_node
#define __NR_set_mempolicy_home_node 450
#endif

#define CGROUP		"/sys/fs/cgroup"
#define CPUSET_TEST	CGROUP "/spm_placement"
#define TMPFS_TEST	"/tmp/spm_tmpfs"
#define TRACING		"/sys/kernel/tracing/"

/* Every mode that takes nodes. */
static const int modes[] = {
	MPOL_BIND, MPOL_PREFERRED, MPOL_INTERLEAVE, MPOL_PREFERRED_MANY,
	MPOL_WEIGHTED_INTERLEAVE,
};

static long sys_mbind(void *addr, size_t len, int mode, unsigned long mask)
{
	return syscall(SYS_mbind, addr, len, mode, &mask, MAXNODE, 0);
}

static long sys_set_mempolicy(int mode, unsigned long mask)
{
	return syscall(SYS_set_mempolicy, mode, &mask, MAXNODE);
}

static int current_policy(void)
{
	int mode = -1;
	unsigned long mask = 0;

	if (syscall(SYS_get_mempolicy, &mode, &mask, MAXNODE, NULL, 0))
		return -1;
	return mode;
}

FIXTURE(spm) {
	int spm;	/* the SPM node */
	int sysram;	/* a system RAM node with memory other than 0, or 0 */
	char *buf;
	size_t len;
};

FIXTURE_SETUP(spm)
{
	unsigned long sysram = tier_node_list("has_sysram_memory");

	self->buf = NULL;
	if (getuid())
		SKIP(return, "must run as root");
	self->spm = spm_first_node(NULL);
	if (self->spm < 0)
		SKIP(return, "no specific-purpose memory node (spm topology)");
	self->sysram = sysram & 2 ? 1 : 0;
	self->len = 4 * tier_page_size;
	self->buf = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->buf, MAP_FAILED);
	memset(self->buf, 0x5a, self->len);
}

FIXTURE_TEARDOWN(spm)
{
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, self->len);
	syscall(SYS_set_mempolicy, 0, NULL, 0);
	rmdir(CPUSET_TEST);
	umount(TMPFS_TEST);
	rmdir(TMPFS_TEST);
	tier_restore_all();
}

/*
 * Demotion never targets the SPM node, and goes past it: node 0 demotes
 * to the system RAM node below it wherever the SPM node's tier lies,
 * between theirs too (spmmid topology).
 */
TEST_F(spm, demotion_goes_past_spm_tier)
{
	int t0 = tier_of_node(0), tspm = tier_of_node(self->spm);
	int t1 = tier_of_node(self->sysram);
	int target = tier_demotion_target(0);

	if (!self->sysram || t1 <= t0)
		SKIP(return, "no system RAM node in a lower tier");
	TH_LOG("tiers: node0 %d, SPM node%d %d, node%d %d; node0 demotes to %d",
	       t0, self->spm, tspm, self->sysram, t1, target);
	EXPECT_EQ(self->sysram, target);
	EXPECT_EQ(-1, tier_demotion_target(self->spm));
}

/* The node's sysfs view: type, purpose, listed as SPM and not as sysram. */
TEST_F(spm, sysfs_describes_the_node)
{
	char type[32], purpose[32];

	ASSERT_EQ(spm_node_attr(self->spm, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "spm");
	ASSERT_EQ(spm_node_attr(self->spm, "spm_purpose", purpose, sizeof(purpose)), 0);
	EXPECT_TRUE(!strcmp(purpose, "generic") || !strcmp(purpose, "compressed"));
	EXPECT_TRUE(tier_node_list("has_spm_memory") & (1UL << self->spm));
	EXPECT_FALSE(tier_node_list("has_sysram_memory") & (1UL << self->spm));
	EXPECT_TRUE(tier_memory_nodes() & (1UL << self->spm));
	ASSERT_EQ(spm_node_attr(0, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "sysram");
	ASSERT_EQ(spm_node_attr(0, "spm_purpose", purpose, sizeof(purpose)), 0);
	EXPECT_STREQ(purpose, "none");
}

TEST_F(spm, mbind_fails)
{
	unsigned long spm = 1UL << self->spm, ok = 1UL << self->sysram;
	int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		errno = 0;
		EXPECT_EQ(sys_mbind(self->buf, self->len, modes[i], spm), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(sys_mbind(self->buf, self->len, modes[i], spm | ok), -1);
		EXPECT_EQ(errno, EINVAL);
		/* The same call without the SPM node works. */
		EXPECT_EQ(sys_mbind(self->buf, self->len, modes[i], ok), 0);
	}
	EXPECT_EQ(tier_pages_on_node(self->buf, self->len, self->spm), 0);
}

TEST_F(spm, set_mempolicy_fails_and_keeps_the_policy)
{
	unsigned long spm = 1UL << self->spm, ok = 1UL << self->sysram;
	int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(sys_set_mempolicy(MPOL_PREFERRED, ok), 0);
		errno = 0;
		EXPECT_EQ(sys_set_mempolicy(modes[i], spm | ok), -1);
		EXPECT_EQ(errno, EINVAL);
		EXPECT_EQ(current_policy(), MPOL_PREFERRED);
		EXPECT_EQ(sys_set_mempolicy(modes[i], ok), 0);
		EXPECT_EQ(current_policy(), modes[i]);
	}
}

TEST_F(spm, home_node_fails)
{
	ASSERT_EQ(sys_mbind(self->buf, self->len, MPOL_BIND, 1UL << self->sysram), 0);
	errno = 0;
	EXPECT_EQ(syscall(__NR_set_mempolicy_home_node, self->buf, self->len,
			  self->spm, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(syscall(__NR_set_mempolicy_home_node, self->buf, self->len,
			  self->sysram, 0), 0);
}

/* The node a page of ours is on, from move_pages() without target nodes. */
static int node_of(void *addr)
{
	void *pages[1] = { addr };
	int status = -1;

	if (syscall(SYS_move_pages, 0, 1, pages, NULL, &status, 0))
		return -1;
	return status;
}

TEST_F(spm, move_pages_fails)
{
	void *pages[1] = { self->buf };
	int node = self->spm, status = -1, before = node_of(self->buf);

	ASSERT_GE(before, 0);
	errno = 0;
	EXPECT_EQ(syscall(SYS_move_pages, 0, 1, pages, &node, &status, 0), -1);
	EXPECT_EQ(errno, EACCES);
	/* Even with MPOL_MF_MOVE_ALL (root). */
	errno = 0;
	EXPECT_EQ(syscall(SYS_move_pages, 0, 1, pages, &node, &status, 4), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(node_of(self->buf), before);
	/* Moving to a system RAM node works. */
	node = self->sysram;
	EXPECT_EQ(syscall(SYS_move_pages, 0, 1, pages, &node, &status, 0), 0);
	EXPECT_EQ(status, self->sysram);
}

TEST_F(spm, migrate_pages_fails)
{
	unsigned long from = tier_node_list("has_sysram_memory");
	unsigned long to = 1UL << self->spm;

	errno = 0;
	EXPECT_EQ(syscall(SYS_migrate_pages, 0, MAXNODE, &from, &to), -1);
	EXPECT_EQ(errno, EINVAL);
	to |= 1UL << self->sysram;
	errno = 0;
	EXPECT_EQ(syscall(SYS_migrate_pages, 0, MAXNODE, &from, &to), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(tier_pages_on_node(self->buf, self->len, self->spm), 0);
	to = 1UL << self->sysram;
	EXPECT_GE(syscall(SYS_migrate_pages, 0, MAXNODE, &from, &to), 0);
}

TEST_F(spm, cpuset_mems_fails)
{
	char val[16], got[64];

	ASSERT_EQ(tier_write_file(CGROUP "/cgroup.subtree_control", "+cpuset"), 0);
	ASSERT_EQ(mkdir(CPUSET_TEST, 0755), 0);
	snprintf(val, sizeof(val), "%d", self->spm);
	EXPECT_EQ(tier_write_file(CPUSET_TEST "/cpuset.mems", val), -EINVAL);
	snprintf(val, sizeof(val), "%d,%d", self->sysram, self->spm);
	EXPECT_EQ(tier_write_file(CPUSET_TEST "/cpuset.mems", val), -EINVAL);
	ASSERT_EQ(tier_read_file(CPUSET_TEST "/cpuset.mems", got, sizeof(got)), 0);
	EXPECT_STREQ(got, "");
	snprintf(val, sizeof(val), "%d", self->sysram);
	EXPECT_EQ(tier_write_file(CPUSET_TEST "/cpuset.mems", val), 0);
	ASSERT_EQ(tier_read_file(CPUSET_TEST "/cpuset.mems", got, sizeof(got)), 0);
	EXPECT_EQ(atoi(got), self->sysram);
}

/* The nodes of "mpol=MODE:NODES" in TMPFS_TEST's line of /proc/mounts. */
static int tmpfs_mpol_nodes(const char *mode, char *nodes, size_t size)
{
	char line[512], key[32], *p;
	int found = -1;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return -1;
	snprintf(key, sizeof(key), "mpol=%s:", mode);
	while (found && fgets(line, sizeof(line), f)) {
		p = strstr(line, key);
		if (!strstr(line, TMPFS_TEST) || !p)
			continue;
		p += strlen(key);
		snprintf(nodes, size, "%.*s", (int)strcspn(p, ", "), p);
		found = 0;
	}
	fclose(f);
	return found;
}

/* This task's Mems_allowed_list from /proc/self/status. */
static int status_mems_allowed(char *nodes, size_t size)
{
	char line[256];
	int found = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Mems_allowed_list:", 18))
			continue;
		snprintf(nodes, size, "%.*s", (int)strcspn(line + 19, "\n"), line + 19);
		found = 0;
	}
	fclose(f);
	return found;
}

/*
 * Default node sets: the root cpuset's, this task's, tmpfs interleave's:
 * system RAM only.
 */
TEST_F(spm, default_node_sets_leave_it_out)
{
	char got[128], want[128];

	ASSERT_EQ(tier_read_file("/sys/devices/system/node/has_sysram_memory", want,
				 sizeof(want)), 0);
	ASSERT_EQ(tier_read_file(CGROUP "/cpuset.mems.effective", got, sizeof(got)), 0);
	EXPECT_STREQ(got, want);
	want[strcspn(want, "\n")] = 0;
	ASSERT_EQ(status_mems_allowed(got, sizeof(got)), 0);
	EXPECT_STREQ(got, want);

	mkdir(TMPFS_TEST, 0755);
	ASSERT_EQ(mount("tmpfs", TMPFS_TEST, "tmpfs", 0, "mpol=interleave"), 0);
	ASSERT_EQ(tmpfs_mpol_nodes("interleave", got, sizeof(got)), 0);
	TH_LOG("tmpfs mpol=interleave: nodes %s", got);
	EXPECT_TRUE(tier_nodelist_mask(got) & 1);
	EXPECT_FALSE(tier_nodelist_mask(got) & (1UL << self->spm));
}

TEST_F(spm, tmpfs_mpol_fails)
{
	char opt[64];

	mkdir(TMPFS_TEST, 0755);
	snprintf(opt, sizeof(opt), "mpol=bind:%d", self->spm);
	errno = 0;
	EXPECT_EQ(mount("tmpfs", TMPFS_TEST, "tmpfs", 0, opt), -1);
	EXPECT_EQ(errno, EINVAL);
	snprintf(opt, sizeof(opt), "mpol=bind:%d", self->sysram);
	EXPECT_EQ(mount("tmpfs", TMPFS_TEST, "tmpfs", 0, opt), 0);
}

/* The lower-tier nodes pghot tracks: the node lines of debugfs "nodes". */
static int tracked_nodes(void)
{
	int nid, n = 0;

	for (nid = 0; nid < TIER_MAX_NODES; nid++)
		n += pghot_node_stat(nid, "records") > 0;
	return n;
}

/*
 * klruscand walks each process once for every node pghot tracks, never
 * for an SPM node, whose pages pghot would refuse: every traced pass says
 * how many nodes it walked for.
 */
TEST_F(spm, klruscand_skips_spm_nodes)
{
	unsigned int nodes, passes = 0, wrong = 0;
	char line[512], *p;
	int pid, tracked;
	FILE *f;

	if (!pghot_kthread_pids("klruscand", &pid, 1))
		SKIP(return, "no klruscand thread");
	if (access(TRACING "events", F_OK))
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (access(TRACING "events/pghot/pghot_klruscand_pass/enable", W_OK))
		SKIP(return, "no tracefs or no pghot tracepoints");
	tracked = tracked_nodes();
	ASSERT_EQ(0, tier_set_knob(TRACING "events/pghot/pghot_klruscand_pass/enable", "1"));
	close(open(TRACING "trace", O_WRONLY | O_TRUNC));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("klruscand_interval_ms"), "100"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_pgtscans_enable"), "1"));
	usleep(600 * 1000);
	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_pgtscans_enable"), "0"));

	f = fopen(TRACING "trace", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "pghot_klruscand_pass: nodes=");
		if (!p || sscanf(p, "pghot_klruscand_pass: nodes=%u", &nodes) != 1)
			continue;
		passes++;
		wrong += nodes != (unsigned int)tracked;
	}
	fclose(f);
	TH_LOG("SPM node %d; %d nodes tracked; %u passes, %u with another number",
	       self->spm, tracked, passes, wrong);
	EXPECT_EQ(-1, pghot_node_stat(self->spm, "records"));
	ASSERT_GT(passes, 0);
	EXPECT_EQ(0, wrong);
}

TEST_HARNESS_MAIN
