// Ids of resources that live inside another embed their parent's id, so the parent's keys are known without a read (one-request permission checks).
import { createHash, randomBytes } from "node:crypto";

/** Characters of the random (or key-derived) part of a parent id minted by `newId`/`idFor` (`itw_`/`org_` + 22). */
const ITWIN_BODY = 22;
/** Characters each nesting level adds: 96 bits. */
const CHILD_PART = 16;

const part = "[A-Za-z0-9_-]";
const imodelPattern = new RegExp(`^imd_(${part}{${ITWIN_BODY}})${part}{${CHILD_PART}}$`);
const namedVersionPattern = new RegExp(`^nv_(${part}{${ITWIN_BODY + CHILD_PART}})${part}{${CHILD_PART}}$`);
const applicationPattern = new RegExp(`^app_(${part}{${ITWIN_BODY}})${part}{${CHILD_PART}}$`);
const connectionPattern = new RegExp(`^cn_(${part}{${ITWIN_BODY + CHILD_PART}})${part}{${CHILD_PART}}$`);
const runPattern = new RegExp(`^rn_(${part}{${ITWIN_BODY + CHILD_PART}})${part}{${CHILD_PART}}$`);

function childPart(idempotencyKey: string | undefined, scope: string[]): string {
  if (!idempotencyKey) return randomBytes(12).toString("base64url");
  return createHash("sha256").update([...scope, idempotencyKey].join("\u0000")).digest("base64url").slice(0, CHILD_PART);
}

const body = (id: string) => id.slice(id.indexOf("_") + 1);

/** `imd_<iTwin body><16>`: the iModel's iTwin is read from its id. */
export function mintImodelId(itwinId: string, idempotencyKey?: string, ...scope: string[]): string {
  return `imd_${body(itwinId)}${childPart(idempotencyKey, [...scope, itwinId])}`;
}

/** The iTwin an iModel id belongs to, or undefined when the text is not an iModel id. */
export function itwinOfImodel(imodelId: string): string | undefined {
  const m = imodelPattern.exec(imodelId);
  return m ? `itw_${m[1]}` : undefined;
}

/** `nv_<iModel body><16>`: a named version's iModel is read from its id. */
export function mintNamedVersionId(imodelId: string, idempotencyKey?: string, ...scope: string[]): string {
  return `nv_${body(imodelId)}${childPart(idempotencyKey, [...scope, imodelId])}`;
}

export function imodelOfNamedVersion(namedVersionId: string): string | undefined {
  const m = namedVersionPattern.exec(namedVersionId);
  return m ? `imd_${m[1]}` : undefined;
}

/** `cn_<iModel body><16>`: a connection's iModel is read from its id, so its routes check access in the same request that reads it. */
export function mintConnectionId(imodelId: string, idempotencyKey?: string, ...scope: string[]): string {
  return `cn_${body(imodelId)}${childPart(idempotencyKey, [...scope, imodelId])}`;
}

export function imodelOfConnection(connectionId: string): string | undefined {
  const m = connectionPattern.exec(connectionId);
  return m ? `imd_${m[1]}` : undefined;
}

/** `rn_<iModel body><16>`; a scheduled run passes its due time as the key, so a repeated tick mints the same id. */
export function mintRunId(imodelId: string, key?: string, ...scope: string[]): string {
  return `rn_${body(imodelId)}${childPart(key, [...scope, imodelId])}`;
}

export function imodelOfRun(runId: string): string | undefined {
  const m = runPattern.exec(runId);
  return m ? `imd_${m[1]}` : undefined;
}

/** `app_<organisation body><16>`: an application's organisation is read from its id, so its membership comes in the same request. */
export function mintApplicationId(orgId: string, idempotencyKey?: string, ...scope: string[]): string {
  return `app_${body(orgId)}${childPart(idempotencyKey, [...scope, orgId])}`;
}

export function orgOfApplication(appId: string): string | undefined {
  const m = applicationPattern.exec(appId);
  return m ? `org_${m[1]}` : undefined;
}
