/* The scenario record schema: one table entry per record drives the binary
 * decoder and encoder (vmm/scenario_codec.c) and the text parser and
 * printer (vmm/scenario_text.c). docs/scenario-format.md, "Adding a record".
 *
 * Library-internal: not part of the scenario API (vmm/scenario.h).
 */
#ifndef VMM_SCENARIO_SCHEMA_H
#define VMM_SCENARIO_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/scenario.h"

#define SCN_REC_HDR 3 /* tag u8, len u16 */
#define SCN_MAX_PAYLOAD 0xFFFFU
#define SCN_MAX_RECORDS 32 /* table entries */
#define SCN_MAX_FIELDS 8   /* fields of one record */
#define SCN_MAX_ELEM 4096  /* largest list element (text parse scratch) */
#define SCN_NONE 0xFFFFU   /* no such member */

/* How a field prints in the text form. */
enum scn_fmt {
	SCN_DEC,   /* 100 */
	SCN_HEX,   /* 0x64 */
	SCN_WORD,  /* a name (word_name/word_parse); parsed after the numbers */
	SCN_BYTES, /* hex digits; on the wire the rest of the payload */
};

/* The bound the binary decoder enforces on a field's wire value; the
 * rejection names "record.field=value" and the bound. */
enum scn_check {
	SCN_ANY = 0,
	SCN_RANGE, /* lo..hi, decimal */
	SCN_BELOW, /* < hi */
	SCN_MASK,  /* no bits outside hi */
	SCN_ALIGN, /* page aligned */
	SCN_MIN,   /* >= lo */
};

/* Record kinds, which decide where the record lives and how often. */
enum scn_kind {
	SCN_ONCE,      /* a scenario member; at most once */
	SCN_LIST,      /* an array of the scenario, up to `cap` */
	SCN_VCPU,      /* the vCPU list; opens a per-vCPU group */
	SCN_INDEXED,   /* per vCPU: element `index` of an array, a mask bit */
	SCN_VCPU_ONCE, /* per vCPU: members of the vCPU, once, if non-zero */
	SCN_VCPU_LIST, /* per vCPU: an array of the vCPU, up to `cap` */
};

/* Record flags. */
#define SCN_REQUIRED 0x1U  /* must appear (a decoder error otherwise) */
#define SCN_NEED_SLOT 0x2U /* a slot record must come first (binary) */
#define SCN_TXT_LATE 0x4U  /* text: count checked after the numbers */

struct scn_ctx;

/* Members ordered by size (no padding holes). */
struct scn_field {
	const char *key;   /* text key; the name in binary rejections too */
	const char *wname; /* the binary name when it differs ("pages") */
	uint64_t lo, hi;   /* check bounds; SCN_BYTES: length lo..hi (0: any) */
	uint64_t tmax;	   /* text: largest value (0: the wire maximum) */
	/* SCN_WORD: the name of a value (never NULL) and back (reports) */
	const char *(*word_name)(unsigned int arch, uint64_t v);
	int (*word_parse)(struct scn_ctx *c, const char *word, uint64_t *v);
	uint32_t scale;	  /* member = wire value * scale (0: 1) */
	uint16_t off;	  /* member offset in the element */
	uint16_t len_off; /* SCN_BYTES: length member (offset, size) */
	uint16_t mem;	  /* member size (SCN_BYTES: 0 pointer, else array) */
	uint8_t len_mem;
	uint8_t wire;  /* bytes on the wire (SCN_BYTES: 0) */
	uint8_t fmt;   /* enum scn_fmt */
	uint8_t check; /* enum scn_check */
};

/* Members ordered by size (no padding holes). */
struct scn_record {
	const char *name;      /* text keyword and the name in messages */
	const char *arch_note; /* "x86 only" */
	const char *plural;    /* SCN_LIST, SCN_VCPU: "slots" */
	/* SCN_INDEXED: indices, their names, and how an unknown one is named
	 * ("register" with the arch name, else the record name). */
	unsigned int (*nidx)(unsigned int arch);
	const char *(*idx_name)(unsigned int arch, unsigned int i);
	const char *idx_noun;
	const struct scn_field *fields; /* wire order */
	const uint8_t *torder; /* text order of the fields (NULL: wire order) */
	/* Hooks, each optional. dec_pre: after the length check; dec_check:
	 * after the fields; txt_check: after the text fields; enc_check:
	 * before encoding. txt_parse/txt_print: the record's whole text form
	 * after its keyword (irregular records). */
	int (*dec_pre)(struct scn_ctx *c);
	int (*dec_check)(struct scn_ctx *c, const void *elem, unsigned int i);
	int (*txt_check)(struct scn_ctx *c, const void *elem);
	int (*enc_check)(const struct vmm_scenario *s, struct vmm_error *e);
	int (*txt_parse)(struct scn_ctx *c, void *elem);
	void (*txt_print)(struct scn_ctx *c, const void *elem);
	/* SCN_ONCE: int member set when present (SCN_NONE: always present).
	 * SCN_LIST/SCN_VCPU: array, element size, uint32_t count member, cap.
	 * SCN_INDEXED: array and mask member inside struct vmm_vcpu_spec.
	 * SCN_VCPU_LIST: array, element size, uint32_t count member and cap,
	 * inside struct vmm_vcpu_spec. */
	uint16_t present, arr, stride, count, mask, cap;
	/* SCN_VCPU_ONCE: a uint32_t member of struct vmm_vcpu_spec set when
	 * the record is present (0: present when the first field is not 0) */
	uint16_t vpresent;
	uint8_t mask_mem;
	uint8_t tag;
	uint8_t kind;  /* enum scn_kind */
	uint8_t flags; /* SCN_REQUIRED... */
	uint8_t arch;  /* 0: both, else the only enum vmm_arch allowed */
	uint8_t nfields;
};

/* Every record, in canonical (tag) order. */
extern const struct scn_record scn_records[];
extern const unsigned int scn_nrecords;

const struct scn_record *scn_by_tag(unsigned int tag);
const struct scn_record *scn_by_name(const char *name);

/* The context hooks and front ends share: the scenario, where errors go,
 * and the position errors name (binary offset or text line). */
struct scn_ctx {
	struct vmm_scenario *s;
	struct vmm_error *e;
	size_t off;	   /* binary: the record's offset */
	unsigned int line; /* text: line number (0: binary) */
	char *const *tok;  /* text: the line's tokens, tok[0] the keyword */
	unsigned int ntok;
	char *out; /* text printer: buffer, capacity, length */
	size_t cap, pos;
};

/* Record a rejection (VMM_ERR_INPUT) and return -1. Binary: prefixed
 * "offset N" with N = c->off + at; text: prefixed "line N" (at unused). */
int scn_fail(struct scn_ctx *c, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Text printer: append to c->out (kept NUL-terminated; c->pos counts all). */
void scn_print(struct scn_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Member access by offset and size (1, 2, 4 or 8 bytes). */
uint64_t scn_get(const void *base, unsigned int off, unsigned int size);
void scn_set(void *base, unsigned int off, unsigned int size, uint64_t v);

/* A SCN_BYTES field's bytes (the array, or where the pointer points) and
 * where they are stored: the pointer set to `data` (arrays: copied). */
const uint8_t *scn_bytes(const struct scn_field *f, const void *elem);
void scn_set_bytes(const struct scn_field *f, void *elem, const uint8_t *data,
		   size_t n);

/* The element a record fills or prints: the scenario (SCN_ONCE), list
 * element i, vCPU v's index i (SCN_INDEXED), vCPU v (SCN_VCPU_ONCE). */
void *scn_elem(const struct scn_record *r, const struct vmm_scenario *s,
	       unsigned int v, unsigned int i);

/* How many records r the scenario holds (SCN_ONCE: 0 or 1; SCN_LIST and
 * SCN_VCPU: the count); per-vCPU records: whether vCPU v has index i. */
unsigned int scn_count(const struct scn_record *r,
		       const struct vmm_scenario *s);
/* SCN_VCPU_LIST: how many elements vCPU v holds. */
unsigned int scn_vcount(const struct scn_record *r,
			const struct vmm_scenario *s, unsigned int v);
int scn_has(const struct scn_record *r, const struct vmm_scenario *s,
	    unsigned int v, unsigned int i);

/* Call fn for every record s holds, in canonical order, with the element
 * and (SCN_INDEXED) the index: what the encoder and the printer write. */
void scn_walk(const struct vmm_scenario *s,
	      void (*fn)(void *arg, const struct scn_record *r,
			 const void *elem, unsigned int idx),
	      void *arg);

/* r belongs to a vCPU (SCN_INDEXED, SCN_VCPU_ONCE, SCN_VCPU_LIST). */
int scn_per_vcpu(const struct scn_record *r);

/* Number of indices r can hold (SCN_INDEXED; SCN_VCPU_LIST: its cap),
 * else 1. */
unsigned int scn_nindex(const struct scn_record *r, unsigned int arch);

#endif
