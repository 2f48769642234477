// iochain load FILE.o [--program NAME] [--json]: loads an eBPF object into the kernel through our
// own loader (maps, BTF, line info), prints what the verifier reports, then unloads everything.
import type { Command } from "commander";
import { loadElfFile } from "../runtime/linux/elf-load.js";
import { parseChoice, valuesOption } from "./options.js";
import { CATALOGUE } from "./catalogue.js";

interface LoadOptions {
  program?: string;
  json?: boolean;
  logLevel: string;
}

export interface LoadReport {
  file: string;
  program: string;
  section: string;
  id: number;
  tag: string;
  /** Instructions the verifier processed on all paths (bpf_prog_info.verified_insns). */
  processed_insns: number;
  insn_limit?: number;
  max_states_per_insn?: number;
  total_states?: number;
  peak_states?: number;
  mark_read?: number;
  stack_depth?: number[];
  verification_time_usec?: number;
  xlated_bytes: number;
  xlated_insns: number;
  jited_bytes: number;
  maps: { name: string; value_size: number; flags: number }[];
  line_info: number;
  func_info: number;
}

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description(CATALOGUE.load.summary)
    .argument("<file>", "ELF object, e.g. from `iochain compile --target linux`")
    .option("--program <name>", "the program to load, when the object has several")
    .option("--json", "print the report as JSON")
    .addOption(
      valuesOption(
        "--log-level <n>",
        "verifier log level when the load fails: 1, or 2 for every state",
        ["1", "2"],
        "1",
      ),
    )
    .action((file: string, opts: LoadOptions) => {
      const logLevel = Number(parseChoice("--log-level", opts.logLevel, ["1", "2"])) as 1 | 2;
      using loaded = loadElfFile(file, { program: opts.program, logLevel });
      const info = loaded.program.info();
      const stats = loaded.stats;
      const report: LoadReport = {
        file,
        program: loaded.linked.name,
        section: loaded.linked.section,
        id: info.id,
        tag: info.tag,
        processed_insns: info.verifiedInsns,
        insn_limit: stats?.insnLimit,
        max_states_per_insn: stats?.maxStatesPerInsn,
        total_states: stats?.totalStates,
        peak_states: stats?.peakStates,
        mark_read: stats?.markRead,
        stack_depth: stats?.stackDepth,
        verification_time_usec: stats?.verificationTimeUsec,
        xlated_bytes: info.xlatedBytes,
        xlated_insns: info.xlatedBytes / 8,
        jited_bytes: info.jitedBytes,
        maps: loaded.maps.map((m) => ({
          name: m.spec.name,
          value_size: m.spec.valueSize,
          flags: m.spec.flags,
        })),
        line_info: loaded.linked.lineInfo.length,
        func_info: loaded.linked.funcInfo.length,
      };
      process.stdout.write(opts.json ? JSON.stringify(report) + "\n" : formatReport(report));
    });
}

export function formatReport(r: LoadReport): string {
  const lines = [
    `${r.file}: loaded ${r.program} (section ${r.section}) as program id ${r.id}, tag ${r.tag}`,
    `  verifier: processed ${r.processed_insns} insns${r.insn_limit ? ` (limit ${r.insn_limit})` : ""}`,
  ];
  if (r.total_states !== undefined)
    lines.push(
      `  states: max_states_per_insn ${r.max_states_per_insn} total_states ${r.total_states} peak_states ${r.peak_states} mark_read ${r.mark_read}`,
    );
  if (r.stack_depth) lines.push(`  stack depth: ${r.stack_depth.join("+")} bytes`);
  if (r.verification_time_usec !== undefined)
    lines.push(`  verification time: ${r.verification_time_usec} usec`);
  lines.push(
    `  size: ${r.xlated_insns} insns xlated (${r.xlated_bytes} bytes), ${r.jited_bytes} bytes jited`,
  );
  for (const m of r.maps)
    lines.push(`  map ${m.name}: ${m.value_size} bytes, flags 0x${m.flags.toString(16)}`);
  lines.push(`  BTF: ${r.func_info} func_info, ${r.line_info} line_info records`);
  lines.push("unloaded");
  return lines.join("\n") + "\n";
}
