// Binding a program to a real file's extents (docs/extents.md): at compile time the table is
// taken with bindFileExtents and stored in the extents map's initial value; at run time the
// file's current layout and the device under it come from openFileDevice, and the driver reads
// at device addresses while the two generations agree, at file offsets otherwise.
import { IochainError } from "../../diagnostics.js";
import { RawDevice, type ReadOptions } from "../block-source.js";
import { identityExtents } from "../extents.js";
import { type ExtentTable } from "../../abi/extents.js";
import { bindableExtents, type FileExtentMap, readFileExtents } from "./fiemap.js";
import { deviceReadPath, fileDevice } from "./file-device.js";

/** The table to compile into a program for this file: its extents now (E0806/E0807 if unusable). */
export const bindFileExtents = (path: string): ExtentTable =>
  bindableExtents(readFileExtents(path));

/**
 * The table a run loads into an unbound program's extents map: the file's layout when every
 * extent is readable at its device address, else one extent at address 0 with generation 0,
 * which never equals a FIEMAP generation, so that every read goes to the file.
 */
export function tableForRun(layout: FileExtentMap): ExtentTable {
  try {
    return bindableExtents(layout);
  } catch (err) {
    if (err instanceof IochainError && err.code === "E0807")
      return identityExtents(layout.size, 0n);
    throw err;
  }
}

export interface FileDeviceOptions extends ReadOptions {
  /** The device or image to read; default: the loop device's image, else /dev/NAME of st_dev. */
  device?: string;
}

/** The device under `path` with the file's current layout (FIEMAP) as its `layout`. Close it. */
export function openFileDevice(
  path: string,
  options: FileDeviceOptions = {},
): RawDevice & { layout: FileExtentMap } {
  const layout = readFileExtents(path);
  const devicePath = options.device ?? deviceReadPath(fileDevice(layout.device));
  if (devicePath === undefined) {
    throw new IochainError(
      "E0808",
      `${path}: cannot find the block device ${layout.device.major}:${layout.device.minor} the file is on`,
      undefined,
      "name the device or file-system image to read, or read the file at file offsets",
    );
  }
  return new RawDevice(devicePath, layout, options) as RawDevice & { layout: FileExtentMap };
}
