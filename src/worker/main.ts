import '../runtime/require-node'; // first: a wrong Node says so before anything runs
import { runService } from '../service';

await runService({ api: false, worker: true });
