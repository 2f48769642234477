// Option parsing shared by the commands, with diagnostics instead of commander's bare errors.
import { Option } from "commander";
import { IochainError } from "../diagnostics.js";

/**
 * An option name that meant different things in different commands (`--extents`), kept hidden so
 * that using it says what it became instead of commander's bare "unknown option".
 */
export function renamedOption(old: string, now: string): Option {
  return new Option(`${old} <value>`).hideHelp().argParser(() => {
    throw new IochainError(
      "E0914",
      `${old} is gone: its meaning depended on the command`,
      undefined,
      `use ${now}`,
    );
  });
}

/** The values shell completion offers for an option (completionValues); see valuesOption. */
const offered = new WeakMap<Option, readonly string[]>();

/**
 * An option taking one of VALUES (or one of them as examples, e.g. kernel versions): completion
 * scripts offer them. The command still checks the value (parseChoice: E0907 with the list).
 */
export function valuesOption(
  flags: string,
  description: string,
  values: readonly string[],
  defaultValue?: string,
): Option {
  const option = new Option(flags, description);
  if (defaultValue !== undefined) option.default(defaultValue);
  offered.set(option, values);
  return option;
}

export const completionValues = (option: Option): readonly string[] | undefined =>
  offered.get(option);

export function parseChoice<T extends string>(
  option: string,
  value: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new IochainError(
    "E0907",
    `${option} must be one of ${choices.join(", ")}, not '${value}'`,
    undefined,
    `${option} takes ${choices.join(", ")}${value === "kernel" && choices.includes("linux" as T) ? " (the kernel is --target linux)" : ""}`,
  );
}

/** The VM target's name for users: the runtime calls it "sim" (its name before `iochain sim`). */
const VM_TARGET = "vm";

/** A target as users name it: "vm" for the VM. */
export const targetLabel = (target: string): string => (target === "sim" ? VM_TARGET : target);

/**
 * --target, among `choices` (the runtime's names: "sim" is the VM). Users write "vm"; "sim", the
 * VM's old name, is still taken, with a one-line note on standard error (never standard output,
 * which may hold --json).
 */
export function parseTarget<T extends string>(value: string, choices: readonly T[]): T {
  const vm = (choices as readonly string[]).includes("sim");
  if (vm && value === VM_TARGET) return "sim" as T;
  if (vm && value === "sim") {
    process.stderr.write(
      "note: --target sim is now --target vm (the VM; `iochain sim` is the storage-stack simulator)\n",
    );
    return "sim" as T;
  }
  const labels = choices.map(targetLabel);
  parseChoice("--target", value, labels);
  return value as T;
}

export function parseCount(
  option: string,
  value: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new IochainError(
      "E0908",
      `${option} must be a whole number from ${min} to ${max}, not '${value}'`,
    );
  }
  return n;
}

/** The option shared by compile and run (CompileOptions.unsafeNoBoundsChecks). */
export const UNSAFE_FLAG = [
  "--unsafe-no-bounds-checks",
  "leave out the bounds checks of block reads: the kernel's verifier will reject the program (to see how it says so); a warning names the reads",
] as const;

/** The artifact cache's options (artifact-cache.ts), the same in compile and run. */
export const CACHE_FLAGS = {
  noCache: [
    "--no-cache",
    "compile afresh, neither reading nor writing the artifact cache ($XDG_CACHE_HOME/iochain)",
  ],
  verbose: ["--verbose", "say on standard error whether the artifact cache hit"],
} as const;
