// The HTTP functions by group, loaded on demand: the local gateway and tests import them after configuration is set.
import type { FunctionGroup } from "../../shared/http/route";
import type { LambdaHandler } from "../../infra/local/gateway";

export const httpFunctions: Partial<Record<FunctionGroup, () => Promise<{ handler: LambdaHandler }>>> = {
  meta: () => import("./meta"),
  organizations: () => import("./organizations"),
  portal: () => import("./portal"),
  sync: () => import("./sync"),
  itwins: () => import("./itwins"),
  imodels: () => import("./imodels"),
};
