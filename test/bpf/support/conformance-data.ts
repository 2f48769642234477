// Reader of bpf_conformance `.data` test files: sections introduced by `-- asm`, `-- raw`, `-- mem`,
// `-- result`, `-- error` (and `-- c` / `-- no register offset`, which carry nothing we use).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BpfError } from "../../../src/diagnostics.js";
import { packageRoot } from "../../../src/files.js";
import { assembleUbpf } from "../../../src/bpf/asm/ubpf.js";
import { decode, encode, fromRawWords, type Insn } from "../../../src/bpf/insn.js";

export interface ConformanceData {
  file: string;
  /** The `-- asm` text, and the file line its first line came from. */
  asm?: string;
  asmFirstLine?: number;
  /** The `-- raw` form: one 64-bit word per instruction slot. */
  raw?: bigint[];
  /** Input memory (`-- mem`); empty when the section is absent. */
  mem: Uint8Array;
  /** Expected r0 (`-- result`), as an unsigned 64-bit value. */
  result?: bigint;
  /** Expected error text (`-- error`). */
  error?: string;
}

type Section = "asm" | "raw" | "mem" | "result" | "error" | "ignore";

function sectionOf(header: string): Section | undefined {
  if (
    header === "asm" ||
    header === "raw" ||
    header === "mem" ||
    header === "result" ||
    header === "error"
  ) {
    return header;
  }
  if (header === "c" || header === "no register offset") return "ignore";
  return undefined;
}

export function parseConformanceData(text: string, file = "<data>"): ConformanceData {
  const out: ConformanceData = { file, mem: new Uint8Array() };
  const body: Record<Section, { line: number; lines: string[] }> = {
    asm: { line: 0, lines: [] },
    raw: { line: 0, lines: [] },
    mem: { line: 0, lines: [] },
    result: { line: 0, lines: [] },
    error: { line: 0, lines: [] },
    ignore: { line: 0, lines: [] },
  };
  const seen = new Set<Section>();
  let section: Section | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const header = /^--\s*(.*?)\s*$/.exec(line);
    if (header) {
      section = sectionOf(header[1]);
      if (!section) throw dataError(file, i + 1, `unknown section \`-- ${header[1]}\``);
      seen.add(section);
      body[section].line = i + 2;
      return;
    }
    if (section) body[section].lines.push(line);
  });

  if (seen.has("asm")) {
    out.asm = body.asm.lines.join("\n");
    out.asmFirstLine = body.asm.line;
  }
  if (seen.has("raw")) {
    out.raw = words(body.raw, file).map(({ text: w, line }) =>
      parseUnsigned(w, 64, file, line, "instruction word"),
    );
  }
  if (seen.has("mem")) {
    out.mem = Uint8Array.from(
      words(body.mem, file).map(({ text: w, line }) => {
        if (!/^(0x)?[0-9a-fA-F]{1,2}$/.test(w))
          throw dataError(file, line, `memory byte \`${w}\` is not 1–2 hex digits`);
        return parseInt(w, 16);
      }),
    );
  }
  if (seen.has("result")) {
    const values = words(body.result, file);
    if (values.length !== 1)
      throw dataError(file, body.result.line, "`-- result` must hold exactly one value");
    out.result = parseUnsigned(values[0].text, 64, file, values[0].line, "result");
  }
  if (seen.has("error")) {
    out.error = body.error.lines
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join("\n");
  }
  return out;
}

function words(
  part: { line: number; lines: string[] },
  _file: string,
): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  part.lines.forEach((l, i) => {
    const uncommented = l.replace(/#.*/, "");
    for (const w of uncommented.split(/\s+/))
      if (w !== "") out.push({ text: w, line: part.line + i });
  });
  return out;
}

function parseUnsigned(
  word: string,
  bits: number,
  file: string,
  line: number,
  what: string,
): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(word))
    throw dataError(file, line, `${what} \`${word}\` is not a number`);
  const value = BigInt(word);
  if (value >= 1n << BigInt(bits))
    throw dataError(file, line, `${what} \`${word}\` does not fit in ${bits} bits`);
  return value;
}

function dataError(file: string, line: number, message: string): BpfError {
  return new BpfError("E0140", message, { file, line, col: 1 });
}

export function readConformanceData(file: string): ConformanceData {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new BpfError(
      "E0140",
      `cannot read conformance data file ${file}: ${(err as Error).message}`,
    );
  }
  return parseConformanceData(text, file);
}

/** The program of a test as instructions: the raw words when present (they win), else the assembly. */
export function conformanceInsns(data: ConformanceData): Insn[] {
  if (data.raw) return decode(fromRawWords(data.raw), data.file);
  if (data.asm !== undefined) return assembleUbpf(data.asm, data.file, data.asmFirstLine ?? 1);
  throw new BpfError("E0140", "no `-- asm` or `-- raw` section: the file holds no program", {
    file: data.file,
    line: 1,
    col: 1,
  });
}

export function conformanceProgramBytes(data: ConformanceData): Uint8Array {
  return data.raw ? fromRawWords(data.raw) : encode(conformanceInsns(data));
}

/** The bytecode of a conformance test file (raw wins over asm). */
export function loadConformanceProgram(file: string): Uint8Array {
  return conformanceProgramBytes(readConformanceData(file));
}

export function conformanceTestsDir(): string {
  const shared = process.env.IOCHAIN_SHARED ?? path.resolve(packageRoot(), "../shared");
  return path.join(shared, "conformance", "bpf_conformance", "tests");
}

/** Every `.data` file of the conformance suite, as absolute paths in name order. */
export function listConformanceFiles(dir = conformanceTestsDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".data"))
    .sort()
    .map((f) => path.join(dir, f));
}
