/**
 * Label key and value rules and DNS-1123 names, worded exactly as k8s.io/apimachinery/pkg/api/validate/content
 * (kube.go, dns.go, errors.go): selectors echo these messages back to kubectl, and object validation reuses
 * them for metadata.name and metadata.labels. The field.Error around them is in field-errors.ts.
 */

const LABEL_KEY_MAX_LENGTH = 63;
const LABEL_VALUE_MAX_LENGTH = 63;
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

// The formats above, matched by hand in one pass: a backtracking RegExp over the nested dns1123 subdomain
// pattern is not linear, and these run on request data of any length.
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isLowerAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);

/** `^edge(middle*edge)?$` over s[from, to): the shape of a label key name and of a DNS label. */
function matchesEdged(s: string, from: number, to: number, edge: (c: number) => boolean, middle: (c: number) => boolean): boolean {
  if (to <= from || !edge(s.charCodeAt(from)) || !edge(s.charCodeAt(to - 1))) return false;
  for (let i = from + 1; i < to - 1; i++) if (!middle(s.charCodeAt(i))) return false;
  return true;
}

const keyMiddle = (c: number) => isAlnum(c) || c === 0x2d || c === 0x5f || c === 0x2e; // - _ .
const dnsMiddle = (c: number) => isLowerAlnum(c) || c === 0x2d;

const labelKeyRegexp = { test: (s: string) => matchesEdged(s, 0, s.length, isAlnum, keyMiddle) };
const labelValueRegexp = { test: (s: string) => s === '' || labelKeyRegexp.test(s) };
const dns1123LabelRegexp = { test: (s: string) => matchesEdged(s, 0, s.length, isLowerAlnum, dnsMiddle) };
const isLowerAlpha = (c: number) => c >= 0x61 && c <= 0x7a;
/** `^[a-z]([-a-z0-9]*[a-z0-9])?$`: a single character must be a letter, a longer label start with one. */
const dns1035LabelRegexp = {
  test: (s: string) => (s.length === 1 ? isLowerAlpha(s.charCodeAt(0)) : isLowerAlpha(s.charCodeAt(0)) && matchesEdged(s, 0, s.length, isLowerAlnum, dnsMiddle)),
};
const dns1123SubdomainRegexp = {
  test: (s: string) => {
    let from = 0;
    for (;;) {
      const dot = s.indexOf('.', from);
      const to = dot === -1 ? s.length : dot;
      if (!matchesEdged(s, from, to, isLowerAlnum, dnsMiddle)) return false;
      if (dot === -1) return true;
      from = dot + 1;
    }
  },
};

// Go measures strings in bytes; a 40-character non-ASCII value is "too long" there, so here too.
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** content.MaxLenError. */
const maxLenError = (length: number) => `must be no more than ${String(length)} bytes`;

/** content.RegexError, including its odd `'a',  or 'b', ` punctuation, which kubectl users see verbatim. */
function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) out += ' or ';
    out += `'${example}', `;
  });
  return `${out}regex used for validation is '${re}')`;
}

/** content.IsDNS1123Subdomain: the problems with `value`, empty when valid. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

/** content.IsLabelKey (a.k.a. IsQualifiedName): `[prefix/]name`, the problems with `value`, empty when valid. */
export function isQualifiedName(value: string): string[] {
  // The common case, a short name without a prefix, needs neither splitting nor byte counting.
  if (value.length <= LABEL_KEY_MAX_LENGTH && value.indexOf('/') === -1 && labelKeyRegexp.test(value)) return [];
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`
      + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > LABEL_KEY_MAX_LENGTH) errs.push(`name part ${maxLenError(LABEL_KEY_MAX_LENGTH)}`);
  if (!labelKeyRegexp.test(name)) errs.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** content.IsLabelValue: the problems with `value`, empty when valid (the empty string is valid). */
export function isValidLabelValue(value: string): string[] {
  if (value.length <= LABEL_VALUE_MAX_LENGTH && labelValueRegexp.test(value)) return [];
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRegexp.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}
const DNS1123_LABEL_MAX_LENGTH = 63;
const dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

const DNS1035_LABEL_MAX_LENGTH = 63;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/** content.IsDNS1035Label (a Service's name): the problems with `value`, empty when valid. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRegexp.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

/**
 * content.IsDNS1123Label: the problems with `value`, empty when valid. A valid subdomain that is not a
 * valid label can only be one with dots, and upstream says so instead of printing the regex.
 */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}
