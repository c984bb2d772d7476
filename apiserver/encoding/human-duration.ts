/**
 * Ages as kubectl shows them: k8s.io/apimachinery/pkg/util/duration.HumanDuration and
 * pkg/api/meta/table.ConvertToHumanReadableDateType, so an AGE column reads the same for our
 * resources as for CRDs and built-ins.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's integer conversion and integer division truncate toward zero. */
const div = (a: number, b: number) => Math.trunc(a / b);

/**
 * duration.HumanDuration: ~2-3 significant figures (`45s`, `2m3s`, `10m`, `3h4m`, `20h`, `3d4h`,
 * `45d`, `2y3d`, `9y`). Up to 2 s in the future is clock skew and shows as `0s`; further is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '<invalid>';
  const seconds = div(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = div(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = div(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = div(hours, 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = div(days, 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

// metav1.Time's query-parameter form is time.RFC3339, which Go also accepts with fractional seconds.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when Go's time.Parse would fail. */
export function parseRFC3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = Number(m[9] ?? 0);
  const offsetMinutes = Number(m[10] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The age of an object for a `date` table cell, as CRD printer columns render one: `<unknown>` when
 * the timestamp is missing (or `null`), `<invalid>` when it cannot be parsed, else {@link humanDuration}.
 */
export function ageOf(creationTimestamp: string | null | undefined, now: number): string {
  if (creationTimestamp === undefined || creationTimestamp === null || creationTimestamp === '' || creationTimestamp === 'null') {
    return '<unknown>';
  }
  const t = parseRFC3339(creationTimestamp);
  return t === undefined ? '<invalid>' : humanDuration(now - t);
}
