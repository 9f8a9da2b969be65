// SPDX-License-Identifier: GPL-2.0
/*
 * bench-workload: one scenario of make bench (bin/bench), with a known
 * access distribution, on memory placed on the lower tier (node 1).
 *
 *   bench-workload SCENARIO SECONDS [hwhint]
 *
 * SCENARIO is
 *   static    32 MiB hot of 256 MiB anonymous memory;
 *   pressure  static, with node 0 first filled with cold memory until only
 *             10% of it is free, less than the hot set (demotion on);
 *   shift     static, but the hot 32 MiB moves to the next 32 MiB every
 *             SECONDS / 4 seconds, three times;
 *   uniform   node 0 first filled as for pressure, then every page of that
 *             memory and of the 256 MiB equally likely: beyond node 0's
 *             free 10%, a page promoted displaces one just as hot, so
 *             promotion can help no further;
 *   file      static, on page cache of a file on the testbed's disk;
 *   thp       static, in transparent huge pages;
 *   idle      1 GiB, never touched.
 * "hwhint" also feeds pghot's hardware-hint injector with a sample of one
 * access in four (a synthetic IBS: no testbed CPU has IBS).
 *
 * Its accesses are reads, one word a page, the hot set in order (uniform:
 * random pages, as many a round).  Every 50 ms a second thread asks the
 * kernel where the pages are (move_pages() with no nodes) and prints
 *
 *   S <ms> <phase> <share0> <hot_on0> <hot_n> <cold_on0> <cold_n> <old_on0> <old_n>
 *
 * share0 is the share of the workload's accesses that node 0 served, from
 * its known distribution: uniform over the hot set (uniform: over every
 * page, the 256 MiB and node 0's filling, from a 1-in-8 sample).  hot,
 * cold and old count, on node 0 and in all, the pages of the current hot
 * set, of a 1-in-8 sample of the pages never hot so far, and of the
 * previous hot set (shift).
 *
 * Between the start and the end of the accesses (not the setup, not the
 * final check) it measures
 *
 *   V <vmstat counter> <delta>   every /proc/vmstat counter that changed
 *   K <kthread> <ms>             CPU of kmigrated*, klruscand, kdamond*,
 *                                kswapd* (-1: no such thread)
 *   R task_sys_ms <ms>           system time of the accessing thread: hint
 *                                faults, and migration in its context
 *   R feed_sys_ms <ms>           of it, what feeding the injector took
 *
 * Once its memory is in place it prints "R placed 1" and reads a line from
 * stdin before it starts (bench.sh starts the mechanism in between).
 * At the end, R lines: rounds, secs, crowd_mb, thp_kb_start,
 * thp_kb_end, cold_on0_end, cold_end (pages never hot, on node 0 and in
 * all), verify and crowd_verify (-1: every byte intact, else the offset of
 * the first bad one).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(256 * MB)
#define HOT		(32 * MB)
#define IDLE		(1024 * MB)
#define SEED		0xbe4c0001ULL
#define SAMPLE_MS	50
#define COLD_STRIDE	8
#define SHIFTS		3
#define HWHINT_EVERY	4
#define MAX_VMSTAT	256

static const char *const kthreads[] = { "kmigrated", "klruscand", "kdamond", "kswapd" };

/**
 * struct workload - One run.
 * @scen: the scenario's name.
 * @buf: the memory it accesses, placed on node 1.
 * @len: its length.
 * @crowd: the memory filling node 0 (pressure, uniform), or NULL.
 * @crowd_len: its length.
 * @hot_len: the length of a hot set.
 * @uniform: every page equally likely.
 * @phase: how many times the hot set moved; hot set N is [N * @hot_len,
 *	(N + 1) * @hot_len).  Written by the accessing thread only.
 * @stop: set by the accessing thread when the run is over.
 *
 * The sampler reads @phase and @stop, and derives the hot sets from
 * @phase, so that a sample never mixes two phases.
 */
struct workload {
	const char *scen;
	char *buf;
	size_t len;
	char *crowd;
	size_t crowd_len;
	size_t hot_len;
	bool uniform;
	int phase;
	int stop;
};

/* The first byte after every hot set so far: the never-hot rest follows. */
static size_t never_hot(struct workload *w, int phase)
{
	return (phase + 1) * w->hot_len;
}

/* Page @i of @w's accesses: @buf's pages, then (uniform) @crowd's. */
static char *page_at(struct workload *w, size_t i)
{
	size_t pages = w->len / tier_page_size;

	return i < pages ? w->buf + i * tier_page_size :
			   w->crowd + (i - pages) * tier_page_size;
}

/*
 * Pages of [off, off + len) of @base, every @stride-th, on node 0, in one
 * move_pages() query; *n gets how many were asked about.
 */
static size_t on_node0(char *base, size_t off, size_t len, size_t stride, size_t *n)
{
	size_t pages = len / tier_page_size, i, on0 = 0;
	void **addrs;
	int *status;

	*n = 0;
	if (!pages)
		return 0;
	addrs = calloc(pages / stride + 1, sizeof(*addrs));
	status = calloc(pages / stride + 1, sizeof(*status));
	if (addrs && status) {
		for (i = 0; i < pages; i += stride)
			addrs[(*n)++] = base + off + i * tier_page_size;
		if (syscall(SYS_move_pages, 0, *n, addrs, NULL, status, 0))
			*n = 0;
		for (i = 0; i < *n; i++)
			on0 += status[i] == 0;
	}
	free(addrs);
	free(status);
	return on0;
}

static void *sampler(void *arg)
{
	struct workload *w = arg;
	size_t hot_on0, hot_n, cold_on0, cold_n, old_on0 = 0, old_n = 0;
	struct timespec next;
	double start = tier_now();
	int phase;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		phase = __atomic_load_n(&w->phase, __ATOMIC_ACQUIRE);
		if (w->uniform) {
			/* Every page is hot: a 1-in-8 sample of them all. */
			hot_on0 = on_node0(w->buf, 0, w->len, COLD_STRIDE, &hot_n);
			hot_on0 += on_node0(w->crowd, 0, w->crowd_len, COLD_STRIDE, &cold_n);
			/* Half a sample would be biased: drop it (hot_n 0). */
			hot_n = hot_n && cold_n ? hot_n + cold_n : 0;
			cold_on0 = cold_n = 0;
		} else {
			hot_on0 = on_node0(w->buf, phase * w->hot_len, w->hot_len, 1, &hot_n);
			cold_on0 = on_node0(w->buf, never_hot(w, phase),
					    w->len - never_hot(w, phase), COLD_STRIDE, &cold_n);
			if (phase)
				old_on0 = on_node0(w->buf, (phase - 1) * w->hot_len,
						   w->hot_len, 1, &old_n);
		}
		printf("S %.0f %d %.4f %zu %zu %zu %zu %zu %zu\n",
		       (tier_now() - start) * 1000, phase,
		       hot_n ? (double)hot_on0 / hot_n : 0, hot_on0, hot_n,
		       cold_on0, cold_n, old_on0, old_n);
		next.tv_nsec += SAMPLE_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

static double thread_sys_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0;
}

/*
 * The PFN of the page at @p, from a pagemap kept open; 0 when it is not
 * present (being migrated) or unknown.
 */
static uint64_t pfn_at(char *p)
{
	static int fd = -1;
	uint64_t e;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, sizeof(e),
			    (uintptr_t)p / tier_page_size * sizeof(e)) != sizeof(e) ||
	    !(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/*
 * A synthetic hardware sampler: one of every HWHINT_EVERY pages touched
 * in a round (@pages, indexes into @w's pages), starting at a different
 * one each round, as IBS would report loads that missed the caches.
 * The PFNs of the hot set (from @first on) come from one pagemap read a
 * round; uniform looks up just the pages sampled, as the whole 1 GiB
 * would cost more than the round's accesses.
 */
static void hwhint_round(struct workload *w, const size_t *pages, size_t n,
			 size_t first, long round)
{
	static struct pghot_hwhint_sample *s;
	static uint64_t *pfns;
	static size_t cap;
	size_t i, k = 0;
	uint64_t pfn;
	char *p;

	if (cap < n / HWHINT_EVERY + 1) {
		free(s);
		free(pfns);
		cap = n / HWHINT_EVERY + 1;
		s = calloc(cap, sizeof(*s));
		pfns = calloc(w->hot_len / tier_page_size, sizeof(*pfns));
		if (!s || !pfns) {
			cap = 0;
			return;
		}
	}
	if (!w->uniform &&
	    pghot_pfns(w->buf + first * tier_page_size, w->hot_len, pfns))
		return;
	for (i = round % HWHINT_EVERY; i < n; i += HWHINT_EVERY) {
		p = page_at(w, pages[i]);
		pfn = w->uniform ? pfn_at(p) : pfns[pages[i] - first];
		if (pfn)
			pghot_hwhint_make(&s[k++], PGHOT_HWHINT_LOAD, p, pfn);
	}
	if (k)
		pghot_hwhint_inject(s, k);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The accesses, for @secs seconds: how many rounds. */
static long run(struct workload *w, double secs, bool hwhint, double *feed_ms)
{
	size_t hot_pages = w->hot_len / tier_page_size;
	size_t all = (w->len + w->crowd_len) / tier_page_size;
	size_t *pages = calloc(hot_pages, sizeof(*pages)), i, first;
	double start = tier_now(), phase_len = secs / (SHIFTS + 1), t;
	volatile uint64_t sink = 0;
	bool shift = !strcmp(w->scen, "shift");
	uint64_t x = SEED;
	long rounds = 0;
	int phase;

	*feed_ms = 0;
	if (!pages)
		return -1;
	while (tier_now() - start < secs) {
		phase = shift ? (int)((tier_now() - start) / phase_len) : 0;
		if (phase != w->phase && phase <= SHIFTS)
			__atomic_store_n(&w->phase, phase, __ATOMIC_RELEASE);
		first = w->uniform ? 0 : w->phase * hot_pages;
		for (i = 0; i < hot_pages; i++)
			pages[i] = w->uniform ? xorshift(&x) % all : first + i;
		for (i = 0; i < hot_pages; i++)
			sink += *(volatile uint64_t *)(page_at(w, pages[i]) + (pages[i] % 64) * 8);
		if (hwhint) {
			t = thread_sys_ms();
			hwhint_round(w, pages, hot_pages, first, rounds);
			*feed_ms += thread_sys_ms() - t;
		}
		rounds++;
	}
	free(pages);
	return rounds;
}

/**
 * struct counters - What the kernel counted, at one moment.
 * @name: /proc/vmstat's counter names; @val: their values; @n: how many.
 * @kcpu: CPU seconds of each of kthreads[], or -1.
 */
struct counters {
	char name[MAX_VMSTAT][48];
	long long val[MAX_VMSTAT];
	int n;
	double kcpu[sizeof(kthreads) / sizeof(kthreads[0])];
};

static void snapshot(struct counters *c)
{
	FILE *f = fopen("/proc/vmstat", "r");
	size_t i;

	c->n = 0;
	while (f && c->n < MAX_VMSTAT &&
	       fscanf(f, "%47s %lld", c->name[c->n], &c->val[c->n]) == 2)
		c->n++;
	if (f)
		fclose(f);
	for (i = 0; i < sizeof(kthreads) / sizeof(kthreads[0]); i++)
		c->kcpu[i] = pghot_kthread_cpu(kthreads[i]);
}

static void print_deltas(const struct counters *a, const struct counters *b)
{
	size_t i;
	int j;

	for (j = 0; j < a->n && j < b->n; j++)
		if (b->val[j] != a->val[j] && !strcmp(a->name[j], b->name[j]))
			printf("V %s %lld\n", a->name[j], b->val[j] - a->val[j]);
	for (i = 0; i < sizeof(kthreads) / sizeof(kthreads[0]); i++)
		printf("K %s %.0f\n", kthreads[i], a->kcpu[i] < 0 || b->kcpu[i] < 0 ? -1 :
		       (b->kcpu[i] - a->kcpu[i]) * 1000);
}

/* Fill node 0 with cold memory until 10% of it is free: *len bytes. */
static char *crowd_node0(size_t *len)
{
	size_t free, total;
	char *buf;

	*len = 0;
	if (tier_node_mem(0, &free, &total) || free < total / 10 + HOT ||
	    tier_set_knob("/sys/kernel/mm/numa/demotion_enabled", "1"))
		return NULL;
	*len = (free - total / 10) & ~(2 * MB - 1);
	buf = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	if (!madvise(buf, *len, MADV_NOHUGEPAGE) && !tier_mbind(buf, *len, 0)) {
		tier_fill(buf, *len, SEED + 1);
		if (!tier_mbind(buf, *len, -1))
			return buf;
	}
	munmap(buf, *len);
	return NULL;
}

int main(int argc, char **argv)
{
	struct counters *c0 = calloc(2, sizeof(*c0)), *c1 = c0 + 1;
	struct workload w = { .len = TOTAL, .hot_len = HOT };
	double secs, t0, sys0, feed_ms = 0;
	size_t n;
	struct rusage ru;
	pthread_t thread;
	long rounds = 0;
	bool hwhint;

	if (argc < 3 || !c0) {
		fprintf(stderr, "usage: %s static|pressure|shift|uniform|file|thp|idle SECONDS [hwhint]\n",
			argv[0]);
		return 2;
	}
	w.scen = argv[1];
	secs = atof(argv[2]);
	hwhint = argc > 3 && !strcmp(argv[3], "hwhint");
	w.uniform = !strcmp(w.scen, "uniform");
	if (!strcmp(w.scen, "file"))
		w.buf = tier_map_file_on_node(TIER_FILE_DIR, w.len, 1, SEED);
	else if (!strcmp(w.scen, "thp"))
		w.buf = tier_alloc_thp_on_node(w.len, 1, SEED);
	else if (!strcmp(w.scen, "idle"))
		w.buf = tier_alloc_on_node(w.len = IDLE, 1, SEED);
	else if (!strcmp(w.scen, "static") || !strcmp(w.scen, "pressure") ||
		 !strcmp(w.scen, "shift") || w.uniform)
		w.buf = tier_alloc_on_node(w.len, 1, SEED);
	else {
		fprintf(stderr, "%s: unknown scenario %s\n", argv[0], w.scen);
		return 2;
	}
	if (!w.buf || secs <= 0) {
		fprintf(stderr, "%s: cannot place %zu MiB on node 1\n", argv[0], w.len / MB);
		return 1;
	}
	if (!strcmp(w.scen, "pressure") || w.uniform) {
		w.crowd = crowd_node0(&w.crowd_len);
		if (!w.crowd) {
			fprintf(stderr, "%s: cannot crowd node 0\n", argv[0]);
			tier_restore_all();
			return 1;
		}
		printf("R crowd_mb %zu\n", w.crowd_len / MB);
	}
	printf("R thp_kb_start %zu\n", tier_thp_bytes(w.buf) / 1024);
	/*
	 * Placed: say so, and wait for a line on stdin, so that the mechanism
	 * starts with the accesses (DAMON would move the pages being filled).
	 */
	printf("R placed 1\n");
	fflush(stdout);
	if (!fgets((char *)c1->name, sizeof(c1->name[0]), stdin))
		clearerr(stdin);

	snapshot(c0);
	t0 = tier_now();
	sys0 = thread_sys_ms();
	if (!strcmp(w.scen, "idle")) {
		while (tier_now() - t0 < secs)
			sleep(1);
	} else {
		if (pthread_create(&thread, NULL, sampler, &w))
			return 1;
		rounds = run(&w, secs, hwhint, &feed_ms);
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
		pthread_join(thread, NULL);
	}
	printf("R task_sys_ms %.0f\n", thread_sys_ms() - sys0);
	printf("R secs %.1f\n", tier_now() - t0);
	snapshot(c1);
	print_deltas(c0, c1);

	printf("R feed_sys_ms %.0f\n", feed_ms);
	printf("R rounds %ld\n", rounds);
	getrusage(RUSAGE_SELF, &ru);
	printf("R stime_ms %ld\n", ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	/* The pages never hot (idle: all; uniform: none), page by page. */
	if (w.uniform) {
		printf("R cold_on0_end 0\nR cold_end 0\n");
	} else {
		size_t from = !strcmp(w.scen, "idle") ? 0 : never_hot(&w, w.phase);

		printf("R cold_on0_end %zu\n", on_node0(w.buf, from, w.len - from, 1, &n));
		printf("R cold_end %zu\n", n);
	}
	printf("R thp_kb_end %zu\n", tier_thp_bytes(w.buf) / 1024);
	printf("R verify %ld\n", tier_verify(w.buf, w.len, SEED));
	if (w.crowd)
		printf("R crowd_verify %ld\n", tier_verify(w.crowd, w.crowd_len, SEED + 1));
	tier_restore_all();
	return 0;
}
