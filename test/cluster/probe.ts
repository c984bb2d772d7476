import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecure?: boolean;
}

export interface ProbeResponse {
  status: number;
  body: string;
}

/** One GET with a short timeout; rejects on connection errors, resolves with status and body otherwise. */
export function probe(url: string, tls: ProbeTls = {}, timeoutMs = 2000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = url.startsWith('https:');
    const options = isHttps
      ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: timeoutMs }
      : { timeout: timeoutMs };
    const req = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function probeOk(url: string, tls: ProbeTls = {}): Promise<boolean> {
  const res = await probe(url, tls);
  return res.status === 200;
}
