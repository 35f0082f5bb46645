// Who is told when a connection changes owner (seed sync-connection-ownership.txt, SPEC section 3), and what the answer warns about, as tables.
import type { TokenStatus } from "./sync-token";

/**
 * The ways a connection changes owner, named by who acted:
 * - `handOn`: the owner hands it to someone else;
 * - `handOnByManager`: a Manage holder who is not the owner hands it to someone else;
 * - `take`: the new owner acted (a take, or a Manage holder handing it to themselves, which is a take).
 */
export const ownershipChanges = ["handOn", "handOnByManager", "take"] as const;
export type OwnershipChange = (typeof ownershipChanges)[number];

/** The two mails an ownership change can cause: to the new owner ("you now own it") and to the original owner ("you lost it"). */
export type OwnershipNotice = "ownershipTransferred" | "ownershipTaken" | "ownershipHandedAway";

/**
 * Who hears of each change. Rule: the new owner hears unless they acted; the original owner hears
 * unless they acted. Compare row by row with SPEC section 3.
 */
export const whoIsTold: Record<OwnershipChange, { newOwner?: OwnershipNotice; originalOwner?: OwnershipNotice }> = {
  handOn: { newOwner: "ownershipTransferred" },
  handOnByManager: { newOwner: "ownershipTransferred", originalOwner: "ownershipHandedAway" },
  take: { originalOwner: "ownershipTaken" },
};

/** Which change this is, from who acted, who owned the connection and who owns it now. */
export function ownershipChange(actor: string, originalOwner: string, newOwner: string): OwnershipChange {
  if (actor === newOwner) return "take";
  return actor === originalOwner ? "handOn" : "handOnByManager";
}

/** What the answer of a take or transfer warns about: the new owner's scheduled runs would fail. */
export type OwnershipWarningCode = "OwnerTokenNotValid" | "OwnerLacksWrite";

export const ownershipWarningMessages: Record<OwnershipWarningCode, string> = {
  OwnerTokenNotValid:
    "The new owner's synchronization token is not valid: scheduled runs fail (OwnerTokenExpired) until the new owner starts a run or visits the synchronization portal, which renews it.",
  OwnerLacksWrite:
    "The new owner cannot push changesets to this iModel (no imodels_write): every run fails (OwnerLacksPermission) until they are given Write.",
};

export function ownershipWarnings(newOwner: {
  tokenStatus: TokenStatus;
  canWrite: boolean;
}): { code: OwnershipWarningCode; message: string }[] {
  const codes: OwnershipWarningCode[] = [];
  if (newOwner.tokenStatus !== "valid") codes.push("OwnerTokenNotValid");
  if (!newOwner.canWrite) codes.push("OwnerLacksWrite");
  return codes.map((code) => ({ code, message: ownershipWarningMessages[code] }));
}
