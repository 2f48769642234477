// The fixture corpus' directives: each `test/compiler/fixtures/NAME.ioc` describes the file it runs
// on and the runs it must pass, in `//!` comment lines:
//
//   //! data u64le 3 0 10 20 30      append values (u8, u16le/be, u32le/be, u64le/be, i8, ...)
//   //! data at 512                  pad with zeros up to file offset 512
//   //! data fill 512 0xab           append 512 bytes of 0xab
//   //! run key=20 => {"status": "done", "value": 7}
//
// A run passes arguments by name and gives a subset of the result JSON (`iochain run --json`)
// that must match. Every fixture has at least one run.
export interface FixtureRun {
  args: Record<string, bigint | boolean>;
  expect: Record<string, unknown>;
  line: number;
}

export interface Fixture {
  data: Uint8Array;
  runs: FixtureRun[];
}

const WIDTHS: Record<string, { bytes: number; little: boolean; signed: boolean }> = {};
for (const bits of [16, 32, 64]) {
  for (const sign of ["u", "i"]) {
    WIDTHS[`${sign}${bits}le`] = { bytes: bits / 8, little: true, signed: sign === "i" };
    WIDTHS[`${sign}${bits}be`] = { bytes: bits / 8, little: false, signed: sign === "i" };
  }
}
WIDTHS.u8 = { bytes: 1, little: true, signed: false };
WIDTHS.i8 = { bytes: 1, little: true, signed: true };

export function parseFixture(source: string, file: string): Fixture {
  const bytes: number[] = [];
  const runs: FixtureRun[] = [];
  source.split("\n").forEach((raw, k) => {
    const line = raw.trim();
    if (!line.startsWith("//!")) return;
    const bad = (why: string): never => {
      throw new Error(`${file}:${k + 1}: ${why}`);
    };
    const [kind, ...rest] = line.slice(3).trim().split(/\s+/);
    if (kind === "data") {
      const [type, ...values] = rest;
      if (type === "at") {
        const to = Number(values[0]);
        if (to < bytes.length) bad(`data at ${to}: already at ${bytes.length}`);
        while (bytes.length < to) bytes.push(0);
      } else if (type === "fill") {
        for (let n = 0; n < Number(values[0]); n++) bytes.push(Number(values[1] ?? 0));
      } else {
        const w = WIDTHS[type] ?? bad(`unknown data type ${type}`);
        for (const v of values) {
          const u = BigInt.asUintN(w.bytes * 8, BigInt(v));
          const le = Array.from({ length: w.bytes }, (_, j) =>
            Number((u >> BigInt(8 * j)) & 0xffn),
          );
          bytes.push(...(w.little ? le : le.reverse()));
        }
      }
    } else if (kind === "run") {
      const text = rest.join(" ");
      const arrow = text.indexOf("=>");
      if (arrow < 0) bad("a run is `//! run name=value ... => {json}`");
      const args: Record<string, bigint | boolean> = {};
      for (const a of text.slice(0, arrow).trim().split(/\s+/).filter(Boolean)) {
        const [name, value] = a.split("=");
        args[name] = value === "true" || value === "false" ? value === "true" : BigInt(value);
      }
      runs.push({ args, expect: JSON.parse(text.slice(arrow + 2)), line: k + 1 });
    } else {
      bad(`unknown directive ${kind}`);
    }
  });
  return { data: Uint8Array.from(bytes), runs };
}
