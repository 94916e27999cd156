import { runService } from '../service';

await runService({ api: false, worker: true });
