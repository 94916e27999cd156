// What the console knows: who is signed in, the employer in context, the rows shown.
/* global localStorage */

export const state = {
  me: null,
  config: null,
  employers: [], // every employer the console has seen (pages, searches): lists page, so this is never all of them
  employerId: localStorage.getItem('sifee.employer') ?? '',
  tab: 'attention',
  attentionKind: '', // the attention list's kind filter ('' all)
  scheduleId: null, // the schedule whose runs are shown
  scheduleEmployers: [], // the ids picked for the new schedule's chosen employers
  batchId: null, // the batch whose report is shown
  highlightPayment: null, // the payment, and the voucher, opened from the other's row
  highlightVoucher: null,
  bulkId: null, // the bulk action whose report is shown (month view)
  monthSelected: new Set(), // employer ids selected in the month view
  monthStates: {}, // the month view's states → their words (from the API)
  webhookId: null, // the webhook whose deliveries are shown
  loaded: new Set(), // views shown since sign-in: these refresh on events
  items: null,
  selectedItems: new Set(),
  payables: [],
  selectedLines: new Set(),
  employerDetail: null,
  workflows: [],
  auditEntries: [],
  auditCursor: null,
  pages: { employers: [], declarations: [], payments: [], certificates: [], batches: [], month: [] }, // the rows of each paged table shown
  cursors: {}, // list → the nextCursor of its last page shown (null: that was the last)
  events: null,
  lastSeq: 0,
  watchDeclarations: new Map(), // declaration id → what we wait for ('result' | 'void')
  watchPayments: new Set(),
};
export const canWrite = () => state.me?.role === 'operator';
export const isStaff = () => state.me?.role === 'staff';
export const employer = () => state.employers.find((e) => e.id === state.employerId);
export const employerName = (id) => state.employers.find((e) => e.id === id)?.name ?? id;
