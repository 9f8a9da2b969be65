// SPDX-License-Identifier: GPL-2.0
/*
 * Everything that moves lower-tier pages, all at once, for
 * testbed_stress=SECS seconds (120 unless the kernel command line says
 * otherwise), on the spm topology:
 *
 * - a workload's data on node 1, read from both CPUs (NUMA hint faults,
 *   klruscand) and written through a generation word in every page;
 * - accesses injected through debugfs record and hwhint_inject;
 * - kmigrated promoting, and node 0 crowded in bursts so that reclaim
 *   demotes pages back to node 1;
 * - node 1's memory blocks offlined and onlined in a loop;
 * - zswap storing pages on the compressed SPM node;
 * - every pghot knob rewritten underneath, with good values and bad.
 *
 * At the end every page of the workload's data and of the buffer zswap
 * took is verified.  The host fails the run on any kernel splat.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"
#include "spm_util.h"

#define MB		(1024UL * 1024)
#define DATA_MB		64
#define ZSWAP_MB	16
#define SWAPFILE	"/mnt/disk/pghot_stress.swap"
#define SEED		0x5eed57e5ULL
#define INJECT_PAGES	256
#define MEMORY_STATE	"/sys/devices/system/memory/memory%d/state"

/* What the workers and the children share; counts are theirs to bump. */
struct stress {
	int stop;		/* read and set with __atomic builtins */
	long long reads, writes, injected, hotplug_cycles, hotplug_busy;
	long long knob_writes, knob_bad_taken, zswap_cycles, zswap_bad;
	long long crowd_rounds;
};

static struct stress *st;

static bool stopping(void)
{
	return __atomic_load_n(&st->stop, __ATOMIC_RELAXED);
}

static char *data;
static size_t data_pages;
/* Generation of each page's first word; only its own writer changes it. */
static uint64_t *gens;

static uint64_t word(size_t page, size_t i)
{
	uint64_t x = SEED ^ ((page * 512 + i) * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static void fill_page(size_t page)
{
	uint64_t *p = (uint64_t *)(data + page * tier_page_size);
	size_t i;

	for (i = 0; i < tier_page_size / 8; i++)
		p[i] = word(page, i);
}

/* Pages whose content is not what their last write left; 0 when intact. */
static size_t verify_data(void)
{
	size_t page, i, bad = 0;

	for (page = 0; page < data_pages; page++) {
		const uint64_t *p = (uint64_t *)(data + page * tier_page_size);
		bool ok = p[0] == (word(page, 0) ^ gens[page]);

		for (i = 1; ok && i < tier_page_size / 8; i++)
			ok = p[i] == word(page, i);
		if (!ok && bad++ < 4)
			ksft_print_msg("page %zu corrupt: word0 %#llx, want %#llx\n", page,
				       (unsigned long long)p[0],
				       (unsigned long long)(word(page, 0) ^ gens[page]));
	}
	return bad;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Worker @arg (0 or 1), on that CPU: reads a hot quarter of the data
 * that moves every few seconds, and writes the generation word of the
 * pages of its own half, one at a time.
 */
static void *worker(void *arg)
{
	long id = (long)arg;
	size_t half = data_pages / 2, quarter = data_pages / 4;
	unsigned int seed = id + 1;
	double start = tier_now();

	pin_to_cpu(id);
	while (!stopping()) {
		size_t hot = ((size_t)((tier_now() - start) / 5) % 4) * quarter;

		tier_touch(data + hot * tier_page_size, quarter * tier_page_size);
		__atomic_add_fetch(&st->reads, quarter, __ATOMIC_RELAXED);
		for (int i = 0; i < 64; i++) {
			size_t pg = id * half + rand_r(&seed) % half;
			uint64_t *p = (uint64_t *)(data + pg * tier_page_size);

			gens[pg]++;
			__atomic_store_n(&p[0], word(pg, 0) ^ gens[pg], __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&st->writes, 64, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Accesses to random runs of the data through both debugfs injectors. */
static void *injector(void *arg)
{
	static struct pghot_hwhint_sample s[INJECT_PAGES];
	static uint64_t pfns[INJECT_PAGES];
	unsigned int seed = 7;

	while (!stopping()) {
		size_t first = rand_r(&seed) % (data_pages - INJECT_PAGES), i, n = 0;
		char *run = data + first * tier_page_size;

		if (pghot_pfns(run, INJECT_PAGES * tier_page_size, pfns))
			continue;
		for (i = 0; i < INJECT_PAGES; i++) {
			if (!pfns[i])
				continue;
			pghot_hwhint_make(&s[n], PGHOT_HWHINT_LOAD, run + i * tier_page_size,
					  pfns[i]);
			pfns[n++] = pfns[i];
		}
		/* Pages on node 0, or gone meanwhile, are refused: that is fine. */
		pghot_inject(pfns, n, -1, 1);
		pghot_hwhint_inject(s, n);
		__atomic_add_fetch(&st->injected, 2 * n, __ATOMIC_RELAXED);
		usleep(20 * 1000);
	}
	return NULL;
}

static void on_alarm(int sig)
{
}

/*
 * Offline one of node 1's memory blocks and online it again, over and
 * over.  A block that will not go in 5 s (its pages busy) is left
 * online; that counts as busy, not as a cycle.
 */
static void hotplug_loop(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct dirent **names;
	int n, i, round = 0;
	char path[128];

	sigaction(SIGALRM, &sa, NULL);
	n = scandir("/sys/devices/system/node/node1", &names, NULL, versionsort);
	while (!stopping() && n > 0) {
		int nr;

		i = round++ % n;
		if (sscanf(names[i]->d_name, "memory%d", &nr) != 1)
			continue;
		snprintf(path, sizeof(path), MEMORY_STATE, nr);
		alarm(5);
		if (tier_write_file(path, "offline")) {
			alarm(0);
			__atomic_add_fetch(&st->hotplug_busy, 1, __ATOMIC_RELAXED);
			usleep(100 * 1000);
			continue;
		}
		alarm(0);
		usleep(200 * 1000);
		/* Back online whatever happens (the teardown tries again). */
		for (int t = 0; t < 50; t++) {
			if (!tier_write_file(path, "online") ||
			    !tier_write_file(path, "online_movable"))
				break;
			usleep(100 * 1000);
		}
		__atomic_add_fetch(&st->hotplug_cycles, 1, __ATOMIC_RELAXED);
		usleep(200 * 1000);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (n > 0)
		free(names);
}

struct knob {
	const char *path;
	const char *good[4];
	const char *bad;
};

static const struct knob knobs[] = {
	{ PGHOT_SYSCTL("record_hintfaults_enable"), { "0", "1" }, "2" },
	{ PGHOT_SYSCTL("record_pgtscans_enable"), { "0", "1" }, "-1" },
	{ PGHOT_SYSCTL("record_hwhints_enable"), { "0", "1" }, "on" },
	{ PGHOT_SYSCTL("promote_freq_window_ms"), { "100", "1000", "5000" }, "0" },
	{ PGHOT_SYSCTL("promote_freq_threshold"), { "1", "2", "3" }, "8" },
	{ PGHOT_SYSCTL("promote_rate_limit_MBps"), { "1", "64", "65536" }, "x" },
	{ PGHOT_SYSCTL("kmigrated_batch"), { "1", "64", "512" }, "4097" },
	{ PGHOT_SYSCTL("klruscand_interval_ms"), { "10", "100", "500" }, "9" },
	{ PGHOT_SYSCTL("klruscand_cpu_percent"), { "5", "50", "100" }, "101" },
	{ PGHOT_SYSCTL("ibs_sample_period"), { "4096", "65536" }, "1" },
	{ "/proc/sys/kernel/numa_balancing", { "2", "0", "2" }, "9" },
	{ "/sys/kernel/mm/numa/demotion_enabled", { "1", "0", "1" }, "maybe" },
	{ ZSWAP_PARAM("spm_node"), { "Y", "N", "Y" }, "2" },
};

/* Good values to every knob, and now and then a bad one that must not take. */
static void knob_loop(void)
{
	unsigned int seed = 11;
	char before[64], after[64];

	while (!stopping()) {
		const struct knob *k = &knobs[rand_r(&seed) % ARRAY_SIZE(knobs)];
		int ngood = 0;

		if (access(k->path, W_OK))
			continue;
		while (ngood < 4 && k->good[ngood])
			ngood++;
		if (rand_r(&seed) % 4 == 0) {
			if (!tier_read_file(k->path, before, sizeof(before)) &&
			    (!tier_write_file(k->path, k->bad) ||
			     (!tier_read_file(k->path, after, sizeof(after)) &&
			      strcmp(before, after)))) {
				ksft_print_msg("%s took '%s'\n", k->path, k->bad);
				__atomic_add_fetch(&st->knob_bad_taken, 1, __ATOMIC_RELAXED);
			}
		} else {
			tier_write_file(k->path, k->good[rand_r(&seed) % ngood]);
		}
		__atomic_add_fetch(&st->knob_writes, 1, __ATOMIC_RELAXED);
		usleep(20 * 1000);
	}
}

/* Page a compressible buffer out (zswap, on the SPM node) and back in. */
static void zswap_loop(void)
{
	size_t len = ZSWAP_MB * MB;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return;
	spm_fill(buf, len, SEED + 1);
	while (!stopping()) {
		madvise(buf, len, MADV_PAGEOUT);
		if (spm_verify(buf, len, SEED + 1) >= 0)
			__atomic_add_fetch(&st->zswap_bad, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->zswap_cycles, 1, __ATOMIC_RELAXED);
	}
}

/* Crowd node 0 for a while, then let go: reclaim demotes to node 1. */
static void crowd_loop(void)
{
	while (!stopping()) {
		size_t len;
		char *buf = tier_crowd_node0(32 * MB, SEED + 2, &len);

		sleep(2);
		if (buf)
			munmap(buf, len);
		__atomic_add_fetch(&st->crowd_rounds, 1, __ATOMIC_RELAXED);
		sleep(1);
	}
}

static pthread_t threads[3];
static int nr_threads;
static pid_t pids[4];
static int nr_pids;
static bool swap_on;

/* Stop every loop and wait for it; safe to call twice. */
static void stop_all(void)
{
	if (!st)
		return;
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELAXED);
	while (nr_threads)
		pthread_join(threads[--nr_threads], NULL);
	while (nr_pids)
		waitpid(pids[--nr_pids], NULL, 0);
}

/* Online any block of node 1 a failed run left offline. */
static void online_node1(void)
{
	struct dirent **names;
	char path[128], state[32];
	int n, i, nr;

	n = scandir("/sys/devices/system/node/node1", &names, NULL, versionsort);
	for (i = 0; i < n; i++) {
		if (sscanf(names[i]->d_name, "memory%d", &nr) == 1) {
			snprintf(path, sizeof(path), MEMORY_STATE, nr);
			if (!tier_read_file(path, state, sizeof(state)) && strcmp(state, "online"))
				tier_write_file(path, "online");
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

static pid_t fork_loop(void (*loop)(void))
{
	pid_t pid = fork();

	if (!pid) {
		loop();
		_exit(0);
	}
	return pid;
}

static const char * const counters[] = {
	"pghot_recorded_accesses", "pghot_recorded_hintfaults", "pghot_recorded_pgtscans",
	"pghot_recorded_hwhints", "pghot_promoted", "pgpromote_success",
	"pgdemote_kswapd", "pgdemote_direct", "zswpout", "zswpin",
};

FIXTURE(stress) {
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
	stop_all();
	tier_restore_all();
	online_node1();
	if (swap_on)
		spm_swap_off(SWAPFILE);
}

TEST_F_TIMEOUT(stress, all_at_once, 900)
{
	long long before[ARRAY_SIZE(counters)];
	int secs = tier_cmdline_int("testbed_stress", 120);
	const char *why;
	size_t i, bad;
	long zbad;

	why = pghot_missing(1);
	if (why)
		SKIP(return, "%s", why);
	if (spm_first_node("compressed") < 0 || access(ZSWAP_PARAM("spm_node"), W_OK))
		SKIP(return, "no compressed-memory node with zswap.spm_node (spm topology)");

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	data_pages = DATA_MB * MB / tier_page_size;
	gens = calloc(data_pages, sizeof(*gens));
	ASSERT_NE(NULL, gens);
	data = tier_alloc_on_node(DATA_MB * MB, 1, SEED);
	ASSERT_NE(NULL, data);
	for (i = 0; i < data_pages; i++)
		fill_page(i);

	ASSERT_EQ(0, spm_swap_on(SWAPFILE, 128));
	swap_on = true;
	/* Every knob the loops change is saved here and put back at the end. */
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		char val[64];

		if (!access(knobs[i].path, W_OK) &&
		    !tier_read_file(knobs[i].path, val, sizeof(val)))
			ASSERT_EQ(0, tier_set_knob(knobs[i].path, val));
	}
	ASSERT_EQ(0, tier_set_knob(ZSWAP_PARAM("enabled"), "Y"));
	ASSERT_EQ(0, tier_set_knob(ZSWAP_PARAM("spm_node"), "Y"));
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/numa/demotion_enabled", "1"));
	ASSERT_EQ(0, tier_set_knob("/proc/sys/kernel/numa_balancing", "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_hintfaults_enable"), "1"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_pgtscans_enable"), "1"));
	ASSERT_EQ(0, pghot_hwhints_on());

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		before[i] = tier_vmstat(counters[i]);

	pids[nr_pids++] = fork_loop(hotplug_loop);
	pids[nr_pids++] = fork_loop(knob_loop);
	pids[nr_pids++] = fork_loop(zswap_loop);
	pids[nr_pids++] = fork_loop(crowd_loop);
	ASSERT_EQ(0, pthread_create(&threads[nr_threads++], NULL, worker, (void *)0L));
	ASSERT_EQ(0, pthread_create(&threads[nr_threads++], NULL, worker, (void *)1L));
	ASSERT_EQ(0, pthread_create(&threads[nr_threads++], NULL, injector, NULL));

	sleep(secs);
	stop_all();
	tier_restore_all();

	bad = verify_data();
	zbad = st->zswap_bad;
	ksft_print_msg("%d s: %lld pages read, %lld writes, %lld accesses injected\n",
		       secs, st->reads, st->writes, st->injected);
	ksft_print_msg("%lld hotplug cycles (%lld offlines refused), %lld knob writes\n",
		       st->hotplug_cycles, st->hotplug_busy, st->knob_writes);
	ksft_print_msg("%lld zswap cycles, %lld crowd rounds\n",
		       st->zswap_cycles, st->crowd_rounds);
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		ksft_print_msg("%s +%lld\n", counters[i], tier_vmstat(counters[i]) - before[i]);
	ksft_print_msg("corrupted pages: %zu of %zu, zswap rounds with bad data: %ld\n",
		       bad, data_pages, zbad);

	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, zbad);
	EXPECT_EQ(0, st->knob_bad_taken);
	/* Each part must have run, or this stressed less than it says. */
	EXPECT_LT(0, st->hotplug_cycles);
	EXPECT_LT(0, st->zswap_cycles);
	EXPECT_LT(0, tier_vmstat("pghot_recorded_accesses") - before[0]);
	EXPECT_LT(0, tier_vmstat("pghot_promoted") - before[4]);
	EXPECT_LT(0, tier_vmstat("pgdemote_kswapd") + tier_vmstat("pgdemote_direct") -
		     before[6] - before[7]);
	EXPECT_LT(0, tier_vmstat("zswpout") - before[8]);
	munmap(data, DATA_MB * MB);
}

TIER_HARNESS_MAIN
