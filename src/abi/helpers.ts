// The kernel helper functions iochain's programs and runtimes use, by number (include/uapi/linux/bpf.h,
// `___BPF_FUNC_MAPPER`): the compiler emits calls to them, the VM implements them, the xrp target
// checks for them.
export const HelperId = {
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  KTIME_GET_NS: 5,
  TRACE_PRINTK: 6,
  PROBE_READ_USER: 112,
  PROBE_READ_KERNEL: 113,
  COPY_FROM_USER: 148,
  LOOP: 181,
} as const;

/** bpf_loop refuses more iterations than this, as the kernel does. */
export const BPF_MAX_LOOPS = 1 << 23;
