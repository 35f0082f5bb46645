// The HTTP functions by group, loaded on demand: the local gateway and tests import them after configuration is set.
import type { App } from "../../shared/app";
import type { FunctionGroup } from "../../shared/http/route";
import type { LambdaHandler } from "../../shared/http/handler";

export interface HttpFunction {
  handler: LambdaHandler;
  /** The same routes over another app (injected clients); absent where the group reads no store. */
  routesOf?: (app: App) => LambdaHandler;
}

export const httpFunctions: Partial<Record<FunctionGroup, () => Promise<HttpFunction>>> = {
  meta: () => import("./meta"),
  organizations: () => import("./organizations"),
  portal: () => import("./portal"),
  sync: () => import("./sync"),
  itwins: () => import("./itwins"),
  imodels: () => import("./imodels"),
};
