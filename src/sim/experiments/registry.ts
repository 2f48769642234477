// Every experiment `iochain sim list` shows, in that order.
import type { Experiment } from "./types.js";
import { PAPER_EXPERIMENTS } from "./paper.js";
import { FAULT_EXPERIMENTS } from "./faults.js";
import { FAIRNESS_EXPERIMENTS } from "./fairness.js";
import { MACHINE_EXPERIMENTS } from "./machine.js";

export const EXPERIMENTS: readonly Experiment[] = [
  ...PAPER_EXPERIMENTS,
  ...FAULT_EXPERIMENTS,
  ...FAIRNESS_EXPERIMENTS,
  ...MACHINE_EXPERIMENTS,
];

export const findExperiment = (name: string): Experiment | undefined =>
  EXPERIMENTS.find((e) => e.name === name);
