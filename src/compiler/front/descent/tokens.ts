// The descent parser's tokens and list shapes (descent/items.ts says what the parser is for). Like
// the grammar, it skips spaces before each token of a syntactic rule; comments arrive blanked.
import { IochainError } from "../../../diagnostics.js";
import type * as A from "../ast.js";
import { unescapeString } from "../literals.js";
import type { LineMap } from "../source.js";

/** The text does not match here: the innermost ordered choice tries its next alternative. */
export const MISMATCH = { reason: "mismatch" };
/** Leave the file to ohm: an error, or a choice this parser does not make on its own. */
export const GIVE_UP = { reason: "give up" };

// grammar/iochain.ohm's `reserved`.
const RESERVED = new Set([
  ...["as", "at", "break", "const", "continue", "else", "error", "false", "fail", "fn", "for"],
  ...["if", "import", "in", "layout", "let", "noinline", "pub", "resubmit", "return", "sizeof"],
  ...["storage", "true", "var", "while"],
]);
// Sticky: matched in place, natively (a loop by character is slow in a process this young).
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

export const isIdentPart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** Runs an AST builder that may refuse its input (a literal): a refusal is ohm's to report. */
export function refusable<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof IochainError) throw GIVE_UP;
    throw e;
  }
}

export class Tokens {
  protected pos = 0;

  constructor(
    protected readonly text: string,
    protected readonly map: LineMap,
  ) {}

  protected ws(): void {
    while (this.pos < this.text.length && this.text.charCodeAt(this.pos) <= 32) this.pos++;
  }

  /** Where the next token starts (spaces skipped). */
  protected at(): number {
    this.ws();
    return this.pos;
  }

  protected span(start: number, end = this.pos): A.Span {
    return this.map.span(start, end);
  }

  /** Consumes `s` (after spaces) when it is next. */
  protected punct(s: string): boolean {
    const save = this.pos;
    this.ws();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  protected expect(s: string): void {
    if (!this.punct(s)) throw MISMATCH;
  }

  /** Consumes the keyword `word` (`"word" #(~identPart)`) when it is next. */
  protected kw(word: string): boolean {
    const save = this.pos;
    this.ws();
    const after = this.pos + word.length;
    if (this.text.startsWith(word, this.pos) && !isIdentPart(this.text.charCodeAt(after))) {
      this.pos = after;
      return true;
    }
    this.pos = save;
    return false;
  }

  protected expectKw(word: string): void {
    if (!this.kw(word)) throw MISMATCH;
  }

  /** The name (not a reserved word) that starts at `at`, if one does. */
  protected nameAt(at: number): string | undefined {
    NAME.lastIndex = at;
    const m = NAME.exec(this.text);
    return m === null || RESERVED.has(m[0]) ? undefined : m[0];
  }

  protected tryName(): A.Ident | undefined {
    const start = this.at();
    const name = this.nameAt(start);
    if (name === undefined) return undefined;
    this.pos = start + name.length;
    return { name, span: this.span(start) };
  }

  protected name(): A.Ident {
    const id = this.tryName();
    if (!id) throw MISMATCH;
    return id;
  }

  /** `NonemptyListOf<name, "::">`. */
  protected path(): A.Ident[] {
    const path = [this.name()];
    for (;;) {
      const save = this.pos;
      const next = this.punct("::") ? this.tryName() : undefined;
      if (!next) {
        this.pos = save;
        return path;
      }
      path.push(next);
    }
  }

  /** `string`, as its value. */
  protected string(): A.StringLit {
    const start = this.at();
    if (this.text.charCodeAt(start) !== 34) throw MISMATCH;
    let i = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (Number.isNaN(c) || c === 10) throw MISMATCH;
      if (c === 34) break;
      i += c === 92 ? 2 : 1;
    }
    this.pos = i + 1;
    const s = this.span(start);
    return { value: refusable(() => unescapeString(this.text.slice(start, this.pos), s)), span: s };
  }

  /** Runs `parse`; on a mismatch puts the position back and answers undefined. */
  protected attempt<T>(parse: () => T): T | undefined {
    const save = this.pos;
    try {
      return parse();
    } catch (e) {
      if (e !== MISMATCH) throw e;
      this.pos = save;
      return undefined;
    }
  }

  /** `ListOf<elem, ","> ","?` then `close`. */
  protected listUntil<T>(close: string, elem: () => T): T[] {
    const items: T[] = [];
    while (!this.punct(close)) {
      if (items.length > 0) {
        this.expect(",");
        if (this.punct(close)) break;
      }
      items.push(elem());
    }
    return items;
  }

  /** `NonemptyListOf<elem, ",">`. */
  protected nonemptyList<T>(elem: () => T): T[] {
    const items = [elem()];
    for (;;) {
      const save = this.pos;
      const next = this.punct(",") ? this.attempt(elem) : undefined;
      if (next === undefined) {
        this.pos = save;
        return items;
      }
      items.push(next);
    }
  }
}
