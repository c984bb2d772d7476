import { ageOf, humanDuration, parseRFC3339 } from '../../apiserver/encoding/human-duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (duration.HumanDuration)', () => {
  it.each([
    // Clock skew of up to (not including) 2 s in the future is "now".
    [-3 * s, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * s, '5s'],
    [119 * s + 999, '119s'],
    [2 * m, '2m'],
    [2 * m + 3 * s, '2m3s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [3 * h + 4 * m, '3h4m'],
    [7 * h + 59 * m + 59 * s, '7h59m'],
    [8 * h, '8h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [3 * d + 4 * h, '3d4h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * y, '2y'],
    [2 * y + 3 * d, '2y3d'],
    [7 * y + 364 * d, '7y364d'],
    [8 * y, '8y'],
    [8 * y + 100 * d, '8y'],
    [123 * y, '123y'],
    [Number.NaN, '<invalid>'],
    [Number.POSITIVE_INFINITY, '<invalid>'],
  ])('%d ms is %j', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('parseRFC3339', () => {
  it.each([
    ['2026-07-30T10:00:00Z', Date.UTC(2026, 6, 30, 10, 0, 0)],
    ['2026-07-30T10:00:00.5Z', Date.UTC(2026, 6, 30, 10, 0, 0, 500)],
    ['2026-07-30T12:00:00+02:00', Date.UTC(2026, 6, 30, 10, 0, 0)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2025-02-29T00:00:00Z', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-07-30 10:00:00Z', undefined],
    ['2026-07-30T10:00:00', undefined],
    ['2026-07-30T24:00:00Z', undefined],
    ['yesterday', undefined],
  ])('%j is %j', (text, expected) => {
    expect(parseRFC3339(text)).toBe(expected);
  });
});

describe('ageOf', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each([
    [undefined, '<unknown>'],
    [null, '<unknown>'],
    ['', '<unknown>'],
    ['null', '<unknown>'],
    ['not a time', '<invalid>'],
    ['2025-12-31T23:54:48Z', '5m12s'],
    ['2025-12-28T20:00:00Z', '3d4h'],
    ['2025-12-31T23:59:59.5Z', '0s'],
    ['2026-01-01T00:00:01Z', '0s'],
    ['2026-01-01T00:01:00Z', '<invalid>'],
  ])('%j is %j', (timestamp, expected) => {
    expect(ageOf(timestamp, now)).toBe(expected);
  });
});
