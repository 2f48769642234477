// The range example reads the bptree example's files (README.md): the same generator, re-exported
// so that `node dist/examples/range/gen.js tree.db --keys N` works from either directory.
import { isMain, runGenCli } from "../../src/datagen/gen-cli.js";
import { bptreeCli } from "../../src/datagen/bptree.js";

export {
  type Bptree,
  type BptreeOptions,
  generateBptree,
  writeBptree,
} from "../../src/datagen/bptree.js";

if (isMain(import.meta.url)) process.exitCode = runGenCli(bptreeCli, process.argv.slice(2));
