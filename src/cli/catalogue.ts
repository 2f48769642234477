// What `iochain --help` lists of each command: its arguments and one line. The commands register
// these same words (each file under src/cli/), and main.ts lists them without loading the commands,
// so that `iochain --help` and `iochain --version` start without the compiler or the runtimes.

export const CATALOGUE = {
  demo: {
    args: [],
    summary: "build a B+tree file, compile a lookup, run it on the VM and in the kernel",
  },
  compile: { args: ["<file>"], summary: "compile a storage function to eBPF" },
  run: {
    args: ["<file>"],
    summary:
      "compile a storage function and run chains over a data file (whole chains in the kernel on linux)",
  },
  asm: { args: ["<file>"], summary: "assemble uBPF or kernel/LLVM syntax into raw eBPF bytecode" },
  disasm: {
    args: ["<file>"],
    summary: "list raw eBPF bytecode or an ELF object in llvm-objdump -d layout",
  },
  vm: {
    args: ["<file>"],
    summary: "run a program on the VM: r1 = memory, r2 = its length; prints r0",
  },
  extents: {
    args: ["<file>"],
    summary:
      "print a file's extent map (FIEMAP), like filefrag -v; -o writes the extent JSON that run --data-extents takes",
  },
  load: {
    args: ["<file>"],
    summary:
      "load an eBPF object into the kernel (maps, BTF, line info), print the verifier's statistics, unload",
  },
  sim: {
    args: [],
    summary: "the storage-stack simulator: the papers' experiments over real compiled chains",
  },
  lint: {
    args: ["<files...>"],
    summary: "check programs against the kernel's and the storage stack's limits, before any load",
  },
  fmt: {
    args: ["<files...>"],
    summary: "format .ioc files in place (--check: only report; -: stdin to stdout)",
  },
  lsp: { args: [], summary: "the language server over stdio (diagnostics, lint, format, hover)" },
  completion: { args: ["<shell>"], summary: "print a shell completion script: bash, zsh or fish" },
} as const;
