// A plot as a person sees it: the SVG's structure (title, axes with units, legend, the model's
// lines and the paper's points), then the SVG rendered by headless Chromium: the screenshot must
// not be blank. Skips with a reason where Chromium is not installed (.ci/run installs it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { renderSvg } from "../../src/sim/plot.js";
import { runExperiment } from "../../src/sim/run.js";

const chromium = ["chromium", "chromium-browser"].find(
  (c) => spawnSync("which", [c], { encoding: "utf8" }).status === 0,
);

describe("sim plots", async () => {
  const out = await runExperiment("index-ios", { workers: 0, overrides: { lookups: "1500" } });
  const svg = await renderSvg(out);

  it("have a title, axes with units, a legend, model lines and paper points", () => {
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("iochain sim: index-ios");
    expect(svg).toContain("index I/Os per lookup");
    expect(svg).toContain("mean lookup latency (µs)");
    expect(svg).toMatch(/role-legend/);
    for (const series of ["read", "xrp", "spdk", "io_uring", "model", "paper"])
      expect(svg).toContain(`>${series}<`);
    const count = (role: string) =>
      (svg.match(new RegExp(`aria-roledescription="${role}"`, "g")) ?? []).length;
    expect(count("axis")).toBe(2);
    expect(count("legend")).toBe(2); // dispatch (colour) and figure (model/paper shape)
    expect(count("title")).toBe(1);
    expect(count("line mark")).toBe(4); // one model line per system
    expect(count("point")).toBe(48); // 24 model points, 24 paper points
  });

  it.skipIf(!chromium)("renders in headless Chromium to a non-blank picture", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "iochain-plot-"));
    const file = path.join(dir, "plot.svg");
    const png = path.join(dir, "plot.png");
    writeFileSync(file, svg);
    const r = spawnSync(
      chromium!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        `--user-data-dir=${mkdtempSync(path.join(tmpdir(), "iochain-chromium-"))}`,
        `--screenshot=${png}`,
        "--window-size=800,450",
        `file://${file}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const image = PNG.sync.read(readFileSync(png));
    // Count pixels far from white, and distinct colours: a blank page has neither.
    let inked = 0;
    const colours = new Set<number>();
    for (let i = 0; i < image.data.length; i += 4) {
      const [red, green, blue] = [image.data[i], image.data[i + 1], image.data[i + 2]];
      if (red + green + blue < 600) inked++;
      colours.add((red << 16) | (green << 8) | blue);
    }
    expect(inked / (image.width * image.height)).toBeGreaterThan(0.01);
    expect(colours.size).toBeGreaterThan(20);
  });
  if (!chromium) console.log("skip: chromium is not installed (apt-get install chromium)");
});
