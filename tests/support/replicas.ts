// Two hop replicas on one fresh database (and the shared Redis): the cross-replica suites' setup.
import { freshDatabase, type TestDatabase } from './env.ts';
import { startHop, type RunningHop } from './hop.ts';

export interface Replicas {
  database: TestDatabase;
  hop: RunningHop;
  other: RunningHop;
  stop(): Promise<void>;
}

export async function twoReplicas(label: string): Promise<Replicas> {
  const database = await freshDatabase(label);
  const hop = await startHop(database.db);
  const other = await startHop(database.db);
  return {
    database, hop, other,
    async stop() {
      await hop.stop();
      await other.stop();
      await database.drop();
    },
  };
}
