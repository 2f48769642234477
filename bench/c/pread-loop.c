// The anchor "C pread loop": each bptree lookup as a user-space program over a file writes it, one
// 512 B pread per node and one for the value block, the binary search in user space between them
// (bench/lookups.ts preadLookup, in C). What an in-kernel chain has to beat.
//
//   gcc -O2 -o pread-loop bench/c/pread-loop.c
//   pread-loop TREE (--keys FILE | KEY...) [--rounds 5] [--no-warmup] [--print]
#include "anchor.h"

struct ctx {
	int fd;
};

static void pass(void *p, const struct args *a, struct answers *r)
{
	int fd = ((struct ctx *)p)->fd;
	uint8_t block[NODE_BYTES] __attribute__((aligned(64)));
	for (size_t i = 0; i < a->n; i++) {
		struct walk w;
		enum step s;
		walk_start(&w, a->keys[i]);
		do {
			if (pread(fd, block, NODE_BYTES, w.at) != NODE_BYTES)
				die("short read at %llu", (unsigned long long)w.at);
			r->hops++;
		} while ((s = walk_step(&w, block, r->value[i])) == STEP_READ);
		r->found[i] = s == STEP_FOUND;
	}
}

int main(int argc, char **argv)
{
	struct args a = parse_args(argc, argv);
	struct ctx c = { open_tree(a.tree) };
	measure("pread", &a, &c, pass);
	return 0;
}
