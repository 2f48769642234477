// Shared by the user-space C anchors (pread-loop.c, uring-loop.c): the bptree lookup as a walk of
// dependent 512 B reads (examples/bptree/README.md), keys from a file or argv, the answers kept per
// key and folded into a checksum the TypeScript side recomputes from examples/bptree/reference.ts,
// and timing printed as one JSON line. Both loops share the walk so that they differ only in how a
// read is issued. Host C (gcc -O2), not a BPF program: bench/c/build.sh does not build these.
#ifndef ANCHOR_H
#define ANCHOR_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the tree and key files are little-endian; this reads them in place"
#endif

enum { NODE_BYTES = 512, SLOTS = 31, VALUE_BYTES = 64, MAX_LEVELS = 7 };
#define VALUE_BIT (1ULL << 63)

struct node {
	uint64_t num, type, key[SLOTS], ptr[SLOTS];
};
_Static_assert(sizeof(struct node) == NODE_BYTES, "a node is one 512 B block");

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* One lookup in progress: `at` is the file offset of the next 512 B read. */
struct walk {
	uint64_t key;
	uint64_t at;
	int level;
	int value_in_block; /* -1 while descending; else where the value sits in the block at `at` */
};

enum step { STEP_READ, STEP_FOUND, STEP_ABSENT };

static inline void walk_start(struct walk *w, uint64_t key)
{
	w->key = key;
	w->at = 0; /* the root */
	w->level = 0;
	w->value_in_block = -1;
}

/*
 * The block at w->at has been read into `block`: decide the next read, as bench/lookups.ts
 * preadLookup does (internal node: the last key <= k; leaf: exact match, then the value block).
 * On STEP_FOUND the 64-byte value is copied to `value`.
 */
static inline enum step walk_step(struct walk *w, const void *block, uint8_t *value)
{
	if (w->value_in_block >= 0) {
		memcpy(value, (const uint8_t *)block + w->value_in_block, VALUE_BYTES);
		return STEP_FOUND;
	}
	const struct node *n = block;
	uint64_t num = n->num, key = w->key;
	int leaf = n->type == 1;
	/* The TypeScript loop trusts num; C must not index past the node. */
	if (num < 1 || num > SLOTS || w->level >= MAX_LEVELS)
		die("corrupt node at %llu (num %llu, level %d)", (unsigned long long)w->at,
		    (unsigned long long)num, w->level);
	uint64_t lo = 0, hi = num;
	while (lo < hi) {
		uint64_t mid = (lo + hi) >> 1, k = n->key[mid];
		if (leaf ? k < key : k <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	w->level++;
	if (!leaf) {
		w->at = n->ptr[lo > 0 ? lo - 1 : 0];
		return STEP_READ;
	}
	if (lo == num || n->key[lo] != key)
		return STEP_ABSENT;
	uint64_t at = n->ptr[lo] & ~VALUE_BIT;
	w->at = at - at % NODE_BYTES;
	w->value_in_block = (int)(at % NODE_BYTES);
	if (w->value_in_block > NODE_BYTES - VALUE_BYTES)
		die("value at %llu crosses a block", (unsigned long long)at);
	return STEP_READ;
}

/* The command line both anchors take: TREE (--keys FILE | KEY...) [--rounds N] [--no-warmup] [--print] [--q N]. */
struct args {
	const char *tree;
	uint64_t *keys;
	size_t n;
	int rounds, warmup, print, q;
};

static uint64_t *read_keys(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (st.st_size % 8)
		die("%s: %lld bytes, not a whole number of u64 keys", path, (long long)st.st_size);
	uint64_t *keys = malloc(st.st_size ? st.st_size : 1);
	if (!keys || pread(fd, keys, st.st_size, 0) != st.st_size)
		die("%s: short read", path);
	close(fd);
	*n = st.st_size / 8;
	return keys;
}

static struct args parse_args(int argc, char **argv)
{
	struct args a = { .rounds = 5, .warmup = 1, .q = 1 };
	a.keys = malloc(sizeof(uint64_t) * (argc > 1 ? argc : 1));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--keys") && i + 1 < argc) {
			a.keys = read_keys(argv[++i], &a.n);
		} else if (!strcmp(s, "--rounds") && i + 1 < argc) {
			a.rounds = atoi(argv[++i]);
		} else if (!strcmp(s, "--q") && i + 1 < argc) {
			a.q = atoi(argv[++i]);
		} else if (!strcmp(s, "--no-warmup")) {
			a.warmup = 0;
		} else if (!strcmp(s, "--print")) {
			a.print = 1;
		} else if (s[0] == '-') {
			die("unknown option %s", s);
		} else if (!a.tree) {
			a.tree = s;
		} else {
			a.keys[a.n++] = strtoull(s, NULL, 0);
		}
	}
	if (!a.tree || a.n == 0 || a.rounds < 1 || a.q < 1)
		die("usage: %s TREE (--keys FILE | KEY...) [--rounds N] [--no-warmup] [--print] [--q N]",
		    argv[0]);
	return a;
}

/* The answers of one pass, per key index (the io_uring loop finishes keys out of order). */
struct answers {
	uint8_t *found;
	uint8_t (*value)[VALUE_BYTES];
	uint64_t hops;
};

static struct answers answers_alloc(size_t n)
{
	struct answers r = { calloc(n, 1), calloc(n, VALUE_BYTES), 0 };
	if (!r.found || !r.value)
		die("out of memory");
	return r;
}

/* FNV-1a (32 bit) over, per key in order, a found byte and then the value if found. */
static uint32_t checksum(const struct answers *r, size_t n, size_t *found)
{
	uint32_t h = 2166136261u;
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ r->found[i]) * 16777619u;
		if (!r->found[i])
			continue;
		++*found;
		for (int j = 0; j < VALUE_BYTES; j++)
			h = (h ^ r->value[i][j]) * 16777619u;
	}
	return h;
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* CPU time of this process (all its threads): what a pass cost, not counting the time other
 * work on a shared machine held the CPU (bench/sim-machine.ts compares both clocks). */
static double cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Bytes the block layer read for this process so far (/proc/self/io read_bytes; it sums all
 * threads, io_uring's io-wq workers included): cold, the real I/O of a pass, readahead and all.
 */
static unsigned long long read_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	unsigned long long v = 0;
	while (f && fgets(line, sizeof line, f) && sscanf(line, "read_bytes: %llu", &v) != 1)
		;
	if (f)
		fclose(f);
	return v;
}

/*
 * Runs `pass` (one lookup of every key into `r`) once untimed unless disabled, then `rounds`
 * timed; every pass must give the same answers. Prints the JSON line with the median round.
 */
static void measure(const char *name, const struct args *a, void *ctx,
		    void (*pass)(void *ctx, const struct args *a, struct answers *r))
{
	struct answers r = answers_alloc(a->n);
	uint32_t sum0 = 0;
	size_t found0 = 0;
	uint64_t hops0 = 0;
	double *ns = calloc(a->rounds, sizeof(double));
	double *cpu = calloc(a->rounds, sizeof(double));
	unsigned long long io0 = read_bytes();
	int first = 1;
	for (int round = a->warmup ? -1 : 0; round < a->rounds; round++) {
		memset(r.found, 0, a->n);
		r.hops = 0;
		double c0 = cpu_ns(), t0 = now_ns();
		pass(ctx, a, &r);
		double t = now_ns() - t0, c = cpu_ns() - c0;
		if (round >= 0)
			ns[round] = t / a->n, cpu[round] = c / a->n;
		else
			io0 = read_bytes(); /* after the warm-up: count the timed rounds only */
		size_t found;
		uint32_t sum = checksum(&r, a->n, &found);
		if (first) {
			sum0 = sum, found0 = found, hops0 = r.hops, first = 0;
		} else if (sum != sum0 || found != found0 || r.hops != hops0) {
			die("%s: answers differ between passes", name);
		}
	}
	if (a->print)
		for (size_t i = 0; i < a->n; i++) {
			fprintf(stderr, "%llu ", (unsigned long long)a->keys[i]);
			if (!r.found[i])
				fputs("not_found", stderr);
			for (int j = 0; r.found[i] && j < VALUE_BYTES; j++)
				fprintf(stderr, "%02x", r.value[i][j]);
			fputc('\n', stderr);
		}
	double min = ns[0];
	for (int i = 1; i < a->rounds; i++)
		if (ns[i] < min)
			min = ns[i];
	qsort(ns, a->rounds, sizeof(double), cmp_double);
	qsort(cpu, a->rounds, sizeof(double), cmp_double);
	printf("{\"anchor\":\"%s\",\"q\":%d,\"lookups\":%zu,\"found\":%zu,\"hops\":%llu,"
	       "\"hops_per_lookup\":%.4f,\"ns_per_lookup\":%.1f,\"ns_min\":%.1f,\"rounds\":%d,"
	       "\"device_bytes_per_lookup\":%.0f,\"cpu_ns_per_lookup\":%.1f,\"checksum\":\"%08x\"}\n",
	       name, a->q, a->n, found0, (unsigned long long)hops0, (double)hops0 / a->n,
	       ns[a->rounds / 2], min, a->rounds, (double)(read_bytes() - io0) / a->rounds / a->n,
	       cpu[a->rounds / 2], sum0);
}

static int open_tree(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

#endif
