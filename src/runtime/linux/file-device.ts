// Which device a file's extent addresses refer to: st_dev's block device in /dev, and for a loop
// device the image file behind it (reading the image needs no access to /dev and sees what the
// loop device sees: a loop device without direct I/O goes through the image's page cache).
import { existsSync, readFileSync } from "node:fs";

export interface FileDevice {
  major: number;
  minor: number;
  /** `/dev/NAME` of the block device, if sysfs names one that exists. */
  devPath: string | undefined;
  /** For a loop device: the image file it is backed by. */
  backingFile: string | undefined;
}

const readSys = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
};

export function fileDevice(device: { major: number; minor: number }): FileDevice {
  const sys = `/sys/dev/block/${device.major}:${device.minor}`;
  const name = /^DEVNAME=(.+)$/m.exec(readSys(`${sys}/uevent`) ?? "")?.[1];
  const devPath = name && existsSync(`/dev/${name}`) ? `/dev/${name}` : undefined;
  const backing = readSys(`${sys}/loop/backing_file`);
  // A deleted image reads "(deleted)"; a loop partition (loop0p1) has no loop/ of its own; an
  // image attached at an offset (losetup -o) is not addressed like the device: use the device.
  const atStart = (readSys(`${sys}/loop/offset`) ?? "0") === "0";
  const backingFile =
    backing && atStart && !backing.endsWith("(deleted)") && existsSync(backing)
      ? backing
      : undefined;
  return { ...device, devPath, backingFile };
}

/** What to read device addresses from: the loop device's image if there is one, else the device. */
export const deviceReadPath = (d: FileDevice): string | undefined => d.backingFile ?? d.devPath;
