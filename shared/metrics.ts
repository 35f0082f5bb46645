// The service's metrics (Powertools, CloudWatch Embedded Metric Format in the logs): one data point per request and per tick.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export const metrics = new Metrics({ namespace: "TwinAccess", serviceName: "twin-access" });

/** Adds and publishes in one synchronous stretch, so concurrent requests in one process never mix their points. */
function publish(operation: string, values: [name: string, unit: Unit, value: number][]): void {
  metrics.addDimension("operation", operation);
  for (const [name, unit, value] of values) metrics.addMetric(name, unit, value);
  metrics.publishStoredMetrics();
}

/** One request: count, latency and outcome class, with the operation as dimension so each route has its own series. */
export function recordRequest(operation: string, status: number, ms: number): void {
  publish(operation, [
    ["Requests", MetricUnit.Count, 1],
    ["Latency", MetricUnit.Milliseconds, ms],
    ["Refusals", MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0],
    ["Faults", MetricUnit.Count, status >= 500 ? 1 : 0],
  ]);
}

/** One tick: how much of each kind of work it did. */
export function recordTick(work: Record<string, number>, ms: number): void {
  publish("tick", [
    ["TickDuration", MetricUnit.Milliseconds, ms],
    ...Object.entries(work).map(([name, n]) => [name, MetricUnit.Count, n] as [string, Unit, number]),
  ]);
}
