// Connection schedules: a fixed interval (ISO 8601 duration) or a five-field cron expression in UTC, and the next moment each is due.
import { parseDuration } from "./duration";

export type Schedule = { every: string } | { cron: string };

/** The trigger ticks every 5 minutes: a shorter interval could not be honoured. */
export const MIN_INTERVAL_MS = 5 * 60 * 1000;
export const MAX_INTERVAL_MS = 31 * 24 * 60 * 60 * 1000;

interface CronField {
  name: string;
  min: number;
  max: number;
}
const fields: CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 6 },
];

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Cron's rule: when both day fields are restricted, either matching is enough. */
  dayOr: boolean;
}

/** Parses `m h dom mon dow` with `*`, lists, ranges and steps; throws a message naming the field at fault. */
export function parseCron(text: string): Cron {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error("a cron expression has five fields: minute hour day-of-month month day-of-week");
  const sets = parts.map((part, i) => parseField(part, fields[i]!));
  // Sunday may be written 7.
  if (sets[4]!.has(7)) sets[4]!.add(0).delete(7);
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays: sets[4]!,
    dayOr: parts[2] !== "*" && parts[4] !== "*",
  };
}

function parseField(text: string, field: CronField): Set<number> {
  const max = field.name === "day of week" ? 7 : field.max;
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`cron ${field.name}: '${item}' is not a number, range, list or step`);
    const from = m[1] === "*" ? field.min : Number(m[2]);
    const to = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < field.min || to > max || from > to || step < 1) {
      throw new Error(`cron ${field.name}: '${item}' is outside ${field.min}-${max}`);
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Checks a schedule; answers the problem in words, or undefined when it is valid. */
export function scheduleProblem(schedule: Schedule): string | undefined {
  if ("every" in schedule) {
    const ms = parseDuration(schedule.every);
    if (ms === undefined) return `'${schedule.every}' is not an ISO 8601 duration such as PT1H or P1D`;
    if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS)
      return "the interval must be between 5 minutes (PT5M) and 31 days (P31D)";
    return undefined;
  }
  try {
    const cron = parseCron(schedule.cron);
    if (nextCron(cron, new Date(Date.UTC(2000, 0, 1))) === undefined) return "the cron expression never matches a date";
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The first due moment strictly after `after`. Intervals count from `anchor` (when the schedule was
 * set), so they do not drift with the trigger's 5-minute granularity.
 */
export function nextDue(schedule: Schedule, anchor: Date, after: Date): Date {
  if ("every" in schedule) {
    const every = parseDuration(schedule.every)!;
    const elapsed = after.getTime() - anchor.getTime();
    const periods = elapsed < 0 ? 1 : Math.floor(elapsed / every) + 1;
    return new Date(anchor.getTime() + periods * every);
  }
  const next = nextCron(parseCron(schedule.cron), after);
  if (!next) throw new Error("the cron expression never matches a date");
  return next;
}

/** Walks forward field by field (month, day, hour, minute), at most about five years. */
function nextCron(cron: Cron, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 60 * 60 * 1000;
  while (t.getTime() <= limit) {
    if (!cron.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
      continue;
    }
    const dom = cron.days.has(t.getUTCDate());
    const dow = cron.weekdays.has(t.getUTCDay());
    if (!(cron.dayOr ? dom || dow : dom && dow)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
      continue;
    }
    if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
      continue;
    }
    if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    return t;
  }
  return undefined;
}
