// The webhook delivery workflow: the signal that makes a waiting delivery try at once.
import { defineSignal } from '@temporalio/workflow';

/** A webhook delivery waiting for its next attempt: try at once (a redelivery asked meanwhile). */
export const deliverNowSignal = defineSignal('deliverNow');
