// Calendar arithmetic on the bureau's date strings. The bureau keeps China's calendar, so
// "today" is the date in Asia/Shanghai whatever the machine's time zone is.

const CHINA_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD in China at the given moment. */
export function chinaDate(at: Date = new Date()): string {
  return CHINA_DATE.format(at);
}

/** '2026-10' + 3 → '2027-01'. */
export function addMonths(period: string, months: number): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** '2026-02' → '2026-02-28'. */
export function lastDayOf(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${period}-${String(day).padStart(2, '0')}`;
}

/** '2026-11-27' + 15 → '2026-12-12'. */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** Date strings of one format compare in calendar order. */
export function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}
