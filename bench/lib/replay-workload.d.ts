/** Types for replay-workload.js (plain JS so bench/replay.js runs without a build step for it). */
export declare function captureLine(i: number, startMs?: number): string
export declare function writeCapture(file: string, count: number): Promise<number>
