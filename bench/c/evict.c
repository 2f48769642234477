// Evicts a file from the page cache, for the cold-cache anchors: fsync (dirty pages cannot be
// dropped), then posix_fadvise(POSIX_FADV_DONTNEED), which drops this file's clean pages only,
// unlike writing 1 to /proc/sys/vm/drop_caches (every clean page of the machine, root only).
// Prints how many of the file's pages mincore found resident before and after, so the caller
// knows whether it worked. With --check it only counts.
//
//   gcc -O2 -o evict bench/c/evict.c
//   evict FILE [--check]   ->  {"pages":P,"resident_before":B,"resident_after":A}
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t resident(int fd, size_t size, size_t pages)
{
	if (size == 0)
		return 0;
	/* Mapping without touching faults nothing in; mincore reports the page cache's state. */
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(pages);
	if (map == MAP_FAILED || !vec || mincore(map, size, vec) < 0) {
		perror("mincore");
		exit(1);
	}
	size_t n = 0;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(map, size);
	free(vec);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [--check]\n", argv[0]);
		return 2;
	}
	int check = argc > 2 && !strcmp(argv[2], "--check");
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	size_t page = sysconf(_SC_PAGESIZE), pages = (st.st_size + page - 1) / page;
	size_t before = resident(fd, st.st_size, pages);
	if (!check) {
		if (fsync(fd) < 0) {
			fprintf(stderr, "%s: fsync: %s\n", argv[1], strerror(errno));
			return 1;
		}
		int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* returns the error */
		if (err) {
			fprintf(stderr, "%s: posix_fadvise: %s\n", argv[1], strerror(err));
			return 1;
		}
	}
	printf("{\"pages\":%zu,\"resident_before\":%zu,\"resident_after\":%zu}\n", pages, before,
	       resident(fd, st.st_size, pages));
	return 0;
}
