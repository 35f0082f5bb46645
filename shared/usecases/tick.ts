// The scheduled trigger's work: each step finds its due work through keys and indexes, never a Scan.
import type { Clock } from "../clock";

export interface TickStep {
  name: string;
  run(now: Date): Promise<number>;
}

export interface TickSummary {
  at: string;
  /** Items of work each step did, by step name. */
  work: Record<string, number>;
}

export function tickUseCase(deps: { clock: Clock; steps: TickStep[] }) {
  return {
    async run(): Promise<TickSummary> {
      const now = deps.clock.now();
      const work: Record<string, number> = {};
      for (const step of deps.steps) work[step.name] = await step.run(now);
      return { at: now.toISOString(), work };
    },
  };
}
