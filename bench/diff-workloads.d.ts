/** Types for diff-workloads.js (plain JS so bench/diff.js runs without a build step for it). */
export declare const RULES_YAML: string
export declare function makePair(kb: number): { primary: unknown; candidate: unknown }
export declare function expectedOps(kb: number): { op: 'replace'; path: string; value: string }[]
