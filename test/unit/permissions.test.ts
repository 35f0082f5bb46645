// The iModel permission rules, pure: levels, closure, per-iModel lists and the operation table (shared/domain/permissions.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  imodelOfConnection,
  imodelOfNamedVersion,
  imodelOfRun,
  itwinOfImodel,
  mintConnectionId,
  mintImodelId,
  mintNamedVersionId,
  mintApplicationId,
  mintRunId,
  mintItwinId,
  mintTestItwinId,
  orgOfItwin,
  orgOfApplication,
  orgOfTestItwin,
} from "../../shared/child-ids";
import { resourceId } from "../../shared/http/schemas";
import { permissionsOn, type Imodel } from "../../shared/domain/imodel";
import {
  allows,
  builtInRoles,
  closure,
  effectivePermissions,
  imodelOperations,
  itwinOnly,
  itwinOnlyOnListNeeds,
  itwinPermissions,
  levelPermissions,
  levels,
  listEntryPermissions,
  listSettable,
  lowestLevelFor,
  operationRules,
  permissions,
  refusedOnLists,
  TEAM_MANAGE,
} from "../../shared/domain/permissions";
import { idFor, newId } from "../../shared/ids";

const anySet = fc.subarray([...itwinPermissions]);

describe("levels", () => {
  it("are cumulative: each level holds every permission of the levels before it and one more", () => {
    levels.forEach((level, i) => {
      expect(levelPermissions[level]).toEqual(permissions.slice(0, i + 1));
    });
  });

  it("match the seed: Write pushes changesets, Manage creates iModels, Delete deletes them", () => {
    expect(lowestLevelFor("pushChangeset")).toBe("Write");
    expect(lowestLevelFor("createIModel")).toBe("Manage");
    expect(lowestLevelFor("deleteIModel")).toBe("Delete");
    expect(lowestLevelFor("createBriefcase")).toBe("Read");
    expect(lowestLevelFor("readIModel")).toBe("View");
    expect(lowestLevelFor("releaseLocks")).toBe("Manage");
  });
});

describe("the operation table", () => {
  const cells = levels.flatMap((level) => imodelOperations.map((operation) => ({ level, operation })));

  it.each(cells)(
    "$level may $operation exactly when the level holds the permission the table names",
    ({ level, operation }) => {
      const held = levelPermissions[level];
      const expected = held.includes(operationRules[operation].needs);
      expect(allows(operation, { itwin: held, effective: effectivePermissions(held, undefined) })).toBe(expected);
    },
  );

  it("lets a higher level do everything a lower level may", () => {
    fc.assert(
      fc.property(fc.constantFrom(...imodelOperations), fc.nat(levels.length - 2), (operation, i) => {
        const lower = levelPermissions[levels[i]!];
        const higher = levelPermissions[levels[i + 1]!];
        const may = (held: string[]) =>
          allows(operation, { itwin: held, effective: effectivePermissions(held, undefined) });
        return !may(lower) || may(higher);
      }),
    );
  });
});

describe("closure", () => {
  it("adds every lower permission and keeps team_manage apart", () => {
    expect(closure(["imodels_write"])).toEqual(["imodels_webview", "imodels_read", "imodels_write"]);
    expect(closure([TEAM_MANAGE])).toEqual([TEAM_MANAGE]);
    expect(closure([])).toEqual([]);
  });

  it("is idempotent and only grows a set", () => {
    fc.assert(
      fc.property(anySet, (set) => {
        const closed = closure(set);
        expect(closure(closed)).toEqual(closed);
        for (const p of set) expect(closed).toContain(p);
      }),
    );
  });
});

describe("per-iModel lists", () => {
  it("refuse exactly the built-in roles that grant something a list cannot set, and no custom role", () => {
    for (const [role, granted] of Object.entries(builtInRoles)) {
      expect(refusedOnLists(role), role).toBe(granted.some((p) => !(listSettable as readonly string[]).includes(p)));
    }
    expect(["View", "Read", "Write", "Manage"].filter(refusedOnLists)).toEqual([]);
    expect(refusedOnLists("Reviewer")).toBe(false);
  });

  it("set View to Manage only: a list entry never holds delete or team_manage", () => {
    fc.assert(
      fc.property(anySet, (set) => {
        for (const p of listEntryPermissions(set)) expect(listSettable).toContain(p);
      }),
    );
  });

  it("without an own list, the iTwin's roles decide everything", () => {
    fc.assert(
      fc.property(anySet, (itwin) => {
        expect(effectivePermissions(itwin, undefined)).toEqual(permissions.filter((p) => itwin.includes(p)));
      }),
    );
  });

  it("with an own list, only the list decides, except what only the iTwin level decides", () => {
    fc.assert(
      fc.property(anySet, fc.option(anySet, { nil: undefined }), (itwin, entry) => {
        const effective = effectivePermissions(itwin, { entry });
        const fromList = listEntryPermissions(entry ?? []);
        for (const p of permissions) {
          const expected = itwinOnly.includes(p)
            ? itwin.includes(p) && fromList.includes(itwinOnlyOnListNeeds[p]!)
            : fromList.includes(p);
          expect(effective.includes(p)).toBe(expected);
        }
      }),
    );
  });

  it("restricts: a Manage member listed with Read cannot push", () => {
    const effective = effectivePermissions(levelPermissions.Manage, { entry: levelPermissions.Read });
    expect(allows("pushChangeset", { itwin: levelPermissions.Manage, effective })).toBe(false);
    expect(allows("createBriefcase", { itwin: levelPermissions.Manage, effective })).toBe(true);
  });

  it("grants: a View member listed with Manage configures access, but still cannot delete", () => {
    const effective = effectivePermissions(levelPermissions.View, { entry: levelPermissions.Manage });
    expect(allows("setAccess", { itwin: levelPermissions.View, effective })).toBe(true);
    expect(allows("deleteIModel", { itwin: levelPermissions.View, effective })).toBe(false);
  });

  it("never change create, which is judged at iTwin level", () => {
    fc.assert(
      fc.property(anySet, fc.option(anySet, { nil: undefined }), (itwin, entry) => {
        for (const operation of ["createIModel"] as const) {
          const withList = allows(operation, { itwin, effective: effectivePermissions(itwin, { entry }) });
          const without = allows(operation, { itwin, effective: effectivePermissions(itwin, undefined) });
          expect(withList).toBe(without);
        }
      }),
    );
  });
});

describe("list entries on an iModel", () => {
  const imodel: Imodel = {
    id: "imd_x",
    itwinId: "itw_x",
    itwinKind: "standard",
    name: "m",
    createdBy: "u",
    createdAt: "2025-01-01T00:00:00.000Z",
    changesetCount: 0,
    ownAccessList: true,
    accessListVersion: 3,
  };
  const member = { permissions: levelPermissions.Manage, addedAt: "2025-01-02T00:00:00.000Z" };
  const entry = {
    imodelId: "imd_x",
    userId: "u",
    roles: ["Read"],
    permissions: levelPermissions.Read,
    listVersion: 3,
    grantedAt: "2025-01-03T00:00:00.000Z",
  };

  it("count when they belong to the current version of the list", () => {
    expect(permissionsOn(imodel, member, entry)).toEqual(levelPermissions.Read);
    expect(permissionsOn(imodel, member, { ...entry, listVersion: 2 })).toEqual([]);
  });

  it("do not come back to someone removed from the team and added again", () => {
    expect(permissionsOn(imodel, { ...member, addedAt: "2025-01-04T00:00:00.000Z" }, entry)).toEqual([]);
  });

  it("are ignored once the list is cleared", () => {
    expect(permissionsOn({ ...imodel, ownAccessList: false }, member, entry)).toEqual(levelPermissions.Manage);
  });
});

describe("ids that embed their parent", () => {
  it("read the iTwin from an iModel id, the iModel from named version, connection and run ids, the organisation from application and Test iTwin ids", () => {
    // Every id a path can carry must pass the path schema (shared/http/schemas.ts), at every depth.
    const fits = (id: string) => expect(resourceId.safeParse(id).success, id).toBe(true);
    fc.assert(
      fc.property(fc.option(fc.string({ minLength: 1 }), { nil: undefined }), fc.boolean(), (key, test) => {
        const orgId = key === undefined ? newId("org") : idFor("org", key, "user");
        // Every iTwin, ordinary or Test, embeds its organisation, and so do its iModels and their children.
        const itwinId = test
          ? mintTestItwinId(orgId, key, "user", "test-itwin")
          : mintItwinId(orgId, key, "user", "itwin");
        fits(itwinId);
        expect(orgOfItwin(itwinId)).toBe(orgId);
        expect(orgOfTestItwin(itwinId)).toBe(orgId);
        const imodelId = mintImodelId(itwinId, key, "user");
        fits(imodelId);
        expect(itwinOfImodel(imodelId)).toBe(itwinId);
        const versionId = mintNamedVersionId(imodelId, key, "user");
        fits(versionId);
        expect(imodelOfNamedVersion(versionId)).toBe(imodelId);
        const connectionId = mintConnectionId(imodelId, key, "user");
        fits(connectionId);
        expect(imodelOfConnection(connectionId)).toBe(imodelId);
        const runId = mintRunId(imodelId, key, connectionId);
        fits(runId);
        expect(imodelOfRun(runId)).toBe(imodelId);
        const appId = mintApplicationId(orgId, key, "user");
        fits(appId);
        expect(orgOfApplication(appId)).toBe(orgId);
        // A scheduled run's id is the same for the same due time, so a repeated tick finds it taken.
        if (key !== undefined) expect(mintRunId(imodelId, key, connectionId)).toBe(runId);
      }),
    );
  });

  it("refuse anything else", () => {
    expect(itwinOfImodel("imd_doesnotexist")).toBeUndefined();
    expect(itwinOfImodel(`org_${"a".repeat(38)}`)).toBeUndefined();
    expect(imodelOfNamedVersion("nv_short")).toBeUndefined();
    expect(imodelOfConnection(`conn_${"a".repeat(54)}`)).toBeUndefined();
    expect(imodelOfRun(`nv_${"a".repeat(54)}`)).toBeUndefined();
    // A body of a length no parent has: not an iModel of an iTwin, nor of a Test iTwin.
    expect(itwinOfImodel(`imd_${"a".repeat(46)}`)).toBeUndefined();
    expect(orgOfTestItwin(newId("itw"))).toBeUndefined();
    expect(orgOfTestItwin(`itw_${"a".repeat(39)}`)).toBeUndefined();
  });
});

describe("cumulative permissions: Delete at iTwin level meets an iModel's own list", () => {
  // Every cell: the holder's iTwin level (or none) against the iModel's list (none, not listed, or listed at a level).
  const itwinLevels = [undefined, ...levels] as const;
  const listStates = [
    "no own list",
    "not listed",
    ...levels.filter((l) => listSettable.includes(levelPermissions[l].at(-1)!)),
  ] as const;
  const cells = itwinLevels.flatMap((itwin) => listStates.map((list) => ({ itwin: itwin ?? "none", list })));
  const held = (level: string) => (level === "none" ? [] : levelPermissions[level as (typeof levels)[number]]);

  /** The rule read off the table: the list decides View..Manage; Delete also needs the list to give what itwinOnlyOnListNeeds names. */
  const expectedOf = (itwin: string, list: string): string[] => {
    if (list === "no own list") return held(itwin);
    const fromList = list === "not listed" ? [] : held(list);
    const itwinOnlyKept = held(itwin).filter(
      (p) =>
        itwinOnly.includes(p as never) && fromList.includes(itwinOnlyOnListNeeds[p as (typeof permissions)[number]]!),
    );
    return permissions.filter((p) => fromList.includes(p) || itwinOnlyKept.includes(p));
  };

  it.each(cells)(
    "iTwin $itwin, list $list: the answered set is what the table gives, and cumulative",
    ({ itwin, list }) => {
      const effective = effectivePermissions(
        held(itwin),
        list === "no own list" ? undefined : { entry: list === "not listed" ? undefined : held(list) },
      );
      expect(effective).toEqual(expectedOf(itwin, list));
      // Cumulative: a prefix of the levels' order, so each permission held implies every one before it.
      expect(effective).toEqual(permissions.slice(0, effective.length));
      // Nobody deletes an iModel they cannot read (or manage).
      const may = (operation: (typeof imodelOperations)[number]) =>
        allows(operation, { itwin: held(itwin), effective });
      if (may("deleteIModel"))
        for (const operation of imodelOperations.filter((o) => o !== "createIModel"))
          expect(may(operation), operation).toBe(true);
    },
  );

  it("a Delete holder left off an iModel's list, or listed below Manage, may not delete it; listed with Manage, may", () => {
    const deleter = levelPermissions.Delete;
    expect(effectivePermissions(deleter, { entry: undefined })).toEqual([]);
    expect(
      allows("deleteIModel", { itwin: deleter, effective: effectivePermissions(deleter, { entry: undefined }) }),
    ).toBe(false);
    for (const level of ["View", "Read", "Write"] as const) {
      expect(
        allows("deleteIModel", {
          itwin: deleter,
          effective: effectivePermissions(deleter, { entry: levelPermissions[level] }),
        }),
        level,
      ).toBe(false);
    }
    const managed = effectivePermissions(deleter, { entry: levelPermissions.Manage });
    expect(managed).toEqual(levelPermissions.Delete);
    expect(allows("deleteIModel", { itwin: deleter, effective: managed })).toBe(true);
  });

  it("any closed iTwin set and list entry give a cumulative set", () => {
    fc.assert(
      fc.property(anySet, fc.option(anySet, { nil: undefined }), fc.boolean(), (itwin, entry, listed) => {
        const effective = effectivePermissions(closure(itwin), listed ? { entry: entry && closure(entry) } : undefined);
        expect(effective).toEqual(permissions.slice(0, effective.length));
      }),
    );
  });
});
