// SPDX-License-Identifier: GPL-2.0
/*
 * A compressed-memory node as a demotion target (spm.rst): with the node
 * opted in (compressed_demotion) and the emulated device attached
 * (/sys/kernel/debug/spm_compressed_emu), reclaim of this test's memory
 * cgroup demotes its cold anonymous pages to the node.  There they read
 * back intact without moving; every way of writing them (the process
 * itself, a forked child, process_vm_writev(), PTRACE_POKEDATA, an
 * O_DIRECT read) first moves the page to system RAM, KSM merges them
 * without writing, and the node's copy is never written: the emulator's
 * "verify" finds every page left there as it was demoted.  When the device
 * is short of real capacity, demotion falls back to node 1 and nothing is
 * lost; incompressible data fills it sooner.  The last cases measure what
 * the issue asks for (DRAM saved, write-fault promotions per second, CPU
 * per demoted page) and print it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"
#include "spm_util.h"

#define EMU		"/sys/kernel/debug/spm_compressed_emu/"
#define CGROUP		"/sys/fs/cgroup/spm_compressed"
#define DIRECT_FILE	"/mnt/disk/spm_compressed.data"
#define SWAPFILE	"/mnt/disk/spm_compressed.swap"
#define MB		(1024UL * 1024)
#define LEN		(8 * MB)
#define SEED		0xc0de5eedull
/* Demotion is done when this share of a buffer is on the node. */
#define WANT_PCT	90

static char node_file[128];

/* /sys/devices/system/node/node@nid/@attr, in node_file. */
static const char *node_attr(int nid, const char *attr)
{
	snprintf(node_file, sizeof(node_file),
		 "/sys/devices/system/node/node%d/%s", nid, attr);
	return node_file;
}

/* Move this process into the test's memory cgroup (true), or out. */
static int enter_cgroup(bool enter)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!enter) {
		tier_write_file("/sys/fs/cgroup/cgroup.procs", pid);
		return rmdir(CGROUP) ? -errno : 0;
	}
	if (tier_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory") ||
	    (mkdir(CGROUP, 0755) && errno != EEXIST))
		return -1;
	return tier_write_file(CGROUP "/cgroup.procs", pid);
}

/* @len bytes of anonymous memory on node 0, filled (compressible or not). */
static char *alloc_filled(size_t len, bool compressible, uint64_t seed)
{
	char *buf;

	if (compressible) {
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return NULL;
		madvise(buf, len, MADV_NOHUGEPAGE);
		spm_fill(buf, len, seed);
		return buf;
	}
	buf = tier_alloc_on_node(len, 0, seed);
	if (buf)
		madvise(buf, len, MADV_NOHUGEPAGE);
	return buf;
}

/* Is [@buf + @from, @buf + @len) as spm_fill(@buf, @len, @seed) left it? */
static bool same_as(const char *buf, size_t len, size_t from, uint64_t seed)
{
	char *ref = malloc(len);
	bool same;

	if (!ref)
		return false;
	spm_fill(ref, len, seed);
	same = !memcmp(buf + from, ref + from, len - from);
	free(ref);
	return same;
}

static long verify(const char *buf, size_t len, bool compressible, uint64_t seed)
{
	return compressible ? spm_verify(buf, len, seed) : tier_verify(buf, len, seed);
}

/*
 * Reclaim the cgroup (memory.reclaim, which may demote) until @want pages
 * of [buf, buf + len) are on @node, for at most @secs seconds: how many are.
 */
static size_t demote(char *buf, size_t len, int node, size_t want, int secs)
{
	double end = tier_now() + secs * tier_slow();
	char amount[32];
	size_t on;

	snprintf(amount, sizeof(amount), "%zu", len);
	while ((on = tier_pages_on_node(buf, len, node)) < want && tier_now() < end)
		tier_write_file(CGROUP "/memory.reclaim", amount);
	return on;
}

/* Reclaim the cgroup until at most @left pages of @buf are on node 0. */
static void demote_away(char *buf, size_t len, size_t left, int secs)
{
	double end = tier_now() + secs * tier_slow();
	char amount[32];

	snprintf(amount, sizeof(amount), "%zu", len);
	while (tier_pages_on_node(buf, len, 0) > left && tier_now() < end)
		tier_write_file(CGROUP "/memory.reclaim", amount);
}

static long long emu_stat(const char *key)
{
	char buf[512], *p;

	if (tier_read_file(EMU "stats", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? atoll(p + strlen(key) + 1) : -1;
}

/* The emulator's verify: pages still on the node whose contents changed. */
static long long emu_changed(long long *checked)
{
	char buf[128], *p;

	if (tier_read_file(EMU "verify", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "checked ");
	if (checked)
		*checked = p ? atoll(p + 8) : -1;
	p = strstr(buf, "changed ");
	return p ? atoll(p + 8) : -1;
}

/*
 * Nothing wrote to the node: every page the emulator stored and that is
 * still mapped is intact, and there are at least @min of them to check.
 */
#define NODE_UNWRITTEN(min) do {					\
	long long _checked, _changed = emu_changed(&_checked);		\
	EXPECT_EQ(0, _changed)						\
		TH_LOG("%lld of %lld pages on the node were written",	\
		       _changed, _checked);				\
	EXPECT_GE(_checked, (long long)(min));				\
} while (0)

/*
 * The first half of @buf (LEN bytes, filled with @old and demoted) was
 * written with @new from outside: it moved off the node and holds @new;
 * the second half is still on the node, as it was, and unwritten.
 */
#define HALF_WRITTEN(buf, new, old) do {				\
	char *_buf = (buf);						\
									\
	EXPECT_EQ(0, tier_pages_on_node(_buf, LEN / 2, self->node));	\
	EXPECT_EQ(-1, spm_verify(_buf, LEN / 2, new));			\
	EXPECT_TRUE(same_as(_buf, LEN, LEN / 2, old));			\
	EXPECT_GE(tier_pages_on_node(_buf + LEN / 2, LEN / 2, self->node), \
		  self->pages / 2 * 80 / 100);				\
	NODE_UNWRITTEN(tier_pages_on_node(_buf, LEN, self->node));	\
} while (0)

FIXTURE(compressed) {
	int node;
	size_t pages;
};

FIXTURE_SETUP(compressed)
{
	char id[16];

	self->pages = LEN / tier_page_size;
	self->node = spm_first_node("compressed");
	if (self->node < 0)
		SKIP(return, "no compressed-memory node (spm topology only)");
	/* The testbed's kernel has the emulator: its absence is a failure. */
	ASSERT_EQ(0, access(EMU "attach", W_OK)) TH_LOG("no " EMU);
	snprintf(id, sizeof(id), "%d", self->node);
	/* Only reclaim moves pages: no NUMA balancing, no pghot source. */
	ASSERT_EQ(0, pghot_quiet());
	tier_write_file(EMU "attach", "-1");
	ASSERT_EQ(0, tier_write_file(EMU "physical_kb", "0"));
	ASSERT_EQ(0, tier_write_file(EMU "attach", id));
	/* The default watermark, whatever an earlier test set. */
	ASSERT_EQ(0, tier_write_file(node_attr(self->node, "compressed_demotion_wmark_kb"),
				     "0"));
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/numa/demotion_enabled", "1"));
	ASSERT_EQ(0, tier_set_knob(node_attr(self->node, "compressed_demotion"), "1"));
	ASSERT_EQ(0, enter_cgroup(true));
}

FIXTURE_TEARDOWN(compressed)
{
	if (self->node < 0)
		return;
	enter_cgroup(false);
	unlink(DIRECT_FILE);
	spm_swap_off(SWAPFILE);
	tier_restore_all();
	tier_write_file(EMU "attach", "-1");
	tier_write_file(EMU "physical_kb", "0");
}

/* Demote @buf to the node; assert most of it got there. */
#define DEMOTE_ALL(buf, len) do {					\
	size_t _len = (len), _want = _len / tier_page_size * WANT_PCT / 100; \
	size_t _on = demote(buf, _len, self->node, _want, 30);		\
	ASSERT_GE(_on, _want)						\
		TH_LOG("%zu of %zu pages demoted to node %d", _on,	\
		       _len / tier_page_size, self->node);		\
} while (0)

/* Reading demoted pages returns what was written and moves nothing. */
TEST_F_TIMEOUT(compressed, read_in_place, 120)
{
	long long dem0 = tier_vmstat("pgdemote_compressed");
	long long wf0, stored = emu_stat("stored_pages");
	char *buf = alloc_filled(LEN, true, SEED);
	size_t before;

	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, LEN);
	EXPECT_GE(tier_vmstat("pgdemote_compressed") - dem0,
		  (long long)self->pages * WANT_PCT / 100);
	EXPECT_GE(emu_stat("stored_pages") - stored,
		  (long long)self->pages * WANT_PCT / 100);
	before = tier_pages_on_node(buf, LEN, self->node);
	wf0 = tier_vmstat("pgpromote_compressed_write");
	EXPECT_EQ(-1, verify(buf, LEN, true, SEED));
	EXPECT_EQ(before, tier_pages_on_node(buf, LEN, self->node));
	EXPECT_EQ(0, tier_vmstat("pgpromote_compressed_write") - wf0);
	/* The emulator checks what it stored: every page it demoted. */
	NODE_UNWRITTEN(before);
	munmap(buf, LEN);
}

/* A write moves the page to system RAM first; the rest stays. */
TEST_F_TIMEOUT(compressed, write_moves_page, 120)
{
	char *buf = alloc_filled(LEN, true, SEED);
	size_t on, i, half = self->pages / 2;
	long long wf0;

	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, LEN);
	on = tier_pages_on_node(buf, LEN, self->node);
	wf0 = tier_vmstat("pgpromote_compressed_write");
	/* Rewrite one word a page of the first half with what it holds. */
	for (i = 0; i < half; i++) {
		uint64_t *w = (uint64_t *)(buf + i * tier_page_size);

		__atomic_fetch_xor(w, 0, __ATOMIC_RELAXED);
	}
	EXPECT_EQ(0, tier_pages_on_node(buf, half * tier_page_size, self->node));
	/* To the faulting CPU's node, which has room. */
	EXPECT_EQ(half, tier_pages_on_node(buf, half * tier_page_size, 0));
	/* At least those moved (other processes may write theirs). */
	EXPECT_LE(on - tier_pages_on_node(buf + half * tier_page_size,
					  LEN - half * tier_page_size, self->node),
		  tier_vmstat("pgpromote_compressed_write") - wf0);
	EXPECT_EQ(-1, verify(buf, LEN, true, SEED));
	NODE_UNWRITTEN(tier_pages_on_node(buf, LEN, self->node));
	munmap(buf, LEN);
}

/*
 * fork: the child writes every page and finds its data; the parent's pages
 * stay on the node, unchanged, until the parent writes them too.
 */
TEST_F_TIMEOUT(compressed, fork_cow, 120)
{
	char *buf = alloc_filled(LEN, true, SEED);
	size_t on;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, LEN);
	on = tier_pages_on_node(buf, LEN, self->node);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		spm_fill(buf, LEN, SEED + 1);
		_exit(spm_verify(buf, LEN, SEED + 1) != -1 ||
		      tier_pages_on_node(buf, LEN, self->node) != 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(on, tier_pages_on_node(buf, LEN, self->node));
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED));
	NODE_UNWRITTEN(on);
	spm_fill(buf, LEN, SEED + 2);
	EXPECT_EQ(0, tier_pages_on_node(buf, LEN, self->node));
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED + 2));
	munmap(buf, LEN);
}

/*
 * The child of vm_peer_on_demoted(): once told to go (a byte on @go), it
 * writes (@do_write) the first half of its parent's @buf with the pattern
 * of @seed through process_vm_writev(), or reads it through
 * process_vm_readv() and checks it holds that pattern.  Exits 0 if all
 * went well.
 */
static void vm_peer(char *buf, bool do_write, uint64_t seed, int go)
{
	struct iovec local, remote;
	char *mine = malloc(LEN / 2), byte;
	ssize_t got;

	if (!mine || read(go, &byte, 1) != 1)
		_exit(2);
	if (do_write)
		spm_fill(mine, LEN / 2, seed);
	local.iov_base = mine;
	local.iov_len = LEN / 2;
	remote.iov_base = buf;
	remote.iov_len = LEN / 2;
	got = do_write ? process_vm_writev(getppid(), &local, 1, &remote, 1, 0) :
			 process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
	if (got != (ssize_t)LEN / 2) {
		fprintf(stderr, "process_vm_%sv: %zd: %s\n", do_write ? "write" : "read",
			got, strerror(errno));
		_exit(3);
	}
	_exit(!do_write && spm_verify(mine, LEN / 2, seed) != -1 ? 4 : 0);
}

/*
 * Fill @buf (LEN bytes, untouched) with the pattern of @fill, demote it to
 * @node, then let vm_peer() write or read its first half.  The child is
 * forked before @buf is touched, so that the parent's pages are its own
 * (exclusive) when they are demoted.  Returns the child's wait status, or
 * -1 if the buffer was not demoted or the child could not be run.
 */
static int vm_peer_on_demoted(char *buf, bool do_write, uint64_t fill,
			      uint64_t peer, int node)
{
	size_t want = LEN / tier_page_size * WANT_PCT / 100;
	int status, go[2];
	bool demoted;
	pid_t pid;

	if (pipe(go))
		return -1;
	pid = fork();
	if (!pid)
		vm_peer(buf, do_write, peer, go[0]);
	if (pid < 0)
		return -1;
	spm_fill(buf, LEN, fill);
	demoted = demote(buf, LEN, node, want, 30) >= want;
	/* Demoted or not, let the child go (or end) and reap it. */
	if (demoted && write(go[1], "g", 1) != 1)
		demoted = false;
	close(go[1]);
	close(go[0]);
	if (waitpid(pid, &status, 0) != pid || !demoted)
		return -1;
	return status;
}

/* An untouched LEN-byte buffer of small pages. */
static char *untouched(void)
{
	char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, LEN, MADV_NOHUGEPAGE);
	return buf;
}

/*
 * Another process writes half the pages through process_vm_writev(): each
 * page it writes moves and holds the new data; the other half stays on the
 * node, intact.
 */
TEST_F_TIMEOUT(compressed, process_vm_writev_moves, 120)
{
	char *buf = untouched();
	int status;

	ASSERT_NE(NULL, buf);
	status = vm_peer_on_demoted(buf, true, SEED, SEED + 3, self->node);
	ASSERT_EQ(0, status) TH_LOG("child: status 0x%x (-1: not demoted)", status);
	HALF_WRITTEN(buf, SEED + 3, SEED);
	munmap(buf, LEN);
}

/*
 * PTRACE_POKEDATA into a stopped child's demoted pages: a peek moves
 * nothing, a poke moves the page it writes.  The child reports.
 */
TEST_F_TIMEOUT(compressed, ptrace_poke_moves, 120)
{
	char *buf = untouched();
	size_t i, half = self->pages / 2;
	int status;
	pid_t pid;
	long word;

	ASSERT_NE(NULL, buf);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		size_t want = self->pages * WANT_PCT / 100, on;
		long long checked;

		/* The child's own pages, demoted before it stops. */
		spm_fill(buf, LEN, SEED);
		if (demote(buf, LEN, self->node, want, 30) < want)
			_exit(3);
		on = tier_pages_on_node(buf, LEN, self->node);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(4);
		raise(SIGSTOP);
		/* The parent peeked every page and poked the first half. */
		for (i = 0; i < half; i++)
			((uint64_t *)(buf + i * tier_page_size))[0] ^= ~0ULL;
		if (spm_verify(buf, LEN, SEED) != -1)
			_exit(5);
		if (tier_pages_on_node(buf, half * tier_page_size, self->node))
			_exit(6);
		if (on - tier_pages_on_node(buf, LEN, self->node) > half)
			_exit(7);
		/* The half not poked is still on the node, unwritten. */
		_exit(emu_changed(&checked) || checked < (long long)(on - half) ? 8 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("child exited %d", WEXITSTATUS(status));
	for (i = 0; i < self->pages; i++) {
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, buf + i * tier_page_size, NULL);
		ASSERT_EQ(0, errno);
		if (i < half)
			ASSERT_EQ(0, ptrace(PTRACE_POKEDATA, pid,
					    buf + i * tier_page_size, (void *)~word));
	}
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(buf, LEN);
}

/* An O_DIRECT read into demoted pages (a GUP write pin) moves them first. */
TEST_F_TIMEOUT(compressed, o_direct_read_moves, 120)
{
	char *buf = alloc_filled(LEN, true, SEED), *src;
	ssize_t got;
	int fd;

	ASSERT_NE(NULL, buf);
	src = alloc_filled(LEN, true, SEED + 4);
	ASSERT_NE(NULL, src);
	fd = open(DIRECT_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)LEN, write(fd, src, LEN));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	munmap(src, LEN);
	DEMOTE_ALL(buf, LEN);
	fd = open(DIRECT_FILE, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, fd);
	got = pread(fd, buf, LEN / 2, 0);
	close(fd);
	unlink(DIRECT_FILE);
	ASSERT_EQ((ssize_t)LEN / 2, got);
	HALF_WRITTEN(buf, SEED + 4, SEED);
	munmap(buf, LEN);
}

/*
 * A device that is short of real capacity: demotion to it is refused
 * and the pages go to node 1 instead; nothing is lost.
 */
TEST_F_TIMEOUT(compressed, full_device_falls_back, 120)
{
	long long ref0 = tier_vmstat("pgdemote_compressed_refused");
	char *buf = alloc_filled(LEN, false, SEED);
	size_t on_spm, on1;

	ASSERT_NE(NULL, buf);
	/* 1 MiB of physical capacity, of which the watermark keeps 64 KiB. */
	ASSERT_EQ(0, tier_write_file(EMU "physical_kb", "1024"));
	/* Incompressible pages cost a page each: at most 1 MiB of them. */
	demote_away(buf, LEN, self->pages * (100 - WANT_PCT) / 100, 30);
	on_spm = tier_pages_on_node(buf, LEN, self->node);
	on1 = tier_pages_on_node(buf, LEN, 1);
	EXPECT_LE(on_spm, MB / tier_page_size);
	EXPECT_GE(on1 + on_spm, self->pages * WANT_PCT / 100);
	EXPECT_GE(on1, self->pages * WANT_PCT / 100 - MB / tier_page_size);
	EXPECT_GT(tier_vmstat("pgdemote_compressed_refused") - ref0, 0);
	EXPECT_EQ(-1, verify(buf, LEN, false, SEED));
	NODE_UNWRITTEN(on_spm);
	munmap(buf, LEN);
}

/*
 * Incompressible data fills the device sooner than compressible data,
 * and neither goes past its watermark.
 */
TEST_F_TIMEOUT(compressed, incompressible_fills_sooner, 120)
{
	size_t taken[2];
	char kb[32];
	int c;

	/* 2 MiB physical: 512 incompressible pages, many more compressible. */
	ASSERT_EQ(0, tier_write_file(EMU "physical_kb", "2048"));
	for (c = 0; c < 2; c++) {
		char *buf = alloc_filled(LEN, c, SEED + 5 + c);

		ASSERT_NE(NULL, buf);
		/* Until the device refuses: most of the rest is on node 1. */
		demote_away(buf, LEN, self->pages * (100 - WANT_PCT) / 100, 30);
		taken[c] = tier_pages_on_node(buf, LEN, self->node);
		ASSERT_EQ(0, tier_read_file(node_attr(self->node, "compressed_real_free_kb"),
					    kb, sizeof(kb)));
		/* What is free never falls far below the watermark (128 KiB). */
		EXPECT_GE(atol(kb), 128 - 4 * tier_page_size / 1024)
			TH_LOG("%s kB free with %zu pages stored", kb, taken[c]);
		EXPECT_EQ(-1, verify(buf, LEN, c, SEED + 5 + c));
		/* Freeing them gives the capacity back. */
		munmap(buf, LEN);
		EXPECT_EQ(0, emu_stat("stored_pages"));
	}
	EXPECT_LE(taken[0], 2 * MB / tier_page_size);
	EXPECT_GT(taken[1], 2 * taken[0])
		TH_LOG("incompressible %zu pages, compressible %zu", taken[0], taken[1]);
}

/* Bad writes to the attributes fail and change nothing. */
TEST_F_TIMEOUT(compressed, bad_input, 120)
{
	char val[32], now[32];

	EXPECT_NE(0, tier_write_file(node_attr(self->node, "compressed_demotion"), "2"));
	EXPECT_NE(0, tier_write_file(node_attr(0, "compressed_demotion"), "1"));
	ASSERT_EQ(0, tier_read_file(node_attr(0, "compressed_demotion"), val, sizeof(val)));
	EXPECT_STREQ("0", val);
	ASSERT_EQ(0, tier_read_file(node_attr(self->node, "compressed_demotion_wmark_kb"),
				    val, sizeof(val)));
	EXPECT_NE(0, tier_write_file(node_attr(self->node, "compressed_demotion_wmark_kb"),
				     "99999999999"));
	EXPECT_NE(0, tier_write_file(node_attr(self->node, "compressed_demotion_wmark_kb"),
				     "-1"));
	ASSERT_EQ(0, tier_read_file(node_attr(self->node, "compressed_demotion_wmark_kb"),
				    now, sizeof(now)));
	EXPECT_STREQ(val, now);
	/* Detached, the node has no capacity report: opting in fails. */
	ASSERT_EQ(0, tier_write_file(EMU "attach", "-1"));
	tier_write_file(node_attr(self->node, "compressed_demotion"), "0");
	EXPECT_NE(0, tier_write_file(node_attr(self->node, "compressed_demotion"), "1"));
	ASSERT_EQ(0, tier_read_file(node_attr(self->node, "compressed_demotion"),
				    val, sizeof(val)));
	EXPECT_STREQ("0", val);
}

/*
 * KSM merges a demoted page with its twin on node 0 without writing
 * either; a write afterwards breaks the sharing off the node.
 */
TEST_F_TIMEOUT(compressed, ksm_merges_unwritten, 120)
{
	size_t len = 2 * MB, pages = len / tier_page_size;
	char *a = alloc_filled(len, true, SEED + 8), *b;
	double end;
	long sharing;

	ASSERT_NE(NULL, a);
	DEMOTE_ALL(a, len);
	b = alloc_filled(len, true, SEED + 8);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, madvise(a, len, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(b, len, MADV_MERGEABLE));
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/ksm/pages_to_scan", "4096"));
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/ksm/sleep_millisecs", "10"));
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/ksm/run", "1"));
	end = tier_now() + 60 * tier_slow();
	do {
		usleep(100 * 1000);
		ASSERT_EQ(0, tier_read_long("/sys/kernel/mm/ksm/pages_sharing", &sharing));
	} while ((size_t)sharing < pages * WANT_PCT / 100 && tier_now() < end);
	EXPECT_GE((size_t)sharing, pages * WANT_PCT / 100);
	/* Merged: whichever copy KSM kept, what is on the node is intact. */
	NODE_UNWRITTEN(0);
	/* Stop KSM (unmerging copies) before anything else is compared. */
	ASSERT_EQ(0, tier_write_file("/sys/kernel/mm/ksm/run", "2"));
	EXPECT_EQ(-1, spm_verify(a, len, SEED + 8));
	EXPECT_EQ(-1, spm_verify(b, len, SEED + 8));
	NODE_UNWRITTEN(0);
	spm_fill(a, len, SEED + 9);
	EXPECT_EQ(0, tier_pages_on_node(a, len, self->node));
	EXPECT_EQ(-1, spm_verify(a, len, SEED + 9));
	EXPECT_EQ(-1, spm_verify(b, len, SEED + 8));
	NODE_UNWRITTEN(0);
	munmap(a, len);
	munmap(b, len);
}

/*
 * Pages half random, half one repeated word: about 2:1 for LZ4, where
 * spm_fill()'s pattern compresses far better than real data would.
 */
static uint64_t half_word(uint64_t seed, size_t i)
{
	size_t wpp = tier_page_size / sizeof(uint64_t);
	uint64_t x = seed ^ i;

	if (i % wpp >= wpp / 2)
		return seed + i / wpp;
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static char *alloc_half(size_t len, uint64_t seed)
{
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = half_word(seed, i);
	return (char *)p;
}

/* Index of the first word of @buf that differs, or -1. */
static long verify_half(const char *buf, size_t len, uint64_t seed)
{
	const uint64_t *p = (const uint64_t *)buf;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		if (p[i] != half_word(seed, i))
			return i;
	return -1;
}

/* A THP is split into pages for the node, each of them demoted there. */
TEST_F_TIMEOUT(compressed, thp_split_for_node, 120)
{
	size_t len = 8 * MB;
	long long split0 = tier_vmstat("thp_split_page");
	char *buf = tier_alloc_thp_on_node(len, 0, SEED + 16);

	if (!buf)
		SKIP(return, "no THP to be had on node 0");
	ASSERT_GT(tier_thp_bytes(buf), 0);
	DEMOTE_ALL(buf, len);
	EXPECT_GE(tier_vmstat("thp_split_page") - split0, 1);
	EXPECT_EQ(0, tier_thp_bytes(buf));
	EXPECT_EQ(-1, tier_verify(buf, len, SEED + 16));
	NODE_UNWRITTEN(tier_pages_on_node(buf, len, self->node));
	munmap(buf, len);
}

/*
 * mprotect() read-only and back to read-write leaves the node's pages
 * read-only: a write still moves the page first.
 */
TEST_F_TIMEOUT(compressed, mprotect_keeps_read_only, 120)
{
	char *buf = alloc_filled(LEN, true, SEED + 17);
	size_t i, half = self->pages / 2;

	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, LEN);
	ASSERT_EQ(0, mprotect(buf, LEN, PROT_READ));
	ASSERT_EQ(0, mprotect(buf, LEN, PROT_READ | PROT_WRITE));
	for (i = 0; i < half; i++)
		__atomic_fetch_xor((uint64_t *)(buf + i * tier_page_size), 0,
				   __ATOMIC_RELAXED);
	EXPECT_EQ(0, tier_pages_on_node(buf, half * tier_page_size, self->node));
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED + 17));
	NODE_UNWRITTEN(tier_pages_on_node(buf, LEN, self->node));
	munmap(buf, LEN);
}

/*
 * process_vm_readv() pins what it reads: a pin expects later writes to
 * reach the pinned page, so it moves the page off the node first (an
 * unshare), and reads the right data.
 */
TEST_F_TIMEOUT(compressed, process_vm_readv_pins_move, 120)
{
	char *buf = untouched();
	int status;

	ASSERT_NE(NULL, buf);
	status = vm_peer_on_demoted(buf, false, SEED + 18, SEED + 18, self->node);
	ASSERT_EQ(0, status) TH_LOG("child: status 0x%x (-1: not demoted)", status);
	EXPECT_EQ(0, tier_pages_on_node(buf, LEN / 2, self->node));
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED + 18));
	NODE_UNWRITTEN(tier_pages_on_node(buf, LEN, self->node));
	munmap(buf, LEN);
}

/*
 * The node is in no zonelist, but its pages are still charged to the
 * cgroup: cgroup reclaim swaps them out from there, and they read back
 * intact.  Before, they could never leave the node but by a fault.
 */
TEST_F_TIMEOUT(compressed, cgroup_reclaim_swaps_from_node, 180)
{
	char *buf = alloc_filled(LEN, true, SEED + 19);
	long long out0;
	size_t on;
	double end;

	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, LEN);
	/* Straight to the swap file, not to zswap. */
	ASSERT_EQ(0, tier_set_knob("/sys/module/zswap/parameters/enabled", "N"));
	ASSERT_EQ(0, spm_swap_on(SWAPFILE, 64));
	out0 = tier_vmstat("pswpout");
	end = tier_now() + 30 * tier_slow();
	while ((on = tier_pages_on_node(buf, LEN, self->node)) > self->pages / 10 &&
	       tier_now() < end)
		tier_write_file(CGROUP "/memory.reclaim", "8M");
	EXPECT_LE(on, self->pages / 10);
	EXPECT_GE(tier_vmstat("pswpout") - out0, (long long)self->pages * 80 / 100);
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED + 19));
	munmap(buf, LEN);
}

/*
 * pghot promotes pages on the node that are read often, like any
 * lower-tier page, and counts them apart from write-fault copies.
 */
TEST_F_TIMEOUT(compressed, pghot_promotes_read_pages, 120)
{
	size_t len = 2 * MB, pages = len / tier_page_size, on;
	uint64_t *pfns = calloc(pages, sizeof(*pfns));
	char *buf = alloc_filled(len, true, SEED + 14);
	long long wf0, pr0;
	double end;

	ASSERT_NE(NULL, pfns);
	ASSERT_NE(NULL, buf);
	DEMOTE_ALL(buf, len);
	on = tier_pages_on_node(buf, len, self->node);
	/* The node is tracked while it is opted in. */
	ASSERT_LT(0, pghot_node_stat(self->node, "records"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	ASSERT_EQ(0, pghot_hwhints_on());
	ASSERT_EQ(0, pghot_pfns(buf, len, pfns));
	wf0 = tier_vmstat("pgpromote_compressed_write");
	pr0 = tier_vmstat("pghot_promoted");
	ASSERT_EQ(0, pghot_inject(pfns, pages, 0, 2));
	end = tier_now() + 30 * tier_slow();
	while (tier_pages_on_node(buf, len, self->node) && tier_now() < end)
		usleep(50 * 1000);
	EXPECT_EQ(0, tier_pages_on_node(buf, len, self->node));
	EXPECT_GE(tier_vmstat("pghot_promoted") - pr0, (long long)on);
	EXPECT_EQ(0, tier_vmstat("pgpromote_compressed_write") - wf0);
	EXPECT_EQ(-1, spm_verify(buf, len, SEED + 14));
	/* Promoted pages are written in place (made writable on fault). */
	spm_fill(buf, len, SEED + 15);
	EXPECT_EQ(-1, spm_verify(buf, len, SEED + 15));
	EXPECT_EQ(0, tier_vmstat("pgpromote_compressed_write") - wf0);
	NODE_UNWRITTEN(0);
	free(pfns);
	munmap(buf, len);
}

/*
 * Global reclaim: with node 0 filled to its high watermark by cold pages,
 * memory bound to node 0 makes kswapd (or direct reclaim) demote, and the
 * compressed node takes its share first.  Enough of it that reclaim gets
 * past older pages (the initramfs's tmpfs, which is not anonymous) to the
 * test's cold ones, mostly THPs, split for the node.
 */
TEST_F_TIMEOUT(compressed, kswapd_demotes_there, 300)
{
	long long dem0 = tier_vmstat("pgdemote_compressed");
	long long rec0 = tier_vmstat("pgdemote_kswapd") + tier_vmstat("pgdemote_direct");
	size_t fill, extra = 256 * MB, cold_on;
	char *cold, *more;

	/* Back in the root cgroup: this is the machine's reclaim, not ours. */
	ASSERT_EQ(0, enter_cgroup(false));
	cold = tier_fill_node0_to_high(SEED + 12, &fill);
	ASSERT_NE(NULL, cold);
	more = mmap(NULL, extra, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, more);
	madvise(more, extra, MADV_NOHUGEPAGE);
	ASSERT_EQ(0, tier_mbind(more, extra, 0));
	spm_fill(more, extra, SEED + 13);
	cold_on = tier_pages_on_node(cold, fill, self->node);
	EXPECT_GT(cold_on, 0);
	EXPECT_GT(tier_vmstat("pgdemote_compressed") - dem0, 0);
	EXPECT_GT(tier_vmstat("pgdemote_kswapd") + tier_vmstat("pgdemote_direct") - rec0, 0);
	EXPECT_EQ(-1, tier_verify(cold, fill, SEED + 12));
	EXPECT_EQ(-1, spm_verify(more, extra, SEED + 13));
	NODE_UNWRITTEN(cold_on);
	ksft_print_msg("kswapd: %zu of %zu cold pages went to node %d, %zu to node 1\n",
		       cold_on, fill / tier_page_size, self->node,
		       tier_pages_on_node(cold, fill, 1));
	ksft_print_msg("kswapd: pgdemote_compressed +%lld, pgdemote_compressed_refused %lld\n",
		       tier_vmstat("pgdemote_compressed") - dem0,
		       tier_vmstat("pgdemote_compressed_refused"));
	munmap(more, extra);
	munmap(cold, fill);
}

/* Resident pages of [buf, buf + len) on nodes 0, 1 and @node. */
static void usage(char *buf, size_t len, int node, size_t on[3])
{
	on[0] = tier_pages_on_node(buf, len, 0);
	on[1] = tier_pages_on_node(buf, len, 1);
	on[2] = tier_pages_on_node(buf, len, node);
}

/*
 * Figure: a working set three quarters cold and read-mostly, under
 * reclaim (memory.reclaim, while the hot quarter is read between rounds),
 * with the node opted out and then in.  With it in, the cold pages leave
 * system RAM for the compressed node, which stores them in less.
 */
TEST_F_TIMEOUT(compressed, figure_dram_saved, 300)
{
	size_t len = 32 * MB, hot = len / 4, pages = len / tier_page_size;
	size_t cold_pages = (len - hot) / tier_page_size;
	size_t on[2][3], want = cold_pages * WANT_PCT / 100;
	long long used = 0, stored = 0;
	char amount[32];
	double end;
	int pass;

	snprintf(amount, sizeof(amount), "%zu", len - hot);
	for (pass = 0; pass < 2; pass++) {
		char *buf = alloc_half(len, SEED + 10);

		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, tier_write_file(node_attr(self->node, "compressed_demotion"),
					     pass ? "1" : "0"));
		end = tier_now() + 60 * tier_slow();
		/* The cold part is the first three quarters. */
		while (tier_pages_on_node(buf, len - hot, 0) > cold_pages - want &&
		       tier_now() < end) {
			tier_touch(buf + len - hot, hot);
			tier_write_file(CGROUP "/memory.reclaim", amount);
		}
		usage(buf, len, self->node, on[pass]);
		EXPECT_EQ(-1, verify_half(buf, len, SEED + 10));
		if (pass) {
			used = emu_stat("used_bytes");
			stored = emu_stat("stored_pages");
			NODE_UNWRITTEN(on[1][2]);
		}
		munmap(buf, len);
	}
	ksft_print_msg("figure dram_saved: %zu pages, 75%% cold, read-mostly\n", pages);
	for (pass = 0; pass < 2; pass++)
		ksft_print_msg("figure dram_saved: opted %s: node0 %zu node1 %zu node%d %zu\n",
			       pass ? "in" : "out", on[pass][0], on[pass][1],
			       self->node, on[pass][2]);
	ksft_print_msg("figure dram_saved: %ld pages of system RAM saved\n",
		       (long)(on[0][0] + on[0][1]) - (long)(on[1][0] + on[1][1]));
	ksft_print_msg("figure dram_saved: node%d stores %lld pages in %lld bytes (%.2fx)\n",
		       self->node, stored, used,
		       used ? (double)stored * tier_page_size / used : 0.0);
	/* Opted out, nothing goes to the node; opted in, the cold set does. */
	EXPECT_EQ(0, on[0][2]);
	EXPECT_GE(on[1][2], want);
	EXPECT_GE(on[0][0] + on[0][1], on[1][0] + on[1][1] + want);
	EXPECT_LT(used, stored * (long long)tier_page_size);
}

/*
 * Figures: write faults that move a page off the node, per second, next to
 * first-touch faults; and reclaim's system time per page demoted to the
 * compressed node, next to demotion to node 1.
 */
TEST_F_TIMEOUT(compressed, figure_costs, 300)
{
	size_t i, pages = LEN / tier_page_size, on;
	double t, wf_rate, touch_rate, cpu[2] = { 0, 0 };
	size_t demoted[2] = { 0, 0 };
	long long wf0;
	char *buf;
	int pass;

	/*
	 * Reclaim's CPU per demoted page: node 1 (opted out), then the node,
	 * three rounds each, alternating; the last round's buffer stays.
	 */
	for (pass = 0; pass < 6; pass++) {
		int node = pass % 2 ? self->node : 1;

		buf = alloc_filled(LEN, true, SEED + 11);
		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, tier_write_file(node_attr(self->node, "compressed_demotion"),
					     pass % 2 ? "1" : "0"));
		t = tier_stime();
		on = demote(buf, LEN, node, pages * WANT_PCT / 100, 60);
		cpu[pass % 2] += tier_stime() - t;
		demoted[pass % 2] += on;
		ASSERT_GE(on, pages * WANT_PCT / 100);
		if (pass < 5)
			munmap(buf, LEN);
	}
	/* buf is on the node: write one word a page, timed. */
	on = tier_pages_on_node(buf, LEN, self->node);
	wf0 = tier_vmstat("pgpromote_compressed_write");
	t = tier_now();
	for (i = 0; i < pages; i++)
		__atomic_fetch_xor(buf + i * tier_page_size, 0, __ATOMIC_RELAXED);
	t = tier_now() - t;
	wf_rate = (tier_vmstat("pgpromote_compressed_write") - wf0) / t;
	EXPECT_EQ(on, tier_vmstat("pgpromote_compressed_write") - wf0);
	EXPECT_EQ(-1, spm_verify(buf, LEN, SEED + 11));
	munmap(buf, LEN);
	/* First touch of as many fresh pages, for scale. */
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, LEN, MADV_NOHUGEPAGE);
	t = tier_now();
	for (i = 0; i < pages; i++)
		__atomic_store_n(buf + i * tier_page_size, 1, __ATOMIC_RELAXED);
	touch_rate = pages / (tier_now() - t);
	munmap(buf, LEN);
	ksft_print_msg("figure costs: write-fault moves %.0f/s, first touches %.0f/s (%.2fx)\n",
		       wf_rate, touch_rate, wf_rate / touch_rate);
	ksft_print_msg("figure costs: reclaim CPU/page: node1 %.1f us, node%d %.1f us (%.2fx)\n",
		       cpu[0] / demoted[0] * 1e6, self->node, cpu[1] / demoted[1] * 1e6,
		       cpu[0] > 0 ? cpu[1] / demoted[1] / (cpu[0] / demoted[0]) : 0.0);
	NODE_UNWRITTEN(0);
}

TIER_HARNESS_MAIN
