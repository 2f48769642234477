// Writes a BPF-KV B+tree file (examples/bptree/README.md). The generator itself is
// src/datagen/bptree.ts, which the demo (`iochain demo`) shares.
//
//   node dist/examples/bptree/gen.js tree.db --keys 5000 --depth 4 [--seed 1] [--wide]
import { bptreeCli } from "../../src/datagen/bptree.js";
import { isMain, runGenCli } from "../../src/datagen/gen-cli.js";

if (isMain(import.meta.url)) process.exitCode = runGenCli(bptreeCli, process.argv.slice(2));
