// How records leave the API: money as fen plus a yuan display string, dates as ISO strings.
import type { ActivityFailureRow } from '../db/activity-failures';
import type { DeclarationLineRow, DeclarationRow } from '../db/declarations';
import type { EmployerRow } from '../db/employers';
import { recordActions, type DeclarationStatus, type PaymentStatus } from '../domain/declaration';
import type { FeeItem } from '../domain/fee-items';
import { INSURANCE_NAMES, type InsuranceType } from '../domain/fee-items';
import { formatYuan } from '../domain/money';

/** The fields `Money(name)` documents (schemas/common.ts), typed so the answer's schema checks them. */
type MoneyFields<N extends string> = { [K in `${N}Fen`]: number } & { [K in `${N}Yuan`]: string };

export function money<N extends string>(name: N, fen: number): MoneyFields<N> {
  return { [`${name}Fen`]: fen, [`${name}Yuan`]: formatYuan(fen) } as MoneyFields<N>;
}

export function employerView(e: EmployerRow) {
  return {
    id: e.id,
    taxpayerId: e.taxpayerId,
    unitNumber: e.unitNumber,
    name: e.name,
    taxOfficeName: e.taxOfficeName,
    passwordChangeRequired: e.passwordChangeRequired,
    signedInUntil: e.signedInUntil?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

export function feeItemView(i: FeeItem) {
  return {
    itemId: i.itemId,
    kind: i.kind,
    unitNumber: i.unitNumber,
    insuranceType: i.insuranceType,
    insuranceName: INSURANCE_NAMES[i.insuranceType],
    agency: i.agency,
    period: i.period,
    headcount: i.headcount,
    ...money('base', i.baseFen),
    ...money('employer', i.employerFen),
    ...money('employee', i.employeeFen),
    ...money('amount', i.amountFen),
    collectionOrder: i.collectionOrder,
    validUntil: i.validUntil,
  };
}

export function declarationLineView(l: DeclarationLineRow) {
  return {
    lineId: l.id,
    itemId: l.itemId,
    insuranceType: l.insuranceType as InsuranceType,
    insuranceName: INSURANCE_NAMES[l.insuranceType as InsuranceType],
    agency: l.agency,
    period: l.period,
    headcount: l.headcount,
    ...money('amount', l.amountFen),
    ...money('paid', l.paidFen),
  };
}

export function declarationView(d: DeclarationRow & { periods: string[] }) {
  return {
    id: d.id,
    employerId: d.employerId,
    kind: d.kind,
    periods: d.periods,
    status: d.status as DeclarationStatus,
    paymentStatus: d.paymentStatus as PaymentStatus,
    ...money('total', d.totalFen),
    workflowId: d.workflowId,
    declaredBy: d.declaredBy,
    declaredAt: d.declaredAt.toISOString(),
    actions: recordActions(d.status as DeclarationStatus, d.paymentStatus as PaymentStatus),
    result:
      d.status === 'submitted'
        ? null
        : { serial: d.serial, reason: d.resultReason, decidedAt: d.decidedAt?.toISOString() ?? null },
  };
}

/** An activity failing again and again (still retried): what it is, how often it failed, why. */
export function activityFailureView(f: ActivityFailureRow | null | undefined) {
  return f ? { activity: f.activityType, attempts: f.attempt, message: f.lastError, at: f.failedAt.toISOString() } : null;
}
