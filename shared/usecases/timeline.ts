// Use cases of the work on an iModel: briefcases (local copies), the changeset timeline, named versions and locks.
import { imodelOfNamedVersion, mintNamedVersionId } from "../child-ids";
import type { Clock } from "../clock";
import { MAX_BRIEFCASE_LOCKS, type Briefcase, type Changeset, type Lock, type NamedVersion } from "../domain/imodel";
import { invalidInput, notFound } from "../errors";
import type { Caller } from "../domain/caller";
import { idFor } from "../ids";
import { notYourBriefcase, tooManyLocks } from "../errors";
import type { Page } from "../store/page";
import type { PageRequest } from "../store/partition";
import type { TimelineStore } from "../store/timeline";
import type { ImodelGuard } from "./imodel-access";

const briefcaseView = (b: Briefcase) => ({
  id: b.id,
  imodelId: b.imodelId,
  ownerId: b.ownerId,
  createdAt: b.createdAt,
});

const changesetView = (c: Changeset) => ({
  id: c.id,
  imodelId: c.imodelId,
  index: c.index,
  ...(c.description !== undefined ? { description: c.description } : {}),
  ...(c.briefcaseId !== undefined ? { briefcaseId: c.briefcaseId } : {}),
  pushedBy: c.pushedBy,
  pushedAt: c.pushedAt,
});

const namedVersionView = (v: NamedVersion) => ({
  id: v.id,
  imodelId: v.imodelId,
  name: v.name,
  ...(v.description !== undefined ? { description: v.description } : {}),
  changesetIndex: v.changesetIndex,
  createdBy: v.createdBy,
  createdAt: v.createdAt,
  updatedAt: v.updatedAt,
});

const lockView = (l: Lock) => ({
  imodelId: l.imodelId,
  objectId: l.objectId,
  briefcaseId: l.briefcaseId,
  ownerId: l.ownerId,
  acquiredAt: l.acquiredAt,
});

const pageView = <T, V>(page: Page<T>, view: (item: T) => V) => ({
  items: page.items.map(view),
  ...(page.next ? { next: page.next } : {}),
});

export function timelineUseCases(deps: { timeline: TimelineStore; guard: ImodelGuard; clock: Clock }) {
  const { guard, timeline } = deps;

  return {
    createBriefcase(caller: Caller, imodelId: string, idempotencyKey?: string) {
      return guard.run(caller, imodelId, "createBriefcase", async ({ imodel }) => {
        const briefcase: Briefcase = {
          id: idFor("bc", idempotencyKey, caller.userId, imodelId),
          imodelId,
          ownerId: caller.userId,
          createdAt: deps.clock.now().toISOString(),
        };
        return briefcaseView((await timeline.createBriefcase(imodel, briefcase)).briefcase);
      });
    },

    listChangesets(caller: Caller, imodelId: string, page: PageRequest) {
      return guard.list(caller, imodelId, "listChangesets", async () =>
        pageView(await timeline.listChangesets(imodelId, page), changesetView),
      );
    },

    /** Pushed from one of the caller's briefcases, a changeset takes the locks of the objects it changes for that briefcase. */
    pushChangeset(
      caller: Caller,
      imodelId: string,
      input: { description?: string; briefcaseId?: string; locks?: string[] },
      idempotencyKey?: string,
    ) {
      return guard.run(
        caller,
        imodelId,
        "pushChangeset",
        async ({ imodel, briefcase }) => {
          if (input.briefcaseId && !briefcase) throw notFound("briefcase", input.briefcaseId);
          if (briefcase && briefcase.ownerId !== caller.userId) throw notYourBriefcase(briefcase.id);
          const draft = {
            id: idFor("cs", idempotencyKey, caller.userId, imodelId),
            imodelId,
            description: input.description,
            briefcaseId: input.briefcaseId,
            pushedBy: caller.userId,
            pushedAt: deps.clock.now().toISOString(),
          };
          const objectIds = [...new Set(input.locks ?? [])];
          // The same rule as the store's condition, answered before any write in the usual case.
          if (briefcase && (briefcase.locks?.size ?? 0) + objectIds.length > MAX_BRIEFCASE_LOCKS)
            throw tooManyLocks(briefcase.id, MAX_BRIEFCASE_LOCKS);
          const claim =
            briefcase && objectIds.length
              ? { briefcaseId: briefcase.id, ownerId: caller.userId, objectIds }
              : undefined;
          return changesetView((await timeline.push(imodel, draft, claim, idempotencyKey !== undefined)).changeset);
        },
        { briefcaseId: input.briefcaseId },
      );
    },

    listNamedVersions(caller: Caller, imodelId: string, page: PageRequest) {
      return guard.list(caller, imodelId, "listNamedVersions", async () =>
        pageView(await timeline.listNamedVersions(imodelId, page), namedVersionView),
      );
    },

    /** Names a changeset of the timeline; without `changesetIndex`, the latest one (0: the empty iModel). */
    createNamedVersion(
      caller: Caller,
      imodelId: string,
      input: { name: string; description?: string; changesetIndex?: number },
      idempotencyKey?: string,
    ) {
      return guard.run(caller, imodelId, "createNamedVersion", async ({ imodel }) => {
        const changesetIndex = input.changesetIndex ?? imodel.changesetCount;
        if (changesetIndex > imodel.changesetCount) {
          throw invalidInput(`Invalid body.changesetIndex: the iModel has ${imodel.changesetCount} changeset(s)`, {
            fields: [{ field: "body.changesetIndex", reason: `at most ${imodel.changesetCount}` }],
          });
        }
        const now = deps.clock.now().toISOString();
        const version: NamedVersion = {
          id: mintNamedVersionId(imodelId, idempotencyKey, caller.userId),
          imodelId,
          name: input.name,
          description: input.description,
          changesetIndex,
          createdBy: caller.userId,
          createdAt: now,
          updatedAt: now,
        };
        return namedVersionView((await timeline.createNamedVersion(imodel, version)).namedVersion);
      });
    },

    /** `description: null` removes the description. */
    modifyNamedVersion(caller: Caller, namedVersionId: string, input: { name?: string; description?: string | null }) {
      const imodelId = imodelOfNamedVersion(namedVersionId);
      if (!imodelId) throw notFound("named version", namedVersionId);
      return guard.run(
        caller,
        imodelId,
        "modifyNamedVersion",
        async ({ namedVersion }) => {
          if (!namedVersion) throw notFound("named version", namedVersionId);
          const changed: NamedVersion = {
            ...namedVersion,
            name: input.name ?? namedVersion.name,
            description: input.description === null ? undefined : (input.description ?? namedVersion.description),
            updatedAt: deps.clock.now().toISOString(),
          };
          return namedVersionView(await timeline.updateNamedVersion(changed));
        },
        { namedVersionId, notFoundAs: { kind: "named version", id: namedVersionId } },
      );
    },

    listLocks(caller: Caller, imodelId: string, page: PageRequest) {
      return guard.list(caller, imodelId, "listLocks", async () =>
        pageView(await timeline.listLocks(imodelId, page), lockView),
      );
    },

    /** Your own briefcase's locks need Write (you took them by pushing); another's need Manage (seed: "manage locks ... for the entire iModel"). */
    releaseLocks(caller: Caller, imodelId: string, briefcaseId: string) {
      return guard.run(
        caller,
        imodelId,
        ({ briefcase }) => (briefcase && briefcase.ownerId !== caller.userId ? "releaseLocks" : "releaseOwnLocks"),
        async ({ briefcase }) => {
          if (!briefcase) throw notFound("briefcase", briefcaseId);
          return timeline.releaseLocks(briefcase);
        },
        { briefcaseId },
      );
    },
  };
}
