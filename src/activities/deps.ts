import type { Client } from '@temporalio/client';
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import type { BureauClient } from '../bureau/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Renderer } from '../render';

/** What activities reach the outside world through. */
export interface ActivityDeps {
  db: Db;
  bureau: BureauClient;
  renderer: Renderer; // one browser pool per worker process
  filesDir: string; // rendered files (vouchers, certificates) live here: `${DATA_DIR}/files`
  temporal: Client; // the reconciler starts workflows whose start was recorded but never made
  codec: AesGcmCodec; // …opening their recorded, sealed arguments (and webhook secrets)
  config: Config; // a schedule's run starts its batch as the API would (src/use-cases); webhooks' allowed hosts and retries
}
