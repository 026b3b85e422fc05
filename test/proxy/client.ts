/** Plain-HTTP clients of a route, as the tests drive them (each request on a new TCP connection unless an agent is given). */
import http from 'node:http';

/** GET `path` from the route on `port`; resolves the status and body, rejects on a connection failure. */
export function get(port: number, path: string, agent: http.Agent | false = false): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Runs `clients` loops of `each` GETs at once; counts successes (status 200) and failures. */
export async function load(clients: number, each: number, request: (client: number, i: number) => Promise<{ status: number; body: Buffer }>, onAnswer?: (body: Buffer) => void) {
  let ok = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < each; i++) {
        try {
          const r = await request(c, i);
          if (r.status === 200) {
            ok++;
            onAnswer?.(r.body);
          } else failures.push(`status ${r.status}: ${r.body.toString().slice(0, 200)}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    }),
  );
  return { ok, failures };
}
