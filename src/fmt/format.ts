// Formatting a .ioc text with the plugin: what `iochain fmt` and the language server call.
import { format } from "prettier";
import { parseModule } from "../compiler/front/parse.js";
import { iochainPlugin } from "./plugin.js";

/** The repository's own width (.prettierrc.json), which the examples and stdlib are written to. */
const PRINT_WIDTH = 100;

/**
 * The formatted text. A text that does not parse is refused with the parser's diagnostic (an
 * IochainError), as rustfmt refuses: the plugin works on lines and would pass it through.
 */
export function formatIoc(
  source: string,
  printWidth = PRINT_WIDTH,
  file = "<stdin>",
): Promise<string> {
  parseModule(source, file);
  return format(source, { parser: "iochain", plugins: [iochainPlugin], tabWidth: 4, printWidth });
}
