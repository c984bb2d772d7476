/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource, quantity.go, suffix.go, amount.go) in
 * TypeScript: the same grammar, the same rounding and capping on parse, exact arithmetic, and the
 * same String() output, so usage written into quota status and the numbers in denial messages read
 * exactly as kube-apiserver prints them.
 *
 * A value is kept as `coefficient × 10^exponent` (bigints, normalised), never as a float. Parsing
 * keeps a value only down to nano units, like upstream, so every parsed value and every sum or
 * difference of parsed values is a whole number of nanos.
 */

/** Upstream's three formats. A parsed quantity remembers its family and prints in it again. */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value is `coefficient × 10^exponent`; the coefficient has no trailing zeros (zero is `0n × 10^0`). */
  readonly coefficient: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /**
   * The input text, when upstream's parser keeps it and String() then prints it verbatim (its `s`
   * cache): `+1`, `01` and `1.500` print as given. Arithmetic drops it, as upstream's Add/Sub do.
   */
  readonly text?: string;
}

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
/** resource.ErrFormatWrong. */
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
/** resource.ErrNumeric. */
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
/** resource.ErrSuffix. */
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
/**
 * Aligning two values whose exponents differ by more than this many digits would build a number of
 * that many digits (upstream's inf.Dec would too, and never finish). No real quantity comes near it.
 */
const MAX_ALIGN_DIGITS = 4096;
/**
 * The most significant digits (after rounding to nanos, without leading or trailing zeros) a parsed value
 * may have. Upstream has no such bound, but its inf.Dec takes seconds over a few MiB of digits (big.Int's
 * decimal scan is quadratic) and so would BigInt() here; a longer value is refused with ErrNumeric, which
 * callers already answer as a 4xx. Values of that size (10^4087 nanos and more) mean nothing as resources.
 */
export const MAX_SIGNIFICANT_DIGITS = MAX_ALIGN_DIGITS;

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let cached = pow10Cache[n];
    if (cached === undefined) pow10Cache[n] = cached = 10n ** BigInt(n);
    return cached;
  }
  return 10n ** BigInt(n);
}

const abs = (n: bigint) => (n < 0n ? -n : n);
const digitCount = (n: bigint) => (n === 0n ? 0 : abs(n).toString().length);

/**
 * Builds a normalised quantity: trailing zeros of the coefficient move into the exponent. They are
 * counted on the decimal text in one pass, not divided off one at a time (quadratic in their number).
 */
function make(coefficient: bigint, exponent: number, format: QuantityFormat, text?: string): Quantity {
  if (coefficient === 0n) return text === undefined ? { coefficient: 0n, exponent: 0, format } : { coefficient: 0n, exponent: 0, format, text };
  let c = coefficient;
  let e = exponent;
  if (c % 10n === 0n) {
    const zeros = trailingZeros(abs(c).toString());
    c /= pow10(zeros);
    e += zeros;
  }
  return text === undefined ? { coefficient: c, exponent: e, format } : { coefficient: c, exponent: e, format, text };
}

/** The number of '0' characters `digits` ends with. */
function trailingZeros(digits: string): number {
  let i = digits.length;
  while (i > 0 && digits.charCodeAt(i - 1) === 0x30) i--;
  return digits.length - i;
}

/** The number of '0' characters `digits` starts with. */
function leadingZeros(digits: string): number {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 0x30) i++;
  return i;
}

/** `c / 10^n`, rounded away from zero (inf.RoundUp), for n > 0. */
function divRoundAway(c: bigint, n: number): bigint {
  if (c === 0n) return 0n;
  if (n > digitCount(c)) return c < 0n ? -1n : 1n;
  const d = pow10(n);
  const q = c / d;
  if (q * d === c) return q;
  return c < 0n ? q - 1n : q + 1n;
}

/** Rounds to whole nanos, away from zero, as ParseQuantity does with anything finer. */
function roundToNano(c: bigint, e: number): [bigint, number] {
  return e >= NANO ? [c, e] : [divRoundAway(c, NANO - e), NANO];
}

/** The value as an integer count of 10^exponent units (exponent must not exceed q.exponent by much). */
function scaledTo(q: Quantity, exponent: number): bigint {
  const diff = q.exponent - exponent;
  if (diff > MAX_ALIGN_DIGITS) throw new RangeError('quantity too large to align exactly');
  return q.coefficient * pow10(diff);
}

// strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. More than 19 significant digits
// are out of range without converting them (BigInt() of a long text is quadratic).
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const unsigned = s[0] === '+' || s[0] === '-' ? s.slice(1) : s;
  if (unsigned.length - leadingZeros(unsigned) > 19) return undefined;
  const n = BigInt(s);
  return n < MIN_INT64 || n > MAX_INT64 ? undefined : n;
}

interface Scanned {
  positive: boolean;
  /** Whether the numeric part (before the suffix) contains a digit: inf.Dec.SetString needs one. */
  hasDigits: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
const DIGIT_RUN = /[0-9]*/y;
/** The index after the run of decimal digits starting at `from` (one native scan, not a loop of string reads). */
function skipDigits(s: string, from: number): number {
  DIGIT_RUN.lastIndex = from;
  DIGIT_RUN.test(s);
  return DIGIT_RUN.lastIndex;
}
const SUFFIX_CHARS = 'eEinumkKMGTP';

/** parseQuantityString: the same scanner, including its leniency (`1.`, `.`, `+`, and leading zeros parse). */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  const numberStart = pos;
  // Leading zeros are dropped; a string of nothing but zeros (or a bare sign) is zero.
  for (;;) {
    if (pos >= end) return { positive, hasDigits: true, num: '0', denom: '', suffix: '' };
    if (str[pos] !== '0') break;
    pos++;
  }
  let i = skipDigits(str, pos);
  let num = str.slice(pos, i);
  pos = i;
  if (pos >= end) return { positive, hasDigits: true, num: num || '0', denom: '', suffix: '' };
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = skipDigits(str, pos);
    denom = str.slice(pos, i);
    pos = i;
  }
  const hasDigits = /[0-9]/.test(str.slice(numberStart, pos));
  if (pos >= end) return { positive, hasDigits, num, denom, suffix: '' };
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new Error(ERR_FORMAT_WRONG);
  return { positive, hasDigits, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** suffixer.interpret. */
function interpret(suffix: string): Suffix | undefined {
  const dec = decimalSuffixes[suffix];
  if (dec !== undefined && Object.hasOwn(decimalSuffixes, suffix)) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = binarySuffixes[suffix];
  if (bin !== undefined && Object.hasOwn(binarySuffixes, suffix)) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const parsed = parseInt64(suffix.slice(1));
    if (parsed === undefined) return undefined;
    // Upstream stores the exponent as an int32, truncating larger values.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

/**
 * resource.ParseQuantity. Throws an Error carrying upstream's message (ErrFormatWrong, ErrSuffix or
 * ErrNumeric) for text it rejects. Binary-suffixed values are capped at 2^63-1, as upstream does.
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new Error(ERR_FORMAT_WRONG);
  if (str === '0') return withInt64Form(make(0n, 0, 'DecimalSI', str), 0n, 0);
  const { positive, hasDigits, num, denom, suffix } = scan(str);
  const sfx = interpret(suffix);
  if (!sfx) throw new Error(ERR_SUFFIX);
  const format = sfx.format;

  // Upstream's int64 fast path: it decides whether the input text is kept for String().
  let fast = false;
  let keepText = false;
  if (format === 'BinarySI') {
    const precision = 15 - num.length - Math.trunc((sfx.exponent * 3) / 10) - 1;
    if (denom.length === 0 && precision >= 0) {
      const value = BigInt(num);
      if (value << BigInt(sfx.exponent) <= MAX_INT64) {
        fast = true;
        keepText = (value & 7n) !== 0n;
      }
    }
  } else {
    const precision = 18 - (num.length + denom.length);
    const scale = sfx.exponent - denom.length;
    if (precision >= 0 && scale >= NANO) {
      fast = true;
      const shifted = num + denom;
      keepText = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
    }
  }
  // inf.Dec.SetString, on the slow path, wants at least one digit.
  if (!fast && !hasDigits) throw new Error(ERR_NUMERIC);
  if (fast) {
    const magnitude = BigInt(num + denom);
    let c = positive ? magnitude : -magnitude;
    let e = -denom.length;
    if (sfx.base === 10) e += sfx.exponent;
    else c *= 1n << BigInt(sfx.exponent);
    [c, e] = roundToNano(c, e);
    const q = make(c, e, format, keepText ? str : undefined);
    const value = sfx.base === 10 ? magnitude : magnitude << BigInt(sfx.exponent);
    return withInt64Form(q, positive ? value : -value, sfx.base === 10 ? sfx.exponent - denom.length : 0);
  }
  return sfx.base === 10 ? parseDecimalSlow(positive, num, denom, sfx.exponent, format)
    : parseBinarySlow(positive, num, denom, sfx.exponent);
}

/**
 * The inf.Dec path for a decimal suffix, in time linear in the text: the rounding to nanos (away from zero)
 * is done on the digits, so only the significant digits that remain become a BigInt.
 */
function parseDecimalSlow(positive: boolean, num: string, denom: string, exponent: number, format: QuantityFormat): Quantity {
  let digits = num + denom;
  let e = exponent - denom.length;
  let roundAway = false;
  if (e < NANO) {
    const keep = digits.length - (NANO - e);
    const dropped = keep > 0 ? digits.slice(keep) : digits;
    roundAway = leadingZeros(dropped) < dropped.length;
    digits = keep > 0 ? digits.slice(0, keep) : '';
    e = NANO;
  }
  const zeros = trailingZeros(digits);
  const significant = digits.slice(leadingZeros(digits), digits.length - zeros);
  if (significant.length > MAX_SIGNIFICANT_DIGITS) throw new Error(ERR_NUMERIC);
  let c = significant === '' ? 0n : BigInt(significant);
  if (significant !== '') e += zeros;
  if (roundAway) c += 1n;
  return make(positive ? c : -c, e, format);
}

/**
 * The inf.Dec path for a binary suffix: the value times 2^exponent, rounded to nanos, capped at 2^63-1, and
 * printed as decimal when below 1. An integer part of 20 digits or more is capped whatever follows.
 */
function parseBinarySlow(positive: boolean, num: string, denom: string, exponent: number): Quantity {
  let format: QuantityFormat = 'BinarySI';
  const capped = make(positive ? MAX_INT64 : -MAX_INT64, 0, format);
  if (num.length - leadingZeros(num) >= 20) return capped;
  const fraction = denom.slice(0, denom.length - trailingZeros(denom));
  if (num.length + fraction.length > MAX_SIGNIFICANT_DIGITS) throw new Error(ERR_NUMERIC);
  const magnitude = BigInt(num + fraction);
  let c = (positive ? magnitude : -magnitude) << BigInt(exponent);
  let e = -fraction.length;
  [c, e] = roundToNano(c, e);
  const q = make(c, e, format);
  if (cmpMagnitude(q, MAX_INT64) > 0) return capped;
  // A binary value strictly between 0 and 1 in magnitude is printed as decimal.
  if (c !== 0n && cmpMagnitude(q, 1n) < 0) format = 'DecimalSI';
  return make(c, e, format);
}

/**
 * How upstream holds a freshly parsed quantity: an int64 and a power-of-ten scale when it took the
 * fast path, else an inf.Dec. The value is the same either way; only int64 overflow in the accessors
 * tells them apart (see upstreamMilliValue).
 */
const int64Forms = new WeakMap<Quantity, { value: bigint; scale: number }>();

function withInt64Form(q: Quantity, value: bigint, scale: number): Quantity {
  int64Forms.set(q, { value, scale });
  return q;
}

const toInt64 = (n: bigint) => BigInt.asIntN(64, n);
const TWO64 = 1n << 64n;

/** (c × 10^e) mod 2^64 for e >= 0, without building 10^e. */
function low64(c: bigint, e: number): bigint {
  let result = BigInt.asUintN(64, c);
  let base = 10n;
  let n = e;
  while (n > 0) {
    if (n % 2 === 1) result = (result * base) % TWO64;
    base = (base * base) % TWO64;
    n = Math.floor(n / 2);
  }
  return result;
}

/**
 * Quantity.MilliValue() exactly as apimachinery v0.36 computes it for a parsed quantity, overflow
 * included: from the int64 form an overflowing result is 0; from the inf.Dec form it keeps the low
 * 64 bits. Validation's "must be an integer" test (`MilliValue() % 1000 != 0`) needs this to accept
 * and reject the same huge values upstream does (`10E` passes, `10000000000000000000` fails).
 * Quantities that did not come from parseQuantity are treated as inf.Dec.
 */
export function upstreamMilliValue(q: Quantity): bigint {
  const form = int64Forms.get(q);
  if (form !== undefined) {
    if (form.value === 0n) return 0n;
    // AsScaledInt64(Milli): round away from zero when scaling down. Scaling up (positiveScaleInt64 by an
    // int32 difference, which can wrap negative and then does nothing): by 10, 100, 1000, 10^6 or 10^9 an
    // overflow wraps around; by any other power it gives 0.
    if (form.scale < -3) return divRoundAway(form.value, -3 - form.scale);
    const k = Number(BigInt.asIntN(32, BigInt(form.scale) + 3n));
    if (k <= 0) return form.value;
    if (k === 1 || k === 2 || k === 3 || k === 6 || k === 9) return form.value === MIN_INT64 ? 0n : toInt64(form.value * pow10(k));
    if (digitCount(form.value) + k > 20) return 0n;
    const r = form.value * pow10(k);
    return r > MAX_INT64 || r < MIN_INT64 ? 0n : r;
  }
  // scaledValue(unscaled at inf scale 9, 9, 3): the value in nanos divided by 10^6, rounded up, in int64
  // arithmetic while the nanos fit (wrapping a huge negative), else the big quotient's low 64 bits.
  const d = 1000000n;
  if (q.exponent < -3) {
    // At most six digits longer than the coefficient, so computed exactly.
    const nanos = q.exponent >= NANO ? scaledTo(q, NANO) : divRoundAway(q.coefficient, NANO - q.exponent);
    if (nanos < MAX_INT64) {
      const u = toInt64(nanos);
      const result = u / d;
      return u % d !== 0n ? toInt64(result + 1n) : result;
    }
    const result = nanos / d;
    return nanos % d !== 0n ? toInt64(toInt64(result) + 1n) : toInt64(result);
  }
  if (cmp(q, make(MAX_INT64, NANO, 'DecimalSI')) < 0) {
    const u = BigInt.asIntN(64, low64(q.coefficient, q.exponent + 9));
    const result = u / d;
    return u % d !== 0n ? toInt64(result + 1n) : result;
  }
  // A whole number of millis: the quotient is exact.
  return BigInt.asIntN(64, low64(q.coefficient, q.exponent + 3));
}

/** Compares |q| with a non-negative integer. */
function cmpMagnitude(q: Quantity, n: bigint): number {
  return cmp(make(abs(q.coefficient), q.exponent, 'DecimalSI'), make(n, 0, 'DecimalSI'));
}

/** resource.NewQuantity(value, format): an integer quantity. */
export function newQuantity(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return make(BigInt(value), 0, format);
}

/** The zero quantity (`resource.Quantity{Format: DecimalSI}`), printed as `0`. */
export const ZERO: Quantity = make(0n, 0, 'DecimalSI');

/** Quantity.Sign(). */
export function sign(q: Quantity): -1 | 0 | 1 {
  return q.coefficient === 0n ? 0 : q.coefficient < 0n ? -1 : 1;
}

export function isZero(q: Quantity): boolean {
  return q.coefficient === 0n;
}

export function isNegative(q: Quantity): boolean {
  return q.coefficient < 0n;
}

/** Quantity.Cmp: -1, 0 or 1. The format does not matter. */
export function cmp(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: the magnitudes' orders decide before any alignment is needed.
  const oa = digitCount(a.coefficient) + a.exponent;
  const ob = digitCount(b.coefficient) + b.exponent;
  if (oa !== ob) return (oa > ob ? sa : -sa) as -1 | 1;
  const e = Math.min(a.exponent, b.exponent);
  const ca = scaledTo(a, e);
  const cb = scaledTo(b, e);
  return ca === cb ? 0 : ca < cb ? -1 : 1;
}

/** Quantity.Add: exact; the result keeps a's format, or takes b's when a is zero. */
export function add(a: Quantity, b: Quantity): Quantity {
  const format = isZero(a) ? b.format : a.format;
  if (isZero(b)) return make(a.coefficient, a.exponent, format);
  if (isZero(a)) return make(b.coefficient, b.exponent, format);
  const e = Math.min(a.exponent, b.exponent);
  return make(scaledTo(a, e) + scaledTo(b, e), e, format);
}

/** Quantity.Sub: exact; the result keeps a's format, or takes b's when a is zero. */
export function sub(a: Quantity, b: Quantity): Quantity {
  return add(a.coefficient === 0n ? make(0n, 0, b.format) : a, neg(b));
}

/** Quantity.Neg. */
export function neg(q: Quantity): Quantity {
  return make(-q.coefficient, q.exponent, q.format);
}

/** The larger of two quantities (a on a tie), kept as is, text included, as maxResourceList keeps a DeepCopy. */
export function max(a: Quantity, b: Quantity): Quantity {
  return cmp(b, a) > 0 ? b : a;
}

/**
 * Quantity.RoundUp(scale): the value rounded away from zero to a multiple of 10^scale, and whether
 * that was exact (an exact value comes back unchanged, text included).
 */
export function roundUp(q: Quantity, scale = 0): { quantity: Quantity; exact: boolean } {
  if (q.exponent >= scale || isZero(q)) return { quantity: q, exact: true };
  return { quantity: make(divRoundAway(q.coefficient, scale - q.exponent), scale, q.format), exact: false };
}

/**
 * Quantity.ScaledValue(scale): ceil(q / 10^scale) rounded away from zero, or undefined where upstream's
 * int64 would overflow.
 */
function scaledValue(q: Quantity, scale: number): bigint | undefined {
  if (isZero(q)) return 0n;
  const diff = q.exponent - scale;
  let v: bigint;
  if (diff >= 0) {
    if (digitCount(q.coefficient) + diff > 19) return undefined;
    v = q.coefficient * pow10(diff);
  } else {
    v = divRoundAway(q.coefficient, -diff);
  }
  return v < MIN_INT64 || v > MAX_INT64 ? undefined : v;
}

/** Quantity.Value(), or undefined where upstream's int64 would overflow. */
export function value(q: Quantity): bigint | undefined {
  return scaledValue(q, 0);
}

const decimalSuffixFor: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const binarySuffixFor = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** AsCanonicalBytes plus the suffix: an exponent that is a multiple of 3, and no fractional digits. */
function formatDecimal(q: Quantity, format: 'DecimalSI' | 'DecimalExponent'): string {
  let c = q.coefficient;
  let e = q.exponent;
  while (e % 3 !== 0) {
    c *= 10n;
    e -= 1;
  }
  let suffix: string;
  if (format === 'DecimalSI' && decimalSuffixFor[e] !== undefined) {
    suffix = decimalSuffixFor[e] as string;
  } else {
    // DecimalExponent; also DecimalSI beyond E (10^18), which upstream v0.36 would print without any
    // suffix at all (so 1000E read back as 1). Current apimachinery falls back to `e` notation, as here.
    suffix = e === 0 ? '' : `e${e}`;
  }
  return `${c}${suffix}`;
}

/**
 * Quantity.String(): the kept input text if upstream keeps it, otherwise the canonical form (no
 * fractional digits, the largest exponent or suffix without loss, the sign only when negative).
 * A binary quantity below 1024 in magnitude, or one that is not a whole number, prints as decimal:
 * `1.5Gi` is `1536Mi`, `0.5Ki` is `512`, `1.5` is `1500m`.
 */
export function format(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  if (isZero(q)) return '0';
  if (q.format === 'BinarySI' && cmpMagnitude(q, 1024n) >= 0 && q.exponent >= 0) {
    let n = scaledTo(q, 0);
    let e = 0;
    while (n % 1024n === 0n) {
      n /= 1024n;
      e++;
    }
    // Past Ei there is no suffix (upstream would drop the exponent); print such a value as decimal.
    if (e < binarySuffixFor.length) return `${n}${binarySuffixFor[e] ?? ''}`;
    return formatDecimal(q, 'DecimalSI');
  }
  return formatDecimal(q, q.format === 'DecimalExponent' ? 'DecimalExponent' : 'DecimalSI');
}

/** Quantity.Equal. */
export function equal(a: Quantity, b: Quantity): boolean {
  return cmp(a, b) === 0;
}

/**
 * A quantity as it arrives in JSON: a string (trimmed, as UnmarshalJSON trims) or a number (its
 * JavaScript spelling, which differs from the raw JSON text only in exponent style).
 */
export function toQuantity(v: unknown): Quantity {
  if (typeof v === 'number' && Number.isFinite(v)) return parseQuantity(String(v));
  if (typeof v === 'string') return parseQuantity(v.trim());
  throw new Error(ERR_FORMAT_WRONG);
}
