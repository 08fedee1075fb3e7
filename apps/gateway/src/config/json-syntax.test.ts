import { describe, expect, it } from 'vitest';

import { findJsonSyntaxError, lineAndColumn } from './json-syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e+3, 0, true, false, null, "x\\n\\u00e9\\"\\\\\\/"], "b": {}} \n',
    '"text"',
    '0',
    '-0.1E-2',
  ])('accepts valid JSON %j', (text) => {
    expect(() => {
      JSON.parse(text);
    }).not.toThrow();
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['', 0, 'unexpected end of input'],
    ['{', 1, 'unexpected end of input'],
    ['{"a": 1,}', 8, 'unexpected character "}"; expected a property name in double quotes'],
    ['{"a" 1}', 5, 'unexpected character "1"; expected ":"'],
    ['{"a": 1 "b": 2}', 8, 'unexpected character "\\""; expected "," or "}"'],
    ['[1, 2', 5, 'unexpected end of input'],
    ['[1 2]', 3, 'unexpected character "2"; expected "," or "]"'],
    ['[1,]', 3, 'unexpected character "]"; expected a value'],
    ["{'a': 1}", 1, 'unexpected character "\'"; expected a property name in double quotes'],
    ['{"a": tru}', 9, 'unexpected character "}"; expected "true"'],
    ['{"a": 01}', 7, 'unexpected character "1"; expected "," or "}"'],
    ['{"a": -}', 6, 'unexpected character "-"; expected a value'],
    ['{"a": "x\\q"}', 8, 'invalid escape in a string'],
    ['{"a": "\\u12"}', 7, 'invalid escape in a string'],
    ['{"a": "x\ty"}', 8, 'control character U+0009 in a string: escape it'],
    ['{"a": "open', 6, 'unterminated string'],
    ['{} {}', 3, 'unexpected character "{"; expected the end after the JSON value'],
    ['// comment\n{}', 0, 'unexpected character "/"; expected a value'],
  ])('locates the error in %j', (text, offset, reason) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(findJsonSyntaxError(text)).toEqual({ offset, reason });
  });

  it('survives nesting too deep for the stack', () => {
    const deep = '['.repeat(1_000_000);
    expect(findJsonSyntaxError(deep)).toBeDefined();
  });
});

describe('lineAndColumn', () => {
  it('counts lines after \\n, \\r\\n and \\r, columns from 1', () => {
    const text = 'ab\ncd\r\nef\rgh';
    expect(lineAndColumn(text, 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn(text, 2)).toEqual({ line: 1, column: 3 });
    expect(lineAndColumn(text, 3)).toEqual({ line: 2, column: 1 });
    expect(lineAndColumn(text, 7)).toEqual({ line: 3, column: 1 });
    expect(lineAndColumn(text, 11)).toEqual({ line: 4, column: 2 });
    expect(lineAndColumn(text, text.length)).toEqual({ line: 4, column: 3 });
  });
});
