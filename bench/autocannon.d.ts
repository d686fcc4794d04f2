// autocannon ships no types; this is the part of its API the benchmark uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      duration?: number;
      connections?: number;
      amount?: number;
      requests?: { setupRequest?: (request: Record<string, unknown>) => Record<string, unknown>; onResponse?: (status: number, body: string) => void }[];
    }
    interface Result {
      /** Seconds the run took. */
      duration: number;
      requests: { average: number; total: number };
      latency: { p50: number; p99: number };
      errors: number;
      non2xx: number;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
