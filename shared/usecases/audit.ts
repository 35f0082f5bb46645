// Use cases of the audit trail: an organisation's (Subscription Managers) and an iModel's (Manage), each one Query sent with its check.
import type { Clock } from "../clock";
import type { AuditEntry } from "../domain/audit";
import type { Caller } from "../domain/caller";
import type { AuditStore } from "../store/audit";
import type { OrganizationStore } from "../store/organizations";
import type { Page } from "../store/page";
import type { PageRequest } from "../store/partition";
import type { ImodelGuard } from "./imodel-access";
import { authorize, membershipOf } from "./membership";
import { readWhileChecking } from "./together";

const pageView = (page: Page<AuditEntry>) => ({ items: page.items, ...(page.next ? { next: page.next } : {}) });

/** The organisation's whole trail (Subscription Managers): the membership read and the Query go out together (one round trip). */
export function organizationAuditUseCases(deps: { audit: AuditStore; organizations: OrganizationStore; clock: Clock }) {
  return {
    async list(caller: Caller, orgId: string, page: PageRequest) {
      return pageView(
        await readWhileChecking(
          async () => authorize(await membershipOf(deps.organizations, caller, orgId), "readAudit"),
          () => deps.audit.listOfOrganization(orgId, page, deps.clock.now()),
        ),
      );
    },
  };
}

/** An iModel's trail (Manage on it): its access check (one BatchGetItem) and the index Query go out together. */
export function imodelAuditUseCases(deps: { audit: AuditStore; guard: ImodelGuard; clock: Clock }) {
  return {
    async list(caller: Caller, imodelId: string, page: PageRequest) {
      return pageView(
        await deps.guard.list(caller, imodelId, "readAudit", () =>
          deps.audit.listOfImodel(imodelId, page, deps.clock.now()),
        ),
      );
    },
  };
}
