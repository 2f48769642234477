// Everything `iochain run` does after compiling: open the data file, build the target's maps
// (the extent table included), run one chain through the driver, close it all. It is a session
// (session.ts) used for one chain.
import type { ProgramArtifact } from "../abi/artifact.js";
import type { ArgValue } from "./args.js";
import type { ChainOptions, ChainResult } from "./driver.js";
import { type SessionOptions, openSession } from "./open-session.js";

export { type TargetName, loadExtents } from "./session.js";

export interface RunProgramOptions extends SessionOptions {
  args: Record<string, ArgValue>;
  maxSuspensions?: ChainOptions["maxSuspensions"];
}

export function runProgram(artifact: ProgramArtifact, options: RunProgramOptions): ChainResult {
  const session = openSession(artifact, options);
  try {
    return session.run(options.args, { maxSuspensions: options.maxSuspensions });
  } finally {
    session.close();
  }
}
