/** Where a JSON text stops being valid JSON, and why. */
export interface JsonSyntaxError {
  /** Offset of the offending character (the text's length for a premature end), 0-based. */
  readonly offset: number;
  /** What is wrong, quoting at most the one offending character. */
  readonly reason: string;
}

/** A 1-based line and column (columns count UTF-16 code units). */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/**
 * Finds the first RFC 8259 syntax error of `text`, or `undefined` when it is valid JSON. Node's
 * `JSON.parse` messages give no position for some errors and quote the text for others; this
 * gives both a position and a reason that shows at most one character of the text.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxFailure) return { offset: error.offset, reason: error.message };
    // Nesting too deep for the stack: no position to give.
    if (error instanceof RangeError) return { offset: 0, reason: 'nested too deeply' };
    throw error;
  }
}

/** The line and column of `offset` in `text`; `\n`, `\r\n` and `\r` end lines. */
export function lineAndColumn(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    const char = text[index];
    if (char === '\n' || (char === '\r' && text[index + 1] !== '\n')) {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class SyntaxFailure extends Error {
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super(reason);
    this.offset = offset;
  }
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// eslint-disable-next-line no-control-regex -- JSON strings must escape U+0000 to U+001F
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** A recursive-descent recogniser of RFC 8259 JSON that builds nothing. */
class JsonScanner {
  private index = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** One value, with only whitespace around it. */
  document(): void {
    this.value();
    this.whitespace();
    if (this.index < this.text.length) throw this.unexpected('the end after the JSON value');
  }

  private value(): void {
    this.whitespace();
    const char = this.text[this.index];
    if (char === '{') this.object();
    else if (char === '[') this.array();
    else if (char === '"') this.string();
    else if (char === 't') this.literal('true');
    else if (char === 'f') this.literal('false');
    else if (char === 'n') this.literal('null');
    else if (!this.match(NUMBER)) throw this.unexpected('a value');
  }

  private object(): void {
    this.index += 1;
    this.whitespace();
    if (this.eat('}')) return;
    for (;;) {
      this.whitespace();
      if (this.text[this.index] !== '"') throw this.unexpected('a property name in double quotes');
      this.string();
      this.whitespace();
      if (!this.eat(':')) throw this.unexpected('":"');
      this.value();
      this.whitespace();
      if (this.eat('}')) return;
      if (!this.eat(',')) throw this.unexpected('"," or "}"');
    }
  }

  private array(): void {
    this.index += 1;
    this.whitespace();
    if (this.eat(']')) return;
    for (;;) {
      this.value();
      this.whitespace();
      if (this.eat(']')) return;
      if (!this.eat(',')) throw this.unexpected('"," or "]"');
    }
  }

  private string(): void {
    const start = this.index;
    this.index += 1;
    for (;;) {
      this.match(STRING_RUN);
      const char = this.text[this.index];
      if (char === undefined) throw new SyntaxFailure(start, 'unterminated string');
      if (char === '"') {
        this.index += 1;
        return;
      }
      if (char === '\\') {
        if (!this.match(ESCAPE)) {
          throw new SyntaxFailure(this.index, 'invalid escape in a string');
        }
        continue;
      }
      throw new SyntaxFailure(this.index, `${describeChar(char)} in a string: escape it`);
    }
  }

  private literal(word: string): void {
    for (const char of word) {
      if (!this.eat(char)) throw this.unexpected(`"${word}"`);
    }
  }

  private whitespace(): void {
    this.match(WHITESPACE);
  }

  /** Steps over `char` when it is next. */
  private eat(char: string): boolean {
    if (this.text[this.index] !== char) return false;
    this.index += 1;
    return true;
  }

  /** Steps over what the sticky `pattern` matches at the current offset, if anything. */
  private match(pattern: RegExp): boolean {
    pattern.lastIndex = this.index;
    if (!pattern.test(this.text)) return false;
    this.index = pattern.lastIndex;
    return true;
  }

  private unexpected(expected: string): SyntaxFailure {
    const char = this.text[this.index];
    if (char === undefined) return new SyntaxFailure(this.index, 'unexpected end of input');
    return new SyntaxFailure(this.index, `unexpected ${describeChar(char)}; expected ${expected}`);
  }
}

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) {
    return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `character ${JSON.stringify(char)}`;
}
