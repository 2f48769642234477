// A C driver for iochain's kernel chains (docs/abi.md, "Kernel chains"): loads the chain program
// of an object written by `iochain compile X.ioc --target linux -o X.o` with libbpf, maps the data
// file read-only, and runs one chain per line of arguments, a batch of K chains per
// BPF_PROG_TEST_RUN, exactly as iochain's own runtime does (src/runtime/linux/kernel-chain.ts).
// Prints one line per chain on stdout and the time per chain on stderr. README.md says how to
// build and run it.
//
// What it does not do: output rows. A chain that suspends (its rows are in scratch) is reported
// as "suspended" and ended there, and rows left at the end of a chain are counted, not decoded:
// row-producing programs (examples/range) need iochain's runtime (`iochain run`).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "iochain_chain.h"

enum result_kind { RESULT_NONE, RESULT_SCALAR, RESULT_BYTES };

struct options {
	const char *object, *data, *keys;
	const char *prog;
	unsigned batch; /* 0: the object's capacity */
	enum result_kind result;
	unsigned result_offset, result_length;
	unsigned max_chain;
	bool binary;
	unsigned nargs; /* --binary: u64 arguments per chain */
	unsigned repeat;
	bool quiet, verbose;
};

/* One chain's outcome, as the runtime's ChainResult minus rows and aggregates. */
enum outcome { OUT_DONE, OUT_FAILED, OUT_SUSPENDED, OUT_BROKEN };
struct answer {
	enum outcome outcome;
	__u32 error;   /* OUT_FAILED: the error code */
	__u32 hops;
	__u32 rows;    /* rows left undecoded */
	__u64 scalar;  /* RESULT_SCALAR */
	__u32 len;     /* RESULT_BYTES: value_len */
	const char *why; /* OUT_BROKEN */
};

static const char *const builtin_errors[] = {
	[IOCHAIN_ERR_OUT_OF_FILE] = "out_of_file",
	[IOCHAIN_ERR_UNMAPPED] = "unmapped",
	[IOCHAIN_ERR_MISALIGNED] = "misaligned",
	[IOCHAIN_ERR_CROSSES_EXTENT] = "crosses_extent",
	[IOCHAIN_ERR_CHAIN_TOO_LONG] = "chain_too_long",
	[IOCHAIN_ERR_OUT_OF_BLOCK] = "out_of_block",
	[IOCHAIN_ERR_BAD_SIZE] = "bad_size",
	[IOCHAIN_ERR_READ_FAULT] = "read_fault",
};

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("driver: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage(FILE *to)
{
	fputs("usage: driver [options] OBJECT DATA [KEYS]\n"
	      "  OBJECT  iochain compile X.ioc --target linux -o X.o\n"
	      "  DATA    the data file (mapped read-only)\n"
	      "  KEYS    one chain per line: its arguments, decimal (or 0x hex), space separated;\n"
	      "          '-' or none: standard input\n"
	      "options:\n"
	      "  -p, --prog NAME        chain program (default: the object's one *_chain program)\n"
	      "  -b, --batch K          chains per test run (default: the object's capacity, its --batch)\n"
	      "  -r, --result SPEC      none | scalar | bytes:OFFSET:LENGTH (iochain compile --emit chain-header)\n"
	      "  -m, --max-chain N      the program's max_chain: budget per run K * (N + 1) (default 16)\n"
	      "  -x, --binary           KEYS holds little-endian u64 arguments, --nargs per chain\n"
	      "  -n, --nargs N          arguments per chain with --binary (default 1)\n"
	      "  -R, --repeat N         run all chains N times (timing; answers printed once)\n"
	      "  -q, --quiet            print no answers, only the timing\n"
	      "  -v, --verbose          libbpf's messages\n",
	      to);
}

static unsigned parse_uint(const char *opt, const char *s, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max)
		die("%s: '%s' is not a whole number up to %u", opt, s, max);
	return (unsigned)v;
}

static void parse_result(struct options *o, const char *s)
{
	if (!strcmp(s, "none")) {
		o->result = RESULT_NONE;
	} else if (!strcmp(s, "scalar")) {
		o->result = RESULT_SCALAR;
	} else if (sscanf(s, "bytes:%u:%u", &o->result_offset, &o->result_length) == 2) {
		o->result = RESULT_BYTES;
	} else {
		die("--result: '%s' is not none, scalar or bytes:OFFSET:LENGTH", s);
	}
}

static void parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "prog", required_argument, 0, 'p' },	  { "batch", required_argument, 0, 'b' },
		{ "result", required_argument, 0, 'r' },  { "max-chain", required_argument, 0, 'm' },
		{ "binary", no_argument, 0, 'x' },	  { "nargs", required_argument, 0, 'n' },
		{ "repeat", required_argument, 0, 'R' },  { "quiet", no_argument, 0, 'q' },
		{ "verbose", no_argument, 0, 'v' },	  { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct options){ .max_chain = 16, .nargs = 1, .repeat = 1 };
	int c;
	while ((c = getopt_long(argc, argv, "p:b:r:m:xn:R:qvh", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->prog = optarg; break;
		case 'b': o->batch = parse_uint("--batch", optarg, IOCHAIN_CHAIN_MAX_BATCH); break;
		case 'r': parse_result(o, optarg); break;
		case 'm': o->max_chain = parse_uint("--max-chain", optarg, 1u << 20); break;
		case 'x': o->binary = true; break;
		case 'n': o->nargs = parse_uint("--nargs", optarg, IOCHAIN_MAX_ARGS); break;
		case 'R': o->repeat = parse_uint("--repeat", optarg, 1u << 20); break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		usage(stderr);
		exit(2);
	}
	o->object = argv[optind];
	o->data = argv[optind + 1];
	o->keys = argc - optind == 3 ? argv[optind + 2] : "-";
	if (o->nargs == 0 || o->repeat == 0) die("--nargs and --repeat must be at least 1");
}

/* The chains' arguments: count rows of nargs u64 each (args[i * IOCHAIN_MAX_ARGS + a]). */
struct keys {
	__u64 *args;
	unsigned *nargs;
	size_t count, cap;
};

static void keys_push(struct keys *k, const __u64 *args, unsigned n)
{
	if (k->count == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1024;
		k->args = realloc(k->args, k->cap * IOCHAIN_MAX_ARGS * sizeof(__u64));
		k->nargs = realloc(k->nargs, k->cap * sizeof(unsigned));
		if (!k->args || !k->nargs) die("out of memory");
	}
	memcpy(&k->args[k->count * IOCHAIN_MAX_ARGS], args, n * sizeof(__u64));
	k->nargs[k->count++] = n;
}

static void read_keys(const struct options *o, struct keys *k)
{
	FILE *f = strcmp(o->keys, "-") ? fopen(o->keys, o->binary ? "rb" : "r") : stdin;
	if (!f) die("%s: %s", o->keys, strerror(errno));
	__u64 args[IOCHAIN_MAX_ARGS];
	if (o->binary) {
		unsigned char raw[8 * IOCHAIN_MAX_ARGS];
		size_t got;
		while ((got = fread(raw, 8, o->nargs, f)) == o->nargs) {
			for (unsigned a = 0; a < o->nargs; a++) {
				__u64 v = 0;
				for (int b = 7; b >= 0; b--) v = v << 8 | raw[8 * a + b];
				args[a] = v;
			}
			keys_push(k, args, o->nargs);
		}
		if (got != 0) die("%s: ends inside a chain's arguments (%u u64 each)", o->keys, o->nargs);
	} else {
		char line[4096];
		size_t lineno = 0;
		while (fgets(line, sizeof line, f)) {
			lineno++;
			unsigned n = 0;
			char *p = line;
			for (;;) {
				while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
				if (!*p || *p == '#') break;
				if (n == IOCHAIN_MAX_ARGS)
					die("%s:%zu: more than %d arguments", o->keys, lineno, IOCHAIN_MAX_ARGS);
				char *end;
				errno = 0;
				args[n++] = *p == '-' ? (__u64)strtoll(p, &end, 0) : strtoull(p, &end, 0);
				if (errno || end == p || (*end && !strchr(" \t\r\n", *end)))
					die("%s:%zu: '%s' is not a number", o->keys, lineno, p);
				p = end;
			}
			if (n) keys_push(k, args, n);
		}
	}
	if (f != stdin) fclose(f);
}

/* The data file, mapped read-only: the chain program copies blocks from it (bpf_copy_from_user). */
struct mapping {
	void *base;
	__u64 size;
	size_t length;
};

static struct mapping map_data(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) die("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) die("%s: not a regular file", path);
	struct mapping m = { .size = (__u64)st.st_size };
	if (st.st_size > 0) {
		long page = sysconf(_SC_PAGESIZE);
		m.length = ((size_t)st.st_size + page - 1) / page * page;
		m.base = mmap(NULL, m.length, PROT_READ, MAP_SHARED, fd, 0);
		if (m.base == MAP_FAILED) die("%s: mmap: %s", path, strerror(errno));
		/* One page per fault: no read-around of blocks nobody asked for (docs/kernel-chains.md). */
		madvise(m.base, m.length, MADV_RANDOM);
	}
	close(fd); /* the mapping keeps the file */
	return m;
}

struct chain_program {
	struct bpf_object *obj;
	int fd;
	unsigned char *records; /* the chains map's value, mmapped */
	size_t record_size, capacity, records_length;
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static size_t page_round(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	return (n + page - 1) / page * page;
}

static struct chain_program load(const struct options *o)
{
	if (!o->verbose) libbpf_set_print(libbpf_quiet);
	struct chain_program c = { 0 };
	c.obj = bpf_object__open_file(o->object, NULL);
	if (!c.obj) die("%s: cannot open: %s", o->object, strerror(errno));

	/* Load only the chain program (the step program beside it is for step-at-a-time runs). */
	struct bpf_program *prog = NULL, *p;
	size_t suffix = strlen(IOCHAIN_CHAIN_SUFFIX);
	bpf_object__for_each_program(p, c.obj) {
		const char *name = bpf_program__name(p);
		size_t len = strlen(name);
		bool match = o->prog ? !strcmp(name, o->prog)
				     : len > suffix && !strcmp(name + len - suffix, IOCHAIN_CHAIN_SUFFIX);
		if (match) {
			if (prog) die("%s: several chain programs; name one with --prog", o->object);
			prog = p;
		}
	}
	if (!prog)
		die("%s: no %s program (compile with iochain compile --target linux)", o->object,
		    o->prog ? o->prog : "*" IOCHAIN_CHAIN_SUFFIX);
	bpf_object__for_each_program(p, c.obj) bpf_program__set_autoload(p, p == prog);

	/* libbpf names a global-data map after its section (.data.chains) when the name has a second dot. */
	struct bpf_map *scratch = bpf_object__find_map_by_name(c.obj, IOCHAIN_SCRATCH_MAP);
	struct bpf_map *chains = bpf_object__find_map_by_name(c.obj, IOCHAIN_CHAINS_MAP);
	if (!scratch || !chains)
		die("%s: no %s or %s map: not an iochain object with a chain program", o->object,
		    IOCHAIN_SCRATCH_MAP, IOCHAIN_CHAINS_MAP);
	c.record_size = IOCHAIN_CHAIN_RECORD_SIZE(bpf_map__value_size(scratch));
	size_t chains_size = bpf_map__value_size(chains);
	if (chains_size % c.record_size)
		die("%s: the chains map (%zu bytes) is not a whole number of %zu-byte records",
		    o->object, chains_size, c.record_size);
	c.capacity = chains_size / c.record_size;

	int err = bpf_object__load(c.obj);
	if (err) die("%s: load failed: %s (run with -v for the verifier's log)", o->object, strerror(-err));
	c.fd = bpf_program__fd(prog);

	/* The records: the chains map's one value, shared with the program (BPF_F_MMAPABLE). */
	c.records_length = page_round(chains_size);
	c.records = mmap(NULL, c.records_length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(chains), 0);
	if (c.records == MAP_FAILED) die("mmap of %s: %s", IOCHAIN_CHAINS_MAP, strerror(errno));
	return c;
}

static struct iochain_chain_record *record_at(const struct chain_program *c, size_t i)
{
	return (struct iochain_chain_record *)(c->records + i * c->record_size);
}

/* A chain's answer from its record, as the runtime settles a record (KernelChainTarget.settleRecord). */
static struct answer settle(const struct options *o, const struct iochain_chain_record *r)
{
	struct answer a = { .hops = r->hops };
	if (r->end == IOCHAIN_END_DRIVER) {
		a.outcome = OUT_FAILED;
		a.error = r->error;
		return a;
	}
	if (r->end != IOCHAIN_END_PROGRAM) {
		a.outcome = OUT_BROKEN;
		a.why = "the record was not written";
		return a;
	}
	a.rows = r->ctx.rows;
	switch (r->ctx.status) {
	case IOCHAIN_STATUS_DONE:
		a.outcome = OUT_DONE;
		a.scalar = r->ctx.value;
		a.len = r->ctx.value_len;
		if (o->result == RESULT_BYTES && a.len > o->result_length) {
			a.outcome = OUT_BROKEN;
			a.why = "value_len is larger than the result";
		}
		return a;
	case IOCHAIN_STATUS_FAILED:
		a.outcome = OUT_FAILED;
		a.error = r->ctx.error;
		return a;
	default:
		a.outcome = OUT_BROKEN;
		a.why = r->ctx.status == 0xffffffffu ? "the program ended a step without a status"
						      : "a status that cannot end a chain";
		return a;
	}
}

struct counters {
	unsigned long long runs, suspended;
};

/*
 * Chains first..first+count-1 as records 0..count-1 of one batch, run to the end: as
 * KernelChainTarget.execute. Answers go to out[first..]; a bytes result is copied to values.
 */
static void run_batch(const struct options *o, const struct chain_program *c, const struct mapping *m,
		      const struct keys *k, size_t first, size_t count, struct answer *out,
		      unsigned char *values, struct counters *n)
{
	for (size_t i = 0; i < count; i++) {
		struct iochain_chain_record *r = record_at(c, i);
		r->end = IOCHAIN_END_NONE;
		memcpy(r->ctx.args, &k->args[(first + i) * IOCHAIN_MAX_ARGS],
		       k->nargs[first + i] * sizeof(__u64));
	}
	struct iochain_chain_ctx ctx = { 0 };
	ctx.base = (__u64)(uintptr_t)m->base;
	ctx.file_size = m->size;
	ctx.next = 0;
	ctx.end = (__u32)count;
	unsigned long long budget = (unsigned long long)count * (o->max_chain + 1);
	if (budget > IOCHAIN_MAX_LOOP_ITERATIONS) budget = IOCHAIN_MAX_LOOP_ITERATIONS;
	bool suspended[IOCHAIN_CHAIN_MAX_BATCH] = { 0 };
	for (;;) {
		ctx.budget = (__u32)budget;
		ctx.stop = IOCHAIN_STOP_BUDGET;
		/* Syscall programs take ctx_in only; the kernel copies the ctx back into it. */
		LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &ctx, .ctx_size_in = sizeof ctx);
		int err = bpf_prog_test_run_opts(c->fd, &run);
		if (err) die("BPF_PROG_TEST_RUN: %s", strerror(errno));
		n->runs++;
		if (ctx.stop == IOCHAIN_STOP_DONE) break;
		if (ctx.loop_error < 0) die("the chain program's bpf_loop failed: %s", strerror(-ctx.loop_error));
		if (ctx.stop == IOCHAIN_STOP_BUDGET) continue; /* budget spent: run again */
		if (ctx.stop != IOCHAIN_STOP_SUSPENDED)
			die("the chain program stopped with code %u at record %u", ctx.stop, ctx.next);
		/* A chain suspended with rows in scratch: this driver does not take rows, so the chain
		 * ends here (as the runtime's maxSuspensions = 0) and the batch goes on. */
		suspended[ctx.next] = true;
		n->suspended++;
		ctx.active = 0;
		ctx.resume = 0;
		ctx.next++;
	}
	for (size_t i = 0; i < count; i++) {
		struct answer *a = &out[first + i];
		const struct iochain_chain_record *r = record_at(c, i);
		if (suspended[i]) {
			*a = (struct answer){ .outcome = OUT_SUSPENDED };
			continue;
		}
		*a = settle(o, r);
		if (a->outcome == OUT_DONE && o->result == RESULT_BYTES) {
			if ((size_t)o->result_offset + o->result_length > c->record_size - offsetof(struct iochain_chain_record, scratch))
				die("--result bytes:%u:%u lies outside scratch", o->result_offset, o->result_length);
			memcpy(&values[(first + i) * o->result_length], r->scratch + o->result_offset, a->len);
		}
	}
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void print_answer(const struct options *o, const struct keys *k, size_t i, const struct answer *a,
			 const unsigned char *values)
{
	for (unsigned j = 0; j < k->nargs[i]; j++)
		printf("%s%" PRIu64, j ? " " : "", (uint64_t)k->args[i * IOCHAIN_MAX_ARGS + j]);
	switch (a->outcome) {
	case OUT_DONE:
		if (o->result == RESULT_BYTES) {
			fputc('\t', stdout);
			for (__u32 b = 0; b < a->len; b++) printf("%02x", values[i * o->result_length + b]);
		} else if (o->result == RESULT_SCALAR) {
			printf("\t%" PRIu64, (uint64_t)a->scalar);
		} else {
			fputs("\tdone", stdout);
		}
		if (a->rows) printf("\t(%u rows not decoded)", a->rows);
		break;
	case OUT_FAILED:
		printf("\terror %u", a->error);
		if (a->error < sizeof builtin_errors / sizeof *builtin_errors && builtin_errors[a->error])
			printf(" %s", builtin_errors[a->error]);
		break;
	case OUT_SUSPENDED:
		fputs("\tsuspended (rows: not supported by this driver)", stdout);
		break;
	case OUT_BROKEN:
		printf("\tabi violation: %s", a->why);
		break;
	}
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	struct options o;
	parse_options(&o, argc, argv);
	struct keys k = { 0 };
	read_keys(&o, &k);
	struct mapping m = map_data(o.data);
	struct chain_program c = load(&o);
	size_t batch = o.batch ? o.batch : c.capacity;
	if (batch > c.capacity)
		die("--batch %zu: the object holds %zu records (compile with --batch %zu)", batch, c.capacity, batch);

	struct answer *answers = calloc(k.count ? k.count : 1, sizeof *answers);
	unsigned char *values = calloc(k.count ? k.count : 1, o.result_length ? o.result_length : 1);
	double *passes = calloc(o.repeat, sizeof *passes);
	if (!answers || !values || !passes) die("out of memory");
	struct counters n = { 0 };
	for (unsigned pass = 0; pass < o.repeat; pass++) {
		n = (struct counters){ 0 };
		double t0 = now_us();
		for (size_t first = 0; first < k.count; first += batch) {
			size_t count = k.count - first < batch ? k.count - first : batch;
			run_batch(&o, &c, &m, &k, first, count, answers, values, &n);
		}
		passes[pass] = now_us() - t0;
	}
	if (!o.quiet)
		for (size_t i = 0; i < k.count; i++) print_answer(&o, &k, i, &answers[i], values);
	fflush(stdout);

	unsigned long long hops = 0, ended[OUT_BROKEN + 1] = { 0 };
	for (size_t i = 0; i < k.count; i++) {
		hops += answers[i].hops;
		ended[answers[i].outcome]++;
	}
	qsort(passes, o.repeat, sizeof *passes, compare_double);
	double per = k.count ? passes[o.repeat / 2] / (double)k.count : 0;
	fprintf(stderr,
		"%zu chains, batch %zu: %.3f us/chain (median of %u passes; best %.3f), %.2f blocks/chain, "
		"%.2f test runs per batch; %llu done, %llu failed, %llu suspended, %llu abi violations\n",
		k.count, batch, per, o.repeat, k.count ? passes[0] / (double)k.count : 0,
		k.count ? (double)hops / (double)k.count : 0,
		k.count ? (double)n.runs / (double)((k.count + batch - 1) / batch) : 0, ended[OUT_DONE],
		ended[OUT_FAILED], ended[OUT_SUSPENDED], ended[OUT_BROKEN]);

	munmap(c.records, c.records_length);
	bpf_object__close(c.obj);
	if (m.base) munmap(m.base, m.length);
	free(answers);
	free(values);
	free(passes);
	free(k.args);
	free(k.nargs);
	return 0;
}
