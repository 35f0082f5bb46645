// ISO 8601 durations of days and time (P31D, PT1H, P1DT12H): schedules and the local clock use them.
const pattern = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of an ISO 8601 duration, or undefined when it is not one (years and months vary in length, so they are refused). */
export function parseDuration(text: string): number | undefined {
  const m = pattern.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}
