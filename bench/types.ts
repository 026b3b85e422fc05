/** One line of `npm run bench`'s table. `ratio` compares against the peer measured in the same run. */
export interface BenchRow {
  bench: string;
  case: string;
  value: number;
  unit: string;
  ratio?: number;
  target?: string;
  /** The Node version the bench ran on (set by bench/run.mts). */
  node?: string;
}
