// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the tests of the pghot core.  See pghot_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "pghot_util.h"
#include "tier_util.h"

int pghot_available(void)
{
	return !access(PGHOT_SYSCTL("promote_freq_threshold"), F_OK);
}

int pghot_debugfs_available(void)
{
	return !access(PGHOT_DEBUGFS("record"), W_OK);
}

const char *pghot_missing(int debugfs)
{
	const char *why = tier_missing();

	if (why)
		return why;
	if (!pghot_available())
		return "no pghot (CONFIG_PGHOT)";
	if (debugfs && !pghot_debugfs_available())
		return "no pghot debugfs (CONFIG_PGHOT_DEBUG)";
	return NULL;
}

int pghot_quiet(void)
{
	static const char * const off[] = {
		PGHOT_SYSCTL("record_hwhints_enable"),
		PGHOT_SYSCTL("record_pgtscans_enable"),
		PGHOT_SYSCTL("record_hintfaults_enable"),
		"/proc/sys/kernel/numa_balancing",
	};
	char nid[8];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(off); i++) {
		ret = tier_set_knob(off[i], "0");
		if (ret)
			return ret;
	}
	/*
	 * Records outlive their pages: let kmigrated deal with what earlier
	 * tests left ready before a test allocates the same pages again.
	 */
	for (i = 0; i < 50 && pghot_node_stat(1, "nr_ready") > 0; i++)
		usleep(100 * 1000);
	/* And forget the rest: counts from the pages' earlier lives. */
	for (i = 0; pghot_debugfs_available() && i < TIER_MAX_NODES; i++) {
		snprintf(nid, sizeof(nid), "%zu", i);
		/* -ENOENT for the nodes that have no records. */
		tier_write_file(PGHOT_DEBUGFS("clear"), nid);
	}
	return 0;
}

int pghot_pfns(void *addr, size_t len, uint64_t *pfns)
{
	size_t n = len / tier_page_size, i;
	off_t off = (uintptr_t)addr / tier_page_size * sizeof(uint64_t);
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, pfns, n * sizeof(uint64_t), off);
	close(fd);
	if (got != (ssize_t)(n * sizeof(uint64_t)))
		return -EIO;
	for (i = 0; i < n; i++) {
		/* Bit 63: present; bits 0-54: the PFN (zero without CAP_SYS_ADMIN). */
		if (!(pfns[i] >> 63) || !(pfns[i] & ((1ULL << 55) - 1)))
			return -ENOENT;
		pfns[i] &= (1ULL << 55) - 1;
	}
	return 0;
}

int pghot_inject(const uint64_t *pfns, size_t n, int nid, int count)
{
	char buf[4096];
	size_t i = 0, len;
	int fd = open(PGHOT_DEBUGFS("record"), O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	while (i < n && !ret) {
		/* Whole lines only: a write is parsed on its own. */
		for (len = 0; i < n && len < sizeof(buf) - 64; i++)
			len += snprintf(buf + len, sizeof(buf) - len, "%llu %d %d\n",
					(unsigned long long)pfns[i], nid, count);
		if (write(fd, buf, len) != (ssize_t)len)
			ret = -errno;
	}
	close(fd);
	return ret;
}

long long pghot_node_stat(int node, const char *key)
{
	char line[1024], want[32], *p;
	long long val = -1;
	FILE *f = fopen(PGHOT_DEBUGFS("nodes"), "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "node %d ", node);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		p = strstr(line, key);
		if (p && p[strlen(key)] == ' ')
			val = atoll(p + strlen(key) + 1);
	}
	fclose(f);
	return val;
}

static int pghot_cpuset(int node)
{
	char val[16];
	int ret;

	if (node < 0) {
		snprintf(val, sizeof(val), "%d", getpid());
		ret = tier_write_file("/sys/fs/cgroup/cgroup.procs", val);
		if (!ret && rmdir(PGHOT_CPUSET))
			ret = -errno;
		return ret;
	}
	ret = tier_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpuset");
	if (ret)
		return ret;
	if (mkdir(PGHOT_CPUSET, 0755) && errno != EEXIST)
		return -errno;
	snprintf(val, sizeof(val), "%d", node);
	ret = tier_write_file(PGHOT_CPUSET "/cpuset.mems", val);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%d", getpid());
	return tier_write_file(PGHOT_CPUSET "/cgroup.procs", val);
}

int pghot_bound(enum pghot_bound how, void *addr, size_t len, int node)
{
	unsigned long mask = node >= 0 ? 1UL << node : 0;
	int mode = node >= 0 ? TIER_MPOL_BIND : TIER_MPOL_DEFAULT;

	switch (how) {
	case PGHOT_BOUND_VMA:
		return tier_mbind(addr, len, node) ? -errno : 0;
	case PGHOT_BOUND_TASK:
		return syscall(SYS_set_mempolicy, mode, node >= 0 ? &mask : NULL,
			       node >= 0 ? TIER_MAX_NODES + 1 : 0) ? -errno : 0;
	case PGHOT_BOUND_CPUSET:
		return pghot_cpuset(node);
	}
	return -EINVAL;
}

int pghot_kmigrated_pids(int *pids, int max)
{
	struct dirent *de;
	char path[300], comm[64];
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		int pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (!tier_read_file(path, comm, sizeof(comm)) &&
		    !strncmp(comm, "kmigrated", 9))
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}
