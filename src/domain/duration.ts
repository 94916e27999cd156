// Durations as people write them in configuration: a number with s, m, h or d ("30d", "720h").

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "10m" → 600. `what` names the setting in the error. */
export function parseDurationSeconds(text: string, what = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`${what} "${text}" must be a number with s, m, h or d`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

/** Temporal keeps a closed workflow's history at least one day (the server refuses less). */
export const MIN_RETENTION_SECONDS = 86400;

/** TEMPORAL_RETENTION ("30d", "720h") in seconds, at least a day. */
export function parseRetention(text: string): number {
  const seconds = parseDurationSeconds(text, 'TEMPORAL_RETENTION');
  if (seconds < MIN_RETENTION_SECONDS) throw new Error(`TEMPORAL_RETENTION "${text}" is shorter than Temporal's minimum of one day`);
  return seconds;
}

/** What `temporal operator namespace update --retention` takes: a Go duration in whole hours ("720h"). */
export function retentionFlag(seconds: number): string {
  return `${Math.ceil(seconds / 3600)}h`;
}
