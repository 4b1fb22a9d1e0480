/**
 * The server's state of one experiment's outcome reports in one period: one count per value of the randomized
 * response's domain (arms × outcome levels), at one ε. Adding a report is O(1); tallies of the same experiment,
 * ε and domain merge by addition (partitions, consumers, the days of a window), like the OLH sketches.
 */
export class OutcomeTally {
  readonly counts: Uint32Array;
  /** Reports added (and merged in). */
  reports = 0;

  constructor(readonly experiment: string, readonly epsilon: number, readonly d: number, counts?: Uint32Array) {
    if (counts && counts.length !== d) throw new RangeError(`edgereco: an outcome tally of ${d} values has ${d} counts (got ${counts.length})`);
    this.counts = counts ?? new Uint32Array(d);
  }

  /** The tally's name in a period state: `experiment@ε@d`. */
  static key(experiment: string, epsilon: number, d: number): string {
    return `${experiment}@${epsilon}@${d}`;
  }

  add(y: number): void {
    this.counts[y]! += 1;
    this.reports += 1;
  }

  merge(other: OutcomeTally): void {
    if (other.experiment !== this.experiment || other.epsilon !== this.epsilon || other.d !== this.d) {
      throw new RangeError(`edgereco: cannot merge the outcome tally ${OutcomeTally.key(other.experiment, other.epsilon, other.d)} into ${OutcomeTally.key(this.experiment, this.epsilon, this.d)}`);
    }
    for (let i = 0; i < this.d; i++) this.counts[i]! += other.counts[i]!;
    this.reports += other.reports;
  }
}
