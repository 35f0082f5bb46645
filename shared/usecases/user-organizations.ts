// The organisations the caller belongs to, each with the role their token is judged with there.
import { roleInForce } from "../domain/roles";
import type { Caller } from "../domain/caller";
import type { Page } from "../store/page";
import type { UserOrganizationStore } from "../store/user-organizations";
import type { OrganizationView } from "./organizations";

export function userOrganizationUseCases(deps: { store: UserOrganizationStore }) {
  const { store } = deps;

  return {
    /**
     * A page of the caller's organisations: one Query of their member items, which carry a copy of the
     * organisation (it never changes after creation). `yourRole` is judged as on `GET /organizations/{orgId}`:
     * the lower of the role when the caller's token was issued and the stored one. Only members written
     * before the copy was kept cost one BatchGetItem more for their organisations.
     */
    async list(caller: Caller, page: { limit: number; cursor?: string }): Promise<Page<OrganizationView>> {
      const found = await store.membershipsOf(caller.userId, page);
      const older = found.items.filter((m) => !m.organization).map((m) => m.orgId);
      const fetched = await store.organizations(older);
      const items: OrganizationView[] = [];
      for (const member of found.items) {
        const org = member.organization ?? fetched.find((o) => o.id === member.orgId);
        if (!org) continue;
        items.push({
          id: member.orgId,
          name: org.name,
          administratorId: org.administratorId,
          createdAt: org.createdAt,
          yourRole: roleInForce(member, caller.signedInAt),
        });
      }
      return { items, ...(found.next ? { next: found.next } : {}) };
    },
  };
}
