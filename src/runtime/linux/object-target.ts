// A StepTarget over an ELF object loaded by our loader (elf-load.ts): the object's `block` and
// `scratch` global-data maps mmapped, one BPF_PROG_TEST_RUN per step. So an object written by
// writeElf (or by clang, with the same ABI) runs chains through the ordinary driver, exactly as
// the artifact it came from does on LinuxTarget.
import { CTX_SIZE } from "../../abi/artifact.js";
import type { StepTarget } from "../driver.js";
import { type ElfLoadOptions, type LoadedObject, loadElfFile } from "./elf-load.js";
import { KernelError } from "./errors.js";
import { TestRunner } from "./test-run.js";

export class ObjectTarget implements StepTarget {
  private constructor(
    /** The loaded object (program, maps, verifier statistics); closed with the target. */
    readonly loaded: LoadedObject,
    private readonly runner: TestRunner,
    private readonly block: Uint8Array,
    private readonly scratchBytes: Uint8Array,
  ) {}

  /** Loads `path` with our loader and takes over the result. */
  static load(path: string, options: ElfLoadOptions = {}): ObjectTarget {
    return ObjectTarget.over(loadElfFile(path, options));
  }

  /** Runs chains on an already loaded object; closing the target closes the object. */
  static over(loaded: LoadedObject): ObjectTarget {
    try {
      const view = (name: string): Uint8Array => {
        const map = loaded.map(name);
        if (!map) {
          throw new KernelError(
            "E0803",
            `${loaded.linked.name}: the object has no \`${name}\` map (docs/abi.md: block, scratch), it has ${loaded.linked.maps.map((m) => m.section).join(", ") || "none"}`,
            0,
          );
        }
        return map.mmap().subarray(0, map.spec.valueSize);
      };
      const block = view("block");
      const scratch = view("scratch");
      return new ObjectTarget(loaded, new TestRunner(loaded.program, CTX_SIZE), block, scratch);
    } catch (err) {
      loaded.close();
      throw err;
    }
  }

  blockBuffer(): Uint8Array {
    return this.block;
  }

  scratch(): Uint8Array {
    return this.scratchBytes;
  }

  runStep(ctx: Uint8Array): void {
    this.runner.ctx.set(ctx);
    this.runner.run();
    ctx.set(this.runner.ctx.subarray(0, ctx.length));
  }

  close(): void {
    this.runner.close();
    this.loaded.close();
  }
}
