// Background jobs through the Lambda Invoke API, as on AWS: the sync routes hand a manual run and the mail of an ownership
// change to the worker (the tick function) with an asynchronous invoke, served here by the local stack's Lambda server.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp } from "../../shared/app";
import { settled } from "../../shared/jobs";
import { LambdaJobs } from "../../shared/jobs-lambda";
import { createLambdaServer } from "../../infra/local/lambda";
import { listen } from "../../infra/local/stack";
import { startApi, type TestApi } from "../support/api";
import { emailOf, mailTo, teamWith } from "../support/sync";

let lambda: Server;
let endpoint: string;
let invoked: string[];
beforeAll(async () => {
  invoked = [];
  lambda = createLambdaServer({
    tick: async (event) => {
      invoked.push((event as { job?: { kind: string } }).job?.kind ?? "tick");
      return (await import("../../functions/trigger/tick")).handler(event as never);
    },
  });
  endpoint = `http://127.0.0.1:${await listen(lambda, 0)}`;
});
afterAll(() => new Promise<void>((r) => (lambda.closeAllConnections(), lambda.close(() => r()))));

const files = [{ id: "a.dgn", name: "a.dgn", version: "1" }];

describe("jobs handed to the worker function", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ app: makeApp({ jobs: new LambdaJobs({ functionName: "tick", region: "local", endpoint }) }) });
  });
  afterAll(() => api.close());

  it("executes a manual run in the worker: the request answers it queued", async () => {
    const team = await teamWith(api, { owner: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "c", files });
    invoked.length = 0;
    const run = await owner.post(`/connections/${connection.id}/runs`);
    expect(run.status).toBe(201);
    expect(run.body.state).toBe("queued");
    await settled();
    expect(invoked).toEqual(["executeRun"]);
    expect((await owner.get(`/runs/${run.body.id}`)).body).toMatchObject({ state: "succeeded", changesetIndex: 1 });
  });

  it("delivers the mail of an ownership change from the worker, once", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, { name: "Handed", files });
    invoked.length = 0;
    expect((await team.members.taker!.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
    await settled();
    expect(invoked).toEqual(["deliver"]);
    const mail = await mailTo(emailOf(team.members.owner!));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain("took ownership");
  });
});

describe("a worker that cannot be invoked (a name Lambda does not know)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ app: makeApp({ jobs: new LambdaJobs({ functionName: "missing", region: "local", endpoint }) }) });
  });
  afterAll(() => api.close());

  it("does the work in the request instead: the run still runs and the mail still goes", async () => {
    const team = await teamWith(api, { owner: "Write", taker: "Write" });
    const owner = team.members.owner!;
    const { body: connection } = await owner.post(`/imodels/${team.imodelId}/connections`, { name: "Fallback", files });
    const run = await owner.post(`/connections/${connection.id}/runs`);
    expect(run.status).toBe(201);
    expect((await owner.get(`/runs/${run.body.id}`)).body.state).toBe("succeeded");
    expect((await team.members.taker!.post(`/connections/${connection.id}/owner:take`)).status).toBe(200);
    expect(await mailTo(emailOf(owner))).toHaveLength(1);
  });
});
