/**
 * A workload a backend cannot run by its nature (no training in an inference runtime, a missing
 * kernel), as opposed to a failure: the suite shows it as "n/a (reason)", the test as a skip.
 */
export class NotApplicable extends Error {
  get name() {
    return 'NotApplicable';
  }
}
