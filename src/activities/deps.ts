import type { BureauClient } from '../bureau/client';
import type { Db } from '../db/client';

/** What activities reach the outside world through. */
export interface ActivityDeps {
  db: Db;
  bureau: BureauClient;
}
