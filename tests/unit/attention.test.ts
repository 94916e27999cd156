// The attention list's pure parts (src/domain/attention.ts): what each item says and offers, and
// the order, most urgent first.
import { describe, expect, it } from 'vitest';
import { ATTENTION_KINDS, attentionCounts, attentionItem, compareAttention, rankAttention, type AttentionKind, type AttentionRow } from '../../src/domain/attention';

const row = (over: Partial<AttentionRow> = {}): AttentionRow => ({
  employerId: 'E1',
  subjectId: 'X1',
  since: new Date('2026-11-01T00:00:00Z'),
  deadline: null,
  nextRetryAt: null,
  amountFen: 12345,
  n: null,
  text: null,
  code: null,
  ...over,
});
const item = (kind: AttentionKind, over: Partial<AttentionRow> = {}) => attentionItem(kind, row(over));
const day = (d: string) => new Date(`${d}T15:59:59.999Z`); // the end of that day in China

describe('rankAttention', () => {
  it('puts the soonest deadline first, past deadlines before all, and items without one last', () => {
    const later = item('unpaid_near_deadline', { subjectId: 'later', deadline: day('2026-12-05') });
    const sooner = item('voucher_expiring', { subjectId: 'sooner', deadline: day('2026-12-02') });
    const past = item('payment_failed', { subjectId: 'past', deadline: day('2026-11-20') });
    const none = item('activity_failing', { subjectId: 'none', since: new Date('2020-01-01T00:00:00Z') });
    expect(rankAttention([none, later, sooner, past]).map((i) => i.subject.id)).toEqual(['past', 'sooner', 'later', 'none']);
  });

  it('ranks equal deadlines (and items without one) by since, the oldest first, then stably by kind and id', () => {
    const a = item('declaration_result_unknown', { subjectId: 'a', since: new Date('2026-11-03T00:00:00Z') });
    const b = item('schedule_run_failed', { subjectId: 'b', since: new Date('2026-11-02T00:00:00Z'), employerId: null });
    const c = item('declaration_result_unknown', { subjectId: 'c', since: new Date('2026-11-02T00:00:00Z') });
    const d = item('declaration_result_unknown', { subjectId: 'd', since: new Date('2026-11-02T00:00:00Z') });
    expect(rankAttention([a, b, d, c]).map((i) => i.subject.id)).toEqual(['c', 'd', 'b', 'a']);
    expect(compareAttention(c, c)).toBe(0);
  });

  it('does not change the list it is given', () => {
    const list = [item('payment_failed', { subjectId: '2', deadline: day('2026-12-09') }), item('payment_failed', { subjectId: '1', deadline: day('2026-12-01') })];
    rankAttention(list);
    expect(list.map((i) => i.subject.id)).toEqual(['2', '1']);
  });
});

describe('attentionItem', () => {
  it('names the subject and offers the request that acts on it', () => {
    expect(item('payment_awaiting_retry', { subjectId: 'P1', text: 'INSUFFICIENT_BALANCE: 余额不足', nextRetryAt: new Date('2026-11-02T00:00:00Z') })).toMatchObject({
      kind: 'payment_awaiting_retry',
      employerId: 'E1',
      subject: { type: 'payment', id: 'P1' },
      nextRetryAt: new Date('2026-11-02T00:00:00Z'),
      detail: expect.stringContaining('INSUFFICIENT_BALANCE'),
      action: { method: 'POST', path: '/api/payments/P1/retry' },
    });
    expect(item('payment_awaiting_retry').detail).toContain('¥123.45');
    // Written for people: yuan with separators, China time with its zone, no ISO instant.
    const retry = item('payment_awaiting_retry', { amountFen: 61797120, nextRetryAt: new Date('2026-12-07T02:27:05.110Z') }).detail;
    expect(retry).toContain('¥617,971.20');
    expect(retry).toContain('2026-12-07 10:27 北京时间');
    expect(retry).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(item('unpaid_near_deadline', { subjectId: 'D1', n: 3 })).toMatchObject({ subject: { type: 'declaration', id: 'D1' }, action: { method: 'GET', path: '/api/employers/E1/payables' } });
    expect(item('declaration_result_unknown', { subjectId: 'D2' }).action).toEqual({ label: 'fetch the result', method: 'POST', path: '/api/declarations/D2/fetch-result' });
    expect(item('voucher_print_failed', { subjectId: 'V1' }).action.path).toBe('/api/vouchers/V1/reprint');
    expect(item('activity_failing', { subjectId: 'payment-P 1', code: 'deduct', n: 7 })).toMatchObject({
      subject: { type: 'workflow', id: 'payment-P 1' },
      detail: expect.stringContaining('deduct has failed 7 times'),
      action: { path: '/api/workflows/payment-P%201/history' },
    });
    expect(item('schedule_run_failed', { subjectId: 'S1', employerId: null, code: 'NO_EMPLOYERS' })).toMatchObject({
      employerId: null,
      subject: { type: 'declaration_schedule', id: 'S1' },
      action: { method: 'POST', path: '/api/declaration-schedules/S1/trigger' },
    });
  });

  it('gives every kind a subject and an action', () => {
    for (const kind of ATTENTION_KINDS) {
      const i = item(kind);
      expect(i.subject.id).toBe('X1');
      expect(i.action.path.startsWith('/api/')).toBe(true);
      expect(i.detail.length).toBeGreaterThan(10);
    }
  });
});

describe('attentionCounts', () => {
  it('counts every kind, 0 for those with no item', () => {
    const counts = attentionCounts(new Map([['voucher_expiring', 2]]));
    expect(Object.keys(counts)).toEqual([...ATTENTION_KINDS]);
    expect(counts.voucher_expiring).toBe(2);
    expect(counts.payment_failed).toBe(0);
  });
});
