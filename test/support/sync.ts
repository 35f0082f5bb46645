// Builds, through the API, an iTwin with an iModel and team members at given levels, and reads mail from the local SES server.
import { expect, inject } from "vitest";
import type { Level } from "../../shared/domain/permissions";
import { readMail, type SentMail } from "../../infra/local/ses";
import type { Client, TestApi } from "./api";
import { orgWith } from "./orgs";

export interface TeamFixture {
  orgId: string;
  itwinId: string;
  imodelId: string;
  admin: Client;
  /** Team members by the names asked for, each having interacted with the iModel once. */
  members: Record<string, Client>;
}

/** An organisation, an iTwin created by its Administrator, an iModel, and team members with one built-in role each. */
export async function teamWith(
  api: TestApi,
  levels: Record<string, Level>,
  options: { interact?: boolean } = {},
): Promise<TeamFixture> {
  const { orgId, admin, members } = await orgWith(
    api,
    Object.fromEntries(Object.keys(levels).map((name) => [name, "Developer" as const])),
  );
  const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: "Plant" });
  expect(itwin.status).toBe(201);
  const imodel = await admin.post(`/itwins/${itwin.body.id}/imodels`, { name: "Unit 1" });
  expect(imodel.status).toBe(201);
  for (const [name, level] of Object.entries(levels)) {
    const added = await admin.post(`/itwins/${itwin.body.id}/members`, {
      userId: members[name]!.userId,
      roles: [level],
    });
    expect(added.status).toBe(201);
    if (options.interact !== false) expect((await members[name]!.get(`/imodels/${imodel.body.id}`)).status).toBe(200);
  }
  return { orgId, itwinId: itwin.body.id, imodelId: imodel.body.id, admin, members };
}

export const mailTo = async (address: string): Promise<SentMail[]> =>
  (await readMail(inject("sesEndpoint"))).filter((m) => m.to.includes(address));

export const emailOf = (client: Client) => `${client.userId}@example.com`;
