// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the pghot selftests.  See tier_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tier_util.h"

size_t tier_page_size = 4096;

const char *tier_missing(void)
{
	if (getuid())
		return "must run as root";
	if ((tier_memory_nodes() & 3) != 3 || tier_of_node(1) <= tier_of_node(0))
		return "needs node1 in a lower tier than node0";
	return NULL;
}

char *tier_alloc_on_node(size_t len, int node, uint64_t seed)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	if (madvise(buf, len, MADV_NOHUGEPAGE) || tier_mbind(buf, len, node))
		goto fail;
	tier_fill(buf, len, seed);
	if (tier_pages_on_node(buf, len, node) != len / tier_page_size ||
	    tier_mbind(buf, len, -1))
		goto fail;
	return buf;
fail:
	munmap(buf, len);
	return NULL;
}

int tier_mbind(void *addr, size_t len, int node)
{
	unsigned long mask = node >= 0 ? 1UL << node : 0;
	int mode = node >= 0 ? TIER_MPOL_BIND : TIER_MPOL_DEFAULT;

	return syscall(SYS_mbind, addr, len, mode, node >= 0 ? &mask : NULL,
		       node >= 0 ? TIER_MAX_NODES + 1 : 0, 0);
}

size_t tier_pages_on_node(void *addr, size_t len, int node)
{
	size_t n = len / tier_page_size, i, found = 0;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));

	if (!pages || !status)
		goto out;
	for (i = 0; i < n; i++)
		pages[i] = (char *)addr + i * tier_page_size;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		goto out;
	for (i = 0; i < n; i++)
		found += status[i] == node;
out:
	free(pages);
	free(status);
	return found;
}

int tier_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int tier_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

int tier_read_long(const char *path, long *val)
{
	char buf[64], *end;
	int ret = tier_read_file(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	return errno || end == buf ? -EINVAL : 0;
}

/* Does the node list string @list ("0-1,3") contain @node? */
static bool nodelist_has(const char *list, int node)
{
	const char *p = list;

	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return false;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (node >= lo && node <= hi)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return false;
}

int tier_of_node(int node)
{
	const char *dir = "/sys/devices/virtual/memory_tiering";
	struct dirent *de;
	char path[512], list[256];
	int tier = -1;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int id;

		if (sscanf(de->d_name, "memory_tier%d", &id) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/nodelist", dir, de->d_name);
		if (!tier_read_file(path, list, sizeof(list)) && nodelist_has(list, node))
			tier = id;
	}
	closedir(d);
	return tier;
}

unsigned long tier_memory_nodes(void)
{
	char list[256];
	unsigned long mask = 0;
	int n;

	if (tier_read_file("/sys/devices/system/node/has_memory", list, sizeof(list)))
		return 0;
	for (n = 0; n < TIER_MAX_NODES; n++)
		if (nodelist_has(list, n))
			mask |= 1UL << n;
	return mask;
}

int tier_demotion_target(int node)
{
	int size = klogctl(10, NULL, 0), len, target = -1;
	char key[64], *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	len = klogctl(3, buf, size);
	if (len < 0)
		len = 0;
	buf[len] = '\0';
	/* The last report wins: targets are rebuilt on every hotplug. */
	snprintf(key, sizeof(key), "Demotion targets for Node %d: ", node);
	for (p = strstr(buf, key); p; p = strstr(p + 1, key)) {
		int t;

		if (sscanf(p + strlen(key), "preferred: %d", &t) == 1)
			target = t;
		else
			target = -1;
	}
	free(buf);
	return target;
}

long long tier_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[128];
	long long val, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%127s %lld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

static struct {
	char path[200];
	char val[64];
} saved[32];
static int nr_saved;

int tier_set_knob(const char *path, const char *val)
{
	char old[64];
	int ret = tier_read_file(path, old, sizeof(old));

	if (ret)
		return ret;
	if (nr_saved < 32) {
		snprintf(saved[nr_saved].path, sizeof(saved[0].path), "%s", path);
		snprintf(saved[nr_saved].val, sizeof(saved[0].val), "%s", old);
		nr_saved++;
	}
	return tier_write_file(path, val);
}

void tier_restore_all(void)
{
	while (nr_saved > 0) {
		nr_saved--;
		tier_write_file(saved[nr_saved].path, saved[nr_saved].val);
	}
}

static inline uint64_t pattern(uint64_t seed, size_t off)
{
	uint64_t x = seed ^ (off * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

void tier_fill(void *addr, size_t len, uint64_t seed)
{
	uint64_t *p = addr;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = pattern(seed, i);
}

long tier_verify(const void *addr, size_t len, uint64_t seed)
{
	const uint64_t *p = addr;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		if (p[i] != pattern(seed, i))
			return i * sizeof(*p);
	return -1;
}

uint64_t tier_touch(const void *addr, size_t len)
{
	const uint64_t *p = addr;
	uint64_t sum = 0;
	size_t off;

	for (off = 0; off < len; off += tier_page_size)
		sum += __atomic_load_n(&p[off / sizeof(*p)], __ATOMIC_RELAXED);
	return sum;
}

double tier_stime(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

struct tier_promotion tier_promote_hot_set(char *buf, size_t total, size_t hot,
					   double deadline)
{
	long long faults = tier_vmstat("numa_hint_faults");
	double start = tier_now(), first_fault = 0, stime = tier_stime();
	size_t hot_pages = hot / tier_page_size;
	struct tier_promotion p = { 0 };
	int pass = 0;

	while (tier_now() - start < deadline) {
		tier_touch(buf, hot);
		/* From the first hint fault on, the scanner's timing is out. */
		if (!first_fault && tier_vmstat("numa_hint_faults") > faults)
			first_fault = tier_now();
		if (++pass % 16 == 0 &&
		    tier_pages_on_node(buf, hot, 0) * 100 >= hot_pages * 99)
			break;
	}
	p.stime = tier_stime() - stime;
	p.secs = tier_now() - (first_fault ? first_fault : start);
	p.total = tier_now() - start;
	p.hot_on0 = tier_pages_on_node(buf, hot, 0);
	p.cold_on0 = tier_pages_on_node(buf + hot, total - hot, 0);
	return p;
}

double tier_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
