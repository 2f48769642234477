import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Kernel tests share one bpf() namespace and the machine has 2 cores.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2 } },
    // .ci/run reads the JSON report for its closing `tests: N passed, N failed` line.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: ".vitest-results.json" }]]
      : ["default"],
  },
});
