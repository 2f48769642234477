#!/usr/bin/env python3
"""Writes a real SQLite database with Python's sqlite3 module (SQLite itself writes every byte):
table t(a INTEGER, b TEXT) with rowids of every varint length, negative ones included, built by
inserts, deletes and updates, never VACUUMed. Prints JSON: the table's root page (from
sqlite_schema), the page size, and SQLite's own answer for each probe rowid.

usage: gen.py OUT.db ROWS SEED"""
import json
import random
import sqlite3
import sys

out, rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
db = sqlite3.connect(out)
db.execute("PRAGMA page_size = 4096")
db.execute("CREATE TABLE pad(x)")  # so that t's root is not page 2
db.execute("CREATE TABLE t(a INTEGER, b TEXT)")

# Rowids at every varint length boundary (1..9 bytes), both signs, and a dense run.
edges = {0, 1, -1, -(2**63), 2**63 - 1}
for bits in range(7, 64, 7):
    for v in (2**bits - 1, 2**bits, -(2**bits), -(2**bits) - 1):
        if -(2**63) <= v < 2**63:
            edges.add(v)
ids = set(edges)
while len(ids) < rows:
    ids.add(rng.choice([rng.randrange(-(2**63), 2**63), rng.randrange(-5000, 5000),
                        rng.randrange(0, 4 * rows)]))
ids = list(ids)
rng.shuffle(ids)

def text(n):
    return "".join(rng.choice("abcdefghij") for _ in range(n))

for r in ids:
    db.execute("INSERT INTO t(rowid, a, b) VALUES (?, ?, ?)",
               (r, rng.randrange(-(2**40), 2**40), text(rng.randrange(0, 60))))
db.commit()
# Deletes and updates after the inserts: freed cells, rewritten cells, no VACUUM.
gone = rng.sample(ids, len(ids) // 10)
for r in gone:
    db.execute("DELETE FROM t WHERE rowid = ?", (r,))
gone_set = set(gone)
kept = [r for r in ids if r not in gone_set]
for r in rng.sample(kept, len(kept) // 10):
    db.execute("UPDATE t SET a = ?, b = ? WHERE rowid = ?",
               (rng.randrange(-(2**62), 2**62), text(rng.randrange(0, 200)), r))
# A few records too large for their leaf: they spill to overflow pages.
big = rng.sample(kept, min(3, len(kept)))
for r in big:
    db.execute("UPDATE t SET b = ? WHERE rowid = ?", (text(5000), r))
db.commit()

root = db.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't'").fetchone()[0]
page_size = db.execute("PRAGMA page_size").fetchone()[0]
probes = sorted(edges) + rng.sample(kept, min(300, len(kept))) + gone[:50] + big
probes += [rng.randrange(-(2**63), 2**63) for _ in range(50)]
answers = []
for r in probes:
    row = db.execute("SELECT a, b FROM t WHERE rowid = ?", (r,)).fetchone()
    answers.append({"rowid": str(r), "row": None if row is None else [str(row[0]), row[1]]})
db.close()
print(json.dumps({"root": root, "pageSize": page_size, "answers": answers}))
