// E0705: the helpers and program type a target allows, and the kernel version they need.
import { HelperId } from "../../abi/helpers.js";
import { Class, Jmp, PseudoCall, classOf, opOf } from "../../bpf/opcodes.js";
import type { Diagnostic } from "../../diagnostics.js";
import { type KernelVersion, type LintRule, formatKernel, kernelAtLeast } from "../rule.js";

/** The first Linux release with each helper iochain emits. */
const HELPER_SINCE: Record<number, { name: string; since: KernelVersion }> = {
  [HelperId.MAP_LOOKUP_ELEM]: { name: "bpf_map_lookup_elem", since: [3, 19] },
  [HelperId.MAP_UPDATE_ELEM]: { name: "bpf_map_update_elem", since: [3, 19] },
  [HelperId.MAP_DELETE_ELEM]: { name: "bpf_map_delete_elem", since: [3, 19] },
  [HelperId.KTIME_GET_NS]: { name: "bpf_ktime_get_ns", since: [4, 1] },
  [HelperId.TRACE_PRINTK]: { name: "bpf_trace_printk", since: [4, 1] },
  [HelperId.PROBE_READ_USER]: { name: "bpf_probe_read_user", since: [5, 5] },
  [HelperId.PROBE_READ_KERNEL]: { name: "bpf_probe_read_kernel", since: [5, 5] },
  [HelperId.COPY_FROM_USER]: { name: "bpf_copy_from_user", since: [5, 10] },
  [HelperId.LOOP]: { name: "bpf_loop", since: [5, 17] },
};

/** BPF_PROG_TYPE_SYSCALL, what the linux target loads, appeared in 5.14. */
const SYSCALL_PROG: KernelVersion = [5, 14];
/** XRP's released kernel. */
const XRP_KERNEL: KernelVersion = [5, 12];

/** The kernel versions at which what lint reports changes, oldest first (completion offers them). */
export const DISTINGUISHED_KERNELS: readonly KernelVersion[] = [
  ...new Map(
    [...Object.values(HELPER_SINCE).map((h) => h.since), SYSCALL_PROG, XRP_KERNEL].map((k) => [
      formatKernel(k),
      k,
    ]),
  ).values(),
].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** The kernel a program needs on `target`: its program type's and its helpers'. */
export function requiredKernel(helpers: number[], target: string): KernelVersion {
  let need: KernelVersion = target === "xrp" ? XRP_KERNEL : SYSCALL_PROG;
  for (const h of helpers) {
    const since = HELPER_SINCE[h]?.since;
    if (since && !kernelAtLeast(need, since)) need = since;
  }
  return need;
}

export const helpersKernel: LintRule = {
  code: "E0705",
  name: "helpers-and-kernel",
  summary:
    "every helper the program calls exists on the target and on the kernel given with --kernel",
  check(cx) {
    const calls = cx.artifact.insns
      .map((insn, pc) => ({ insn, pc }))
      .filter(
        ({ insn }) =>
          classOf(insn.code) === Class.JMP &&
          opOf(insn.code) === Jmp.CALL &&
          insn.src === PseudoCall.HELPER,
      );
    const out: Diagnostic[] = [];
    const { target, kernel } = cx.options;
    for (const { insn } of calls) {
      const h = HELPER_SINCE[insn.imm];
      const name = h?.name ?? `helper ${insn.imm}`;
      const pos = insn.pos ?? cx.programPos;
      if (target === "xrp" && insn.imm === HelperId.LOOP) {
        out.push({
          severity: "error",
          code: this.code,
          message: `${name} does not exist on XRP's kernel (5.12; it came in 5.17)`,
          pos,
          hint: "lower the loop's `max` so that it stays a plain loop",
        });
      } else if (kernel && h && !kernelAtLeast(kernel, h.since)) {
        out.push({
          severity: "error",
          code: this.code,
          message: `${name} needs Linux ${formatKernel(h.since)}; --kernel is ${formatKernel(kernel)}`,
          pos,
          hint:
            insn.imm === HelperId.LOOP
              ? "lower the loop's `max` × body so the compiler keeps it a plain loop"
              : "target a newer kernel",
        });
      }
    }
    if (kernel && target !== "xrp" && !kernelAtLeast(kernel, SYSCALL_PROG))
      out.push({
        severity: "error",
        code: this.code,
        message: `the ${target} target loads a BPF_PROG_TYPE_SYSCALL program, which needs Linux ${formatKernel(SYSCALL_PROG)}; --kernel is ${formatKernel(kernel)}`,
        pos: cx.programPos,
        hint: "use --target xrp for XRP's 5.12 kernel",
      });
    return out;
  },
};
