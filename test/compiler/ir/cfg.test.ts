import { describe, expect, it } from "vitest";
import {
  backEdges,
  loopDepth,
  predecessors,
  reversePostorder,
} from "../../../src/compiler/ir/cfg.js";
import { dominators } from "../../../src/compiler/ir/dominators.js";
import { parseIr } from "../../../src/compiler/ir/parse.js";
import { blockLabel } from "../../../src/compiler/ir/print.js";
import { liveness } from "../../../src/compiler/ir/liveness.js";
import type { Block } from "../../../src/compiler/ir/ir.js";

// entry → head ⇄ body, head → exit; entry → side → exit
const f = parseIr(`func f(%0) {
@entry0:
  %1 = mov 0
  br eq %0, 0 ? @head1 : @side4
@head1:
  br ult %1, 10 ? @body2 : @exit3
@body2:
  %1 = add %1, 1
  jump @head1
@side4:
  %1 = mov 7
  jump @exit3
@exit3:
  ret %1
}`).funcs[0];
const names = (bs: Iterable<Block>): string[] => [...bs].map(blockLabel);
const byName = (n: string): Block => f.blocks.find((b) => blockLabel(b) === n)!;

describe("CFG utilities", () => {
  it("orders and connects blocks", () => {
    expect(names(reversePostorder(f))[0]).toBe("@entry0");
    expect(names(predecessors(f).get(byName("@exit3"))!).sort()).toEqual(["@head1", "@side4"]);
    expect(backEdges(f).map(([a, b]) => [blockLabel(a), blockLabel(b)])).toEqual([
      ["@body2", "@head1"],
    ]);
  });

  it("computes dominators", () => {
    const d = dominators(f);
    expect(d.idom.get(byName("@exit3"))).toBe(byName("@entry0"));
    expect(d.idom.get(byName("@body2"))).toBe(byName("@head1"));
    expect(d.dominates(byName("@head1"), byName("@body2"))).toBe(true);
    expect(d.dominates(byName("@side4"), byName("@exit3"))).toBe(false);
  });

  it("computes loop depth", () => {
    const depth = loopDepth(f);
    expect(depth.get(byName("@body2"))).toBe(1);
    expect(depth.get(byName("@head1"))).toBe(1);
    expect(depth.get(byName("@exit3"))).toBe(0);
  });

  it("computes liveness", () => {
    const { liveIn, liveOut } = liveness(f);
    expect([...liveIn.get(byName("@entry0"))!]).toEqual([0]);
    expect([...liveIn.get(byName("@head1"))!]).toEqual([1]);
    expect([...liveOut.get(byName("@body2"))!]).toEqual([1]);
    expect([...liveIn.get(byName("@side4"))!]).toEqual([]);
  });
});
