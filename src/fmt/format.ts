// Formatting a .ioc text with the plugin: what `iochain fmt` and the language server call.
import { format } from "prettier";
import { iochainPlugin } from "./plugin.js";

export const formatIoc = (source: string): Promise<string> =>
  format(source, { parser: "iochain", plugins: [iochainPlugin], tabWidth: 4 });
