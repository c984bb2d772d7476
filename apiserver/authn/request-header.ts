import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHeaderConfig } from '../../storage/authentication/request-header-config.js';
import type { UserInfo } from '../../storage/user-info.js';

export type DistinctHeaders = Record<string, string[] | undefined>;

function values(headers: DistinctHeaders, name: string): string[] {
  return headers[name.toLowerCase()] ?? [];
}

/**
 * Reads the user from the front proxy's headers as genericapiserver's requestheader authenticator does:
 * the first non-empty username header; every value of every group header, in order (repeated headers
 * are separate groups, never split on commas); extras by prefix with %-unescaped, lower-cased keys.
 * Returns undefined when no username header is set (the request is then not authenticated this way).
 */
export function userFromRequestHeaders(headers: DistinctHeaders, config: RequestHeaderConfig): UserInfo | undefined {
  const username = config.usernameHeaders.flatMap((h) => values(headers, h)).find((v) => v.length > 0);
  if (!username) return undefined;
  const groups = config.groupHeaders.flatMap((h) => values(headers, h)).filter((g) => g.length > 0);
  const uid = config.uidHeaders.flatMap((h) => values(headers, h)).find((v) => v.length > 0);
  // Keys come from header names (`X-Remote-Extra-__proto__` is one): collected in a Map, returned as own properties.
  const extra = new Map<string, string[]>();
  for (const prefix of config.extraHeaderPrefixes) {
    const lowerPrefix = prefix.toLowerCase();
    for (const [name, vals] of Object.entries(headers)) {
      if (!name.startsWith(lowerPrefix) || !vals) continue;
      const rawKey = name.slice(lowerPrefix.length);
      let k: string;
      try {
        k = decodeURIComponent(rawKey).toLowerCase();
      } catch {
        k = rawKey;
      }
      extra.set(k, [...(extra.get(k) ?? []), ...vals]);
    }
  }
  return { username, ...(uid ? { uid } : {}), groups, extra: Object.fromEntries(extra) };
}

export type { IncomingHttpHeaders };
