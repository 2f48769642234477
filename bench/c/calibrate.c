// The simulator's machine calibration (bench/sim-machine.ts): two costs of a warm bptree lookup,
// measured apart so that the model can predict the C pread loop from them:
//   search_ns_per_hop  the user-space step (walk_step) on a block just copied into a buffer, as
//                      the pread loop searches it: (copy + search) - (copy alone), the copies from
//                      an mmap of the file (the copy takes the cache misses, as pread's does)
//   pread_ns           one 512 B pread of a cached block, the offsets the lookups visit, no search
// Medians of --rounds passes over the keys, wall and CPU time. Prints one JSON line.
//
//   calibrate TREE --keys FILE [--rounds 5]
#include "anchor.h"
#include <sys/mman.h>
#include <sys/stat.h>

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	struct args a = parse_args(argc, argv);
	int fd = open_tree(a.tree);
	struct stat st;
	if (fstat(fd, &st))
		die("fstat");
	const uint8_t *map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	uint64_t *offs = NULL;
	size_t hops = 0, cap = 0;
	uint8_t value[VALUE_BYTES];
	// The offsets every lookup visits (and a warm-up of the page cache and the mapping).
	for (size_t i = 0; i < a.n; i++) {
		struct walk w;
		walk_start(&w, a.keys[i]);
		do {
			if (hops == cap && !(offs = realloc(offs, (cap = cap ? 2 * cap : 1024) * 8)))
				die("out of memory");
			offs[hops++] = w.at;
		} while (walk_step(&w, map + w.at, value) == STEP_READ);
	}
	double *walk_ns = calloc(a.rounds, sizeof(double)), *pread_ns = calloc(a.rounds, sizeof(double));
	double *walk_cpu = calloc(a.rounds, sizeof(double)), *pread_cpu = calloc(a.rounds, sizeof(double));
	uint8_t block[NODE_BYTES] __attribute__((aligned(64)));
	volatile uint64_t sink = 0;
	for (int r = 0; r < a.rounds; r++) {
		/* copy + search */
		double c0 = cpu_ns(), t0 = now_ns();
		for (size_t i = 0; i < a.n; i++) {
			struct walk w;
			walk_start(&w, a.keys[i]);
			do {
				memcpy(block, map + w.at, NODE_BYTES);
				__asm__ volatile("" ::: "memory");
			} while (walk_step(&w, block, value) == STEP_READ);
			sink += value[0];
		}
		double t_cs = now_ns() - t0, c_cs = cpu_ns() - c0;
		/* copy alone, the same blocks in the same order */
		c0 = cpu_ns(), t0 = now_ns();
		for (size_t h = 0; h < hops; h++) {
			memcpy(block, map + offs[h], NODE_BYTES);
			__asm__ volatile("" ::: "memory");
		}
		walk_ns[r] = (t_cs - (now_ns() - t0)) / hops;
		walk_cpu[r] = (c_cs - (cpu_ns() - c0)) / hops;
		sink += block[0];
		c0 = cpu_ns(), t0 = now_ns();
		for (size_t h = 0; h < hops; h++)
			if (pread(fd, block, NODE_BYTES, offs[h]) != NODE_BYTES)
				die("short read");
		pread_ns[r] = (now_ns() - t0) / hops;
		pread_cpu[r] = (cpu_ns() - c0) / hops;
		sink += block[0];
	}
	printf("{\"hops\":%zu,\"search_ns_per_hop\":%.2f,\"pread_ns\":%.2f,"
	       "\"search_cpu_ns_per_hop\":%.2f,\"pread_cpu_ns\":%.2f}\n",
	       hops, median(walk_ns, a.rounds), median(pread_ns, a.rounds), median(walk_cpu, a.rounds),
	       median(pread_cpu, a.rounds));
	return 0;
}
