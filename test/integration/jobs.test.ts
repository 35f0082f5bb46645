// Background jobs through the Lambda Invoke API, as on AWS: the sync routes hand a manual run and the mail of an ownership
// change to the worker (the tick function) with an asynchronous invoke, served here by the local stack's Lambda server.
import type { Server } from "node:http";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeApp } from "../../shared/app";
import { settled, type Job } from "../../shared/jobs";
import { makeDocumentClient } from "../../shared/store/client";
import { keys } from "../../shared/store/keys";
import { LambdaJobs } from "../../shared/jobs-lambda";
import { createLambdaServer } from "../../infra/local/lambda";
import { listen } from "../../infra/local/stack";
import { startApi, type TestApi } from "../support/api";
import { orgWith } from "../support/orgs";
import { emailOf, mailTo, teamWith } from "../support/sync";
import { closeServer } from "../../infra/local/close-server";

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
afterAll(() => closeServer(lambda));

const files = [{ id: "a.dgn", name: "a.dgn", version: "1" }];

describe("jobs handed to the worker function", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({
      app: makeApp({ jobs: new LambdaJobs({ functionName: "tick", region: "local", endpoint }) }),
    });
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
    const { body: connection } = await team.members.owner!.post(`/imodels/${team.imodelId}/connections`, {
      name: "Handed",
      files,
    });
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
    api = await startApi({
      app: makeApp({ jobs: new LambdaJobs({ functionName: "missing", region: "local", endpoint }) }),
    });
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

describe("what a delete or an access list change leaves, removed by the worker", () => {
  const held: Job[] = [];
  let app: ReturnType<typeof makeApp>;
  let api: TestApi;
  const ddb = makeDocumentClient({ region: "local", endpoint: inject("dynamodbEndpoint") });
  const items = async (pk: string) =>
    (
      await ddb.send(
        new QueryCommand({
          TableName: process.env.TABLE_NAME!,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const partition = (imodelId: string) => items(keys.imodelPartition(imodelId).pk);
  beforeAll(async () => {
    app = makeApp({ jobs: { enqueue: async (job) => void held.push(job) } });
    api = await startApi({ app });
  });
  afterAll(() => api.close());

  it("deletes an iModel at once (everything inside answers 404) and its content when the job runs", async () => {
    const team = await teamWith(api, { manager: "Delete", owner: "Write" });
    const { imodelId } = team;
    const version = await team.members.owner!.post(`/imodels/${imodelId}/named-versions`, { name: "M1" });
    const { body: connection } = await team.members.owner!.post(`/imodels/${imodelId}/connections`, {
      name: "c",
      files,
      schedule: { every: "P1D" },
    });
    expect(
      (
        await team.admin.put(`/imodels/${imodelId}/access`, {
          members: [{ userId: team.admin.userId, roles: ["Manage"] }],
        })
      ).status,
    ).toBe(200);
    held.length = 0;

    expect((await team.admin.delete(`/imodels/${imodelId}`)).status).toBe(204);
    expect(held).toEqual([{ kind: "purgeImodel", imodelId }]);
    expect((await partition(imodelId)).length).toBeGreaterThan(3);
    for (const path of [
      `/imodels/${imodelId}`,
      `/connections/${connection.id}`,
      `/named-versions/${version.body.id}`,
    ]) {
      expect((await team.members.owner!.get(path)).status, path).toBe(404);
    }

    await app.work(held.shift()!);
    expect(await partition(imodelId)).toEqual([]);
  });

  it("deletes a Test iTwin at once and what it held when the job runs", async () => {
    const { orgId, admin } = await orgWith(api, {});
    const { body: testItwin } = await admin.post(`/organizations/${orgId}/test-itwins`, { name: "Sandbox" });
    const { body: imodel } = await admin.post(`/itwins/${testItwin.id}/imodels`, { name: "Trial" });
    held.length = 0;

    expect((await admin.delete(`/test-itwins/${testItwin.id}`)).status).toBe(204);
    expect(held).toEqual([{ kind: "purgeItwin", itwin: expect.objectContaining({ id: testItwin.id }) }]);
    expect((await admin.get(`/test-itwins/${testItwin.id}`)).status).toBe(404);
    expect((await admin.get(`/imodels/${imodel.id}`)).status).toBe(404);
    expect((await admin.get(`/imodels/${imodel.id}/permissions`)).status).toBe(404);
    expect((await admin.get(`/organizations/${orgId}/test-itwins`)).body.items).toEqual([]);
    expect((await items(keys.itwin(testItwin.id).pk)).length).toBeGreaterThan(0);

    await app.work(held.shift()!);
    expect(await items(keys.itwin(testItwin.id).pk)).toEqual([]);
    expect(await partition(imodel.id)).toEqual([]);
  });

  it("replaces an access list at once and removes the entries of the old one when the job runs", async () => {
    const team = await teamWith(api, { reader: "Read" });
    const { imodelId } = team;
    const entries = async () =>
      (await partition(imodelId)).filter((i) => String(i.sk).startsWith(keys.imodelAccessPrefix)).map((i) => i.userId);
    held.length = 0;
    await team.admin.put(`/imodels/${imodelId}/access`, {
      members: [
        { userId: team.admin.userId, roles: ["Manage"] },
        { userId: team.members.reader!.userId, roles: ["Read"] },
      ],
    });
    await team.admin.put(`/imodels/${imodelId}/access`, {
      members: [{ userId: team.admin.userId, roles: ["Manage"] }],
    });
    // The reader's old entry is still stored but already ignored: the list applies from the next request.
    expect(await entries()).toContain(team.members.reader!.userId);
    expect((await team.members.reader!.get(`/imodels/${imodelId}/permissions`)).body.permissions).toEqual([]);

    for (const job of held.splice(0)) await app.work(job);
    expect(await entries()).toEqual([team.admin.userId]);
  });
});
