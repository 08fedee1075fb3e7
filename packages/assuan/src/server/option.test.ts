import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseOptionArguments } from './option.js';

describe('parseOptionArguments', () => {
  it.each([
    ['display=:0', { name: 'display', value: ':0' }],
    ['  display = :0  ', { name: 'display', value: ':0' }],
    ['--display=:0', { name: 'display', value: ':0' }],
    ['ttyname /dev/pts/1', { name: 'ttyname', value: '/dev/pts/1' }],
    ['putenv FOO=bar baz', { name: 'putenv', value: 'FOO=bar baz' }],
    ['putenv=FOO=bar', { name: 'putenv', value: 'FOO=bar' }],
    ['allow-pinentry-notify', { name: 'allow-pinentry-notify', value: undefined }],
    ['\tname\t=\tv\t', { name: 'name', value: 'v' }],
    ['display=a%20b+c', { name: 'display', value: 'a%20b+c' }],
  ])('parses %j like libassuan', (args, expected) => {
    expect(parseOptionArguments(args)).toEqual(expected);
  });

  it.each([
    ['', 'argument required'],
    ['   ', 'argument required'],
    ['=x', 'no option name given'],
    ['name=', 'option argument expected'],
    ['name =  ', 'option argument expected'],
    ['-name=1', 'option should not begin with one dash'],
    ['--', 'option should not begin with one dash'],
    ['---name', 'option should not begin with one dash'],
  ])('rejects %j with %j', (args, error) => {
    expect(parseOptionArguments(args)).toBe(error);
  });

  it('reads back every name=value and --name value it is given', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    // Values as a client sends them: no blanks at the ends (they are stripped), no control bytes.
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(name, value, (n, v) => {
        expect(parseOptionArguments(`${n}=${v}`)).toEqual({ name: n, value: v });
        // Without the equal sign, a value starting with '=' would read as `name = value`.
        if (!v.startsWith('=')) {
          expect(parseOptionArguments(`--${n} ${v}`)).toEqual({ name: n, value: v });
        }
      }),
    );
  });
});
