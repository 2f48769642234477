// The error every example reference throws on a data file its format does not allow: a clear
// message naming the offset and the field, never a RangeError from deep inside a DataView.
import { IochainError } from "../diagnostics.js";

export class CorruptDataError extends IochainError {
  constructor(format: string, offset: bigint | number, message: string) {
    super(
      "E0934",
      `${format} file is corrupt at byte ${offset}: ${message}`,
      undefined,
      "regenerate the file, or check that it is in this example's format (see its README)",
    );
    this.name = "CorruptDataError";
  }
}
