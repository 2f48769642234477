#!/bin/sh
# Compiles the hand-written C storage functions the way their users would, two ways:
#   clang-19 -O2 -target bpf -g -Wall -c X.c -o OUT/X.o                            (extent translation)
#   clang-19 -O2 -target bpf -g -Wall -DIOCHAIN_NO_EXTENTS -c X.c -o OUT/X-plain.o (without)
# Usage: bench/c/build.sh [OUT_DIR]   (default dist/bench/c; CLANG overrides the compiler)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(cd "$here/../.." && pwd)/dist/bench/c}
clang=${CLANG:-clang-19}
mkdir -p "$out"
for example in bptree range sstable slotted; do
	"$clang" -O2 -target bpf -g -Wall -c "$here/$example.c" -o "$out/$example.o"
	"$clang" -O2 -target bpf -g -Wall -DIOCHAIN_NO_EXTENTS -c "$here/$example.c" -o "$out/$example-plain.o"
done
echo "built $out/{bptree,range,sstable,slotted}{,-plain}.o"
