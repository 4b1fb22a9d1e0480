/** Resolves with a port that was free a moment ago (listen on 0, read the port, close). */
export function freePort(): Promise<number>;
