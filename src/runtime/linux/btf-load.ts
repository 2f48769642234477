// BPF_BTF_LOAD: type information for programs (func_info and line_info point into it), from an
// object's .BTF (elf-load.ts) or made for a compiled program (program-btf.ts).
import { KernelError } from "./errors.js";
import { NativeBuffer } from "./native.js";
import { bpf, kernelCallError, OwnedFd } from "./syscall.js";

const CMD_BTF_LOAD = 18;
const BTF_LOAD_ATTR = 32;
const BTF_LOG_SIZE = 1 << 20;

/** BPF_BTF_LOAD; on refusal, loads again with a log and reports its last lines (E0810). */
export function loadBtf(bytes: Uint8Array, file: string): OwnedFd {
  const attr = new NativeBuffer(BTF_LOAD_ATTR);
  const data = new NativeBuffer(bytes.length);
  try {
    data.write(bytes);
    attr.u64(0, data.address);
    attr.u32(16, bytes.length);
    const fd = bpf(CMD_BTF_LOAD, attr);
    if (fd >= 0) return new OwnedFd(fd);
    const log = new NativeBuffer(BTF_LOG_SIZE);
    try {
      attr.u64(8, log.address);
      attr.u32(20, BTF_LOG_SIZE);
      attr.u32(24, 1);
      const again = bpf(CMD_BTF_LOAD, attr);
      if (again >= 0) return new OwnedFd(again);
      const end = log.bytes.indexOf(0);
      const text = new TextDecoder()
        .decode(log.bytes.subarray(0, end < 0 ? BTF_LOG_SIZE : end))
        .trim();
      const reason = text.split("\n").slice(-2).join("; ");
      throw new KernelError(
        "E0810",
        `${file}: the kernel refused the object's BTF: ${reason || kernelCallError("BPF_BTF_LOAD", -fd).message}`,
        -fd,
        "check the object with `bpftool btf dump file`",
      );
    } finally {
      log.free();
    }
  } finally {
    attr.free();
    data.free();
  }
}
