// The start step of a program whose first read is computed (`start` over the parameters): when
// the runtime runs it with ctx.resume = RESUME_START (no block yet), it evaluates the clause and
// leaves as a `resubmit` does — through the shared tail's alignment and extent checks — so the
// first read is checked exactly like every later one.
import { Ctx, RESUME_START } from "../../abi/artifact.js";
import type { StartExpr } from "../check/start.js";
import { at } from "../ir/builder.js";
import { lowerResubmit } from "./actions.js";
import type { Frame, LowerContext } from "./context.js";

export function lowerStartStep(cx: LowerContext, fr: Frame, start: StartExpr): void {
  const f = cx.f;
  const resume = f.load(4, at.reg(cx.ctx, Ctx.resume));
  const step = f.block("start_step");
  const first = f.block("first_read");
  f.br("eq", resume, BigInt(RESUME_START), step, first);
  f.setBlock(step).at(start.span);
  lowerResubmit(cx, fr, {
    kind: "resubmit",
    offset: start.offset,
    size: start.size,
    span: start.span,
    fileIndex: cx.info.startFile,
  });
  f.setBlock(first);
}
