// The NVMe device: a service time per request size, channels working in parallel (the device's
// internal parallelism) sized so that the channels together reach the profile's IOPS ceiling at
// 512 B, and a FIFO submission queue in front of them (src/sim/engine.ts runs it).
import type { DeviceModel } from "./engine.js";
import type { Params } from "./params.js";

export function deviceModel(p: Params): DeviceModel {
  const serviceNs = (bytes: number): number =>
    p.device_512_ns + (Math.max(0, bytes - 512) / 1024) * p.device_ns_per_kib;
  return {
    channels: Math.max(1, Math.round((p.device_iops_max * p.device_512_ns) / 1e9)),
    serviceNs,
    jitter: p.device_jitter,
  };
}
