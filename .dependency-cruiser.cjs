// The layering of src/, checked by `npm test` (dependency-cruiser). Allowed directions:
//
//   cli → runtime → compiler → object → abi → bpf      (and every layer → diagnostics.ts, files.ts)
//   cli → sim → runtime, compiler, abi, datagen          (the storage-stack simulator)
//   cli → lint → compiler                               (lint judges compiled programs; no runtime)
//   cli → lsp → lint, fmt                               (the language server; fmt is the formatter)
//
// bpf/ is a generic eBPF library (ISA, assemblers, disassembler, ELF/BTF): nothing of iochain's.
// abi/ is the contract between compiler, runtime and object writer (docs/abi.md).
// object/ writes a compiled program as an ELF object (the artifact's BTF, the XRP layout).
// datagen/ makes example data (the B-tree the demo and examples/bptree share); it is a leaf.
// Nothing in src/ imports examples/, bench/ or test/ (the shipped CLI stands alone).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "bpf-is-generic",
      comment: "src/bpf/ is a generic eBPF library: it imports only itself and the diagnostics.",
      severity: "error",
      from: { path: "^src/bpf/" },
      to: { path: "^src/", pathNot: ["^src/bpf/", "^src/diagnostics\\.ts$"] },
    },
    {
      name: "abi-below-everything-iochain",
      comment: "src/abi/ holds the facts; it builds on bpf/ and nothing above it.",
      severity: "error",
      from: { path: "^src/abi/" },
      to: { path: "^src/(object|compiler|runtime|cli)/" },
    },
    {
      name: "object-below-compiler",
      comment:
        "src/object/ writes artifacts as ELF; it knows the ABI, not the compiler or runtime.",
      severity: "error",
      from: { path: "^src/object/" },
      to: { path: "^src/(compiler|runtime|cli)/" },
    },
    {
      name: "compiler-not-runtime",
      comment:
        "The compiler produces artifacts (src/abi/); it never reaches into a runtime or the CLI.",
      severity: "error",
      from: { path: "^src/compiler/" },
      to: { path: "^src/(runtime|cli)/" },
    },
    {
      name: "runtime-not-cli",
      comment: "Runtimes are libraries; the CLI uses them, not the other way round.",
      severity: "error",
      from: { path: "^src/runtime/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "lint-not-runtime",
      comment:
        "src/lint/ judges what the compiler produces before anything loads; only its tests load programs.",
      severity: "error",
      from: { path: "^src/lint/" },
      to: { path: "^src/(runtime|cli|datagen)/" },
    },
    {
      name: "only-cli-uses-lint",
      comment:
        "The linter sits beside the runtime, under the CLI and the language server: the libraries below never call it.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli/", "^src/lint/", "^src/lsp/"] },
      to: { path: "^src/lint/" },
    },
    {
      name: "lsp-and-fmt-not-runtime",
      comment: "The language server and the formatter never load programs.",
      severity: "error",
      from: { path: "^src/(lsp|fmt)/" },
      to: { path: "^src/(runtime|cli|datagen)/" },
    },
    {
      name: "datagen-is-a-leaf",
      comment:
        "src/datagen/ (example data) uses only the base; only the CLI's demo uses it in src/.",
      severity: "error",
      from: { path: "^src/datagen/" },
      to: { path: "^src/", pathNot: ["^src/datagen/", "^src/(diagnostics|files)\\.ts$"] },
    },
    {
      name: "only-cli-uses-datagen",
      comment: "Example data is for the demo, the examples and the tests, not for the libraries.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli/", "^src/datagen/", "^src/sim/"] },
      to: { path: "^src/datagen/" },
    },
    {
      name: "only-cli-uses-sim",
      comment:
        "src/sim/ (the storage-stack simulator: docs/sim.md) sits beside the CLI: it uses runtime (the VM), compiler, abi and datagen (its trees); only the CLI uses it.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli/", "^src/sim/"] },
      to: { path: "^src/sim/" },
    },
    {
      name: "base-imports-nothing",
      comment: "diagnostics.ts and files.ts are the base every layer uses.",
      severity: "error",
      from: { path: "^src/(diagnostics|files)\\.ts$" },
      to: { path: "^src/", pathNot: "^src/(diagnostics|files)\\.ts$" },
    },
    {
      name: "src-stands-alone",
      comment: "The shipped code does not import the examples, benchmarks or tests.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(examples|bench|test)/" },
    },
    {
      name: "src-no-dev-dependencies",
      comment: "What src/ imports must be a runtime dependency in package.json.",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "not-to-unresolvable",
      comment:
        "vega-lite resolves (Node and tsc load it) but only through its exports map, which the cruiser's resolver does not follow.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^vega-lite$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
