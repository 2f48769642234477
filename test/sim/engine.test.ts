// The discrete-event core on work whose answer is known: sums on an idle machine, the device's
// IOPS ceiling, CPU saturation, interrupts served before threads, SPDK's poller holding its core.
import { describe, expect, it } from "vitest";
import { type DeviceModel, Seg, type Segments, simulate } from "../../src/sim/engine.js";

const seg = (...parts: [number, number][]): Segments => ({
  kinds: Uint8Array.from(parts.map((p) => p[0])),
  amounts: Float64Array.from(parts.map((p) => p[1])),
  ios: parts.filter((p) => p[0] === Seg.io || p[0] === Seg.pollIo).length,
});
const device = (channels: number, ns: number): DeviceModel => ({
  channels,
  serviceNs: () => ns,
  jitter: 0,
});
const run = (s: Segments, over: Partial<Parameters<typeof simulate>[0]> = {}) =>
  simulate({
    cores: 1,
    threads: 1,
    batch: 1,
    lookups: 1000,
    device: device(1, 1000),
    seed: 1,
    nextLookup: () => s,
    ...over,
  });

describe("sim engine", () => {
  it("one thread on an idle machine: latency is the sum of its CPU and device time", () => {
    const work = seg([Seg.cpu, 300], [Seg.io, 512], [Seg.irq, 200], [Seg.bg, 5000], [Seg.cpu, 100]);
    const idle = run(work, { cores: 8 });
    expect(Math.min(...idle.latencies)).toBe(1600);
    expect(Math.max(...idle.latencies)).toBe(1600);
    // On one core the background work (5 µs a lookup) delays the lookups' own CPU work.
    expect(Math.min(...run(work).latencies)).toBeGreaterThan(1600);
  });

  it("reads never exceed the device's channels / service time", () => {
    const r = run(seg([Seg.io, 512]), { threads: 64, cores: 8, device: device(4, 2000) });
    const iops = r.deviceReads / (r.elapsedNs / 1e9);
    expect(iops).toBeLessThanOrEqual(2_000_000 * 1.01);
    expect(iops).toBeGreaterThan(2_000_000 * 0.95);
  });

  it("CPU-bound threads share the cores: throughput is cores / work", () => {
    const r = run(seg([Seg.cpu, 10_000]), { threads: 12, cores: 3, lookups: 6000 });
    expect(r.lookups / (r.elapsedNs / 1e9)).toBeCloseTo(300_000, -3);
    expect(r.cpuBusyNs).toBeGreaterThan(0);
  });

  it("interrupt work jumps the CPU queue; a poller holds its core through its read", () => {
    // A thread with 50 µs of CPU work queued beside a read's 100 ns interrupt: the interrupt
    // runs first, so the reader's lookups take 1.1 µs + at most the one job already running.
    const reader = seg([Seg.io, 512], [Seg.irq, 100]);
    const busy = { ...seg([Seg.cpu, 50_000]), cls: 1 };
    const mixed = run(reader, {
      threads: 3,
      nextLookup: (_, thread) => (thread === 0 ? reader : busy),
    });
    const readerLat = mixed.latencies.filter((_, i) => mixed.classes[i] === 0);
    expect(readerLat.length).toBeGreaterThan(0);
    expect(Math.max(...readerLat)).toBeLessThanOrEqual(1100 + 50_000);
    const polled = run(seg([Seg.pollIo, 512]), { threads: 4, cores: 2, device: device(16, 1000) });
    // Two cores, each held for a whole read: at most 2 reads at a time.
    expect(polled.deviceReads / (polled.elapsedNs / 1e9)).toBeLessThanOrEqual(2_000_000 * 1.01);
  });
});
