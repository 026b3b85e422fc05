/** Seconds in each unit of a duration such as 90s, 30m, 2h, 7d. */
export const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A whole-number duration (`90s`, `30m`, `2h`, `7d`; space before the unit allowed) as seconds; undefined when `text` is not one. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : undefined;
}
