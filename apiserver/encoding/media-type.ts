/** One entry of an Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io` → type + params. */
export interface MediaType {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Parses an Accept header in preference order (by q, then position); no header means `*\/*`. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header || !header.trim()) return [{ type: '*/*', params: {}, q: 1 }];
  const entries = header.split(',').map((part, index) => {
    const [type = '', ...rawParams] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = params.q !== undefined ? Number(params.q) : 1;
    delete params.q;
    return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, index };
  });
  return entries.filter((e) => e.type && e.q > 0).sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ type, params, q }) => ({ type, params, q }));
}
