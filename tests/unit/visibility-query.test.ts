// GET /api/workflows' filters as a Temporal visibility query: always within the service's task
// queue, short type names mapped, `closed` as anything but running, literals quoted.
import { describe, expect, it } from 'vitest';
import { visibilityQuery } from '../../src/api/routes/audit';

describe('the visibility query of GET /api/workflows', () => {
  it('keeps to the task queue and maps each filter to its search attribute', () => {
    expect(visibilityQuery('sifee', {})).toBe(`TaskQueue = 'sifee'`);
    expect(visibilityQuery('sifee', { type: 'three_party_payment', status: 'continued_as_new', employerId: 'e-1', period: '2026-10', businessStatus: 'awaiting_retry' })).toBe(
      `TaskQueue = 'sifee' AND WorkflowType = 'threePartyPaymentWorkflow' AND ExecutionStatus = 'ContinuedAsNew' AND EmployerId = 'e-1' AND FeePeriod = '2026-10' AND BusinessStatus = 'awaiting_retry'`,
    );
    expect(visibilityQuery('q', { type: 'certificateWorkflow', status: 'closed' })).toBe(`TaskQueue = 'q' AND WorkflowType = 'certificateWorkflow' AND ExecutionStatus != 'Running'`);
    expect(visibilityQuery('q', { status: 'cancelled' })).toBe(`TaskQueue = 'q' AND ExecutionStatus = 'Canceled'`);
  });

  it('leaves out the service’s own upkeep for routine=false, unless a type is asked for', () => {
    expect(visibilityQuery('q', { routine: false })).toBe(`TaskQueue = 'q' AND WorkflowType != 'reconcilerWorkflow' AND WorkflowType != 'archiveWorkflow' AND WorkflowType != 'webhookDispatcherWorkflow'`);
    expect(visibilityQuery('q', { routine: false, type: 'declaration' })).toBe(`TaskQueue = 'q' AND WorkflowType = 'declarationWorkflow'`);
    expect(visibilityQuery('q', { routine: true })).toBe(`TaskQueue = 'q'`);
  });

  it('quotes literals, so a value cannot end the string', () => {
    expect(visibilityQuery(`it's`, { employerId: `x' OR 'a'='a` })).toBe(`TaskQueue = 'it\\'s' AND EmployerId = 'x\\' OR \\'a\\'=\\'a'`);
  });
});
