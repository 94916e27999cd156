import { runService } from './service';

await runService({ api: true, worker: true });
