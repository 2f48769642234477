// Shared by the examples' end-to-end tests (not a test file): compile an example's .ioc with the
// real compiler, run it through the chain driver on a target, and put the answer in the
// references' shape so the two can be compared.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProgramArtifact } from "../../src/abi/artifact.js";
import { compile } from "../../src/compiler/pipeline.js";
import { MemoryBlockSource } from "../../src/runtime/block-source.js";
import { type ChainResult, type StepTarget, runChain } from "../../src/runtime/driver.js";
import { LinuxTarget } from "../../src/runtime/linux/target.js";
import { SimTarget } from "../../src/runtime/sim/target.js";
import type { ArgValue } from "../../src/runtime/args.js";

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Compiles examples/<name>/<program>.ioc. The compiler is imported statically: when it cannot be
 * loaded, the examples' tests fail (they do not skip).
 */
export function compileExample(name: string, program: string): ProgramArtifact {
  const file = join(examplesDir, name, `${program}.ioc`);
  return compile(readFileSync(file, "utf8"), file);
}

/** One target for many chains over one file's bytes. */
export class ExampleRunner {
  private readonly target: StepTarget;
  private source: MemoryBlockSource | undefined;
  private bytes: Uint8Array | undefined;

  constructor(
    readonly artifact: ProgramArtifact,
    kind: "sim" | "linux" = "sim",
  ) {
    this.target = kind === "linux" ? LinuxTarget.create(artifact) : SimTarget.create(artifact);
  }

  run(bytes: Uint8Array, args: Record<string, ArgValue>): ChainResult {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.source = new MemoryBlockSource(bytes);
    }
    return runChain(this.artifact, this.target, this.source!, { args });
  }

  close(): void {
    this.target.close();
  }
}

/** A lookup's result in the references' shape: the value bytes or the error name, and hops. */
export function asLookup(
  r: ChainResult,
): { value: Uint8Array; hops: number } | { error: string; hops: number } {
  if (r.status === "done") {
    if (!(r.value instanceof Uint8Array))
      throw new Error(`expected a byte-array result, got ${String(r.value)}`);
    return { value: r.value, hops: r.hops };
  }
  return { error: r.error ?? `status ${r.status}`, hops: r.hops };
}
