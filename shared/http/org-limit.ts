// The per-organisation request rate limit of one API instance: the organisation read from the request's ids without a read, and an in-memory token bucket per organisation.
import {
  imodelOfConnection,
  imodelOfNamedVersion,
  imodelOfRun,
  itwinOfImodel,
  orgOfApplication,
  orgOfItwin,
} from "../child-ids";
import { takeToken, returnToken, type Bucket } from "../domain/rate-limit";
import { tooManyRequests } from "../errors";
import type { RouteDef } from "./route";

/**
 * Path parameters that name a resource of one organisation, in the order they are tried. `id` is the
 * Test iTwin's (`itw_`) or the named version's (`nv_`); the prefix says which.
 */
const orgParams = ["orgId", "appId", "itwinId", "id", "imodelId", "connectionId", "runId"] as const;

const orgOfImodel = (id: string) => {
  const itwin = itwinOfImodel(id);
  return itwin ? orgOfItwin(itwin) : undefined;
};

/** The organisation an id belongs to, read from the id alone; undefined for ids that embed no organisation (made before they did). */
export function orgOfId(id: string): string | undefined {
  const prefix = id.slice(0, id.indexOf("_") + 1);
  switch (prefix) {
    case "org_":
      return /^org_[A-Za-z0-9_-]{22}$/.test(id) ? id : undefined;
    case "app_":
      return orgOfApplication(id);
    case "itw_":
      return orgOfItwin(id);
    case "imd_":
      return orgOfImodel(id);
    case "cn_": {
      const imodel = imodelOfConnection(id);
      return imodel ? orgOfImodel(imodel) : undefined;
    }
    case "rn_": {
      const imodel = imodelOfRun(id);
      return imodel ? orgOfImodel(imodel) : undefined;
    }
    case "nv_": {
      const imodel = imodelOfNamedVersion(id);
      return imodel ? orgOfImodel(imodel) : undefined;
    }
    default:
      return undefined;
  }
}

/** The organisation a request is made to, from its path parameters; undefined when the path names none (`/organizations`, `/me/...`). */
export function orgOfRequest(pathParameters: Record<string, string | undefined>): string | undefined {
  for (const name of orgParams) {
    const value = pathParameters[name];
    const org = value ? orgOfId(value) : undefined;
    if (org) return org;
  }
  return undefined;
}

/** Whether a route can answer the organisation's 429: signed in, and its path names a resource of one organisation. */
export const isOrgLimited = (route: Pick<RouteDef, "auth" | "path">): boolean =>
  route.auth && orgParams.some((name) => route.path.includes(`{${name}}`));

/**
 * Buckets of this instance. Bounded: a full bucket is the same as none, so the oldest entries are
 * dropped first when there are too many (an organisation seen long ago starts full again).
 */
const buckets = new Map<string, Bucket>();
const MAX_BUCKETS = 10_000;

/**
 * Requests per second per organisation on this instance, set by the composition root from
 * `ORG_REQUESTS_PER_SECOND` (shared/app.ts `wiring`); unset, nothing is limited (the meta function
 * serves only public routes and reads no configuration).
 */
let rate: number | undefined;

export function setOrgRequestRate(perSecond: number): void {
  if (perSecond !== rate) buckets.clear();
  rate = perSecond;
}

/**
 * Takes one of the organisation's tokens for this request, or refuses it with 429 `TooManyRequests`
 * and `Retry-After`. Answers a function that gives the token back: a request that turns out not to
 * be the organisation's (404, not visible to the caller) must not use up its members' budget.
 */
export function takeOrgRequest(pathParameters: Record<string, string | undefined>): () => void {
  const perSecond = rate;
  const org = perSecond === undefined ? undefined : orgOfRequest(pathParameters);
  if (!org || perSecond === undefined) return () => {};
  const taken = takeToken(buckets.get(org), Date.now(), perSecond);
  // Re-inserted so that the map's order is the order of last use.
  buckets.delete(org);
  buckets.set(org, taken.bucket);
  if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
  if (!taken.allowed) throw tooManyRequests(taken.retryAfterSeconds);
  return () => {
    const bucket = buckets.get(org);
    if (bucket) buckets.set(org, returnToken(bucket, perSecond));
  };
}
