// What an experiment is: a name, defaults it sets before the user's --param values, and either a
// whole run or a list of independent points (which a sweep may run on worker threads).
import type { Params } from "../params.js";

export type Row = Record<string, string | number | boolean>;

export interface Experiment {
  name: string;
  describe: string;
  /** Settings of this experiment (not costs): applied before the user's --param values. */
  defaults?: Partial<Params>;
  /** The whole experiment at once (small ones). */
  run?(p: Params): Row[];
  /** Independent points, each giving one row or several. */
  points?(p: Params): (() => Row | Row[])[];
}
