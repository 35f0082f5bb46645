// iTwin and iModel permissions (seed imodel-permissions.txt, SPEC section 2) as tables; the checks and the tests derive from them.

/** The five built-in, cumulative levels: each includes every permission of the levels before it. */
export const levels = ["View", "Read", "Write", "Manage", "Delete"] as const;
export type Level = (typeof levels)[number];

/** iModel permissions, in the order of the levels that introduce them. */
export const permissions = [
  "imodels_webview",
  "imodels_read",
  "imodels_write",
  "imodels_manage",
  "imodels_delete",
] as const;
export type Permission = (typeof permissions)[number];

/** Compare line by line with the seed: View, View/Read, View/Read/Write, ... */
export const levelPermissions: Record<Level, Permission[]> = {
  View: ["imodels_webview"],
  Read: ["imodels_webview", "imodels_read"],
  Write: ["imodels_webview", "imodels_read", "imodels_write"],
  Manage: ["imodels_webview", "imodels_read", "imodels_write", "imodels_manage"],
  Delete: ["imodels_webview", "imodels_read", "imodels_write", "imodels_manage", "imodels_delete"],
};

/** Manages the iTwin's team members and roles; the iTwin's creator holds it. */
export const TEAM_MANAGE = "team_manage";
export const itwinPermissions = [...permissions, TEAM_MANAGE] as const;
export type ItwinPermission = (typeof itwinPermissions)[number];

/** Roles every iTwin has: the five levels and `TeamManager` (only `team_manage`, given to the iTwin's creator). */
export const builtInRoles: Record<Level | "TeamManager", ItwinPermission[]> = {
  ...levelPermissions,
  TeamManager: [TEAM_MANAGE],
};
export type BuiltInRole = keyof typeof builtInRoles;
export const isBuiltInRole = (name: string): name is BuiltInRole => Object.hasOwn(builtInRoles, name);

/** What a per-iModel access list can set: View to Manage. Deleting and creating an iModel need the iTwin level. */
export const listSettable: readonly Permission[] = levelPermissions.Manage;

/** Built-in roles a per-iModel list cannot hold: it sets View to Manage only. */
export const notOnLists: readonly BuiltInRole[] = ["Delete", "TeamManager"];
export const refusedOnLists = (role: string): boolean => notOnLists.some((r) => r === role);

/** The permissions a per-iModel list never affects: they are always judged at iTwin level. */
export const itwinOnly: readonly Permission[] = permissions.filter((p) => !listSettable.includes(p));

/**
 * How an iTwin-only permission meets an iModel's own list, as data: it counts on that iModel only when the
 * list gives the holder the permission named here, the level just below it. So every set answered or
 * enforced stays cumulative (Delete implies Manage, Write, Read and View): nobody deletes an iModel the
 * list does not let them manage, let alone one they cannot read. Without an own list the iTwin's roles
 * apply whole, so a Delete holder there is a Manage holder too.
 */
export const itwinOnlyOnListNeeds: Readonly<Partial<Record<Permission, Permission>>> = {
  imodels_delete: "imodels_manage",
};

export const imodelOperations = [
  "readIModel",
  "createIModel",
  "deleteIModel",
  "renameIModel",
  "readAccess",
  "setAccess",
  "clearAccess",
  "createBriefcase",
  "listChangesets",
  "pushChangeset",
  "listNamedVersions",
  "createNamedVersion",
  "modifyNamedVersion",
  "listLocks",
  "releaseOwnLocks",
  "releaseLocks",
] as const;
export type ImodelOperation = (typeof imodelOperations)[number];

export interface OperationRule {
  needs: Permission;
  /** `itwin`: judged on the iTwin's roles only, whatever the iModel's own list says. */
  scope: "imodel" | "itwin";
  /** Completes "needed to ...". */
  purpose: string;
}

/** Which permission guards each operation on an iModel; compare with the seed's "allows" column. */
export const operationRules: Record<ImodelOperation, OperationRule> = {
  readIModel: { needs: "imodels_webview", scope: "imodel", purpose: "see the iModel" },
  createIModel: { needs: "imodels_manage", scope: "itwin", purpose: "create an iModel" },
  // Judged on the effective set: the iTwin level grants it, an own list must also give Manage (itwinOnlyOnListNeeds).
  deleteIModel: { needs: "imodels_delete", scope: "imodel", purpose: "delete an iModel" },
  renameIModel: { needs: "imodels_manage", scope: "imodel", purpose: "rename the iModel" },
  readAccess: { needs: "imodels_manage", scope: "imodel", purpose: "read the iModel's access list" },
  setAccess: { needs: "imodels_manage", scope: "imodel", purpose: "configure the iModel's access" },
  clearAccess: { needs: "imodels_manage", scope: "imodel", purpose: "configure the iModel's access" },
  createBriefcase: { needs: "imodels_read", scope: "imodel", purpose: "get a local copy (briefcase)" },
  listChangesets: { needs: "imodels_read", scope: "imodel", purpose: "read changesets" },
  pushChangeset: { needs: "imodels_write", scope: "imodel", purpose: "push changesets" },
  listNamedVersions: { needs: "imodels_read", scope: "imodel", purpose: "read named versions" },
  createNamedVersion: { needs: "imodels_write", scope: "imodel", purpose: "create named versions" },
  modifyNamedVersion: { needs: "imodels_write", scope: "imodel", purpose: "modify named versions" },
  listLocks: { needs: "imodels_read", scope: "imodel", purpose: "read locks" },
  releaseOwnLocks: { needs: "imodels_write", scope: "imodel", purpose: "release your own briefcase's locks" },
  releaseLocks: { needs: "imodels_manage", scope: "imodel", purpose: "manage locks of the whole iModel" },
};

const rank = (p: Permission) => permissions.indexOf(p);

/**
 * Closes a set under the cumulative rule (Write implies Read and View, ...), so a custom role that
 * names `imodels_write` alone still reads. `team_manage` implies nothing. Answered in table order.
 */
export function closure(granted: Iterable<string>): ItwinPermission[] {
  const set = new Set<string>(granted);
  const top = Math.max(-1, ...permissions.filter((p) => set.has(p)).map(rank));
  return itwinPermissions.filter((p) => (p === TEAM_MANAGE ? set.has(p) : rank(p) <= top));
}

/** The iTwin-level permissions of a set of role definitions (built-in or custom). */
export function permissionsOfRoles(definitions: Iterable<readonly string[]>): ItwinPermission[] {
  const union = new Set<string>();
  for (const d of definitions) for (const p of d) union.add(p);
  return closure(union);
}

const imodelPart = (granted: readonly string[]): Permission[] => permissions.filter((p) => granted.includes(p));

/** What a per-iModel list entry holds: its roles' permissions, cut to View..Manage. */
export function listEntryPermissions(granted: readonly string[]): Permission[] {
  return imodelPart(closure(granted)).filter((p) => listSettable.includes(p));
}

/**
 * The caller's effective permissions on one iModel. Without an own list the iTwin's roles apply.
 * With one, only the list applies (it restricts and it grants), except for what only the iTwin
 * level grants (delete), which also needs what `itwinOnlyOnListNeeds` names from the list.
 * `listEntry` undefined with an own list means "not on the list".
 */
export function effectivePermissions(
  itwin: readonly string[],
  ownList: { entry?: readonly string[] } | undefined,
): Permission[] {
  if (!ownList) return imodelPart(itwin);
  const fromList = listEntryPermissions(ownList.entry ?? []);
  const fromItwin = imodelPart(itwin).filter(
    (p) => itwinOnly.includes(p) && fromList.includes(itwinOnlyOnListNeeds[p] ?? p),
  );
  return permissions.filter((p) => fromList.includes(p) || fromItwin.includes(p));
}

/** Whether an operation is allowed: `itwin` holds the caller's iTwin-level permissions, `effective` those on the iModel. */
export function allows(
  operation: ImodelOperation,
  held: { itwin: readonly string[]; effective: readonly string[] },
): boolean {
  const rule = operationRules[operation];
  return (rule.scope === "itwin" ? held.itwin : held.effective).includes(rule.needs);
}

/** The lowest level that allows an operation when no own list applies. */
export const lowestLevelFor = (operation: ImodelOperation): Level =>
  levels.find((level) => levelPermissions[level].includes(operationRules[operation].needs))!;

/**
 * Nobody grants what they do not hold (SPEC section 2): the permissions of `granted` (closed under the
 * cumulative rule) missing from `held`, in table order. Empty: the grant is within the granter's own.
 */
export function beyondOwn(granted: Iterable<string>, held: readonly string[]): ItwinPermission[] {
  return closure(granted).filter((p) => !held.includes(p));
}
