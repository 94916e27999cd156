// The notices the guide has the system show at fixed steps, word for word (guide-zh.txt), each
// with its English: written once here, shown by the API's problems and schemas and by the
// console (GET /api/console-config), so they cannot drift apart.

export interface Notice {
  zh: string;
  en: string;
}

/** F-2.4: before a declaration is submitted. */
export const HEADCOUNT_NOTICE: Notice = {
  zh: '请核对缴费人数，如需做职工减员操作，请先去相关部门办理减员后再进行社保费申报！',
  en: 'Check the headcount: if staff left, register the reduction with the agency before declaring.',
};

/** F-4.3: before a deduction. */
export const AMOUNT_NOTICE: Notice = {
  zh: '扣款前请确认扣费险种、金额是否正确。',
  en: 'Check the insurance types and amounts before the deduction.',
};

/** F-2.7, F-5.1: accepted records are unpaid or partly paid. */
export const PAY_NOW_NOTICE: Notice = {
  zh: '当前存在申报成功且未缴费或部分缴费的记录，是否立即缴费？',
  en: 'There are accepted records that are unpaid or partly paid: pay now?',
};

const both = (n: Notice) => `${n.zh} ${n.en}`;
export const HEADCOUNT_WARNING = both(HEADCOUNT_NOTICE);
export const AMOUNT_CHECK = both(AMOUNT_NOTICE);
