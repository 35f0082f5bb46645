// Imported first by every benchmark: silences the service's logs and metrics before any module creates them, so figures are not timed with stdout I/O.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
// Node 20 runs the benchmarks on purpose (the machines have it); the SDK would otherwise warn once per process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// A benchmark is one organisation's load generator: the per-organisation request rate (429) would measure the limiter, not the service.
process.env.ORG_REQUESTS_PER_SECOND ??= "100000";
