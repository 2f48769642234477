// What a chain has gathered so far, and how the status a step ends with settles it. The chain
// driver (sim, linux) and the XRP simulator share this, so both end chains, drain output rows and
// count suspensions the same way.
import { Ctx, Status, errorName, type ProgramArtifact } from "../abi/artifact.js";
import { abiBroken } from "./abi-broken.js";
import type { ChainResult, ChainStatus } from "./driver.js";
import {
  type ResultValue,
  type Row,
  decodeAggregates,
  decodeRows,
  decodeValue,
} from "./outputs.js";

/** The status a runtime leaves in the ctx (or XRP's scratch header) before a run: a program that never sets one is caught. */
export const STATUS_UNSET = 0xffffffff;

export class ChainRecord {
  hops = 0;
  steps = 0;
  suspensions = 0;
  readonly reads = { device: 0, file: 0 };
  readonly rows: Row[] = [];

  /**
   * `status` is the ctx (sim/linux) or XRP's scratch header: both lay out `struct iochain_ctx`;
   * `scratch` is where the artifact's result, row and aggregate offsets point.
   */
  constructor(
    private readonly artifact: ProgramArtifact,
    private readonly scratch: Uint8Array,
    private readonly status: DataView,
    private readonly maxSuspensions = Infinity,
    private readonly abi?: string,
  ) {}

  finish(status: ChainStatus, errorCode = 0, value: ResultValue = null): ChainResult {
    return {
      status,
      value,
      error: status === "failed" ? errorName(this.artifact, errorCode) : null,
      errorCode,
      hops: this.hops,
      rows: this.rows,
      aggregates: decodeAggregates(this.artifact.aggregates, this.scratch),
      steps: this.steps,
      suspensions: this.suspensions,
      reads: this.reads,
    };
  }

  /**
   * A step ended with DONE, FAILED or SUSPENDED (`where` names the status word for messages):
   * the chain's result, or "resume" when the rows of a suspension were taken and the program
   * runs again on the same block.
   */
  settle(where: string): ChainResult | "resume" {
    const view = this.status;
    const status = view.getUint32(Ctx.status, true);
    if (status === Status.DONE) {
      this.drainRows();
      const value = decodeValue(
        this.artifact,
        this.scratch,
        view.getBigUint64(Ctx.value, true),
        view.getUint32(Ctx.valueLen, true),
      );
      return this.finish("done", 0, value);
    }
    if (status === Status.FAILED) {
      this.drainRows();
      return this.finish("failed", view.getUint32(Ctx.error, true));
    }
    if (status === Status.SUSPENDED) {
      if (view.getUint32(Ctx.rows, true) === 0)
        abiBroken("the program suspended with no rows in the output buffer", this.abi);
      this.drainRows();
      this.suspensions++;
      return this.suspensions > this.maxSuspensions ? this.finish("suspended") : "resume";
    }
    if (status === STATUS_UNSET)
      abiBroken(`the program ended a step without setting ${where}`, this.abi);
    abiBroken(
      `${where} = ${status} cannot end a step here: 1 DONE, 2 FAILED or 3 SUSPENDED expected`,
      this.abi,
    );
  }

  private drainRows(): void {
    this.rows.push(
      ...decodeRows(this.artifact.output, this.scratch, this.status.getUint32(Ctx.rows, true)),
    );
    this.status.setUint32(Ctx.rows, 0, true);
  }
}
