import { describe, expect, it } from 'vitest';
import { csvCell } from '../../src/domain/csv';

describe('CSV cells (fee item export)', () => {
  it('neutralizes text a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+cmd|calc')).toBe(`"'+cmd|calc"`);
    expect(csvCell('-2+3')).toBe(`"'-2+3"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
  });

  it('keeps numbers, plain text and quoting as they were', () => {
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(csvCell('-1234.50')).toBe('-1234.50');
    expect(csvCell('养老保险')).toBe('养老保险');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });
});
