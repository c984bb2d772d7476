/**
 * `Warning` response headers as genericapiserver writes them (k8s.io/apimachinery/pkg/util/net
 * NewWarningHeader, k8s.io/apiserver/pkg/endpoints/filters/warning.go): `299 - "<text>"`, one header per
 * distinct text, at most 4096 runes of text in total; past that, every text is cut to 256 runes and texts
 * added once the truncated total is over 4096 are dropped.
 */

const TRUNCATE_AT_TOTAL_RUNES = 4 * 1024;
const TRUNCATE_ITEM_RUNES = 256;

/**
 * How many warning texts can matter at most: each counts at least one rune, so at most 4096 fit before
 * truncation starts and at most 4096 more after it. Producers of many warnings may stop there.
 */
export const MAX_RECORDED_WARNINGS = 2 * TRUNCATE_AT_TOTAL_RUNES + 1;

const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/g;
/** The number of code points (a lone surrogate counts as one), without spreading the text into an array. */
const runeLength = (s: string) => s.length - (s.match(SURROGATE_PAIR)?.length ?? 0);
/** The first `n` code points of `s`. */
function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (let runes = 0; runes < n && i < s.length; runes++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return s.slice(0, i);
}

// unicode.IsControl: C0, DEL and C1.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const AGENT_FORBIDDEN = /[\s"\\\u0000-\u001f\u007f-\u009f]/u;
// Not valid UTF-8 once encoded.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** makeQuotedString: the text in double quotes, `"` and `\` escaped, everything else as is. */
const quoted = (text: string) => `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * NewWarningHeader: `<code, 3 digits> <agent or -> "<text>"`, or undefined where upstream returns an error
 * (a code outside 0-999, an agent with blanks, quotes, backslashes or controls, a text with control characters).
 */
export function warningHeader(text: string, code = 299, agent = ''): string | undefined {
  if (!Number.isInteger(code) || code < 0 || code > 999) return undefined;
  if (agent !== '' && AGENT_FORBIDDEN.test(agent)) return undefined;
  if (CONTROL.test(text) || LONE_SURROGATE.test(text)) return undefined;
  return `${String(code).padStart(3, '0')} ${agent || '-'} ${quoted(text)}`;
}

/**
 * The filter's recorder: add warnings as they arise, read the header values at the end. Empty and repeated
 * texts are ignored; the size rules are applied as upstream applies them, in the order warnings arrive.
 */
export class WarningRecorder {
  private readonly recorded = new Set<string>();
  private readonly ordered: Array<{ agent: string; text: string }> = [];
  private written = 0;
  private truncating = false;
  private values: string[] = [];

  add(text: string, agent = ''): void {
    if (text.length === 0) return;
    if (this.written >= TRUNCATE_AT_TOTAL_RUNES && this.truncating) return;
    if (this.recorded.has(text)) return;
    this.recorded.add(text);
    this.ordered.push({ agent, text });

    let shown = text;
    let length = runeLength(text);
    if (this.truncating && length > TRUNCATE_ITEM_RUNES) {
      shown = truncateRunes(text, TRUNCATE_ITEM_RUNES);
      length = TRUNCATE_ITEM_RUNES;
    }
    const header = warningHeader(shown, 299, agent);
    if (header === undefined) return;
    if (this.written + length <= TRUNCATE_AT_TOTAL_RUNES || this.truncating) {
      this.written += length;
      this.values.push(header);
      return;
    }

    // Over the limit for the first time: start again, with every warning so far cut to 256 runes.
    this.truncating = true;
    this.written = 0;
    this.values = [];
    for (const w of this.ordered) {
      const cut = runeLength(w.text) > TRUNCATE_ITEM_RUNES ? truncateRunes(w.text, TRUNCATE_ITEM_RUNES) : w.text;
      const h = warningHeader(cut, 299, w.agent);
      if (h === undefined) continue;
      this.written += runeLength(cut);
      this.values.push(h);
    }
  }

  /** The `Warning` header values, in order. */
  headers(): string[] {
    return [...this.values];
  }
}

/** The `Warning` header values for a list of warning texts (de-duplicated, size-capped, quoted). */
export function warningHeaders(texts: Iterable<string>, agent = ''): string[] {
  const recorder = new WarningRecorder();
  for (const text of texts) recorder.add(text, agent);
  return recorder.headers();
}
