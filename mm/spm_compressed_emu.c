// SPDX-License-Identifier: GPL-2.0
/*
 * An emulated compressed-memory device, for testing compressed nodes as a
 * demotion target on machines that have none.
 *
 * It attaches to a node latched as specific-purpose memory of purpose
 * "compressed" and reports that node's real capacity the way a device
 * that compresses inline would: a physical size (by default the node's
 * memory) less what the pages stored there take once compressed.  Each
 * page's cost is estimated when demotion is about to copy it there, with
 * the kernel's LZ4 compressor, in 64-byte units, and is given back once
 * the page has been freed.  Pages the node takes by other means (zswap)
 * are not counted.  It also remembers a hash of what each page should
 * hold, so that a test can tell whether anything wrote to the node.
 *
 * Its interface, in /sys/kernel/debug/spm_compressed_emu/:
 *   attach       write a node id to attach, -1 to detach; reads the node
 *   physical_kb  the emulated physical size; 0: the node's memory
 *   stats        stored pages, bytes they take, physical and free bytes
 *   verify       how many stored pages, still mapped, no longer hold
 *                what was demoted there
 *
 * Limits: a page is counted free once its reference count is zero, which
 * a page being migrated off the node also shows for a moment; memory added
 * to the node after the attach is charged a whole page per page stored,
 * and given back only by detaching.  The hash is taken before the source
 * page is unmapped for the copy: a write to it in that window (a demotion
 * racing a writer) shows as a change.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/jhash.h>
#include <linux/lz4.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/slab.h>
#include <linux/spm_compressed.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>

#define EMU_UNIT	64
/* Give freed pages' capacity back at most this often, from reclaim ... */
#define EMU_SWEEP_MS	10
/* ... and look at no more than this many PFNs each time. */
#define EMU_SWEEP_PFNS	4096

/**
 * struct spm_emu - the emulated device
 * @dev: what spm_compressed_register() knows of it.
 * @start_pfn: the first PFN of the node when it attached.
 * @nr_pfns: how many PFNs @cost covers.
 * @cost: EMU_UNITs each PFN's page takes on the device; 0: nothing stored.
 * @hash: what each stored page holds, hashed.
 * @used: the bytes stored pages take, by @cost.
 * @untracked: bytes charged for pages beyond @nr_pfns.
 * @stored: how many entries of @cost are not 0.
 * @physical: the physical size, in bytes.
 * @last_sweep: jiffies of the last pass that gave back freed pages.
 * @cursor: where that pass stopped.
 * @lock: protects @cost, @hash, @used, @untracked, @stored, @last_sweep,
 *	@cursor and the compressor's buffers.  Taken from reclaim under
 *	rcu_read_lock() and from debugfs, never from interrupts.
 * @wrkmem: LZ4's work memory.
 * @out: LZ4's output.
 *
 * @dev.nid, @start_pfn, @nr_pfns and the arrays change only under
 * spm_emu_mutex while the device is not registered; @physical is written
 * with WRITE_ONCE() under spm_emu_mutex and read locklessly.
 */
struct spm_emu {
	struct spm_compressed_device dev;
	unsigned long start_pfn;
	unsigned long nr_pfns;
	u16 *cost;
	u32 *hash;
	u64 used;
	u64 untracked;
	unsigned long stored;
	u64 physical;
	unsigned long last_sweep;
	unsigned long cursor;
	spinlock_t lock;	/* see above */
	void *wrkmem;
	char *out;
};

static struct spm_emu spm_emu = {
	.dev.nid = NUMA_NO_NODE,
	.lock = __SPIN_LOCK_UNLOCKED(spm_emu.lock),
};

static DEFINE_MUTEX(spm_emu_mutex);
static u64 spm_emu_physical_kb;

/* Has the page stored at index @i been freed?  Called with @lock held. */
static bool spm_emu_freed(struct spm_emu *emu, unsigned long i)
{
	struct page *page = pfn_to_online_page(emu->start_pfn + i);

	return !page || !page_ref_count(page);
}

/*
 * Give back what freed pages took, for @nr PFNs from the cursor on.
 * Called with @lock held.
 */
static void spm_emu_sweep(struct spm_emu *emu, unsigned long nr)
{
	unsigned long i;

	for (; nr && emu->nr_pfns; nr--) {
		i = emu->cursor;
		emu->cursor = i + 1 < emu->nr_pfns ? i + 1 : 0;
		if (!emu->cost[i] || !spm_emu_freed(emu, i))
			continue;
		emu->used -= (u64)emu->cost[i] * EMU_UNIT;
		emu->cost[i] = 0;
		emu->stored--;
	}
	emu->last_sweep = jiffies;
}

static struct spm_emu *to_emu(struct spm_compressed_device *dev)
{
	return container_of(dev, struct spm_emu, dev);
}

static u64 spm_emu_real_size(struct spm_compressed_device *dev)
{
	return READ_ONCE(to_emu(dev)->physical);
}

static u64 spm_emu_free(struct spm_emu *emu)
{
	u64 physical = READ_ONCE(emu->physical), used;

	lockdep_assert_held(&emu->lock);
	used = emu->used + emu->untracked;
	return physical > used ? physical - used : 0;
}

static u64 spm_emu_real_free(struct spm_compressed_device *dev)
{
	struct spm_emu *emu = to_emu(dev);
	u64 free;

	spin_lock(&emu->lock);
	if (time_after(jiffies, emu->last_sweep +
		       msecs_to_jiffies(EMU_SWEEP_MS)))
		spm_emu_sweep(emu, EMU_SWEEP_PFNS);
	free = spm_emu_free(emu);
	spin_unlock(&emu->lock);
	return free;
}

/* What storing @from costs: its LZ4 size in EMU_UNITs, at most a page. */
static unsigned int spm_emu_cost(struct spm_emu *emu, const void *from)
{
	int len;

	len = LZ4_compress_default(from, emu->out, PAGE_SIZE,
				   LZ4_COMPRESSBOUND(PAGE_SIZE), emu->wrkmem);
	if (len <= 0 || len >= PAGE_SIZE)
		return PAGE_SIZE / EMU_UNIT;
	return DIV_ROUND_UP(len, EMU_UNIT);
}

static u32 spm_emu_hash(const void *from)
{
	return jhash2(from, PAGE_SIZE / sizeof(u32), 0);
}

static void spm_emu_will_store(struct spm_compressed_device *dev,
			       struct folio *src, struct folio *dst)
{
	struct spm_emu *emu = to_emu(dev);
	unsigned long i = folio_pfn(dst) - emu->start_pfn;
	unsigned int cost;
	void *from;

	from = kmap_local_folio(src, 0);
	spin_lock(&emu->lock);
	cost = spm_emu_cost(emu, from);
	if (i < emu->nr_pfns) {
		if (emu->cost[i]) {
			emu->used -= (u64)emu->cost[i] * EMU_UNIT;
			emu->stored--;
		}
		emu->cost[i] = cost;
		emu->hash[i] = spm_emu_hash(from);
		emu->used += (u64)cost * EMU_UNIT;
		emu->stored++;
	} else {
		/* Memory added to the node after the attach. */
		emu->untracked += PAGE_SIZE;
	}
	spin_unlock(&emu->lock);
	kunmap_local(from);
}

static const struct spm_compressed_ops spm_emu_ops = {
	.real_size = spm_emu_real_size,
	.real_free = spm_emu_real_free,
	.will_store = spm_emu_will_store,
};

static void spm_emu_free_arrays(struct spm_emu *emu)
{
	vfree(emu->cost);
	vfree(emu->hash);
	kfree(emu->wrkmem);
	kfree(emu->out);
	emu->cost = NULL;
	emu->hash = NULL;
	emu->wrkmem = NULL;
	emu->out = NULL;
}

static void spm_emu_detach(struct spm_emu *emu)
{
	lockdep_assert_held(&spm_emu_mutex);
	if (emu->dev.nid == NUMA_NO_NODE)
		return;
	spm_compressed_unregister(&emu->dev);
	spm_emu_free_arrays(emu);
	emu->nr_pfns = 0;
	emu->used = 0;
	emu->untracked = 0;
	emu->stored = 0;
	emu->cursor = 0;
	emu->dev.nid = NUMA_NO_NODE;
}

static int spm_emu_attach(struct spm_emu *emu, int nid)
{
	unsigned long start, end;
	int ret;

	lockdep_assert_held(&spm_emu_mutex);
	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid) ||
	    mt_node_spm_purpose(nid) != MT_SPM_COMPRESSED)
		return -EINVAL;
	if (emu->dev.nid != NUMA_NO_NODE)
		return -EBUSY;
	start = node_start_pfn(nid);
	end = node_end_pfn(nid);
	if (end <= start)
		return -EINVAL;
	emu->cost = vzalloc(array_size(end - start, sizeof(*emu->cost)));
	emu->hash = vzalloc(array_size(end - start, sizeof(*emu->hash)));
	emu->wrkmem = kmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
	emu->out = kmalloc(LZ4_COMPRESSBOUND(PAGE_SIZE), GFP_KERNEL);
	if (!emu->cost || !emu->hash || !emu->wrkmem || !emu->out) {
		spm_emu_free_arrays(emu);
		return -ENOMEM;
	}
	emu->start_pfn = start;
	emu->nr_pfns = end - start;
	emu->cursor = 0;
	emu->last_sweep = jiffies;
	WRITE_ONCE(emu->physical, spm_emu_physical_kb ?
		   spm_emu_physical_kb << 10 :
		   (u64)node_present_pages(nid) << PAGE_SHIFT);
	emu->dev.ops = &spm_emu_ops;
	emu->dev.nid = nid;
	ret = spm_compressed_register(&emu->dev);
	if (ret) {
		emu->dev.nid = NUMA_NO_NODE;
		spm_emu_free_arrays(emu);
	}
	return ret;
}

static int spm_emu_attach_get(void *data, u64 *val)
{
	guard(mutex)(&spm_emu_mutex);
	*val = (s64)spm_emu.dev.nid;
	return 0;
}

/* The signed attribute passes -1 as (u64)-1. */
static int spm_emu_attach_set(void *data, u64 val)
{
	s64 nid = (s64)val;

	if (nid < -1 || nid >= MAX_NUMNODES)
		return -EINVAL;
	guard(mutex)(&spm_emu_mutex);
	if (nid == -1) {
		spm_emu_detach(&spm_emu);
		return 0;
	}
	return spm_emu_attach(&spm_emu, nid);
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(spm_emu_attach_fops, spm_emu_attach_get,
				spm_emu_attach_set, "%lld\n");

static int spm_emu_physical_get(void *data, u64 *val)
{
	*val = READ_ONCE(spm_emu.physical) >> 10;
	return 0;
}

static int spm_emu_physical_set(void *data, u64 val)
{
	if (val > U64_MAX >> 10)
		return -EINVAL;
	guard(mutex)(&spm_emu_mutex);
	spm_emu_physical_kb = val;
	if (spm_emu.dev.nid != NUMA_NO_NODE)
		WRITE_ONCE(spm_emu.physical, val ? val << 10 :
			   (u64)node_present_pages(spm_emu.dev.nid) << PAGE_SHIFT);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(spm_emu_physical_fops, spm_emu_physical_get,
			 spm_emu_physical_set, "%llu\n");

/* A whole sweep, a chunk at a time.  Called under spm_emu_mutex. */
static void spm_emu_sweep_all(struct spm_emu *emu)
{
	unsigned long done;

	for (done = 0; done < emu->nr_pfns; done += EMU_SWEEP_PFNS) {
		spin_lock(&emu->lock);
		spm_emu_sweep(emu, EMU_SWEEP_PFNS);
		spin_unlock(&emu->lock);
		cond_resched();
	}
}

static int spm_emu_stats_show(struct seq_file *m, void *v)
{
	u64 used = 0, free = 0, untracked = 0, physical;
	unsigned long stored = 0;

	guard(mutex)(&spm_emu_mutex);
	physical = READ_ONCE(spm_emu.physical);
	if (spm_emu.dev.nid != NUMA_NO_NODE) {
		/* Pages freed but held by a CPU's LRU batch count as stored. */
		lru_add_drain_all();
		spm_emu_sweep_all(&spm_emu);
		spin_lock(&spm_emu.lock);
		used = spm_emu.used;
		untracked = spm_emu.untracked;
		stored = spm_emu.stored;
		free = spm_emu_free(&spm_emu);
		spin_unlock(&spm_emu.lock);
	}
	seq_printf(m, "nid %d\nstored_pages %lu\nused_bytes %llu\nuntracked_bytes %llu\nphysical_bytes %llu\nfree_bytes %llu\n",
		   spm_emu.dev.nid, stored, used, untracked, physical, free);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(spm_emu_stats);

/*
 * How many stored pages that are still mapped no longer hold what was
 * demoted there: anything but 0 means something wrote to the node.  A
 * page not (or no longer) mapped is not checked: demotion maps it only
 * once it has been copied.
 */
static int spm_emu_verify_show(struct seq_file *m, void *v)
{
	unsigned long i, checked = 0, changed = 0;
	struct spm_emu *emu = &spm_emu;
	struct page *page;
	void *addr;

	guard(mutex)(&spm_emu_mutex);
	for (i = 0; i < emu->nr_pfns; i++) {
		spin_lock(&emu->lock);
		page = pfn_to_online_page(emu->start_pfn + i);
		if (emu->cost[i] && page && page_ref_count(page) &&
		    page_mapped(page)) {
			addr = kmap_local_page(page);
			checked++;
			if (spm_emu_hash(addr) != emu->hash[i])
				changed++;
			kunmap_local(addr);
		}
		spin_unlock(&emu->lock);
		if (!(i % EMU_SWEEP_PFNS))
			cond_resched();
	}
	seq_printf(m, "checked %lu\nchanged %lu\n", checked, changed);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(spm_emu_verify);

static int __init spm_emu_init(void)
{
	struct dentry *dir = debugfs_create_dir("spm_compressed_emu", NULL);

	debugfs_create_file_unsafe("attach", 0600, dir, NULL,
				   &spm_emu_attach_fops);
	debugfs_create_file_unsafe("physical_kb", 0600, dir, NULL,
				   &spm_emu_physical_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &spm_emu_stats_fops);
	debugfs_create_file("verify", 0400, dir, NULL, &spm_emu_verify_fops);
	return 0;
}
late_initcall(spm_emu_init);
