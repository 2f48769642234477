// Where the next read of a chain is issued from, as the work a lookup costs: each dispatch point
// turns a real VM trace (hops: offset, size, instructions) into the segments the engine runs.
//
//   user        every hop: read() through the whole stack, sleep, wake, search in user space
//   syscall     the first hop as user; the next reads issued from the syscall layer after the wake-up
//               (no crossing, no syscall entry, no user-space work), through ext4, bio, driver
//   driver      XRP: the first hop through the stack; the next from the NVMe completion interrupt
//               (BPF run + resubmission), the reader woken once at the end
//   page-cache  a kernel chain: one syscall + test run per chain, a hop is a copy from the page
//               cache and the step; a miss is a read through the file system (sleeping in the fault)
//   spdk        kernel bypass: user-space submission, the core polls the completion
//
// With io_uring the crossing, syscall and wake-up are paid once per batch of SQEs, and each read
// costs an SQE and a CQE.
import { Seg, type Segments } from "./engine.js";
import type { Params } from "./params.js";
import type { Trace } from "./trace.js";

export const DISPATCHES = ["user", "syscall", "driver", "page-cache", "spdk"] as const;
export type Dispatch = (typeof DISPATCHES)[number];

export interface Shape {
  dispatch: Dispatch;
  /** io_uring instead of read(): SQEs, CQEs, one enter per `batch` chains' reads. */
  uring: boolean;
  /** Chains per io_uring submission (1 with read()). */
  batch: number;
  /** Hops served from memory (upper tree levels cached). */
  cachedHops: number;
  /** Fairness: after this many in-kernel hops the chain goes back to user space (0: never). */
  capHops: number;
}

class Builder {
  kinds: number[] = [];
  amounts: number[] = [];
  ios = 0;
  add(kind: number, amount: number): void {
    if (amount <= 0 && kind !== Seg.io && kind !== Seg.pollIo) return;
    const n = this.kinds.length;
    // Adjacent CPU work merges: fewer events, same time.
    if (n > 0 && kind === Seg.cpu && this.kinds[n - 1] === Seg.cpu) this.amounts[n - 1] += amount;
    else {
      this.kinds.push(kind);
      this.amounts.push(amount);
    }
    if (kind === Seg.io || kind === Seg.pollIo) this.ios++;
  }
  done(): Segments {
    return {
      kinds: Uint8Array.from(this.kinds),
      amounts: Float64Array.from(this.amounts),
      ios: this.ios,
    };
  }
}

export function buildSegments(trace: Trace, p: Params, shape: Shape): Segments {
  const b = new Builder();
  const hops = trace.sizes.length;
  const batch = Math.max(1, shape.batch);
  const bpf = (h: number): number => (trace.insns[h] ?? 0) * p.bpf_ns_per_insn;
  const native = (h: number): number => (trace.insns[h] ?? 0) * p.native_ns_per_insn;
  const enter = (p.crossing_ns + p.syscall_ns) / batch + (shape.uring ? p.uring_sqe_ns : 0);
  const fsPath = p.ext4_ns + p.bio_ns + p.nvme_driver_ns;
  const wake = p.wakeup_ns / batch;
  /** A read that sleeps: submission after `before`, switch away, device, interrupt, wake. */
  const sleepingRead = (h: number, before: number): void => {
    b.add(Seg.cpu, before);
    b.add(Seg.bg, p.ctx_switch_ns / batch);
    b.add(Seg.io, trace.sizes[h]);
    b.add(Seg.irq, p.irq_ns);
    b.add(Seg.bg, p.irq_tail_ns);
    b.add(Seg.cpu, wake);
  };
  const userHop = (h: number): void => {
    if (h < shape.cachedHops) {
      b.add(Seg.cpu, enter + p.pcache_read_ns + p.user_hop_ns + native(h));
      return;
    }
    sleepingRead(h, enter + fsPath);
    b.add(Seg.cpu, p.user_hop_ns + native(h));
  };

  switch (shape.dispatch) {
    case "user":
      for (let h = 0; h < hops; h++) userHop(h);
      break;
    case "syscall": {
      let h = 0;
      while (h < shape.cachedHops && h < hops) userHop(h++);
      for (let inKernel = 0; h < hops; h++, inKernel++) {
        const fresh = inKernel === 0 || (shape.capHops > 0 && inKernel % shape.capHops === 0);
        if (fresh && inKernel > 0) b.add(Seg.cpu, p.user_hop_ns); // back in user space, reissue
        sleepingRead(h, (fresh ? enter : 0) + fsPath);
        b.add(Seg.cpu, bpf(h));
      }
      b.add(Seg.cpu, p.user_hop_ns);
      break;
    }
    case "driver": {
      // XRP bypasses the page cache: cached levels are searched in user space first.
      let h = 0;
      while (h < shape.cachedHops && h < hops) userHop(h++);
      for (let inKernel = 0; h < hops; h++, inKernel++) {
        const fresh = inKernel === 0 || (shape.capHops > 0 && inKernel % shape.capHops === 0);
        if (fresh) {
          if (inKernel > 0) b.add(Seg.cpu, wake + p.user_hop_ns);
          b.add(Seg.cpu, enter + fsPath);
          b.add(Seg.bg, p.ctx_switch_ns / batch);
        } else b.add(Seg.irq, p.nvme_driver_ns + p.xrp_resubmit_ns);
        b.add(Seg.io, trace.sizes[h]);
        b.add(Seg.irq, p.irq_ns + bpf(h));
        b.add(Seg.bg, p.irq_tail_ns);
      }
      b.add(Seg.cpu, wake + p.user_hop_ns);
      break;
    }
    case "page-cache": {
      // One syscall (a test run) per chain, or per batch of chains.
      b.add(Seg.cpu, enter + p.test_run_ns / batch);
      for (let h = 0; h < hops; h++) {
        if (shape.capHops > 0 && h > 0 && h % shape.capHops === 0)
          b.add(Seg.cpu, p.crossing_ns + p.syscall_ns + p.test_run_ns);
        if (h < shape.cachedHops) b.add(Seg.cpu, p.copy_from_user_ns + bpf(h));
        else {
          // A miss: the page fault reads the block through the file system and sleeps.
          sleepingRead(h, p.copy_from_user_ns + fsPath);
          b.add(Seg.cpu, bpf(h));
        }
      }
      b.add(Seg.cpu, p.user_hop_ns);
      break;
    }
    case "spdk":
      for (let h = 0; h < hops; h++) {
        if (h < shape.cachedHops) {
          b.add(Seg.cpu, p.user_hop_ns + native(h));
          continue;
        }
        b.add(Seg.cpu, p.spdk_io_ns / 2);
        b.add(Seg.pollIo, trace.sizes[h]);
        b.add(Seg.cpu, p.spdk_io_ns / 2 + native(h));
      }
      break;
  }
  return b.done();
}
