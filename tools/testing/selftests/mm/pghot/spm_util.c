// SPDX-License-Identifier: GPL-2.0
/* Helpers for the specific-purpose memory node tests; see spm_util.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "spm_util.h"
#include "tier_util.h"

int spm_node_attr(int nid, const char *file, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/%s", nid, file);
	if (tier_read_file(path, buf, size))
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int spm_first_node(const char *purpose)
{
	unsigned long spm = tier_node_list("has_spm_memory");
	char buf[64];
	int nid;

	for (nid = 0; nid < TIER_MAX_NODES; nid++) {
		if (!(spm & (1UL << nid)))
			continue;
		if (!purpose)
			return nid;
		if (!spm_node_attr(nid, "spm_purpose", buf, sizeof(buf)) &&
		    !strcmp(buf, purpose))
			return nid;
	}
	return -1;
}

/* Free pages on @nid's per-CPU lists, from /proc/zoneinfo. */
static long node_pcp_pages(int nid)
{
	char line[256];
	long n, pages = 0;
	int node, in = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			in = node == nid;
		else if (in && sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	}
	fclose(f);
	return pages;
}

long spm_node_free_kb(int nid)
{
	char path[128], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	/* Pages freed to the per-CPU lists are free too, but not in MemFree. */
	return kb < 0 ? kb : kb + node_pcp_pages(nid) * (long)(sysconf(_SC_PAGESIZE) / 1024);
}

int spm_swap_on(const char *path, int mb)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/zero of=%s bs=1M count=%d 2>/dev/null && mkswap %s >/dev/null",
		 path, mb, path);
	if (system(cmd))
		return -1;
	return swapon(path, 0);
}

void spm_swap_off(const char *path)
{
	swapoff(path);
	unlink(path);
}

long long spm_zswap_stat(const char *name)
{
	char path[128];
	long val;

	snprintf(path, sizeof(path), ZSWAP_DEBUGFS("%s"), name);
	return tier_read_long(path, &val) ? -1 : val;
}

/* One word in 64 carries the page's identity; the rest repeats it. */
static uint64_t spm_word(uint64_t seed, size_t i, size_t words_per_page)
{
	uint64_t page = i / words_per_page;

	return (i % 64) ? (seed ^ page) : ((seed ^ page) * 0x9e3779b97f4a7c15ull + i);
}

void spm_fill(void *addr, size_t len, uint64_t seed)
{
	size_t wpp = tier_page_size / sizeof(uint64_t), i;
	uint64_t *p = addr;

	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = spm_word(seed, i, wpp);
}

long spm_verify(const void *addr, size_t len, uint64_t seed)
{
	size_t wpp = tier_page_size / sizeof(uint64_t), i;
	const uint64_t *p = addr;

	for (i = 0; i < len / sizeof(*p); i++)
		if (p[i] != spm_word(seed, i, wpp))
			return i * sizeof(*p);
	return -1;
}
