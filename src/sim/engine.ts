// The discrete-event core: CPU cores that costs occupy, an NVMe device with parallel channels and a
// FIFO submission queue, and threads that each keep `batch` chains in flight (closed loop). A chain
// is a list of segments (src/sim/segments.ts builds them from a real VM trace): CPU work the chain
// waits for, CPU work it does not wait for (a context switch away, an interrupt's tail), a device
// read, a device read polled by the core that issued it (SPDK). Interrupt work jumps the CPU queue.
// Deterministic: the device's service-time draw is the only randomness and it is seeded.
import { Rng } from "../datagen/rng.js";

export const Seg = { cpu: 0, bg: 1, io: 2, pollIo: 3, irq: 4 } as const;

/** A chain's work: kinds[i] (Seg) with amounts[i] (ns of CPU, or bytes for reads). */
export interface Segments {
  kinds: Uint8Array;
  amounts: Float64Array;
  /** Device reads in the chain (for IOPS). */
  ios: number;
  /** The lookup's class in a mixed workload (fairness: 0 point lookups, 1 scans). */
  cls?: number;
}

export interface DeviceModel {
  channels: number;
  /** Mean service time of a read of `bytes`. */
  serviceNs(bytes: number): number;
  /** Fraction of the service time drawn from an exponential tail. */
  jitter: number;
}

export interface EngineConfig {
  cores: number;
  threads: number;
  /** Chains each thread keeps in flight. */
  batch: number;
  lookups: number;
  device: DeviceModel;
  seed: number;
  /** The segments of the thread's next lookup (its index in the run). */
  nextLookup(index: number, thread: number): Segments;
}

export interface EngineResult {
  /** Per lookup finished after the warm-up, in finishing order (ns). The counts and elapsed time
   * below are those of the same window: from the warm-up's end to the last lookup's. */
  latencies: Float64Array;
  classes: Uint8Array;
  elapsedNs: number;
  lookups: number;
  deviceReads: number;
  events: number;
  cpuBusyNs: number;
}

// Event kinds, packed with the chain's slot: slot * 4 + kind.
const EV_CPU_DONE = 0;
const EV_IO_DONE = 1;
const EV_BG_DONE = 2;
const EV_POLL_DONE = 3;

/** A binary min-heap of (time, payload) in typed arrays. */
class EventHeap {
  private t = new Float64Array(1024);
  private p = new Int32Array(1024);
  size = 0;
  push(time: number, payload: number): void {
    if (this.size === this.t.length) {
      const t = new Float64Array(this.size * 2);
      t.set(this.t);
      const p = new Int32Array(this.size * 2);
      p.set(this.p);
      this.t = t;
      this.p = p;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.t[parent] <= time) break;
      this.t[i] = this.t[parent];
      this.p[i] = this.p[parent];
      i = parent;
    }
    this.t[i] = time;
    this.p[i] = payload;
  }
  topTime(): number {
    return this.t[0];
  }
  pop(): number {
    const top = this.p[0];
    const n = --this.size;
    const lt = this.t[n];
    const lp = this.p[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.t[c + 1] < this.t[c]) c++;
      if (this.t[c] >= lt) break;
      this.t[i] = this.t[c];
      this.p[i] = this.p[c];
      i = c;
    }
    this.t[i] = lt;
    this.p[i] = lp;
    return top;
  }
}

/** A FIFO of ints with push-front for interrupts. */
class Deque {
  private a = new Int32Array(256);
  private head = 0;
  private n = 0;
  get length(): number {
    return this.n;
  }
  private grow(): void {
    const b = new Int32Array(this.a.length * 2);
    for (let i = 0; i < this.n; i++) b[i] = this.a[(this.head + i) % this.a.length];
    this.a = b;
    this.head = 0;
  }
  push(v: number): void {
    if (this.n === this.a.length) this.grow();
    this.a[(this.head + this.n++) % this.a.length] = v;
  }
  unshift(v: number): void {
    if (this.n === this.a.length) this.grow();
    this.head = (this.head - 1 + this.a.length) % this.a.length;
    this.a[this.head] = v;
    this.n++;
  }
  shift(): number {
    const v = this.a[this.head];
    this.head = (this.head + 1) % this.a.length;
    this.n--;
    return v;
  }
}

export function simulate(cfg: EngineConfig): EngineResult {
  const slots = cfg.threads * cfg.batch;
  const rng = new Rng(cfg.seed);
  const heap = new EventHeap();
  const segs: Segments[] = new Array(slots);
  const pos = new Int32Array(slots);
  const started = new Float64Array(slots);
  const warmup = Math.min(Math.floor(cfg.lookups / 20), 2000);
  const latencies = new Float64Array(cfg.lookups);
  const classes = new Uint8Array(cfg.lookups);
  let finished = 0;
  let recorded = 0;
  let issued = 0;
  let now = 0;
  let events = 0;
  let deviceReads = 0;
  let cpuBusy = 0;
  let windowStart = 0;
  let readsBefore = 0;
  let cpuBefore = 0;

  // CPU: free cores and a queue of jobs; a job is a slot (>= 0) or a background job (-1 - index).
  let freeCores = cfg.cores;
  const cpuQueue = new Deque();
  const bgAmounts: number[] = [];
  const bgFree: number[] = [];
  // Device: free channels and a FIFO of slots waiting; polled reads keep their core.
  let freeChannels = cfg.device.channels;
  const ioQueue = new Deque();
  const { jitter } = cfg.device;

  const serviceDraw = (bytes: number): number => {
    const mean = cfg.device.serviceNs(bytes);
    if (jitter <= 0) return mean;
    const u = (rng.u32() + 1) / 0x1_0000_0001;
    return mean * (1 - jitter) + mean * jitter * -Math.log(u);
  };

  const startCpu = (job: number): void => {
    if (job >= 0 && segs[job].kinds[pos[job]] === Seg.pollIo) {
      // A poller got its core: it holds it through the read.
      freeCores--;
      if (freeChannels > 0) startIo(job);
      else ioQueue.push(job);
      return;
    }
    freeCores--;
    const amount = job >= 0 ? segs[job].amounts[pos[job]] : bgAmounts[-1 - job];
    cpuBusy += amount;
    heap.push(now + amount, job >= 0 ? job * 4 + EV_CPU_DONE : (-1 - job) * 4 + EV_BG_DONE);
  };
  const releaseCore = (): void => {
    freeCores++;
    if (cpuQueue.length > 0) startCpu(cpuQueue.shift());
  };
  const startIo = (slot: number): void => {
    freeChannels--;
    deviceReads++;
    const s = segs[slot];
    const kind = s.kinds[pos[slot]];
    heap.push(
      now + serviceDraw(s.amounts[pos[slot]]),
      slot * 4 + (kind === Seg.pollIo ? EV_POLL_DONE : EV_IO_DONE),
    );
  };
  const releaseChannel = (): void => {
    freeChannels++;
    if (ioQueue.length > 0) startIo(ioQueue.shift());
  };

  const startLookup = (slot: number, thread: number): void => {
    segs[slot] = cfg.nextLookup(issued++, thread);
    pos[slot] = 0;
    started[slot] = now;
    advance(slot);
  };

  /** Runs the slot's segments from pos until one must wait. */
  function advance(slot: number): void {
    for (;;) {
      const s = segs[slot];
      const i = pos[slot];
      if (i >= s.kinds.length) {
        const idx = finished++;
        if (idx === warmup - 1) {
          // The measured window opens when the warm-up's last lookup ends.
          windowStart = now;
          readsBefore = deviceReads;
          cpuBefore = cpuBusy;
        }
        if (idx >= warmup) {
          latencies[recorded] = now - started[slot];
          classes[recorded++] = s.cls ?? 0;
        }
        if (issued < cfg.lookups) {
          startLookup(slot, Math.floor(slot / cfg.batch));
        }
        return;
      }
      const kind = s.kinds[i];
      if (kind === Seg.bg) {
        const amount = s.amounts[i];
        let b: number;
        if (bgFree.length > 0) {
          b = bgFree.pop() as number;
          bgAmounts[b] = amount;
        } else b = bgAmounts.push(amount) - 1;
        if (freeCores > 0) startCpu(-1 - b);
        else cpuQueue.push(-1 - b);
        pos[slot]++;
        continue;
      }
      if (kind === Seg.cpu || kind === Seg.irq) {
        if (freeCores > 0) startCpu(slot);
        else if (kind === Seg.irq) cpuQueue.unshift(slot);
        else cpuQueue.push(slot);
        return;
      }
      if (kind === Seg.pollIo) {
        // The poller's core spins for the whole read: take a core first, then the device.
        if (freeCores > 0) startCpu(slot);
        else cpuQueue.push(slot);
        return;
      }
      if (freeChannels > 0) startIo(slot);
      else ioQueue.push(slot);
      return;
    }
  }

  // Start: every slot begins a lookup at time 0.
  for (let slot = 0; slot < slots && issued < cfg.lookups; slot++)
    startLookup(slot, Math.floor(slot / cfg.batch));

  while (heap.size > 0) {
    now = heap.topTime();
    const ev = heap.pop();
    events++;
    const kind = ev & 3;
    const who = ev >> 2;
    if (kind === EV_BG_DONE) {
      bgFree.push(who);
      releaseCore();
      continue;
    }
    if (kind === EV_CPU_DONE) {
      pos[who]++;
      releaseCore();
      advance(who);
      continue;
    }
    if (kind === EV_POLL_DONE) {
      releaseCore();
    }
    pos[who]++;
    releaseChannel();
    advance(who);
  }
  return {
    latencies: latencies.subarray(0, recorded),
    classes: classes.subarray(0, recorded),
    elapsedNs: now - windowStart,
    lookups: recorded,
    deviceReads: deviceReads - readsBefore,
    events,
    cpuBusyNs: cpuBusy - cpuBefore,
  };
}
