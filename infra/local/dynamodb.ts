// Starts DynamoDB Local, the Java server shipped in the npm package amplify-dynamodb-simulator, on loopback.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { freePort, waitForPort } from "./free-port";

export interface LocalServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export const javaMissingHelp =
  "Java is needed for DynamoDB Local but `java` was not found. Install it with: apt-get update && apt-get install -y default-jre-headless";

export function javaAvailable(): boolean {
  return spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;
}

/** Starts DynamoDB Local; with `dbPath` the data persists there, otherwise it lives in memory. */
export async function startDynamoDbLocal(options: { port?: number; dbPath?: string } = {}): Promise<LocalServer> {
  if (!javaAvailable()) throw new Error(javaMissingHelp);
  const emulator = join(
    dirname(createRequire(import.meta.url).resolve("amplify-dynamodb-simulator/package.json")),
    "emulator",
  );
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ["-dbPath", resolve(options.dbPath)] : ["-inMemory"];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const child = spawn(
    "java",
    [
      "-Xms64m",
      `-Djava.library.path=${join(emulator, "DynamoDBLocal_lib")}`,
      "-jar",
      join(emulator, "DynamoDBLocal.jar"),
      "-port",
      String(port),
      "-sharedDb",
      ...storage,
    ],
    { cwd: emulator, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // Whatever way this process ends, the Java server must not outlive it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  try {
    await Promise.race([
      waitForPort(port, 60_000),
      exited.then(() => Promise.reject(new Error(`DynamoDB Local exited before listening: ${stderr}`))),
    ]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
