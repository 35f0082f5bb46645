// Use cases of applications: any role creates one; managers see and change all of them, Developers those they own.
import type { Idempotency } from "../domain/idempotency";
import type { Clock } from "../clock";
import { MAX_OWNERS, type Application } from "../domain/application";
import type { Member } from "../domain/organization";
import { implicitOwner, isAppError, lastApplicationOwner, notFound, tooManyOwners } from "../errors";
import type { Caller } from "../domain/caller";
import { mintApplicationId, orgOfApplication } from "../child-ids";
import type { ApplicationStore } from "../store/applications";
import type { OrganizationStore } from "../store/organizations";
import type { Page } from "../store/page";
import { authorize, membershipOf } from "./membership";
import { retryingConcurrentChanges } from "./retry";
import { decide } from "../domain/portal";
import { roleAt } from "../domain/roles";

export interface ApplicationView {
  id: string;
  orgId: string;
  name: string;
  owners: string[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const view = (a: Application): ApplicationView => ({
  id: a.id,
  orgId: a.orgId,
  name: a.name,
  owners: a.owners,
  createdBy: a.createdBy,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

const isManagerRole = (role: string | null) => role === "SubscriptionManager" || role === "ApplicationManager";

export function applicationUseCases(deps: { apps: ApplicationStore; orgs: OrganizationStore; clock: Clock }) {
  const { apps, orgs, clock } = deps;

  /** The application and the caller's right to `action` on it; 404 when the caller may not see it. */
  async function withAccess(
    caller: Caller,
    appId: string,
    action:
      | "readApplication"
      | "modifyApplication"
      | "deleteApplication"
      | "addApplicationOwner"
      | "removeApplicationOwner",
    alsoMember?: string,
  ) {
    // The id names its organisation: the application comes in the membership's own request.
    const orgId = orgOfApplication(appId);
    if (!orgId) throw notFound("application", appId);
    const membership = await membershipOf<[Application | undefined, Member[]]>(orgs, caller, orgId, {
      also: [apps.reader(appId), orgs.members(orgId, alsoMember ? [alsoMember] : [])],
    }).catch((error: unknown) => {
      // Outside the organisation, the application is not visible either; any other fault stays what it is.
      throw isAppError(error, "NotFound") ? notFound("application", appId) : error;
    });
    const app = membership.also[0];
    if (!app) throw notFound("application", appId);
    authorize(membership, action, { owner: app.owners.includes(caller.userId) }, { kind: "application", id: appId });
    return { app, membership };
  }

  return {
    async create(caller: Caller, orgId: string, input: { name: string }, idempotencyKey?: string) {
      const membership = await membershipOf(orgs, caller, orgId);
      authorize(membership, "createApplication");
      const now = clock.now().toISOString();
      const app: Application = {
        id: mintApplicationId(orgId, idempotencyKey, caller.userId, "application"),
        orgId,
        name: input.name,
        createdBy: caller.userId,
        createdAt: now,
        updatedAt: now,
        // The creator is always listed, manager or not (SPEC section 1): a manager who is demoted keeps the application.
        owners: [caller.userId],
        version: 1,
      };
      if (idempotencyKey) {
        const existing = await apps.get(app.id);
        if (existing) return view(existing);
      }
      await apps.create(app, membership.member);
      return view(app);
    },

    /**
     * Two requests per page: the membership, then one Query of list entries that hold the applications
     * as answered. The Query waits for the membership because the role decides which list is read.
     */
    async list(
      caller: Caller,
      orgId: string,
      page: { limit: number; cursor?: string },
    ): Promise<Page<ApplicationView>> {
      const membership = await membershipOf(orgs, caller, orgId);
      authorize(membership, "listApplications");
      const all = decide("viewAllApplications", membership.role) === "allow";
      const found = await apps.list(orgId, all ? undefined : caller.userId, page.limit, page.cursor);
      return { items: found.items.map(view), ...(found.next ? { next: found.next } : {}) };
    },

    async get(caller: Caller, appId: string) {
      return view((await withAccess(caller, appId, "readApplication")).app);
    },

    async rename(caller: Caller, appId: string, name: string) {
      // The rename rewrites the list entries from the application as read: a change in between re-reads.
      return retryingConcurrentChanges(async () => {
        const { app } = await withAccess(caller, appId, "modifyApplication");
        return view(await apps.rename(app, name, clock.now()));
      });
    },

    async delete(caller: Caller, appId: string) {
      await retryingConcurrentChanges(async () => {
        const { app } = await withAccess(caller, appId, "deleteApplication");
        await apps.delete(app);
      });
    },

    /** With `once` (an Idempotency-Key), the answer's receipt is written in the transaction that adds the owner. */
    async addOwner(caller: Caller, appId: string, ownerId: string, once?: Idempotency) {
      return retryingConcurrentChanges(async () => {
        const { app, membership } = await withAccess(caller, appId, "addApplicationOwner", ownerId);
        const owner =
          ownerId === caller.userId ? membership.member : membership.also[1].find((m) => m.userId === ownerId);
        if (!owner) throw notFound("member", ownerId);
        if (isManagerRole(roleAt(owner.roleHistory, clock.now()))) {
          throw implicitOwner(ownerId);
        }
        if (app.owners.includes(ownerId)) return view(app);
        if (app.owners.length >= MAX_OWNERS) throw tooManyOwners(MAX_OWNERS);
        const by = { userId: caller.userId, at: clock.now().toISOString() };
        return view(await apps.addOwner(app, owner, by, once && ((after) => once.receipt(view(after)))));
      });
    },

    /**
     * An owner or a manager removes a listed owner (themselves included); the last listed owner stays. The
     * write is conditioned on the version read, so two removals racing for the last two owners cannot both pass.
     */
    async removeOwner(caller: Caller, appId: string, ownerId: string) {
      return retryingConcurrentChanges(async () => {
        const { app } = await withAccess(caller, appId, "removeApplicationOwner");
        if (!app.owners.includes(ownerId)) throw notFound("owner", ownerId);
        if (app.owners.length === 1) throw lastApplicationOwner(ownerId);
        const now = clock.now();
        return view(await apps.removeOwner(app, ownerId, now, { userId: caller.userId, at: now.toISOString() }));
      });
    },
  };
}
