// The device's own latency, the floor under every cold read: O_DIRECT preads of SIZE bytes at
// random SIZE-aligned offsets of FILE, one at a time (queue depth 1), so no page cache and no
// readahead are involved. Prints the median, mean and 99th percentile in microseconds.
//
//   gcc -O2 -o direct-probe bench/c/direct-probe.c
//   direct-probe FILE [--reads 2000] [--size 512]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long reads = 2000, size = 512;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reads") && i + 1 < argc)
			reads = atol(argv[++i]);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = atol(argv[++i]);
		else
			path = argv[i];
	}
	int fd = path ? open(path, O_RDONLY | O_DIRECT) : -1;
	struct stat st;
	void *buf;
	if (fd < 0 || fstat(fd, &st) < 0 || reads < 1 || size < 512 || size % 512 ||
	    st.st_size < size || posix_memalign(&buf, 4096, size)) {
		fprintf(stderr, "usage: %s FILE [--reads N] [--size 512k] (%s)\n", argv[0],
			strerror(errno));
		return 2;
	}
	double *us = malloc(sizeof(double) * reads), sum = 0;
	uint64_t x = 88172645463325252ull, blocks = st.st_size / size;
	for (long i = -10; i < reads; i++) { /* 10 untimed reads first */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64: fixed sequence */
		off_t at = (off_t)(x % blocks) * size;
		double t0 = now_us();
		if (pread(fd, buf, size, at) != size) {
			fprintf(stderr, "O_DIRECT pread at %lld: %s\n", (long long)at, strerror(errno));
			return 1;
		}
		if (i >= 0)
			sum += us[i] = now_us() - t0;
	}
	qsort(us, reads, sizeof(double), cmp);
	printf("{\"size\":%ld,\"reads\":%ld,\"us_median\":%.1f,\"us_mean\":%.1f,\"us_p99\":%.1f}\n",
	       size, reads, us[reads / 2], sum / reads, us[reads * 99 / 100]);
	return 0;
}
