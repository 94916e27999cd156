// The wait for an asynchronous bureau result (F-2.6, F-5.3): a durable timer or an operator's
// "fetch now", whichever comes first; then poll with backoff while the bureau says pending,
// up to a deadline; past it only an operator's request fetches again.
import { condition, setHandler } from '@temporalio/workflow';
import type { DeclarationTiming } from '../config';
import { nextPollDelaySeconds } from '../domain/declaration';
import { declarationStateQuery, fetchResultNowUpdate, type DeclarationView } from '../contracts/declaration';

export class ResultWait {
  private asked = false;
  private fetched = 0;
  private nextFetchAtMs: number | undefined;

  constructor(private readonly timing: DeclarationTiming) {}

  get fetches(): number {
    return this.fetched;
  }

  get nextFetchAt(): string | undefined {
    return this.nextFetchAtMs === undefined ? undefined : new Date(this.nextFetchAtMs).toISOString();
  }

  /**
   * Answers the state query and the fetch-now update for `view`; the update fetches only while
   * `waiting()`. Returns the view as the handlers show it.
   */
  handleQueries(view: DeclarationView, waiting: () => boolean): () => DeclarationView {
    const current = (): DeclarationView => ({ ...view, fetches: this.fetched, nextFetchAt: this.nextFetchAt });
    setHandler(declarationStateQuery, current);
    setHandler(fetchResultNowUpdate, async () => {
      if (waiting()) await this.fetchNow();
      return current();
    });
    return current;
  }

  /** An operator asked (立即获取): resolves once the next fetch has been made. */
  async fetchNow(): Promise<void> {
    const seen = this.fetched;
    this.asked = true;
    await condition(() => this.fetched > seen);
  }

  /**
   * Calls `fetchAndRecord` until it reports a decision. `onDeadline` runs once when the
   * deadline passes undecided; after that the wait continues for operators' requests only.
   */
  async run(fetchAndRecord: () => Promise<boolean>, onDeadline: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.timing.resultDeadlineSeconds * 1000;
    await this.sleepUnlessAsked(this.timing.resultWaitSeconds * 1000);
    for (let attempt = 0; ; attempt++) {
      if (await this.fetch(fetchAndRecord)) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const delay = nextPollDelaySeconds(attempt, this.timing.pollFirstSeconds, this.timing.pollMaxSeconds) * 1000;
      await this.sleepUnlessAsked(Math.min(delay, remaining));
    }
    await onDeadline();
    for (;;) {
      await condition(() => this.asked);
      if (await this.fetch(fetchAndRecord)) return;
    }
  }

  private async fetch(fetchAndRecord: () => Promise<boolean>): Promise<boolean> {
    this.asked = false;
    this.nextFetchAtMs = undefined;
    const decided = await fetchAndRecord();
    this.fetched++;
    return decided;
  }

  private async sleepUnlessAsked(ms: number): Promise<void> {
    this.nextFetchAtMs = Date.now() + ms;
    await condition(() => this.asked, ms);
  }
}
