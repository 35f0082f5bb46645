// What each connection operation needs on its iModel, and what each change of owner needs of whoever acts (seed sync-connection-ownership.txt, SPEC section 3), as tables.
import type { OwnershipChange } from "./ownership";
import type { Permission } from "./permissions";

/** What each connection operation needs on the iModel (seed: Write "allows to create mapping between PW connection and iModel"). */
export const connectionRules = {
  readConnection: "imodels_read",
  createConnection: "imodels_write",
  editConnection: "imodels_write",
  deleteConnection: "imodels_write",
  startRun: "imodels_write",
  /** Any team member who sees the iModel (View included) and has interacted with it (seed: "any team member"). */
  takeOwnership: "imodels_webview",
  /** Besides the owner: a Manage holder may hand any connection on. */
  transferOwnership: "imodels_manage",
} as const satisfies Record<string, Permission>;
export type ConnectionOperation = keyof typeof connectionRules;

/** Whether permissions held on the iModel allow a connection operation. */
export const allowsOnConnection = (operation: ConnectionOperation, held: readonly string[]): boolean =>
  held.includes(connectionRules[operation]);

/**
 * The transfer rule: what whoever acts needs for each change of owner, beyond being on the iModel's
 * team. The owner hands their connection on with nothing more; anyone else handing it on needs
 * Manage; handing it to oneself is a take, open to any team member who sees the iModel.
 */
export const ownershipChangeNeeds: Record<OwnershipChange, ConnectionOperation | undefined> = {
  handOn: undefined,
  handOnByManager: "transferOwnership",
  take: "takeOwnership",
};

/** Why a change of owner is refused, where the permission alone would not tell the caller what to do instead. */
export const ownershipRefusals: Partial<Record<OwnershipChange, string>> = {
  handOnByManager:
    "Only the connection's owner or a holder of imodels_manage on the iModel may hand it on; any team member may take it instead",
};
