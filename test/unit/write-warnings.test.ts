import { WarningRecorder, warningHeader, warningHeaders } from '../../apiserver/request/warnings.js';

describe('warningHeader (NewWarningHeader)', () => {
  it.each([
    ['unknown field "spec.bogus"', '299 - "unknown field \\"spec.bogus\\""'],
    ['a\\b', '299 - "a\\\\b"'],
    ['plain text, with: punctuation; and ünïcödé', '299 - "plain text, with: punctuation; and ünïcödé"'],
    ['', '299 - ""'],
  ])('%j', (text, header) => {
    expect(warningHeader(text)).toBe(header);
  });

  it('formats the code with three digits and takes an agent', () => {
    expect(warningHeader('x', 7, 'kiosk')).toBe('007 kiosk "x"');
    expect(warningHeader('x', 299, '')).toBe('299 - "x"');
  });

  it.each([
    ['a\nb', 299, ''], ['tab\t', 299, ''], ['\u0085', 299, ''], ['\ud800', 299, ''],
    ['x', 1000, ''], ['x', -1, ''], ['x', 299, 'two words'], ['x', 299, 'q"uote'], ['x', 299, 'back\\slash'],
  ])('refuses text %j, code %d, agent %j', (text, code, agent) => {
    expect(warningHeader(text, code, agent)).toBeUndefined();
  });
});

describe('warningHeaders and WarningRecorder', () => {
  it('keeps order, drops empty and repeated texts', () => {
    expect(warningHeaders(['b', 'a', '', 'b', 'c', 'a'])).toEqual(['299 - "b"', '299 - "a"', '299 - "c"']);
    expect(warningHeaders([])).toEqual([]);
  });

  it('drops texts with control characters, as upstream does silently', () => {
    expect(warningHeaders(['ok', 'bad\nline', 'ok2'])).toEqual(['299 - "ok"', '299 - "ok2"']);
  });

  it('writes up to 4096 runes in full', () => {
    const texts = [`a${'x'.repeat(2047)}`, `b${'y'.repeat(2047)}`];
    expect(warningHeaders(texts)).toEqual(texts.map((t) => `299 - "${t}"`));
  });

  it('once over 4096 runes, rewrites every warning cut to 256 runes', () => {
    const texts = [`a${'x'.repeat(2999)}`, `b${'y'.repeat(2999)}`, 'short'];
    expect(warningHeaders(texts)).toEqual([
      `299 - "a${'x'.repeat(255)}"`, `299 - "b${'y'.repeat(255)}"`, '299 - "short"',
    ]);
  });

  it('counts and cuts runes, not UTF-16 units', () => {
    const emoji = '😀'.repeat(3000);
    const headers = warningHeaders([emoji, `${emoji}!`]);
    expect(headers).toEqual([`299 - "${'😀'.repeat(256)}"`, `299 - "${'😀'.repeat(256)}"`]);
    expect(warningHeaders(['😀'.repeat(4096)])).toEqual([`299 - "${'😀'.repeat(4096)}"`]);
  });

  it('drops further warnings once the truncated total reaches 4096 runes', () => {
    const recorder = new WarningRecorder();
    recorder.add('x'.repeat(5000));
    expect(recorder.headers()).toEqual([`299 - "${'x'.repeat(256)}"`]);
    for (let i = 0; i < 20; i++) recorder.add(`${i}`.padEnd(300, '.'));
    const headers = recorder.headers();
    // 256 + 15 * 256 = 4096: the 16th item reaches the limit, later ones are dropped.
    expect(headers).toHaveLength(16);
    expect(headers[15]).toBe(`299 - "${'14'.padEnd(256, '.')}"`);
    recorder.add('late');
    expect(recorder.headers()).toHaveLength(16);
  });

  it('escapes quotes and backslashes after truncation', () => {
    const headers = warningHeaders(['"'.repeat(5000)]);
    expect(headers).toEqual([`299 - "${'\\"'.repeat(256)}"`]);
  });

  it('returns a copy of its headers', () => {
    const recorder = new WarningRecorder();
    recorder.add('a');
    recorder.headers().push('mutated');
    expect(recorder.headers()).toEqual(['299 - "a"']);
  });
});

describe('long warning texts', () => {
  it('counts and cuts code points, not UTF-16 units, without spreading the text', () => {
    const astral = '😀'.repeat(300);
    const headers = warningHeaders(['x'.repeat(4096), astral]);
    // Over the total: both are cut to 256 code points; the astral text keeps whole pairs.
    expect(headers).toEqual([`299 - "${'x'.repeat(256)}"`, `299 - "${'😀'.repeat(256)}"`]);
    expect(warningHeaders(['a'.repeat(3 * 1024 * 1024)])).toEqual([`299 - "${'a'.repeat(256)}"`]);
  });
});
