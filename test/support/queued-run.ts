// A manual run left queued, as if no worker had taken it yet: started through the use case of an app whose jobs go nowhere.
import { makeApp } from "../../shared/app";
import { clock } from "../../shared/clock";

let app: ReturnType<typeof makeApp> | undefined;

/** Queues a manual run of `connectionId` as `userId` (who needs Write) and drops its execution: the run stays `queued`. */
export async function queuedRun(userId: string, connectionId: string): Promise<string> {
  app ??= makeApp({ jobs: { enqueue: async () => {} } });
  const run = await app.sync.run({ userId, email: `${userId}@example.com`, signedInAt: clock.now() }, connectionId);
  return run.id;
}
