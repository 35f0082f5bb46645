// The route table: every public route of the API, in the order the OpenAPI document lists them.
import type { RouteDef } from "../route";
import * as applicationOwners from "./application-owners";
import * as applications from "./applications";
import * as imodelAdmin from "./imodel-admin";
import * as audit from "./audit";
import * as imodels from "./imodels";
import * as invitations from "./invitations";
import * as itwinRoles from "./itwin-roles";
import * as itwins from "./itwins";
import * as meta from "./meta";
import * as organizations from "./organizations";
import * as participants from "./participants";
import * as sync from "./sync";
import * as syncControls from "./sync-controls";
import * as testItwins from "./test-itwins";

export const routes = {
  ...meta,
  ...organizations,
  ...invitations,
  ...applications,
  ...applicationOwners,
  ...testItwins,
  ...participants,
  ...itwins,
  ...itwinRoles,
  ...imodels,
  ...imodelAdmin,
  ...sync,
  ...syncControls,
  ...audit,
};

const isRoute = (value: unknown): value is RouteDef =>
  typeof value === "object" && value !== null && "method" in value && "path" in value && "group" in value;

export const routeList: RouteDef[] = (Object.values(routes) as unknown[]).filter(isRoute);
