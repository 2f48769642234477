// `--verifier-log FILE`: the kernel's whole verifier log, for when the diagnostic's one reason is
// not enough. The diagnostic itself never prints the log (it can be megabytes); it says where the
// log went, or how to get it.
import { LoadError } from "../runtime/linux/errors.js";
import { writeFileAtomic } from "../files.js";

/**
 * Runs `run` (or awaits what it returns); if the kernel rejects the program, writes its verifier
 * log to `file` (if given).
 */
export function withVerifierLog<T>(file: string | undefined, run: () => T): T {
  try {
    const result = run();
    if (result instanceof Promise) return result.catch((err) => noteLog(file, err)) as T;
    return result;
  } catch (err) {
    return noteLog(file, err);
  }
}

function noteLog(file: string | undefined, err: unknown): never {
  if (err instanceof LoadError && err.log !== "") {
    const notes = (err.diagnostic.notes ??= []);
    if (file) {
      writeFileAtomic(file, err.log);
      notes.push(`the verifier's whole log is in ${file}`);
    } else {
      notes.push("--verifier-log FILE writes the verifier's whole log");
    }
  }
  throw err;
}
