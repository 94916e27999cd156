import './runtime/require-node'; // first: a wrong Node says so before anything runs
import { startOrExplain } from './runtime/main';
import { runService } from './service';

await startOrExplain('service', () => runService({ api: true, worker: true }));
