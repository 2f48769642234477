// The simulator's one parameter set. Every figure of every experiment comes from these values (an
// experiment may sweep one of them, never retune another). Each value says where it comes from:
// "paper" (HotOS 2021 / XRP OSDI 2022, as /work/shared/notes/anchors.md quotes them), "spec" (the
// device's data sheet as the papers quote it), "fitted" (chosen so that the model meets the papers'
// figures; docs/sim.md says against which and why), "measured" (this machine, `iochain sim run
// machine` measures it again each run) or "choice" (a setting of the experiment, not a cost).
// Times are in nanoseconds.

export type Source = "paper" | "spec" | "fitted" | "measured" | "choice";

export interface ParamSpec {
  value: number;
  source: Source;
  /** Where the value comes from, or what it was fitted to. */
  note: string;
}

export const PARAM_SPECS = {
  // --- HotOS / XRP Table 1: 512 B O_DIRECT read() on a P5800X, Linux 5.8, i5-8500 (6.27 µs) ---
  crossing_ns: { value: 351, source: "paper", note: "HotOS/XRP Table 1: kernel crossing" },
  syscall_ns: { value: 199, source: "paper", note: "HotOS/XRP Table 1: read syscall" },
  ext4_ns: { value: 2006, source: "paper", note: "HotOS/XRP Table 1: ext4" },
  bio_ns: { value: 379, source: "paper", note: "HotOS/XRP Table 1: bio" },
  nvme_driver_ns: { value: 113, source: "paper", note: "HotOS/XRP Table 1: NVMe driver" },
  // Table 1's "storage device" (3224 ns) is what the host sees: the device's service plus the
  // completion interrupt's delivery and handling. SPDK polls (no interrupt) and is ~2.6-3.4 µs per
  // I/O in XRP Table 3, so the split below puts 2650 ns in the device.
  device_512_ns: {
    value: 2650,
    source: "fitted",
    note: "Table 1 device 3224 ns minus irq_ns; XRP Table 3 SPDK slope 2.6-3.4 µs/I/O",
  },
  irq_ns: {
    value: 574,
    source: "fitted",
    note: "3224 - device_512_ns: interrupt delivery and the NVMe completion handler",
  },
  // --- costs the Table 1 breakdown does not list ---
  wakeup_ns: {
    value: 320,
    source: "fitted",
    note: "waking the reader blocked in read() and switching to it; XRP Table 3 read() slope",
  },
  ctx_switch_ns: {
    value: 50,
    source: "fitted",
    note: "CPU only: switching away when a reader blocks; HotOS Table 2 IOPS at 12 threads",
  },
  irq_tail_ns: {
    value: 500,
    source: "fitted",
    note: "CPU only, after a completion: request freeing, softirq; HotOS io_uring 2.5-2.7x",
  },
  user_hop_ns: {
    value: 450,
    source: "fitted",
    note: "the application's own per-read work in user space (buffers, libc); HotOS Table 2 syscall",
  },
  xrp_resubmit_ns: {
    value: 40,
    source: "fitted",
    note: "XRP's resubmission in the interrupt: extent lookup, NVMe command rebuild; XRP Table 3",
  },
  spdk_io_ns: {
    value: 150,
    source: "fitted",
    note: "SPDK submission + completion poll per I/O; XRP Table 3 SPDK",
  },
  uring_sqe_ns: {
    value: 150,
    source: "fitted",
    note: "io_uring: preparing one SQE and reaping its CQE in user space; XRP Table 3 io_uring",
  },
  // --- instruction costs: the VM's instruction counts become CPU time ---
  bpf_ns_per_insn: {
    value: 0.35,
    source: "measured",
    note: "JIT'd BPF: a bptree step's kernel run time / its instructions (npm run bench -- kernel)",
  },
  native_ns_per_insn: {
    value: 0.35,
    source: "choice",
    note: "user-space search code, taken as fast as JIT'd BPF (clang -O2 vs the JIT, bench/c)",
  },
  // --- page cache (kernel chains; shared/notes/kernel-chains.md, scaled by its own ratio) ---
  pcache_read_ns: {
    value: 490,
    source: "measured",
    note: "pread of 512 B from the page cache (notes/kernel-chains.md)",
  },
  copy_from_user_ns: {
    value: 112,
    source: "measured",
    note: "bpf_copy_from_user of a random 512 B block (notes/kernel-chains.md)",
  },
  test_run_ns: {
    value: 880,
    source: "measured",
    note: "BPF_PROG_TEST_RUN of an empty syscall program from C (notes/kernel-chains.md)",
  },
  // --- device (P5800X; the second profile is NAND, the third this machine's disk) ---
  device_ns_per_kib: {
    value: 600,
    source: "spec",
    note: "service time growth per KiB beyond 512 B (P5800X: ~5 µs at 4 KiB)",
  },
  device_iops_max: { value: 5_000_000, source: "spec", note: "P5800X: 5M IOPS at 512 B" },
  device_jitter: {
    value: 0.3,
    source: "fitted",
    note: "fraction of service time drawn from an exponential tail (p99 of XRP's BPF-KV runs)",
  },
  // --- the machine the papers measured on ---
  cores: { value: 6, source: "paper", note: "6-core i5-8500 (HotOS, XRP)" },
  threads: { value: 1, source: "choice", note: "threads issuing lookups (closed loop)" },
  throughput_threads: {
    value: 12,
    source: "fitted",
    note: "threads of the IOPS columns (HotOS Table 2): XRP's artifact runs 1..12 threads",
  },
  batch: { value: 1, source: "choice", note: "io_uring: chains in flight per thread" },
  depth: { value: 10, source: "paper", note: "B-tree depth of HotOS Table 2" },
  cached_levels: { value: 0, source: "choice", note: "upper tree levels held in memory" },
  max_chain: {
    value: 0,
    source: "choice",
    note: "fairness: hops a chain may take before it yields (0: no cap)",
  },
  // --- this machine, warm, one thread: m_* over the depth-3 tree (t3), m5_* over the depth-5
  //     tree (t5), each cost measured over its own tree (a bigger tree misses more in the caches
  //     and the TLB). `npm run bench -- sim-machine` measures each again, interleaved with the
  //     figures it predicts, and writes them to a file `iochain sim run machine --params FILE`
  //     reads; the values here are one such run (thread CPU time, 2026-12-06, load ~9) ---
  m_pread_ns: {
    value: 366,
    source: "measured",
    note: "t3: C pread of a cached 512 B block (bench/c/calibrate.c)",
  },
  m_search_ns_per_hop: {
    value: 28,
    source: "measured",
    note: "t3: C search of a block in memory (bench/c/calibrate.c)",
  },
  m_step_call_ns: {
    value: 1339,
    source: "measured",
    note: "t3: Node: a step's test run (bench sim-machine)",
  },
  m_driver_hop_ns: {
    value: 2170,
    source: "measured",
    note: "t3: Node: the chain driver per hop, its pread included (bench sim-machine)",
  },
  m_runtime_call_ns: {
    value: 3718,
    source: "measured",
    note: "t3: kernel chains: a call's fixed cost: Node, test run, program start (fit, K=2..32)",
  },
  m_runtime_chain_ns: {
    value: 170,
    source: "measured",
    note: "t3: kernel chains: per chain outside its hops (fit over K=2..32)",
  },
  m_chain_hop_ns: {
    value: 180,
    source: "measured",
    note: "t3: kernel chains: a hop in the kernel, copy + step (run_time_ns, fit, K=2..32)",
  },
  m5_pread_ns: {
    value: 445,
    source: "measured",
    note: "t5: C pread of a cached 512 B block (bench/c/calibrate.c)",
  },
  m5_search_ns_per_hop: {
    value: 54,
    source: "measured",
    note: "t5: C search of a block in memory (bench/c/calibrate.c)",
  },
  m5_step_call_ns: {
    value: 1330,
    source: "measured",
    note: "t5: Node: a step's test run (bench sim-machine)",
  },
  m5_driver_hop_ns: {
    value: 1884,
    source: "measured",
    note: "t5: Node: the chain driver per hop, its pread included (bench sim-machine)",
  },
  m5_runtime_call_ns: {
    value: 3842,
    source: "measured",
    note: "t5: kernel chains: a call's fixed cost: Node, test run, program start (fit, K=2..32)",
  },
  m5_runtime_chain_ns: {
    value: 149,
    source: "measured",
    note: "t5: kernel chains: per chain outside its hops (fit over K=2..32)",
  },
  m5_chain_hop_ns: {
    value: 258,
    source: "measured",
    note: "t5: kernel chains: a hop in the kernel, copy + step (run_time_ns, fit, K=2..32)",
  },
  lookups: { value: 20_000, source: "choice", note: "lookups per point" },
  keys: { value: 4_000, source: "choice", note: "keys in each generated tree" },
  seed: { value: 1, source: "choice", note: "seed of the trees, the keys drawn and the device" },
} satisfies Record<string, ParamSpec>;

export type ParamName = keyof typeof PARAM_SPECS;
export type Params = Record<ParamName, number>;

export function defaultParams(): Params {
  const p = {} as Params;
  for (const [k, spec] of Object.entries(PARAM_SPECS)) p[k as ParamName] = spec.value;
  return p;
}

export const isParamName = (k: string): k is ParamName => Object.hasOwn(PARAM_SPECS, k);

/** Device profiles: a name selects the device's service time and IOPS ceiling together. */
export const DEVICE_PROFILES: Record<string, Partial<Params>> = {
  p5800x: {},
  // A datacentre TLC NAND SSD: ~80 µs reads, ~1M IOPS (spec-sheet class figures).
  nand: { device_512_ns: 80_000, device_ns_per_kib: 1_000, device_iops_max: 1_000_000 },
  // This machine's virtual disk: O_DIRECT at queue depth 1, 46 µs for 512 B and 51 µs for 4 KiB
  // (notes/kernel-chains.md; bench cold measures it again). Its parallelism is not measured: one
  // channel, so the ceiling is the queue-depth-1 rate.
  machine: { device_512_ns: 46_000, device_ns_per_kib: 1_430, device_iops_max: 21_700 },
};
