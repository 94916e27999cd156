import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../src/domain/redact';

describe('secrets masked in decoded payloads', () => {
  it('masks account numbers and replaces passwords, however deep', () => {
    const input = {
      paymentId: 'p1',
      account: { bankName: '中国工商银行', accountName: '贵阳测试1科技有限公司', accountNumber: '6222020200112233445' },
      agreements: [{ agreementId: 'AG-2026-000123', accountNumber: '6222 0202 0011 2233' }],
      nested: [[{ password: 'Newpass2026', newPasswordConfirm: 'Other2026' }]],
      bankAccount: '95588-00112233',
      passwordChangeRequired: true,
    };
    expect(redactSecrets(input)).toEqual({
      paymentId: 'p1',
      account: { bankName: '中国工商银行', accountName: '贵阳测试1科技有限公司', accountNumber: '**** 3445' },
      agreements: [{ agreementId: 'AG-2026-000123', accountNumber: '**** 2233' }],
      nested: [[{ password: REDACTED, newPasswordConfirm: REDACTED }]],
      bankAccount: '**** 2233',
      passwordChangeRequired: true,
    });
  });

  it('leaves values without secrets as they are', () => {
    for (const v of [42, 'text', null, [1, 'a'], { taxpayerId: '91520100MA6DKXYZ0K', accountId: 'ACC-12345678901' }]) expect(redactSecrets(v)).toEqual(v);
  });
});
