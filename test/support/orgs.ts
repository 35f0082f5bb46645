// Builds organisations through the API for tests: an Administrator plus members with the roles asked for.
import { expect } from "vitest";
import type { Role } from "../../shared/domain/roles";
import { uniqueUser, type Client, type TestApi } from "./api";

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
    const added = await admin.post(`/organizations/${orgId}/members`, { userId: client.userId, email: `${client.userId}@example.com`, role });
    expect(added.status).toBe(201);
    members[name] = client;
  }
  return { orgId, admin, members };
}
