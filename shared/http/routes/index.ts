// The route table: every public route of the API, in the order the OpenAPI document lists them.
import type { RouteDef } from "../route";
import * as applications from "./applications";
import * as meta from "./meta";
import * as organizations from "./organizations";

export const routes = { ...meta, ...organizations, ...applications };

const isRoute = (value: unknown): value is RouteDef =>
  typeof value === "object" && value !== null && "method" in value && "path" in value && "group" in value;

export const routeList: RouteDef[] = (Object.values(routes) as unknown[]).filter(isRoute);
