/**
 * Just enough DER (X.690 Distinguished Encoding Rules) to write X.509 certificates with node:crypto alone,
 * and to read back the few fields of a CA certificate that a child certificate must copy byte for byte
 * (its subject, its key identifier). Every encoder returns one complete TLV (tag, length, value); nesting
 * is done by passing encoded children to sequence()/set()/explicit(). Only low tag numbers (< 31) exist
 * here: X.509 needs no others.
 */

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

const CONTEXT = 0x80;
const CONSTRUCTED = 0x20;

/** Definite length: short form below 128, otherwise 0x80|n followed by n big-endian bytes (X.690 8.1.3). */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`der: invalid length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with an already-complete identifier octet. */
function tlv(tag: number, content: Buffer): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new RangeError(`der: unsupported tag 0x${tag.toString(16)}`);
  }
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...children: Buffer[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(children));
}

/** DER requires the elements of a SET OF to be sorted by their encodings (X.690 11.6). */
export function set(...children: Buffer[]): Buffer {
  return tlv(TAG.set, Buffer.concat([...children].sort((a, b) => Buffer.compare(a, b))));
}

/**
 * A Buffer is read as an unsigned big-endian magnitude (serial numbers, key material); a bigint may be
 * negative and is written in minimal two's complement. Either way the result is the shortest encoding:
 * a 0x00 is prepended when the top bit would otherwise make a positive number read as negative.
 */
export function integer(value: Buffer | bigint | number): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`der: ${value} is not a safe integer`);
    value = BigInt(value);
  }
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
    const needsPad = (magnitude[0] ?? 0) & 0x80;
    return tlv(TAG.integer, needsPad ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
  }
  return tlv(TAG.integer, twosComplement(value));
}

function twosComplement(value: bigint): Buffer {
  // Grow the width until the value fits as a signed number, then take its low bytes.
  let bytes = 1;
  while (value < -(1n << BigInt(8 * bytes - 1)) || value >= 1n << BigInt(8 * bytes - 1)) bytes++;
  let unsigned = value < 0n ? (1n << BigInt(8 * bytes)) + value : value;
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
  return out;
}

/** Dotted form, e.g. '2.5.4.3'. The first two arcs share one subidentifier (40 * a + b, X.690 8.19.4). */
export function oid(dotted: string): Buffer {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new RangeError(`der: invalid object identifier '${dotted}'`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second >= 40n) throw new RangeError(`der: invalid object identifier '${dotted}'`);
  const bytes: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const base128 = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) base128.unshift(Number(n & 0x7fn) | 0x80);
    bytes.push(...base128);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(value, 'utf8'));
}

/** IA5String is 7-bit ASCII; dNSName entries of a subjectAltName use it. */
export function ia5String(value: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(value)) throw new RangeError(`der: '${value}' is not an IA5String`);
  return tlv(TAG.ia5String, Buffer.from(value, 'ascii'));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYMMDDHHMMSSZ. Seconds are always present and fractions never are (RFC 5280 4.1.2.5.1). */
function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`der: UTCTime cannot hold year ${year}`);
  return tlv(TAG.utcTime, Buffer.from(`${pad(year % 100)}${timeOfYear(date)}Z`, 'ascii'));
}

/** YYYYMMDDHHMMSSZ, without fractional seconds (RFC 5280 4.1.2.5.2). */
function generalizedTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`der: GeneralizedTime cannot hold year ${year}`);
  return tlv(TAG.generalizedTime, Buffer.from(`${pad(year, 4)}${timeOfYear(date)}Z`, 'ascii'));
}

function timeOfYear(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('der: invalid date');
  return `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}` +
    `${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** RFC 5280 4.1.2.5: UTCTime for 1950 through 2049, GeneralizedTime outside that range. */
export function x509Time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? utcTime(date) : generalizedTime(date);
}

/** The first content octet counts the unused low bits of the last byte. */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`der: invalid unused bit count ${unusedBits}`);
  }
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A NamedBitList such as KeyUsage, given the numbers of the bits that are set (bit 0 is the most
 * significant bit of the first byte). DER drops trailing zero bits (X.690 11.2.2), so the length and the
 * unused-bit count follow from the highest bit set.
 */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw new RangeError(`der: invalid bit number ${bit}`);
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit % 8));
  }
  return bitString(bytes, 7 - (highest % 8));
}

export function octetString(bytes: Buffer): Buffer {
  return tlv(TAG.octetString, bytes);
}

/** DER allows only 0xff for TRUE (X.690 11.1). */
export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/** [n] EXPLICIT: a constructed context-specific wrapper around one complete element, e.g. version [0], extensions [3]. */
export function explicit(tagNumber: number, inner: Buffer): Buffer {
  return tlv(CONTEXT | CONSTRUCTED | contextNumber(tagNumber), inner);
}

/**
 * [n] IMPLICIT on a primitive type: the context tag replaces the type's own, so only its content is given,
 * e.g. GeneralName dNSName [2] (IA5String) and iPAddress [7] (OCTET STRING), keyIdentifier [0].
 */
export function implicit(tagNumber: number, content: Buffer): Buffer {
  return tlv(CONTEXT | contextNumber(tagNumber), content);
}

function contextNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`der: unsupported context tag [${n}]`);
  return n;
}

// --- Reading ---------------------------------------------------------------------------------------------

/** One element as found in a buffer: `bytes` is the whole TLV, `content` its value. */
export interface DerElement {
  tag: number;
  bytes: Buffer;
  content: Buffer;
}

/** Reads the element that starts at `offset`; definite lengths only, as DER requires. */
export function readElement(buffer: Buffer, offset = 0): DerElement {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('der: truncated element');
  if ((tag & 0x1f) === 0x1f) throw new RangeError('der: high tag numbers are not supported');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 6) throw new RangeError('der: indefinite or oversized length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = buffer[offset + 2 + i];
      if (byte === undefined) throw new RangeError('der: truncated length');
      length = length * 256 + byte;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new RangeError('der: element runs past the end of its buffer');
  return { tag, bytes: buffer.subarray(offset, end), content: buffer.subarray(offset + header, end) };
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag). */
export function readChildren(element: DerElement): DerElement[] {
  if (!(element.tag & CONSTRUCTED)) throw new RangeError(`der: tag 0x${element.tag.toString(16)} is not constructed`);
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.content.length;) {
    const child = readElement(element.content, offset);
    children.push(child);
    offset += child.bytes.length;
  }
  return children;
}

/** Decodes the content of an OBJECT IDENTIFIER back to dotted form. */
export function readOid(element: DerElement): string {
  if (element.tag !== TAG.oid) throw new RangeError(`der: expected an OID, found tag 0x${element.tag.toString(16)}`);
  const arcs: bigint[] = [];
  let current = 0n;
  for (const byte of element.content) {
    current = (current << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(current);
      current = 0n;
    }
  }
  const [head = 0n, ...rest] = arcs;
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...rest].join('.');
}
