// Parameters into ctx.args: by declaration order, range-checked against their declared types.
import type { ParamSpec } from "../abi/artifact.js";
import { Ctx } from "../abi/artifact.js";
import { IochainError } from "../diagnostics.js";
import { scalarRange, toBigInt, toSlot } from "./scalars.js";

export type ArgValue = bigint | number | boolean;

/** The 64-bit ctx slots of the arguments, in parameter order. Every parameter is required. */
export function encodeArgs(params: readonly ParamSpec[], args: Record<string, ArgValue>): bigint[] {
  const declared = (): string => params.map((p) => `${p.name}: ${p.type}`).join(", ") || "none";
  if (params.length > Ctx.maxArgs) {
    throw new IochainError(
      "E0935",
      `the program declares ${params.length} parameters; ctx holds ${Ctx.maxArgs}`,
    );
  }
  for (const name of Object.keys(args)) {
    if (!params.some((p) => p.name === name)) {
      throw new IochainError(
        "E0930",
        `unknown argument \`${name}\``,
        undefined,
        `the program's parameters: ${declared()}`,
      );
    }
  }
  return params.map((p) => {
    const raw = args[p.name];
    if (raw === undefined) {
      throw new IochainError(
        "E0930",
        `missing argument \`${p.name}\` (${p.type})`,
        undefined,
        `pass every parameter: ${declared()}`,
      );
    }
    // true/false is not a number: `--arg key=true` for a u64 used to be taken as 1.
    if (typeof raw === "boolean" && p.type !== "bool") {
      throw new IochainError(
        "E0930",
        `argument \`${p.name}\` = ${raw} is a boolean, but \`${p.name}\` is ${p.type}`,
        undefined,
        "give an integer: decimal (42), hex (0x2a) or binary (0b101)",
      );
    }
    if (typeof raw === "number" && !Number.isSafeInteger(raw)) {
      throw new IochainError("E0930", `argument \`${p.name}\` = ${raw} is not an integer`);
    }
    const v = toBigInt(raw);
    const { min, max } = scalarRange(p.type);
    if (v < min || v > max) {
      throw new IochainError(
        "E0930",
        `argument \`${p.name}\` = ${v} does not fit ${p.type} (${min}..${max})`,
      );
    }
    return toSlot(v, p.type);
  });
}
