#!/usr/bin/env python3
"""Writes a LevelDB database with plyvel (LevelDB itself writes every byte), compacted into one
table file (.ldb), and prints JSON: the table's path and size, LevelDB's own answer (db.get) for
each probe key, and what the table holds (entries, deletion markers, keys with several versions),
read back by a small independent walk of the file.

Keys are 8-byte big-endian integers. Inserts, then a snapshot, then overwrites and deletes: the
snapshot makes the compaction keep the older versions and the deletion markers in the table, so a
lookup must take the newest entry of a key and answer "not found" for a deletion.

usage: gen.py DIR KEYS SEED [snappy]"""
import json
import os
import random
import struct
import sys

import plyvel

out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
snappy = len(sys.argv) > 4 and sys.argv[4] == "snappy"
rng = random.Random(seed)
MAX_VALUE = 1024  # lookup.ioc's result size; longer values end with value_too_large


def value():
    r = rng.random()
    n = 0 if r < 0.02 else rng.randrange(1000, 3000) if r < 0.04 else rng.randrange(1, 120)
    if snappy:
        return bytes([rng.randrange(256)]) * n  # compressible: Snappy blocks
    return bytes(rng.randrange(256) for _ in range(n))


def pack(k):
    return struct.pack(">Q", k)


db = plyvel.DB(out, create_if_missing=True, error_if_exists=True,
               compression="snappy" if snappy else None)
keys = {0, 1, 2**64 - 1, 2**63, 255, 256}
while len(keys) < count:
    keys.add(rng.choice([rng.getrandbits(64), rng.randrange(0, 4 * count),
                         rng.getrandbits(64) & ~0xffff]))
keys = sorted(keys)
for k in keys:
    db.put(pack(k), value())
snapshot = db.snapshot()  # the compaction keeps what it can see: old versions, deletions
changed = rng.sample(keys, len(keys) // 5)
for k in changed[: len(changed) // 2]:
    db.delete(pack(k))
for k in changed[len(changed) // 2:]:
    db.put(pack(k), value())
for k in rng.sample(keys, len(keys) // 20):  # deleted and written again, or twice overwritten
    db.put(pack(k), value())
db.compact_range()
snapshot.close()
db.close()

tables = sorted(f for f in os.listdir(out) if f.endswith(".ldb"))
if len(tables) != 1:
    sys.exit(f"expected one table file, LevelDB wrote {tables}")
table = os.path.join(out, tables[0])
data = open(table, "rb").read()


# An independent read of the whole table (no binary search): every entry of every data block.
def varint(b, p):
    v = shift = 0
    while True:
        x = b[p]
        p += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return v, p


def block(off, size):
    kind = data[off + size]
    if kind != 0:
        return None
    b = data[off:off + size]
    restarts = struct.unpack_from("<I", b, size - 4)[0]
    end, p, key, entries = size - 4 - 4 * restarts, 0, b"", []
    while p < end:
        shared, p = varint(b, p)
        unshared, p = varint(b, p)
        n, p = varint(b, p)
        key = key[:shared] + b[p:p + unshared]
        p += unshared
        entries.append((key, b[p:p + n]))
        p += n
    return entries


assert struct.unpack_from("<Q", data, len(data) - 8)[0] == 0xDB4775248B80FB57
footer = data[-48:]
_, p = varint(footer, 0)
_, p = varint(footer, p)
index_off, p = varint(footer, p)
index_size, p = varint(footer, p)
newest, entries, deletions, compressed, seen = {}, 0, 0, 0, {}
index = block(index_off, index_size)
for _, handle in index or []:
    off, q = varint(handle, 0)
    size, q = varint(handle, q)
    blk = block(off, size)
    if blk is None:
        compressed += 1
        continue
    for ikey, v in blk:
        user, tag = ikey[:-8], struct.unpack("<Q", ikey[-8:])[0]
        entries += 1
        deletions += (tag & 0xFF) == 0
        seen[user] = seen.get(user, 0) + 1
        newest.setdefault(user, None if (tag & 0xFF) == 0 else v)

db = plyvel.DB(out)
probes = set(keys)
for k in keys[:: max(1, len(keys) // 200)]:
    probes.update({(k - 1) % 2**64, (k + 1) % 2**64})
while len(probes) < len(keys) + 300:
    probes.add(rng.getrandbits(64))
answers = []
for k in sorted(probes):
    got = db.get(pack(k))
    if index is not None and compressed == 0:
        assert newest.get(pack(k)) == got, f"table walk and db.get disagree at {k}"
    answers.append({"key": str(k), "value": None if got is None else got.hex()})
db.close()
print(json.dumps({
    "table": table, "size": len(data), "answers": answers, "entries": entries,
    "deletions": deletions, "multiVersion": sum(1 for n in seen.values() if n > 1),
    "dataBlocks": len(index or []), "indexCompressed": index is None,
    "compressedBlocks": compressed, "maxValue": MAX_VALUE,
}))
