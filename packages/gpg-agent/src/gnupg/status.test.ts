import { describe, expect, it } from 'vitest';
import { parseStatusOutput } from './status.js';

const TRANSCRIPT = [
  '[GNUPG:] NEWSIG',
  '[GNUPG:] GOODSIG 6CCA49CC6EA469FF Prot%0A[GNUPG:] <p@x>',
  '[GNUPG:] VALIDSIG 4393A942 2026-11-23 1795442613 0 4 0 22 8 00 4393A942',
  '',
].join('\n');

describe('parseStatusOutput', () => {
  it('parses keywords and space-separated arguments, leaving percent-escapes', () => {
    expect(parseStatusOutput(TRANSCRIPT)).toEqual([
      { keyword: 'NEWSIG', args: [] },
      { keyword: 'GOODSIG', args: ['6CCA49CC6EA469FF', 'Prot%0A[GNUPG:]', '<p@x>'] },
      {
        keyword: 'VALIDSIG',
        args: ['4393A942', '2026-11-23', '1795442613', '0', '4', '0', '22', '8', '00', '4393A942'],
      },
    ]);
  });

  it('gives the same result for bytes', () => {
    expect(parseStatusOutput(new TextEncoder().encode(TRANSCRIPT))).toEqual(
      parseStatusOutput(TRANSCRIPT),
    );
  });

  it('ignores lines without the exact prefix', () => {
    const text = [
      'gpg: Good signature from "x"',
      ' [GNUPG:] GOODSIG AAAA leading space',
      '[GNUPG:]GOODSIG AAAA no space',
      '[gnupg:] GOODSIG AAAA lower case',
      'x[GNUPG:] GOODSIG AAAA',
      '[GNUPG:]  GOODSIG two spaces',
      '[GNUPG:] goodsig lower-case keyword',
      '[GNUPG:] BADSIG AAAA real',
      '',
    ].join('\n');
    expect(parseStatusOutput(text)).toEqual([{ keyword: 'BADSIG', args: ['AAAA', 'real'] }]);
  });

  it('ignores an unterminated last line', () => {
    expect(parseStatusOutput('[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG AAAA')).toEqual([
      { keyword: 'NEWSIG', args: [] },
    ]);
  });

  it('keeps empty arguments of consecutive spaces', () => {
    expect(parseStatusOutput('[GNUPG:] KEY_CONSIDERED A  0\r\n')).toEqual([
      { keyword: 'KEY_CONSIDERED', args: ['A', '', '0'] },
    ]);
  });
});
