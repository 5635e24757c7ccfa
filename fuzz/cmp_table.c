/* The comparison table (fuzz/cmp_table.h). Built without comparison
 * tracing in the libFuzzer trees (fuzz/CMakeLists.txt): it runs inside
 * the tracing hooks. */
#include "fuzz/cmp_table.h"

#include <errno.h>
#include <linux/kvm.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/* The shared file: this header, then FUZZ_CMP_SLOTS slots, 256 byte
 * slots and FUZZ_CMP_SITES site slots. */
struct cmp_file_hdr {
	uint64_t magic; /* written last by the creator */
	uint32_t version, slots, per, slot_size;
	uint64_t noted;
	/* wide constants compared with 0 (below) */
	uint64_t zero_wide[FUZZ_CMP_ZERO_WIDE];
	uint32_t zero_next;
	uint32_t reserved[7];
};

#define CMP_FILE_MAGIC 0x31504d4346564b00ULL /* "\0KVFCMP1" */
#define CMP_FILE_VERSION 4U
#define CMP_FILE_SIZE                               \
	(sizeof(struct cmp_file_hdr) +              \
	 FUZZ_CMP_SLOTS * sizeof(struct cmp_slot) + \
	 256 * sizeof(struct cmp_byte) +            \
	 FUZZ_CMP_SITES * sizeof(struct cmp_site))

static struct cmp_slot local_table[FUZZ_CMP_SLOTS];
static struct cmp_byte local_bytes[256];
static struct cmp_site local_sites[FUZZ_CMP_SITES];
static struct cmp_file_hdr local_hdr;
/* the table in use: this process's, or the shared file's mapping */
static struct cmp_slot *table = local_table;
static struct cmp_byte *bytes = local_bytes;
static struct cmp_site *sites = local_sites;
static struct cmp_file_hdr *hdr = &local_hdr;

/* the write this thread's VMM is servicing (fuzz_cmp_site_begin) */
#define SITE_ELEMS 8U /* string OUT: the elements looked at */
struct site_ctx {
	int on;
	unsigned int mmio, width, n;
	uint64_t addr;
	uint64_t v[SITE_ELEMS];
};
static __thread struct site_ctx cur;

static void site_match(uint64_t c, uint64_t var, unsigned int width);

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
static void slot_add(uint64_t *cs, uint16_t *hits, uint8_t *n_, uint8_t *next,
		     unsigned int per, uint64_t c)
{
	unsigned int n = __atomic_load_n(n_, __ATOMIC_RELAXED), at;

	for (unsigned int i = 0; i < n && i < per; i++)
		if (cs[i] == c) {
			if (hits[i] < UINT16_MAX)
				hits[i]++;
			return;
		}
	hdr->noted++;
	if (n < per) {
		cs[n] = c;
		hits[n] = 1;
		*n_ = (uint8_t)(n + 1U);
		return;
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
}

void fuzz_cmp_note(uint64_t c, uint64_t var, unsigned int width)
{
	struct cmp_slot *s;

	if (c == var || c == 0)
		return;
	if (cur.on)
		site_match(c, var, width);
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
	slot_add(s->c, s->hits, &s->n, &s->next, FUZZ_CMP_PER, c);
}

static uint32_t site_of(uint64_t key)
{
	return slot_of(key) & (FUZZ_CMP_SITES - 1U);
}

static void site_note(uint64_t key, uint64_t c)
{
	struct cmp_site *t = &sites[site_of(key)];

	if (t->n == 0 || t->key != key) {
		t->key = key;
		t->n = 0;
		t->next = 0;
	}
	slot_add(t->c, t->hits, &t->n, &t->next, FUZZ_CMP_SITE_PER, c);
}

void fuzz_cmp_site_begin(const struct vmm_exit *x)
{
	const uint8_t *data;
	unsigned int elems = 1;

	cur.on = 0;
	if (x->reason == KVM_EXIT_IO && x->u.io.dir == KVM_EXIT_IO_OUT &&
	    x->u.io.size >= 1 && x->u.io.size <= 4 && x->u.io.count >= 1 &&
	    (uint64_t)x->u.io.size * x->u.io.count <= sizeof(x->u.io.data)) {
		cur.mmio = 0;
		cur.width = x->u.io.size;
		cur.addr = x->u.io.port;
		data = x->u.io.data;
		elems = x->u.io.count < SITE_ELEMS ? x->u.io.count : SITE_ELEMS;
	} else if (x->reason == KVM_EXIT_MMIO && x->u.mmio.is_write &&
		   x->u.mmio.len >= 1 && x->u.mmio.len <= 8) {
		cur.mmio = 1;
		cur.width = x->u.mmio.len;
		cur.addr = x->u.mmio.gpa;
		data = x->u.mmio.data;
	} else {
		return;
	}
	for (unsigned int k = 0; k < elems; k++)
		cur.v[k] = vmm_le_get(data + (size_t)k * cur.width, cur.width);
	cur.n = elems;
	cur.on = 1;
}

void fuzz_cmp_site_end(void)
{
	cur.on = 0;
}

/* A comparison while a write is serviced: of a value it wrote (a string
 * OUT's first elements), zero-extended (the VMM compares a port's data
 * as a 64-bit value) or cut to the comparison's low bytes; a constant
 * wider than the write could never be written there. */
static void site_match(uint64_t c, uint64_t var, unsigned int width)
{
	uint64_t mask = vmm_width_mask(width < cur.width ? width : cur.width);

	if (c & ~vmm_width_mask(cur.width))
		return;
	for (unsigned int k = 0; k < cur.n && k < SITE_ELEMS; k++)
		if (var == (cur.v[k] & mask)) {
			site_note(fuzz_cmp_site_key(cur.mmio, cur.width,
						    cur.addr, 0),
				  c);
			site_note(fuzz_cmp_site_key(cur.mmio, cur.width, 0, 1),
				  c);
			return;
		}
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

void fuzz_cmp_clear(void)
{
	memset(table, 0, FUZZ_CMP_SLOTS * sizeof(*table));
	memset(bytes, 0, 256 * sizeof(*bytes));
	memset(sites, 0, FUZZ_CMP_SITES * sizeof(*sites));
	cur.on = 0;
	hdr->noted = 0;
	memset(hdr->zero_wide, 0, sizeof(hdr->zero_wide));
	hdr->zero_next = 0;
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
	hdr = h;
	return 0;
}

static int read_all(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *b = buf;

	while (len) {
		ssize_t n = pread(fd, b, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int fuzz_cmp_load(const char *path, const char **why)
{
	struct cmp_file_hdr h;
	const char *w = NULL;
	int fd;

	table = local_table;
	bytes = local_bytes;
	sites = local_sites;
	hdr = &local_hdr;
	if (!path || !*path) {
		w = "no file named";
		goto off;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		w = "cannot open the file";
		goto off;
	}
	if (read_all(fd, &h, sizeof(h), 0) != 0 || !hdr_ok(&h))
		w = "not a comparison table of this build";
	else if (read_all(fd, local_table, sizeof(local_table),
			  (off_t)sizeof(h)) != 0 ||
		 read_all(fd, local_bytes, sizeof(local_bytes),
			  (off_t)(sizeof(h) + sizeof(local_table))) != 0 ||
		 read_all(fd, local_sites, sizeof(local_sites),
			  (off_t)(sizeof(h) + sizeof(local_table) +
				  sizeof(local_bytes))) != 0)
		w = "file too short";
	close(fd);
	if (w)
		goto off;
	local_hdr = h;
	return 0;
off:
	fuzz_cmp_clear();
	return fail(why, w);
}
