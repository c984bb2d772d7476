import { kubectlOk } from '../cluster/kubectl.js';

/**
 * TokenReviews kube-apiserver has served since it started, from its own apiserver_request_total: counted
 * where they land, so a review our server makes cannot go unseen whatever our code does.
 */
export async function tokenReviewsServed(): Promise<number> {
  const metrics = await kubectlOk(['get', '--raw', '/metrics'], { timeoutMs: 30_000 });
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith('apiserver_request_total{') && line.includes('resource="tokenreviews"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
