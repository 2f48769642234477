// The anchor "C io_uring loop with Q chains in flight": Q independent bptree lookups at once, each
// a chain of dependent 512 B reads. When a read completes, the search in user space picks the next
// read of that chain and queues it; when a chain ends, its slot starts the next key. All reads
// queued while draining the completions go to the kernel in one io_uring_enter, which also waits
// for the next completion. Warm, a buffered read completes inline at submission; cold, the Q
// chains' device reads overlap, which is what this anchor is for.
//
//   gcc -O2 -o uring-loop bench/c/uring-loop.c -luring
//   uring-loop TREE (--keys FILE | KEY...) --q Q [--rounds 5] [--no-warmup] [--print]
#include <liburing.h>
#include "anchor.h"

struct slot {
	uint8_t block[NODE_BYTES] __attribute__((aligned(NODE_BYTES)));
	struct walk w;
	size_t index; /* the key this slot is looking up */
};

struct ctx {
	int fd;
	struct io_uring ring;
	struct slot *slots;
};

static void queue_read(struct ctx *c, struct slot *s)
{
	/* At most Q reads are outstanding and the ring has >= Q entries: never full. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
	if (!sqe)
		die("submission queue full");
	io_uring_prep_read(sqe, c->fd, s->block, NODE_BYTES, s->w.at);
	io_uring_sqe_set_data(sqe, s);
}

static void pass(void *p, const struct args *a, struct answers *r)
{
	struct ctx *c = p;
	size_t next = 0, done = 0;
	for (int i = 0; i < a->q && next < a->n; i++, next++) {
		c->slots[i].index = next;
		walk_start(&c->slots[i].w, a->keys[next]);
		queue_read(c, &c->slots[i]);
	}
	while (done < a->n) {
		int err = io_uring_submit_and_wait(&c->ring, 1);
		if (err < 0)
			die("io_uring_submit_and_wait: %s", strerror(-err));
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&c->ring, head, cqe)
		{
			struct slot *s = io_uring_cqe_get_data(cqe);
			seen++;
			if (cqe->res != NODE_BYTES)
				die("read at %llu: %s", (unsigned long long)s->w.at,
				    cqe->res < 0 ? strerror(-cqe->res) : "short");
			r->hops++;
			enum step st = walk_step(&s->w, s->block, r->value[s->index]);
			if (st == STEP_READ) {
				queue_read(c, s);
				continue;
			}
			r->found[s->index] = st == STEP_FOUND;
			done++;
			if (next < a->n) {
				s->index = next;
				walk_start(&s->w, a->keys[next++]);
				queue_read(c, s);
			}
		}
		io_uring_cq_advance(&c->ring, seen);
	}
}

int main(int argc, char **argv)
{
	struct args a = parse_args(argc, argv);
	struct ctx c = { .fd = open_tree(a.tree) };
	int err = io_uring_queue_init(a.q, &c.ring, 0);
	if (err < 0)
		die("io_uring_queue_init: %s", strerror(-err));
	if (posix_memalign((void **)&c.slots, NODE_BYTES, sizeof(struct slot) * a.q))
		die("out of memory");
	measure("io_uring", &a, &c, pass);
	io_uring_queue_exit(&c.ring);
	return 0;
}
