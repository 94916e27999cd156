// Applies migrations and exits: the one-shot `migrate` service of docker-compose.
import '../runtime/require-node'; // first: a wrong Node says so before anything runs
import { openDatabase } from './client';

const database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR ?? './data' });
await database.migrate();
await database.close();
console.log(`migrations applied (${database.driver})`);
