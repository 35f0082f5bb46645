// Ids of resources that live inside another embed their parent's id, so the parent's keys are known without a read (one-request permission checks).
import { createHash, randomBytes } from "node:crypto";

/** Characters of the random (or key-derived) part of a top-level id minted by `newId`/`idFor` (`itw_`/`org_` + 22). */
const TOP_BODY = 22;
/** Characters each nesting level adds: 96 bits. */
const CHILD_PART = 16;

const part = "[A-Za-z0-9_-]";

function childPart(idempotencyKey: string | undefined, scope: string[]): string {
  if (!idempotencyKey) return randomBytes(12).toString("base64url");
  return createHash("sha256")
    .update([...scope, idempotencyKey].join("\u0000"))
    .digest("base64url")
    .slice(0, CHILD_PART);
}

const body = (id: string) => id.slice(id.indexOf("_") + 1);

/**
 * The two functions of one kind of child id, `<prefix>_<parent body><16>`: `mint` makes one (derived
 * from an Idempotency-Key and scope when given, random otherwise), `parentOf` reads the parent back,
 * or answers undefined when the text is not such an id. `depths` are how many levels the parent may be
 * below a top-level id (an iModel's iTwin is a top-level iTwin, or a Test iTwin one level below its
 * organisation): the parent's body length tells them apart.
 */
function childIds(prefix: string, parentPrefix: string, depths: number[]) {
  const bodies = [...depths].sort((a, b) => b - a).map((d) => `${part}{${TOP_BODY + d * CHILD_PART}}`);
  const pattern = new RegExp(`^${prefix}_(${bodies.join("|")})${part}{${CHILD_PART}}$`);
  return {
    mint: (parentId: string, idempotencyKey?: string, ...scope: string[]): string =>
      `${prefix}_${body(parentId)}${childPart(idempotencyKey, [...scope, parentId])}`,
    parentOf: (id: string): string | undefined => {
      const m = pattern.exec(id);
      return m ? `${parentPrefix}_${m[1]}` : undefined;
    },
  };
}

/**
 * `itw_<organisation body><16>`, for ordinary and Test iTwins alike: the organisation is read from the
 * id, so every iTwin and iModel check reads the caller's organisation membership in the same request
 * as the team item (a removed member loses access at once, whatever is left of their team items).
 */
const itwins = childIds("itw", "org", [0]);
export const mintItwinId = itwins.mint;
export const orgOfItwin = itwins.parentOf;
export const mintTestItwinId = itwins.mint;
export const orgOfTestItwin = itwins.parentOf;

/** `imd_<iTwin body><16>`: the iModel's iTwin (or Test iTwin), and so its organisation, is read from its id. */
const imodels = childIds("imd", "itw", [0, 1]);
export const mintImodelId = imodels.mint;
export const itwinOfImodel = imodels.parentOf;

/** `nv_<iModel body><16>`: a named version's iModel is read from its id. */
const namedVersions = childIds("nv", "imd", [1, 2]);
export const mintNamedVersionId = namedVersions.mint;
export const imodelOfNamedVersion = namedVersions.parentOf;

/** `cn_<iModel body><16>`: a connection's iModel is read from its id, so its routes check access in the same request that reads it. */
const connections = childIds("cn", "imd", [1, 2]);
export const mintConnectionId = connections.mint;
export const imodelOfConnection = connections.parentOf;

/** `rn_<iModel body><16>`; a scheduled run passes its due time as the key, so a repeated tick mints the same id. */
const runs = childIds("rn", "imd", [1, 2]);
export const mintRunId = runs.mint;
export const imodelOfRun = runs.parentOf;

/** `app_<organisation body><16>`: an application's organisation is read from its id, so its membership comes in the same request. */
const applications = childIds("app", "org", [0]);
export const mintApplicationId = applications.mint;
export const orgOfApplication = applications.parentOf;
