// Assessed fee items 应征费款信息 (F-2.1–F-2.3) and why one cannot be declared (F-2.8).
import { DECLARATION_KINDS, EXCLUSION_REASONS, INSURANCE_TYPES } from '../../domain/fee-items';
import { Enum, Id, Money, Period, Timestamp, Type } from './common';
import { UnitNumber } from './employers';

export const ItemId = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'fee item id as the bureau assigns it: one assessed item of one employer, period, insurance type and kind',
});

export const DeclarationKind = Enum(DECLARATION_KINDS, 'regular 日常申报 or special 特殊缴费申报');

export const FeeItemView = Type.Object({
  itemId: ItemId,
  kind: DeclarationKind,
  unitNumber: UnitNumber,
  insuranceType: Enum(INSURANCE_TYPES, 'insurance 险种'),
  insuranceName: Type.String({ description: 'the insurance’s Chinese name, as printed on documents' }),
  agency: Type.String({ description: 'social insurance agency 社保经办机构' }),
  period: Period,
  headcount: Type.Integer({ description: 'headcount 缴费人数' }),
  ...Money('base'),
  ...Money('employer'),
  ...Money('employee'),
  ...Money('amount'),
  collectionOrder: Type.String({ description: 'collection order 征集单号' }),
  validUntil: Type.String({ format: 'date', description: 'last day the collection order is valid, YYYY-MM-DD' }),
});

/** An item that cannot be declared, with F-2.8's reason and what to do. */
export const ExcludedItem = Type.Object({
  itemId: ItemId,
  reason: Enum(EXCLUSION_REASONS, 'why it cannot be declared (F-2.8)'),
  explanation: Type.String({ description: 'the reason in words, with what to do' }),
});

export const FeeItemList = Type.Object({
  employerId: Id('employer'),
  kind: DeclarationKind,
  downloaded: Type.Integer({ description: 'how many items came down from the bureau, before the filter' }),
  downloadedAt: Timestamp,
  items: Type.Array(FeeItemView, { description: 'the items that can be declared' }),
  excluded: Type.Array(Type.Object({ ...ExcludedItem.properties, item: FeeItemView }), { description: 'the items of the filter that cannot be declared, each with the item itself (insurance, period, amount)' }),
});
