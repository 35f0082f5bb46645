// Builds iTwins through the API for tests: an organisation, an iTwin its Administrator created, and team members with the roles asked for.
import { expect } from "vitest";
import type { Role } from "../../shared/domain/roles";
import type { Client, TestApi } from "./api";
import { orgWith } from "./orgs";

export interface TestTeam {
  orgId: string;
  itwinId: string;
  /** The organisation's Administrator, who created the iTwin: Delete and TeamManager. */
  admin: Client;
  /** Team members by the name asked for. */
  members: Record<string, Client>;
  /** Organisation members (Developers) who are not on the team. */
  outsiders: Record<string, Client>;
}

/** `team`: name -> the roles on the iTwin; `outside`: names of organisation members left off the team. */
export async function teamWith(
  api: TestApi,
  team: Record<string, string[]>,
  outside: string[] = [],
): Promise<TestTeam> {
  const asked: Record<string, Role | null> = {};
  for (const name of [...Object.keys(team), ...outside]) asked[name] = "Developer";
  const { orgId, admin, members: all } = await orgWith(api, asked);
  const itwin = await admin.post(`/organizations/${orgId}/itwins`, { name: "Bridge" });
  expect(itwin.status).toBe(201);
  const members: Record<string, Client> = {};
  await Promise.all(
    Object.entries(team).map(async ([name, roles]) => {
      const added = await admin.post(`/itwins/${itwin.body.id}/members`, { userId: all[name]!.userId, roles });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      members[name] = all[name]!;
    }),
  );
  return {
    orgId,
    itwinId: itwin.body.id,
    admin,
    members,
    outsiders: Object.fromEntries(outside.map((n) => [n, all[n]!])),
  };
}

/** Creates an iModel as `by` and answers its id. */
export async function imodelIn(by: Client, itwinId: string, name = "Model"): Promise<string> {
  const created = await by.post(`/itwins/${itwinId}/imodels`, { name });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}
