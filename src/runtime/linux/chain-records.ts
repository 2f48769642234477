// The records of a kernel-chain batch (abi/chain.ts: ChainRecord), seen from user space through
// the mmapped `chains` map: arguments written in, and each chain's end read back as the driver
// would settle it (runtime/driver.ts) — a ChainResult, or a row of packed results.
import { Ctx, Status, errorName, type ProgramArtifact } from "../../abi/artifact.js";
import { ChainEnd, ChainRecord as Rec } from "../../abi/chain.js";
import { internalError } from "../../diagnostics.js";
import { ChainRecord } from "../chain-record.js";
import type { ChainResult } from "../driver.js";
import { type AggregateValue, type ResultValue, type Row, decodeAggregates } from "../outputs.js";
import { fromSlot } from "../scalars.js";

/**
 * Packed results (runPacked): per chain its status (Status.DONE or FAILED; SUSPENDED only past
 * maxSuspensions, which runPacked does not set), error code, blocks read, and its value: a scalar
 * result's 64-bit slot, or a byte result's bytes at i * width (bytesLength[i] of them).
 */
export interface PackedResults {
  status: Uint8Array;
  errorCode: Uint32Array;
  hops: Uint32Array;
  scalar: BigUint64Array;
  bytes: Uint8Array;
  bytesLength: Uint32Array;
  width: number;
}

/** What a suspended chain carried over its suspensions, before its record ends it. */
export interface Carried {
  rows: Row[];
  suspensions: number;
  /** Ended by user space at a suspension (maxSuspensions), not by its record. */
  result?: ChainResult;
}

export class ChainRecords {
  private readonly view: DataView;
  /** The same bytes as a Buffer, for copies without a view per record. */
  private readonly buffer: Buffer;

  constructor(
    private readonly artifact: ProgramArtifact,
    private readonly bytes: Uint8Array,
    private readonly recordSize: number,
    private readonly scratchSize: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const r = artifact.result;
    if (r.kind === "bytes" && r.offset + r.length > scratchSize)
      throw internalError(`${artifact.name}: the result lies outside the scratch map`);
  }

  /** Record i's arguments, as ctx.args slots. */
  writeArgs(i: number, slots: readonly bigint[]): void {
    for (let a = 0; a < slots.length; a++)
      this.view.setBigUint64(i * this.recordSize + Ctx.args + 8 * a, slots[a], true);
  }

  /** Record i's arguments from packed slots: chain k's `params` slots. */
  copyArgs(i: number, packed: Buffer, k: number, params: number): void {
    packed.copy(this.buffer, i * this.recordSize + Ctx.args, k * params * 8, (k + 1) * params * 8);
  }

  /** Marks records 0..count-1 as not run, so a record the program never wrote is caught. */
  clearEnds(count: number): void {
    for (let i = 0; i < count; i++)
      this.view.setUint32(i * this.recordSize + Rec.end, ChainEnd.NONE, true);
  }

  /** The result of record i, settled as the driver settles a chain's last step. */
  settle(i: number, carried: Carried | undefined): ChainResult {
    const base = i * this.recordSize;
    const view = this.view;
    const end = view.getUint32(base + Rec.end, true);
    const hops = view.getUint32(base + Rec.hops, true);
    const steps = view.getUint32(base + Rec.steps, true);
    const status = view.getUint32(base + Ctx.status, true);
    // The common case without the general machinery: a chain that ran to done or failed with no
    // rows left in its buffer and none carried from suspensions.
    if (
      end === ChainEnd.PROGRAM &&
      !carried &&
      view.getUint32(base + Ctx.rows, true) === 0 &&
      (status === Status.DONE || status === Status.FAILED) &&
      (this.artifact.result.kind !== "bytes" ||
        view.getUint32(base + Ctx.valueLen, true) <= this.artifact.result.length)
    ) {
      const failed = status === Status.FAILED;
      const errorCode = failed ? view.getUint32(base + Ctx.error, true) : 0;
      return {
        status: failed ? "failed" : "done",
        value: failed ? null : this.valueAt(base),
        error: failed ? errorName(this.artifact, errorCode) : null,
        errorCode,
        hops,
        rows: [],
        aggregates: this.aggregatesAt(base),
        steps,
        suspensions: 0,
        reads: { device: 0, file: hops },
      };
    }
    const ctx = new DataView(view.buffer, view.byteOffset + base, this.recordSize);
    const record = new ChainRecord(this.artifact, this.scratchImage(base), ctx);
    if (carried) record.rows.push(...carried.rows);
    record.suspensions = carried?.suspensions ?? 0;
    record.hops = hops;
    record.steps = steps;
    record.reads.file = hops;
    if (end === ChainEnd.DRIVER)
      return record.finish("failed", view.getUint32(base + Rec.error, true));
    if (end === ChainEnd.PROGRAM) {
      const settled = record.settle("ctx.status");
      if (settled !== "resume") return settled;
    }
    throw internalError(`${this.artifact.name}: kernel chain record ${i} ended as ${end}`);
  }

  /** Record i into packed results at index k: the common ends directly, the rest as settle(). */
  pack(i: number, k: number, out: PackedResults): void {
    const base = i * this.recordSize;
    const view = this.view;
    const status = view.getUint32(base + Ctx.status, true);
    const end = view.getUint32(base + Rec.end, true);
    out.hops[k] = view.getUint32(base + Rec.hops, true);
    const plain = end === ChainEnd.PROGRAM && view.getUint32(base + Ctx.rows, true) === 0;
    if (end === ChainEnd.DRIVER || (plain && status === Status.FAILED)) {
      out.status[k] = Status.FAILED;
      const at = end === ChainEnd.DRIVER ? Rec.error : Ctx.error;
      out.errorCode[k] = view.getUint32(base + at, true);
      return;
    }
    const r = this.artifact.result;
    if (plain && status === Status.DONE) {
      out.status[k] = Status.DONE;
      if (r.kind === "scalar") out.scalar[k] = view.getBigUint64(base + Ctx.value, true);
      else if (r.kind === "bytes") {
        const len = view.getUint32(base + Ctx.valueLen, true);
        if (len > r.length) this.settle(i, undefined); // throws the driver's error
        const at = base + Rec.scratch + r.offset;
        this.buffer.copy(out.bytes, k * r.length, at, at + len);
        out.bytesLength[k] = len;
      }
      return;
    }
    const result = this.settle(i, undefined);
    out.status[k] =
      result.status === "done"
        ? Status.DONE
        : result.status === "failed"
          ? Status.FAILED
          : Status.SUSPENDED;
    out.errorCode[k] = result.errorCode;
    const v = result.value;
    if (v instanceof Uint8Array) {
      out.bytes.set(v, k * out.width);
      out.bytesLength[k] = v.length;
    } else if (typeof v === "bigint") out.scalar[k] = BigInt.asUintN(64, v);
    else if (typeof v === "number" || typeof v === "boolean")
      out.scalar[k] = BigInt.asUintN(64, BigInt(v));
  }

  private scratchImage(base: number): Uint8Array {
    const at = base + Rec.scratch;
    return this.bytes.subarray(at, at + this.scratchSize);
  }

  private valueAt(base: number): ResultValue {
    const r = this.artifact.result;
    if (r.kind === "none") return null;
    if (r.kind === "scalar")
      return fromSlot(this.view.getBigUint64(base + Ctx.value, true), r.type);
    const at = base + Rec.scratch + r.offset;
    return this.bytes.slice(at, at + this.view.getUint32(base + Ctx.valueLen, true));
  }

  private aggregatesAt(base: number): Record<string, AggregateValue> {
    const aggregates = this.artifact.aggregates;
    return aggregates.length === 0 ? {} : decodeAggregates(aggregates, this.scratchImage(base));
  }
}

/** Empty packed results for `count` chains of this artifact. */
export function packedResults(artifact: ProgramArtifact, count: number): PackedResults {
  const width = artifact.result.kind === "bytes" ? artifact.result.length : 0;
  return {
    status: new Uint8Array(count),
    errorCode: new Uint32Array(count),
    hops: new Uint32Array(count),
    scalar: new BigUint64Array(artifact.result.kind === "scalar" ? count : 0),
    bytes: new Uint8Array(count * width),
    bytesLength: new Uint32Array(width ? count : 0),
    width,
  };
}
