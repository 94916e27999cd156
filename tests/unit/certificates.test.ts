import { describe, expect, it } from 'vitest';
import { paymentCertificateRefusal, reprintTarget, taxFirstPrintRefusal, type PrintedCertificate } from '../../src/domain/certificates';

const paid = { amountFen: 1000, paidFen: 1000 };
const unpaid = { amountFen: 1000, paidFen: 0 };
const partly = { amountFen: 1000, paidFen: 400 };

const tax = (id: string, period: string, issueDate: string, reprintOf: string | null = null): PrintedCertificate => ({ id, kind: 'tax', period, issueDate, reprintOf });

describe('payment certificate (F-6)', () => {
  it('needs something paid for the period', () => {
    expect(paymentCertificateRefusal('2026-10', [])?.code).toBe('NOTHING_PAID');
    expect(paymentCertificateRefusal('2026-10', [unpaid, unpaid])?.code).toBe('NOTHING_PAID');
    expect(paymentCertificateRefusal('2026-10', [unpaid, partly])).toBeNull();
    expect(paymentCertificateRefusal('2026-10', [paid])).toBeNull();
  });
});

describe('tax certificate first print (F-7.1)', () => {
  it('needs every declared fee of the period paid in full', () => {
    expect(taxFirstPrintRefusal('2026-10', [], [])?.code).toBe('NOT_PAID');
    expect(taxFirstPrintRefusal('2026-10', [paid, unpaid], [])?.code).toBe('NOT_PAID');
    expect(taxFirstPrintRefusal('2026-10', [paid, partly], [])?.code).toBe('NOT_PAID');
    expect(taxFirstPrintRefusal('2026-10', [paid, paid], [])).toBeNull();
  });

  it('happens once per period; reprints and other periods do not count', () => {
    expect(taxFirstPrintRefusal('2026-10', [paid], [tax('a', '2026-10', '2026-11-02')])?.code).toBe('ALREADY_PRINTED');
    expect(taxFirstPrintRefusal('2026-10', [paid], [tax('a', '2026-09', '2026-11-02'), tax('b', '2026-10', '2026-11-02', 'x')])).toBeNull();
    // printed before wins over unpaid: the message says what to do instead
    expect(taxFirstPrintRefusal('2026-10', [unpaid], [tax('a', '2026-10', '2026-11-02')])?.code).toBe('ALREADY_PRINTED');
  });
});

describe('tax certificate reprint (F-7.2)', () => {
  const printed = [tax('a', '2026-09', '2026-11-02'), tax('b', '2026-10', '2026-11-03'), tax('c', '2026-10', '2026-11-04', 'b'), tax('d', '2026-08', '2026-11-03')];

  it('finds the first print of that issue date', () => {
    expect(reprintTarget('2026-11-02', undefined, printed)).toEqual({ ok: printed[0] });
  });

  it('refuses a day without a first print; a reprint’s own date does not count', () => {
    expect(reprintTarget('2026-11-05', undefined, printed)).toMatchObject({ refused: { code: 'NEVER_PRINTED' } });
    expect(reprintTarget('2026-11-04', undefined, printed)).toMatchObject({ refused: { code: 'NEVER_PRINTED' } });
    expect(reprintTarget('2026-11-02', undefined, [{ ...printed[0]!, kind: 'payment' }])).toMatchObject({ refused: { code: 'NEVER_PRINTED' } });
  });

  it('asks for the period when several were first printed that day', () => {
    expect(reprintTarget('2026-11-03', undefined, printed)).toMatchObject({ refused: { code: 'PERIOD_REQUIRED' } });
    expect(reprintTarget('2026-11-03', '2026-10', printed)).toEqual({ ok: printed[1] });
    expect(reprintTarget('2026-11-03', '2026-07', printed)).toMatchObject({ refused: { code: 'NEVER_PRINTED' } });
  });
});
