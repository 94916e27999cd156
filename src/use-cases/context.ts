// What a use case (start a payment, a declaration, a void …) works with: the services it calls
// and who asks. Routes pass their app (which carries the services as decorators) and the
// caller taken from the request; schedules and tools pass their own.
import type { Client } from '@temporalio/client';
import type { AesGcmCodec } from '../codec/aes-gcm-codec';
import type { BureauClient } from '../bureau/client';
import type { Config } from '../config';
import type { Db } from '../db/client';

export interface Services {
  db: Db;
  temporal: Client;
  bureau: BureauClient;
  config: Config;
  /** The payload codec: a workflow's recorded input is sealed as Temporal would hold it. */
  codec: AesGcmCodec;
}

export interface Caller {
  /** Who acts, as the audit log names them. */
  actor: string;
  /** The idempotency key this request holds: every try of one keyed request does the same work. */
  idempotency: { ref: string; firstSeenAt: Date; resumed: boolean } | null;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}
