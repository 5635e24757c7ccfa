/* The comparison table (fuzz/cmp_table.h). Built without comparison
 * tracing in the libFuzzer trees (fuzz/CMakeLists.txt): it runs inside
 * the tracing hooks. */
#include "fuzz/cmp_table.h"

#include <errno.h>
#include <linux/kvm.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/bytes.h"
#include "vmm/exit.h"

struct cmp_slot {
	uint64_t var;
	uint64_t c[FUZZ_CMP_PER];
	uint16_t hits[FUZZ_CMP_PER]; /* comparisons seen, saturating */
	uint8_t n;		     /* constants held */
	uint8_t next; /* where the search for one to replace starts */
};

/* 1-byte comparisons of one byte value */
struct cmp_byte {
	uint8_t c[FUZZ_CMP_BYTE_PER];
	uint8_t n, next;
};

/* the constants one device register's written value was compared with */
struct cmp_site {
	uint64_t key; /* fuzz_cmp_site_key */
	uint64_t c[FUZZ_CMP_SITE_PER];
	uint16_t hits[FUZZ_CMP_SITE_PER];
	uint8_t n, next;
};

/* (kind and width, constant) pairs ever noted, hashed, a bit each: a
 * slot of FUZZ_CMP_SITE_PER turns its constants over (the most-compared
 * goes), and one back after a while is not a new check. About 1,900
 * pairs in a 100-s libFuzzer process on a 600-s trial's corpus: 64 Kibit
 * make a false "seen" (and a rare pair counted with a common one) about
 * 3% likely. */
#define SEEN_BITS (1U << 16)

/* The shared file: this header, then FUZZ_CMP_SLOTS slots, 256 byte
 * slots, FUZZ_CMP_SITES site slots, the FUZZ_FRESH_N kept inputs, the
 * seen pairs, and the times each pair was compared this round (by its
 * seen bit, saturating: cmp_table.h, FUZZ_FRESH_COMMON). */
struct cmp_file_hdr {
	uint64_t magic; /* written last by the creator */
	uint32_t version, slots, per, slot_size;
	uint64_t noted;
	/* wide constants compared with 0 (below) */
	uint64_t zero_wide[FUZZ_CMP_ZERO_WIDE];
	uint32_t zero_next;
	uint32_t fresh_next; /* inputs kept in the ring, ever */
	/* when the next round starts (CLOCK_MONOTONIC, ns; 0: a round
	 * after the next run's start), and rounds started */
	uint64_t round_at;
	uint32_t rounds;
	uint32_t reserved[3];
};

/* an input that showed a new check (fuzz_cmp_fresh_end) */
struct cmp_fresh {
	/* fresh_next after it was kept; 0 never used, FRESH_WRITING while
	 * a writer fills it */
	uint64_t seq;
	/* seq, once the mutator gave the entry all its tries */
	uint64_t done;
	/* seq, once the mutator gave the entry its first FRESH_FIRST tries */
	uint64_t tried;
	struct fuzz_fresh_check check;
	uint32_t size;
	uint32_t bit; /* the check's seen bit */
	/* the times its pair was compared this round when it was kept */
	uint32_t shown;
	uint32_t reserved;
	uint8_t data[FUZZ_FRESH_MAX];
};

#define FRESH_WRITING UINT64_MAX

#define CMP_FILE_MAGIC 0x31504d4346564b00ULL /* "\0KVFCMP1" */
#define CMP_FILE_VERSION 12U
/* where the kept inputs start in the file */
#define CMP_FRESH_OFF                               \
	(sizeof(struct cmp_file_hdr) +              \
	 FUZZ_CMP_SLOTS * sizeof(struct cmp_slot) + \
	 256 * sizeof(struct cmp_byte) +            \
	 FUZZ_CMP_SITES * sizeof(struct cmp_site))
#define CMP_FILE_SIZE                                              \
	(CMP_FRESH_OFF + FUZZ_FRESH_N * sizeof(struct cmp_fresh) + \
	 SEEN_BITS / 8 + SEEN_BITS * sizeof(uint16_t))

static struct cmp_slot local_table[FUZZ_CMP_SLOTS];
static struct cmp_byte local_bytes[256];
static struct cmp_site local_sites[FUZZ_CMP_SITES];
static struct cmp_fresh local_fresh[FUZZ_FRESH_N];
static uint8_t local_seen[SEEN_BITS / 8];
static uint16_t local_shown[SEEN_BITS];
static struct cmp_file_hdr local_hdr;
/* the table in use: this process's, or the shared file's mapping */
static struct cmp_slot *table = local_table;
static struct cmp_byte *bytes = local_bytes;
static struct cmp_site *sites = local_sites;
static struct cmp_fresh *fresh = local_fresh;
static uint8_t *seen = local_seen;
static uint16_t *shown = local_shown;
static struct cmp_file_hdr *hdr = &local_hdr;

/* This run's first new checks (any thread of the run may note one),
 * each kept with the input: a later one does not push an earlier one
 * out. The last one alone was kept at first: in the AFL++ tree, where
 * comparisons of two variables are noted too, P10's check was pushed
 * out by a coincidental one later in its run (0 of 5 trials). */
#define FRESH_PER_RUN 4U
static struct {
	struct fuzz_fresh_check check[FRESH_PER_RUN];
	uint32_t bit[FRESH_PER_RUN]; /* each one's seen bit */
	unsigned int n;
	int value; /* a written value's check is among them */
} run_fresh;
/* the tries an entry gets before the mutator goes back to one it tried
 * (fuzz_cmp_fresh_take) */
#define FRESH_FIRST 4U
/* the reader's tries of each ring entry, by its seq */
static uint64_t tried_seq[FUZZ_FRESH_N];
static unsigned int tried_n[FUZZ_FRESH_N];

/* the write this thread's VMM is servicing (fuzz_cmp_site_begin) */
#define SITE_ELEMS 8U /* string OUT: the elements looked at */
struct site_ctx {
	int on;
	unsigned int mmio, width, n;
	uint64_t addr;
	uint64_t v[SITE_ELEMS];
	/* any MMIO or port access (a read too): its address or port, for
	 * address checks */
	int acc_on;
	unsigned int acc_mmio, acc_width;
	uint64_t acc_addr;
};
static __thread struct site_ctx cur;

/* this thread's last read served from the input stream (fuzz_cmp_read) */
static __thread struct {
	uint64_t from, value; /* from: 1 + the offset, 0 none */
	unsigned int width;
} last_read;

static void site_match(uint64_t c, uint64_t var, unsigned int width);
static void addr_match(uint64_t c, uint64_t var);

/* The next free entry of this run's checks, with its seen bit `b`, or
 * NULL: vCPU threads may take one at once (concurrent mode), each gets
 * its own index. */
static struct fuzz_fresh_check *run_check(uint32_t b)
{
	unsigned int i = __atomic_fetch_add(&run_fresh.n, 1U, __ATOMIC_RELAXED);

	if (i >= FRESH_PER_RUN)
		return NULL;
	run_fresh.bit[i] = b;
	memset(&run_fresh.check[i], 0, sizeof(run_fresh.check[i]));
	return &run_fresh.check[i];
}

/* The constant `c` compared with a value written to register `key`,
 * the check not new: if one of this run's checks has `c` at another
 * register of that kind and width, `key` is one of its others. (vCPU
 * threads of one run at once, concurrent mode: an entry may get a key
 * twice or lose one, no more.) */
static void fresh_alt(uint64_t key, uint64_t c)
{
	unsigned int n = __atomic_load_n(&run_fresh.n, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < n && i < FRESH_PER_RUN; i++) {
		struct fuzz_fresh_check *f = &run_fresh.check[i];
		unsigned int j = 0;

		/* (never an address check: its any key keeps FUZZ_CMP_SITE_ADDR) */
		if (f->c != c || f->key == key ||
		    fuzz_cmp_site_any(f->key) != fuzz_cmp_site_any(key))
			continue;
		while (j < FUZZ_FRESH_ALT && f->alt[j] && f->alt[j] != key)
			j++;
		if (j < FUZZ_FRESH_ALT)
			f->alt[j] = key;
	}
}

/* the times the pair of seen bit `b` was compared this round */
static unsigned int fresh_shown(uint32_t b)
{
	return __atomic_load_n(&shown[b & (SEEN_BITS - 1U)], __ATOMIC_RELAXED);
}

/* every check new again, its count at 0 (a clear, a round's start) */
static void clear_seen(void)
{
	memset(seen, 0, SEEN_BITS / 8);
	memset(shown, 0, SEEN_BITS * sizeof(*shown));
}

/* a check new again: its input was not kept, or left the ring untried */
static void unsee(uint32_t b)
{
	b &= SEEN_BITS - 1U;
	__atomic_fetch_and(&seen[b / 8], (uint8_t) ~(1U << (b & 7U)),
			   __ATOMIC_RELAXED);
}

static void note_byte(uint8_t var, uint8_t c)
{
	struct cmp_byte *b = &bytes[var];
	unsigned int n = __atomic_load_n(&b->n, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < n && i < FUZZ_CMP_BYTE_PER; i++)
		if (b->c[i] == c)
			return;
	hdr->noted++;
	if (n < FUZZ_CMP_BYTE_PER) {
		b->c[n] = c;
		b->n = (uint8_t)(n + 1U);
		return;
	}
	b->c[b->next % FUZZ_CMP_BYTE_PER] = c;
	b->next = (uint8_t)((b->next + 1U) % FUZZ_CMP_BYTE_PER);
}

/* 0 is the value compared most often (unset fields, registers at their
 * reset value, counters at their start), so its slot turns over many
 * times per run and a wide constant compared with a zero register at an
 * exit is gone by the end of the run. Constants above 16 bits compared
 * with 0 are also kept apart, the last FUZZ_CMP_ZERO_WIDE of them. */
static void note_zero_wide(uint64_t c)
{
	uint32_t at;

	for (unsigned int i = 0; i < FUZZ_CMP_ZERO_WIDE; i++)
		if (hdr->zero_wide[i] == c)
			return;
	at = hdr->zero_next++ % FUZZ_CMP_ZERO_WIDE;
	hdr->zero_wide[at] = c;
}

static uint32_t slot_of(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (uint32_t)v & (FUZZ_CMP_SLOTS - 1U);
}

/* Constant `c` into a slot of `per` constants `cs` (with their `hits`,
 * `*n` held): counted if there, added if there is room. Full, the
 * constant compared most often goes. A constant every run compares the
 * value with (a size, a bound every access passes) is noted again at the
 * next run anyway; one only some inputs reach (a check deeper in, the
 * frontier) would be lost for good. Ties go round from `*next`. vCPU
 * threads may note at once: the count is read once and every index stays
 * below `per` whatever another thread did. */
static int slot_add(uint64_t *cs, uint16_t *hits, uint8_t *n_, uint8_t *next,
		    unsigned int per, uint64_t c)
{
	unsigned int n = __atomic_load_n(n_, __ATOMIC_RELAXED), at;

	for (unsigned int i = 0; i < n && i < per; i++)
		if (cs[i] == c) {
			if (hits[i] < UINT16_MAX)
				hits[i]++;
			return 0;
		}
	hdr->noted++;
	if (n < per) {
		cs[n] = c;
		hits[n] = 1;
		*n_ = (uint8_t)(n + 1U);
		return 1;
	}
	at = *next % per;
	for (unsigned int k = 1; k < per; k++) {
		unsigned int i = (*next + k) % per;

		if (hits[i] > hits[at])
			at = i;
	}
	cs[at] = c;
	hits[at] = 1;
	*next = (uint8_t)((at + 1U) % per);
	return 1;
}

void fuzz_cmp_note(uint64_t c, uint64_t var, unsigned int width)
{
	struct cmp_slot *s;

	if (c == var || c == 0)
		return;
	if (cur.on)
		site_match(c, var, width);
	if (cur.acc_on)
		addr_match(c, var);
	if (width == 1) {
		note_byte((uint8_t)var, (uint8_t)c);
		return;
	}
	if (var == 0 && c > 0xffff)
		note_zero_wide(c);
	s = &table[slot_of(var)];
	if (s->n == 0 || s->var != var) {
		/* a newer value takes the slot */
		s->var = var;
		s->n = 0;
		s->next = 0;
	}
	(void)slot_add(s->c, s->hits, &s->n, &s->next, FUZZ_CMP_PER, c);
}

static uint32_t site_of(uint64_t key)
{
	return slot_of(key) & (FUZZ_CMP_SITES - 1U);
}

/* An entry of this run's checks for (key, c) the first time it is seen
 * (as far as the bits can tell), or NULL. Seen is marked only with an
 * entry taken: a check that comes after the run's entries are full is
 * kept by the next run that shows it. (Marked at once, it was lost for
 * good, and a state machine's deepest step, compared last in its run,
 * was the one lost: P05's last step, reached in every run of a 300-s
 * libFuzzer trial, was never kept.) */
static struct fuzz_fresh_check *fresh_entry(uint64_t key, uint64_t c)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL ^ c * 0xc2b2ae3d27d4eb4fULL;
	uint32_t b;
	uint8_t bit, *at;
	struct fuzz_fresh_check *f;

	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	b = (uint32_t)h & (SEEN_BITS - 1U);
	if (__atomic_load_n(&shown[b], __ATOMIC_RELAXED) < UINT16_MAX)
		__atomic_fetch_add(&shown[b], 1U, __ATOMIC_RELAXED);
	bit = (uint8_t)(1U << (b & 7U));
	at = &seen[b / 8];
	if (*at & bit || (f = run_check(b)) == NULL)
		return NULL;
	*at |= bit;
	return f;
}

static int site_note(uint64_t key, uint64_t c)
{
	struct cmp_site *t = &sites[site_of(key)];

	if (t->n == 0 || t->key != key) {
		t->key = key;
		t->n = 0;
		t->next = 0;
	}
	return slot_add(t->c, t->hits, &t->n, &t->next, FUZZ_CMP_SITE_PER, c);
}

/* the access being serviced, for address checks */
static void acc_set(unsigned int mmio, unsigned int width, uint64_t addr)
{
	cur.acc_mmio = mmio;
	cur.acc_width = width;
	cur.acc_addr = addr;
	cur.acc_on = 1;
}

/* The bytes of port I/O or an MMIO access in direction `write` (an OUT
 * or MMIO write; an IN or MMIO read: its reply), if the record holds
 * them all: the element width in *w, the elements in *n (a string I/O's
 * count), the port or address in *addr, 1 for MMIO in *mmio; else NULL. */
static const uint8_t *access_data(const struct vmm_exit *x, int write,
				  unsigned int *w, uint32_t *n, uint64_t *addr,
				  unsigned int *mmio)
{
	const struct vmm_exit_io *io = &x->u.io;

	if (x->reason == KVM_EXIT_IO && (io->dir == KVM_EXIT_IO_OUT) == write &&
	    io->size >= 1 && io->size <= 4 && io->count >= 1 &&
	    (uint64_t)io->size * io->count <= sizeof(io->data)) {
		*w = io->size;
		*n = io->count;
		*addr = io->port;
		*mmio = 0;
		return io->data;
	}
	if (x->reason == KVM_EXIT_MMIO && x->u.mmio.is_write == write &&
	    x->u.mmio.len >= 1 && x->u.mmio.len <= 8) {
		*w = x->u.mmio.len;
		*n = 1;
		*addr = x->u.mmio.gpa;
		*mmio = 1;
		return x->u.mmio.data;
	}
	return NULL;
}

void fuzz_cmp_site_begin(const struct vmm_exit *x)
{
	const uint8_t *data;
	uint32_t elems;

	cur.on = 0;
	cur.acc_on = 0;
	if (x->reason == KVM_EXIT_MMIO && x->u.mmio.len >= 1 &&
	    x->u.mmio.len <= 8)
		acc_set(1, x->u.mmio.len, x->u.mmio.gpa);
	if (x->reason == KVM_EXIT_IO && x->u.io.size >= 1 && x->u.io.size <= 4)
		acc_set(0, x->u.io.size, x->u.io.port);
	data = access_data(x, 1, &cur.width, &elems, &cur.addr, &cur.mmio);
	if (!data)
		return;
	if (elems > SITE_ELEMS)
		elems = SITE_ELEMS;
	for (unsigned int k = 0; k < elems; k++)
		cur.v[k] = vmm_le_get(data + (size_t)k * cur.width, cur.width);
	cur.n = elems;
	cur.on = 1;
}

void fuzz_cmp_site_end(void)
{
	cur.on = 0;
	cur.acc_on = 0;
}

void fuzz_cmp_read(const struct vmm_exit *x)
{
	const uint8_t *data;
	unsigned int w, mmio;
	uint32_t n;
	uint64_t addr;

	if (!x->in_from ||
	    (data = access_data(x, 0, &w, &n, &addr, &mmio)) == NULL)
		return;
	last_read.width = w;
	last_read.value = vmm_le_get(data, w);
	last_read.from = x->in_from;
}

/* Where the input stream holds `v` (`w` bytes) if the thread's last
 * stream read got it: 1 + the offset, or 0 */
static uint64_t read_from(uint64_t v, unsigned int w)
{
	uint64_t mask = vmm_width_mask(w);

	return last_read.from && last_read.width == w &&
			       (last_read.value & mask) == (v & mask)
		       ? last_read.from
		       : 0;
}

/* A check of element `k` of the write being serviced: the constant `c`
 * (the whole value to write there) kept at the register and at its kind
 * and width, and the run's entry if the pair is new. A check of a
 * higher byte (`lane` 1-7) is new by its lane and byte: `c` holds the
 * other bytes the guest wrote too, and new by the whole value, every
 * write of another value kept an input (a libFuzzer trial kept 14,350
 * in 17,669 runs, 2.7% of runs before); for the same reason it stays
 * out of the site slots. */
static void site_hit(unsigned int k, uint64_t c, unsigned int lane)
{
	uint64_t key = fuzz_cmp_site_key(cur.mmio, cur.width, cur.addr, 0);
	uint64_t any = fuzz_cmp_site_any(key);
	struct fuzz_fresh_check *f;

	if (!lane) {
		(void)site_note(key, c);
		(void)site_note(any, c);
	}
	f = lane ? fresh_entry(any | lane, c >> (8 * lane) & 0xffU)
		 : fresh_entry(any, c);
	if (f != NULL) {
		f->key = key;
		f->c = c;
		f->var = cur.v[k];
		f->from = read_from(cur.v[k], cur.width);
		run_fresh.value = 1;
	} else if (!lane) {
		fresh_alt(key, c);
	}
}

/* A comparison while a write is serviced: of a value it wrote (a string
 * OUT's first elements), zero-extended (the VMM compares a port's data
 * as a 64-bit value) or cut to the comparison's low bytes; a constant
 * wider than the write could never be written there. A 1-byte
 * comparison may also be of a higher byte of a wider port OUT: a device
 * of byte registers takes a word or dword OUT a byte at a time, each
 * byte at the next port (a word OUT at a UART's THR writes its IER too;
 * port_byte in vmm/devices.c), and the check is then the whole value
 * with that byte the constant. Low bytes first: only a byte the low ones
 * do not match is taken for a higher one. Not for MMIO: the VMM's MMIO
 * handlers take a write whole, and a byte comparison matching one of
 * its higher bytes is a coincidence. */
static void site_match(uint64_t c, uint64_t var, unsigned int width)
{
	uint64_t mask = vmm_width_mask(width < cur.width ? width : cur.width);
	unsigned int n = cur.n < SITE_ELEMS ? cur.n : SITE_ELEMS;

	if (c & ~vmm_width_mask(cur.width))
		return;
	for (unsigned int k = 0; k < n; k++)
		if (var == (cur.v[k] & mask)) {
			site_hit(k, c, 0);
			return;
		}
	if (width != 1 || cur.width < 2 || cur.mmio)
		return;
	for (unsigned int k = 0; k < n; k++)
		for (unsigned int i = 1; i < cur.width; i++)
			if (var == (cur.v[k] >> (8 * i) & 0xffU)) {
				site_hit(k,
					 (cur.v[k] & ~(0xffULL << (8 * i))) |
						 c << (8 * i),
					 i);
				return;
			}
}

/* The register a port access at `port` with offset `var` in its device
 * would take at offset `c` instead, or 0 if `var` is no such offset: a
 * port device sits at a base aligned to its size (COM1 at 0x3f8, 8
 * ports), so the base `port - var` is aligned to a power of two above
 * both offsets. */
static uint64_t port_other(uint64_t port, uint64_t var, uint64_t c)
{
	uint64_t span = 1;

	if (var > port || var > 0xff || c > 0xff)
		return 0;
	while (span <= var || span <= c)
		span <<= 1;
	if ((port - var) & (span - 1U) || port - var + c > 0xffff)
		return 0;
	return port - var + c;
}

/* A comparison, while an MMIO access is serviced, of its offset in the
 * page with another offset, or while port I/O is, of its offset from an
 * aligned base with another offset (port_other): a device decoding
 * which of its registers the access is for (a register only some state
 * reaches shows up in the run that got there; a UART's scratch register
 * right after a line control write, say). A new one is one of the run's
 * checks unless a written value's is: the address or port the guest
 * accessed, and the one it would take, keyed as the access with
 * FUZZ_CMP_SITE_ADDR. The access's width compared with another width
 * is a width check (FUZZ_CMP_SITE_WIDTH), `c` the width. A port OUT's
 * higher byte goes to the next port (site_match): an offset compared
 * there is that byte's, and the check's `var` that port. Not kept in
 * the site slots: nothing pins an address or a width. */
static void addr_match(uint64_t c, uint64_t var)
{
	uint64_t key, other, at = cur.acc_addr;
	struct fuzz_fresh_check *f;

	key = fuzz_cmp_site_key(cur.acc_mmio, cur.acc_width, cur.acc_addr, 0);
	/* An offset equal to the access's width, compared with a width:
	 * most likely the width (a device or a check on the access's size,
	 * `len == 8`), not the offset: a width check, the access at that
	 * width. Taken for the offset, one such check per kind and width
	 * was kept for any access at +1, +2, +4 or +8 and marked seen, and
	 * hid the real offset check of the same constant elsewhere (P11's
	 * last step in a 300-s libFuzzer trial). */
	if (var == cur.acc_width && (c == 1 || c == 2 || c == 4 || c == 8)) {
		key |= FUZZ_CMP_SITE_WIDTH;
		other = c;
	} else if (cur.acc_mmio) {
		if (var != (cur.acc_addr & 0xfffULL) || c >= 0x1000)
			return;
		other = (cur.acc_addr & ~0xfffULL) | c;
		key |= FUZZ_CMP_SITE_ADDR;
	} else if ((other = port_other(cur.acc_addr, var, c)) != 0) {
		key |= FUZZ_CMP_SITE_ADDR;
	} else {
		/* a port OUT's higher byte, written at the next port: its
		 * register's offset compared with another's (the access
		 * should have ended before that byte, the next write gone
		 * there); `var` the byte's port */
		for (unsigned int k = 1; cur.on && k < cur.acc_width; k++)
			if ((other = port_other(cur.acc_addr + k, var, c)) != 0)
				break;
		if (!other)
			return;
		key |= FUZZ_CMP_SITE_ADDR;
		at = other - c + var;
	}
	if (run_fresh.value ||
	    (f = fresh_entry(fuzz_cmp_site_any(key), c)) == NULL)
		return;
	f->key = key;
	f->c = other;
	f->var = at;
	f->from = 0;
}

unsigned int fuzz_cmp_site_find(uint64_t key, uint64_t *out, unsigned int max)
{
	const struct cmp_site *t = &sites[site_of(key)];
	unsigned int k = 0;

	if (t->n != 0 && t->key == key)
		for (unsigned int i = 0;
		     i < t->n && i < FUZZ_CMP_SITE_PER && k < max; i++)
			out[k++] = t->c[i];
	return k;
}

unsigned int fuzz_cmp_find(uint64_t var, uint64_t *out, unsigned int max)
{
	const struct cmp_slot *s = &table[slot_of(var)];
	unsigned int k = 0;

	if (s->n != 0 && s->var == var)
		for (unsigned int i = 0;
		     i < s->n && i < FUZZ_CMP_PER && k < max; i++)
			out[k++] = s->c[i];
	if (var < 256) {
		const struct cmp_byte *b = &bytes[var];

		for (unsigned int i = 0;
		     i < b->n && i < FUZZ_CMP_BYTE_PER && k < max; i++)
			out[k++] = b->c[i];
	}
	return k;
}

uint64_t fuzz_cmp_noted(void)
{
	return hdr->noted;
}

unsigned int fuzz_cmp_find_zero_wide(uint64_t *out, unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < FUZZ_CMP_ZERO_WIDE && k < max; i++)
		if (hdr->zero_wide[i])
			out[k++] = hdr->zero_wide[i];
	return k;
}

/* this run's new checks and read forgotten */
static void run_reset(void)
{
	run_fresh.n = 0;
	run_fresh.value = 0;
	last_read.from = 0;
}

void fuzz_cmp_clear(void)
{
	memset(table, 0, FUZZ_CMP_SLOTS * sizeof(*table));
	memset(bytes, 0, 256 * sizeof(*bytes));
	memset(sites, 0, FUZZ_CMP_SITES * sizeof(*sites));
	memset(fresh, 0, FUZZ_FRESH_N * sizeof(*fresh));
	clear_seen();
	memset(tried_seq, 0, sizeof(tried_seq));
	memset(tried_n, 0, sizeof(tried_n));
	run_reset();
	cur.acc_on = 0;
	hdr->fresh_next = 0;
	cur.on = 0;
	hdr->noted = 0;
	memset(hdr->zero_wide, 0, sizeof(hdr->zero_wide));
	hdr->zero_next = 0;
	hdr->round_at = 0;
	hdr->rounds = 0;
}

static uint64_t round_ns = (uint64_t)FUZZ_FRESH_ROUND_S * 1000000000ULL;

void fuzz_cmp_fresh_rounds(uint64_t ms)
{
	uint64_t ns = ms * 1000000ULL;

	/* the same length again (each AFL++ child sets it, the shared
	 * file mapped) keeps the round going */
	if (ns == round_ns)
		return;
	round_ns = ns;
	hdr->round_at = 0;
}

uint64_t fuzz_cmp_fresh_round(void)
{
	return hdr->rounds;
}

/* Every check new again once the round is over (cmp_table.h, rounds):
 * the writer that moves the deadline on clears the seen bits. A bit
 * another writer sets meanwhile may be lost: that check is kept once
 * more, as after an untried entry. */
static void next_round(void)
{
	struct timespec ts;
	uint64_t now, at;

	if (!round_ns || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return;
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	at = __atomic_load_n(&hdr->round_at, __ATOMIC_ACQUIRE);
	if (at && now < at)
		return;
	if (!__atomic_compare_exchange_n(&hdr->round_at, &at, now + round_ns, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
	    !at)
		return;
	clear_seen();
	__atomic_fetch_add(&hdr->rounds, 1U, __ATOMIC_RELAXED);
}

void fuzz_cmp_fresh_begin(void)
{
	run_reset();
	next_round();
}

/* The ring entry a new input takes: one never used, else the oldest the
 * mutator gave all its tries, else the oldest it tried, else the oldest.
 * Taken in ring order, an entry went before its first try whenever runs
 * kept inputs faster than the mutator took them (a run keeps up to 4):
 * from an AFL++ queue that had reached P11's last step (the planted-bug
 * benchmark, docs/bugbench.md item 33), that step's check was kept 4
 * times in 150 s and tried never, while checks of the page's other
 * offsets were tried 128 times each. Returns the entry, its seq set to
 * FRESH_WRITING and the seq it had in *old (0: never used), or NULL if
 * other writers took every pick first. */
static struct cmp_fresh *fresh_victim(uint64_t *old)
{
	for (unsigned int attempt = 0; attempt < 4; attempt++) {
		struct cmp_fresh *v = NULL;
		unsigned int v_rank = 0;
		uint64_t v_seq = 0;

		for (unsigned int i = 0; i < FUZZ_FRESH_N; i++) {
			struct cmp_fresh *f = &fresh[i];
			uint64_t seq =
				__atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);
			unsigned int rank;

			if (seq == FRESH_WRITING)
				continue; /* another writer's */
			if (!seq)
				rank = 4;
			else if (__atomic_load_n(&f->done, __ATOMIC_ACQUIRE) ==
				 seq)
				rank = 3;
			else if (__atomic_load_n(&f->tried, __ATOMIC_ACQUIRE) ==
				 seq)
				rank = 2;
			else
				rank = 1;
			if (!v || rank > v_rank ||
			    (rank == v_rank && seq < v_seq)) {
				v = f;
				v_rank = rank;
				v_seq = seq;
			}
		}
		if (v && __atomic_compare_exchange_n(
				 &v->seq, &v_seq, FRESH_WRITING, 0,
				 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			*old = v_seq;
			return v;
		}
	}
	return NULL;
}

void fuzz_cmp_fresh_end(const uint8_t *data, size_t size)
{
	unsigned int n = run_fresh.n;

	run_reset(); /* taken */
	for (unsigned int i = 0; i < n && i < FRESH_PER_RUN; i++) {
		uint32_t idx;
		uint64_t old = 0;
		struct cmp_fresh *f;

		if (!size || size > FUZZ_FRESH_MAX ||
		    (f = fresh_victim(&old)) == NULL) {
			unsee(run_fresh.bit[i]); /* not kept */
			continue;
		}
		/* the entry pushed out, if the mutator never got through
		 * its tries: its check is new again, unless many runs show
		 * it (the next round's) */
		if (old && __atomic_load_n(&f->done, __ATOMIC_ACQUIRE) != old &&
		    fresh_shown(f->bit) < FUZZ_FRESH_COMMON)
			unsee(f->bit);
		idx = __atomic_fetch_add(&hdr->fresh_next, 1U,
					 __ATOMIC_RELAXED);
		memcpy(f->data, data, size);
		f->size = (uint32_t)size;
		f->check = run_fresh.check[i];
		f->bit = run_fresh.bit[i];
		f->shown = fresh_shown(f->bit);
		__atomic_store_n(&f->seq, (uint64_t)idx + 1U, __ATOMIC_RELEASE);
	}
}

uint64_t fuzz_cmp_fresh_kept(void)
{
	return hdr->fresh_next;
}

/* the file the table was copied from (fuzz_cmp_load), or "" */
static char loaded_from[4096];

/* Entry `at` (its seq `seq`) got its first FRESH_FIRST tries (`field`:
 * tried) or all its tries (done): said where the writer looks when it
 * picks an entry to push out. A reader with a copy writes the mark into
 * the file (8 bytes, twice per entry); if the writer took the entry
 * over meanwhile, the mark matches no seq there. */
static void mark(uint32_t at, uint64_t seq, size_t field)
{
	int fd;
	off_t off;

	memcpy((uint8_t *)&fresh[at] + field, &seq, sizeof(seq));
	if (fresh != local_fresh || !loaded_from[0])
		return;
	fd = open(loaded_from, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off = (off_t)(CMP_FRESH_OFF + at * sizeof(struct cmp_fresh) + field);
	/* a failed write: the writer sees the entry untried */
	(void)pwrite(fd, &seq, sizeof(seq), off);
	close(fd);
}

/* entry `at` (its seq `seq`) short of its first `first` tries, by this
 * reader or another */
static int untried(uint32_t at, uint64_t seq, unsigned int first)
{
	return tried_n[at] < first &&
	       __atomic_load_n(&fresh[at].tried, __ATOMIC_ACQUIRE) != seq;
}

size_t fuzz_cmp_fresh_take(uint8_t *out, size_t max, unsigned int budget,
			   struct fuzz_fresh_check *check)
{
	uint32_t best = FUZZ_FRESH_N;
	unsigned int first = budget < FRESH_FIRST ? budget : FRESH_FIRST;
	int best_new = 0;
	const struct cmp_fresh *f;
	uint64_t seq;
	size_t n;

	/* the entry with tries left, one short of its first tries first,
	 * whose pair the fewest runs showed, the newest of those */
	for (uint32_t at = 0; at < FUZZ_FRESH_N; at++) {
		int is_new;

		f = &fresh[at];
		seq = __atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);
		n = f->size;
		if (!seq || seq == FRESH_WRITING || !n || n > FUZZ_FRESH_MAX ||
		    n > max)
			continue;
		if (tried_seq[at] != seq) {
			tried_seq[at] = seq;
			tried_n[at] = 0;
		}
		if (tried_n[at] >= budget)
			continue;
		is_new = untried(at, seq, first);
		if (best < FUZZ_FRESH_N &&
		    (is_new < best_new ||
		     (is_new == best_new && (f->shown > fresh[best].shown ||
					     (f->shown == fresh[best].shown &&
					      seq < tried_seq[best])))))
			continue;
		best = at;
		best_new = is_new;
	}
	if (best == FUZZ_FRESH_N)
		return 0;
	f = &fresh[best];
	seq = tried_seq[best];
	n = f->size;
	if (++tried_n[best] == first)
		mark(best, seq, offsetof(struct cmp_fresh, tried));
	if (tried_n[best] == budget)
		mark(best, seq, offsetof(struct cmp_fresh, done));
	memcpy(out, f->data, n);
	*check = f->check;
	return n;
}

static int hdr_ok(const struct cmp_file_hdr *h)
{
	return h->magic == CMP_FILE_MAGIC && h->version == CMP_FILE_VERSION &&
	       h->slots == FUZZ_CMP_SLOTS && h->per == FUZZ_CMP_PER &&
	       h->slot_size == sizeof(struct cmp_slot);
}

static int fail(const char **why, const char *w)
{
	if (why)
		*why = w;
	return -1;
}

int fuzz_cmp_share(const char *path, const char **why)
{
	struct cmp_file_hdr *h;
	struct stat st;
	void *p;
	int fd;

	if (!path || !*path)
		return fail(why, "no file named");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(why, "cannot open or create the file");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(why, "not a regular file");
	}
	if (st.st_size == 0 && ftruncate(fd, (off_t)CMP_FILE_SIZE) != 0) {
		close(fd);
		return fail(why, "cannot size the file");
	}
	if (st.st_size != 0 && (uint64_t)st.st_size != CMP_FILE_SIZE) {
		close(fd);
		return fail(why, "file of another size");
	}
	p = mmap(NULL, CMP_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(why, "cannot map the file");
	h = p;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == 0 &&
	    h->version == 0 && h->slots == 0) {
		/* a new file (zero-filled): another writer doing the same at
		 * once writes the same header */
		h->version = CMP_FILE_VERSION;
		h->slots = FUZZ_CMP_SLOTS;
		h->per = FUZZ_CMP_PER;
		h->slot_size = sizeof(struct cmp_slot);
		__atomic_store_n(&h->magic, CMP_FILE_MAGIC, __ATOMIC_RELEASE);
	}
	if (!hdr_ok(h)) {
		munmap(p, CMP_FILE_SIZE);
		return fail(why, "not a comparison table of this build");
	}
	table = (struct cmp_slot *)(h + 1);
	bytes = (struct cmp_byte *)(table + FUZZ_CMP_SLOTS);
	sites = (struct cmp_site *)(bytes + 256);
	fresh = (struct cmp_fresh *)(sites + FUZZ_CMP_SITES);
	seen = (uint8_t *)(fresh + FUZZ_FRESH_N);
	shown = (uint16_t *)(seen + SEEN_BITS / 8);
	hdr = h;
	return 0;
}

/* `len` bytes at *off (the file's parts, one after the other: *off
 * moves past them) */
static int read_all(int fd, void *buf, size_t len, off_t *off)
{
	uint8_t *b = buf;

	while (len) {
		ssize_t n = pread(fd, b, len, *off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
		*off += n;
	}
	return 0;
}

int fuzz_cmp_load(const char *path, const char **why)
{
	struct cmp_file_hdr h;
	size_t plen;
	const char *w = NULL;
	off_t off = 0;
	int fd;

	table = local_table;
	bytes = local_bytes;
	sites = local_sites;
	fresh = local_fresh;
	seen = local_seen;
	shown = local_shown;
	hdr = &local_hdr;
	loaded_from[0] = '\0';
	if (!path || !*path) {
		w = "no file named";
		goto off;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		w = "cannot open the file";
		goto off;
	}
	if (read_all(fd, &h, sizeof(h), &off) != 0 || !hdr_ok(&h))
		w = "not a comparison table of this build";
	else if (read_all(fd, local_table, sizeof(local_table), &off) != 0 ||
		 read_all(fd, local_bytes, sizeof(local_bytes), &off) != 0 ||
		 read_all(fd, local_sites, sizeof(local_sites), &off) != 0 ||
		 /* the kept inputs (256 KiB) only when the writer kept
		  * more since the last copy */
		 (h.fresh_next != local_hdr.fresh_next &&
		  read_all(fd, local_fresh, sizeof(local_fresh), &off) != 0))
		w = "file too short";
	close(fd);
	if (w)
		goto off;
	local_hdr = h;
	plen = strlen(path);
	if (plen < sizeof(loaded_from))
		memcpy(loaded_from, path, plen + 1);
	return 0;
off:
	fuzz_cmp_clear();
	return fail(why, w);
}
