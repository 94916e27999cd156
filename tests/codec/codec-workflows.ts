// A tiny workflow for the codec's Temporal test: its input, an activity's input and result, and its
// result all carry secrets that must never reach the Temporal server in the clear.
import { proxyActivities } from '@temporalio/workflow';

export interface Activities {
  openAccount(password: string): Promise<{ account: string; password: string }>;
}

const { openAccount } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

export async function codecRoundTrip(input: { employer: string; password: string }): Promise<{ employer: string; account: string; password: string }> {
  const opened = await openAccount(input.password);
  return { employer: input.employer, ...opened };
}
