/** apiserver's storage/names (generate.go): the name a create with only `metadata.generateName` gets. */
import { randomInt } from 'node:crypto';

/** utilrand's alphabet: no vowels (no words), no confusable 0/1/3. */
export const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
/** names.MaxGeneratedNameLength: 63 - 5, so that a generated namespace name is still a valid label. */
const MAX_GENERATED_NAME_PREFIX = 63 - RANDOM_LENGTH;

/**
 * SimpleNameGenerator.GenerateName: the prefix cut to 58 bytes, then 5 random characters from
 * `bcdfghjklmnpqrstvwxz2456789`. `random(n)` returns an integer in [0, n).
 */
export function generateName(prefix: string, random: (n: number) => number = (n) => randomInt(n)): string {
  const bytes = Buffer.from(prefix, 'utf8');
  const base = bytes.length > MAX_GENERATED_NAME_PREFIX ? bytes.subarray(0, MAX_GENERATED_NAME_PREFIX).toString('utf8') : prefix;
  let suffix = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) suffix += GENERATED_NAME_ALPHABET[random(GENERATED_NAME_ALPHABET.length)] ?? '';
  return `${base}${suffix}`;
}
