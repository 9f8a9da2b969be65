// SPDX-License-Identifier: GPL-2.0
/*
 * The promotion policy of NUMA balancing in memory tiering mode
 * (kernel.numa_balancing=2), shared by its hint fault path and by pghot:
 * when a lower-tier page is hot enough to promote, and how many pages may
 * be promoted to a node per second.
 *
 * Built with CONFIG_NUMA_BALANCING, with or without the rest of pghot.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pghot.h>
#include <linux/vmstat.h>

/* Promotion budget of each top-tier node, in MB per second. */
unsigned int sysctl_numa_balancing_promote_rate_limit = 65536;

/* A page with a hint fault latency under this (ms) is hot. */
unsigned int sysctl_numa_balancing_hot_threshold = MSEC_PER_SEC;

#define NUMA_MIGRATION_ADJUST_STEPS	16

/*
 * If there are enough free pages (more than the watermark defined here)
 * on a fast memory node, to take full advantage of its capacity, every
 * recently accessed slow memory page is promoted, whatever the hot
 * threshold.
 */
static bool pgdat_free_space_enough(struct pglist_data *pgdat)
{
	int z;
	unsigned long enough_wmark;

	enough_wmark = max(1UL * 1024 * 1024 * 1024 >> PAGE_SHIFT,
			   pgdat->node_present_pages >> 4);
	for (z = pgdat->nr_zones - 1; z >= 0; z--) {
		struct zone *zone = pgdat->node_zones + z;

		if (!populated_zone(zone))
			continue;

		if (zone_watermark_ok(zone, 0,
				      promo_wmark_pages(zone) + enough_wmark,
				      ZONE_MOVABLE, 0))
			return true;
	}
	return false;
}

/*
 * When page tables are scanned, the scan time is recorded in struct page,
 * in addition to making a slow memory page PROT_NONE.  The hint page
 * fault handler then computes
 *
 *	hint page fault latency = hint page fault time - scan time
 *
 * The smaller the latency, the likelier the page is hot.
 */
static int numa_hint_fault_latency(struct folio *folio)
{
	int last_time, time;

	time = jiffies_to_msecs(jiffies);
	last_time = folio_xchg_access_time(folio, time);

	return (time - last_time) & PAGE_ACCESS_TIME_MASK;
}

/**
 * pghot_promote_rate_limited() - Charge a promotion to a node's rate limit.
 * @pgdat: the node the pages would be promoted to.
 * @nr: the number of pages.
 *
 * Too much promotion (and so demotion) traffic hurts application latency.
 * Count @nr pages as promotion candidates (pgpromote_candidate) and tell
 * whether the node's budget, kernel.numa_balancing_promote_rate_limit_MBps,
 * is spent for the current one-second window.
 *
 * Return: true if the pages must not be promoted now.
 */
bool pghot_promote_rate_limited(struct pglist_data *pgdat, unsigned long nr)
{
	unsigned long rate_limit, nr_cand;
	unsigned int now, start;

	rate_limit = (unsigned long)READ_ONCE(sysctl_numa_balancing_promote_rate_limit)
		     << (20 - PAGE_SHIFT);
	now = jiffies_to_msecs(jiffies);
	mod_node_page_state(pgdat, PGPROMOTE_CANDIDATE, nr);
	nr_cand = node_page_state(pgdat, PGPROMOTE_CANDIDATE);
	start = pgdat->nbp_rl_start;
	if (now - start > MSEC_PER_SEC &&
	    cmpxchg(&pgdat->nbp_rl_start, start, now) == start)
		pgdat->nbp_rl_nr_cand = nr_cand;
	return nr_cand - pgdat->nbp_rl_nr_cand >= rate_limit;
}

/*
 * Move the hot threshold so that the promotion candidates per period come
 * close to what the rate limit allows.
 */
static void numa_promotion_adjust_threshold(struct pglist_data *pgdat,
					    unsigned long rate_limit,
					    unsigned int ref_th)
{
	unsigned int now, start, th_period, unit_th, th;
	unsigned long nr_cand, ref_cand, diff_cand;

	now = jiffies_to_msecs(jiffies);
	th_period = sysctl_numa_balancing_scan_period_max;
	start = pgdat->nbp_th_start;
	if (now - start > th_period &&
	    cmpxchg(&pgdat->nbp_th_start, start, now) == start) {
		ref_cand = rate_limit *
			sysctl_numa_balancing_scan_period_max / MSEC_PER_SEC;
		nr_cand = node_page_state(pgdat, PGPROMOTE_CANDIDATE);
		diff_cand = nr_cand - pgdat->nbp_th_nr_cand;
		unit_th = ref_th * 2 / NUMA_MIGRATION_ADJUST_STEPS;
		th = pgdat->nbp_threshold ? : ref_th;
		if (diff_cand > ref_cand * 11 / 10)
			th = max(th - unit_th, unit_th);
		else if (diff_cand < ref_cand * 9 / 10)
			th = min(th + unit_th, ref_th * 2);
		pgdat->nbp_th_nr_cand = nr_cand;
		pgdat->nbp_threshold = th;
	}
}

/**
 * pghot_promote_hint_fault() - Should a hint fault promote a lower-tier folio?
 * @folio: the folio, on a lower-tier node, that took a hint fault.
 * @dst_nid: the node of the CPU that faulted.
 *
 * The policy of NUMA balancing's memory tiering mode: promote every
 * recently accessed page while @dst_nid has plenty of free memory;
 * otherwise only pages whose hint fault latency is under the hot
 * threshold, which adjusts itself to the rate limit, and within the rate
 * limit.
 *
 * Return: true if the folio should be promoted to @dst_nid.
 */
bool pghot_promote_hint_fault(struct folio *folio, int dst_nid)
{
	struct pglist_data *pgdat = NODE_DATA(dst_nid);
	unsigned long rate_limit;
	unsigned int latency, th, def_th;

	if (pgdat_free_space_enough(pgdat)) {
		/* workload changed, reset hot threshold */
		pgdat->nbp_threshold = 0;
		return true;
	}

	def_th = sysctl_numa_balancing_hot_threshold;
	rate_limit = (unsigned long)sysctl_numa_balancing_promote_rate_limit <<
		     (20 - PAGE_SHIFT);
	numa_promotion_adjust_threshold(pgdat, rate_limit, def_th);

	th = pgdat->nbp_threshold ? : def_th;
	latency = numa_hint_fault_latency(folio);
	if (latency >= th)
		return false;

	return !pghot_promote_rate_limited(pgdat, folio_nr_pages(folio));
}
