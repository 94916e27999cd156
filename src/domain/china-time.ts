// Times as an office in China reads them (北京时间, UTC+8 all year: China keeps no summer time).
// The API keeps ISO instants for programs; what a person reads, in the console, in texts and on
// documents, is written by these.

const CHINA_OFFSET_MS = 8 * 3600_000;

/** The instant's wall clock in China, as "YYYY-MM-DDTHH:mm:ss". */
function chinaWallClock(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19);
}

/** Today in China (the bureau's calendar), YYYY-MM-DD. */
export function chinaDay(now: Date): string {
  return chinaWallClock(now).slice(0, 10);
}

/** 2026-12-07T02:27:05Z → "2026-12-07 10:27 北京时间": a time a person reads, with its zone said. */
export function chinaTime(at: Date): string {
  const wall = chinaWallClock(at);
  return `${wall.slice(0, 10)} ${wall.slice(11, 16)} 北京时间`;
}
