// Where the local stack keeps its state between restarts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const localDir = ".local";
export const clockFile = join(localDir, "clock.json");
export const keyFile = join(localDir, "jwt-key.json");
export const dynamodbDir = join(localDir, "dynamodb");
export const tableName = "twin-access-local";

/** The offset by which `POST /_local/clock` moved the service clock, kept across restarts. */
export function readClockOffset(): number {
  if (!existsSync(clockFile)) return 0;
  return Number((JSON.parse(readFileSync(clockFile, "utf8")) as { offsetMs?: number }).offsetMs ?? 0);
}
