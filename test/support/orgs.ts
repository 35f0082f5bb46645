// Builds organisations through the API for tests: an Administrator plus members with the roles asked for.
import { expect } from "vitest";
import type { Decision } from "../../shared/domain/portal";
import type { Role } from "../../shared/domain/roles";
import { uniqueUser, type Client, type Reply, type TestApi } from "./api";

export interface TestOrg {
  orgId: string;
  admin: Client;
  /** Clients signed in after they were added, keyed by the names asked for. */
  members: Record<string, Client>;
}

export async function orgWith(api: TestApi, roles: Record<string, Role | null> = {}): Promise<TestOrg> {
  const admin = await api.as(uniqueUser("admin"));
  const created = await admin.post("/organizations", { name: "Test organisation" });
  expect(created.status).toBe(201);
  const orgId = created.body.id as string;
  const members: Record<string, Client> = {};
  for (const [name, role] of Object.entries(roles)) {
    const client = await api.as(uniqueUser(name));
    const added = await admin.post(`/organizations/${orgId}/members`, {
      userId: client.userId,
      email: `${client.userId}@example.com`,
      role,
    });
    expect(added.status).toBe(201);
    members[name] = client;
  }
  return { orgId, admin, members };
}

/** What an answer says about the portal matrix's decision: 2xx allowed, 403 forbidden, 404 hidden. */
export const decisionOf = (reply: Reply): Decision => {
  if (reply.status >= 200 && reply.status < 300) return "allow";
  if (reply.status === 403) return "forbid";
  if (reply.status === 404) return "hide";
  throw new Error(`unexpected ${reply.status}: ${JSON.stringify(reply.body)}`);
};
