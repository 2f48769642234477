// Formatting a .ioc text with the plugin: what `iochain fmt` and the language server call.
import { format } from "prettier";
import { iochainPlugin } from "./plugin.js";

/** The repository's own width (.prettierrc.json), which the examples and stdlib are written to. */
const PRINT_WIDTH = 100;

export const formatIoc = (source: string, printWidth = PRINT_WIDTH): Promise<string> =>
  format(source, { parser: "iochain", plugins: [iochainPlugin], tabWidth: 4, printWidth });
