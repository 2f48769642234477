// Which commands the start-up snapshot runs. bin/iochain sends these straight to the plain bundle
// (its `case` names the same words; test/cli/snapshot.test.ts checks that they agree).

/**
 * Commands that load an ES-module-only package (prettier, vega), which a snapshot cannot hold, or
 * every command (completion). Started from the snapshot anyway (`help fmt`), they run from the
 * full CommonJS bundle, which is slower than the plain bundle: hence bin/iochain's routing.
 */
export const OUTSIDE_SNAPSHOT: readonly string[] = ["fmt", "lsp", "sim", "completion"];
