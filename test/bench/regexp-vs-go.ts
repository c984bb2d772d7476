// Differential run of registry/template/go-regexp.ts against Go's regexp: Go's regexp.Compile + MatchString
// (built here with the local Go toolchain) and matchesGoRegexp answer the same cases (a hand-picked list and
// seeded random patterns); the script prints every case where the match or the error text differs.
// Run: npm run -s build && node dist/test/bench/regexp-vs-go.js [random-cases] [seed]
// test/unit/go-regexp-answers.ts holds Go's answers from such a run, so the unit tests need no Go.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoRegexpError, matchesGoRegexp } from '../../storage/apimachinery/go-regexp/go-regexp.js';
import { GO_ANSWERS } from '../unit/go-regexp-answers.js';

const GO_PROGRAM = `package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type answer struct {
	Err   string \`json:"err,omitempty"\`
	Match bool   \`json:"match"\`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var c [2]string
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		re, err := regexp.Compile(c[0])
		if err != nil {
			enc.Encode(answer{Err: err.Error()})
			continue
		}
		enc.Encode(answer{Match: re.MatchString(c[1])})
	}
}
`;

/** A seeded linear congruential generator: the same cases on every run with the same seed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

const ATOMS = ['a', 'b', '.', '\\d', '\\w', '\\s', '[ab]', '[^a]', '\\b', '^', '$', '\\pL', 'é', '\\x{61}', '(?i:A)', '[[:alpha:]]', '\\B', '\\z', '\\A', '\n'];
const REPEATS = ['', '', '*', '+', '?', '{2}', '{1,3}', '*?', '+?', '{0,}', '{,2}'];
const VALUE_CHARS = ['a', 'b', 'A', 'é', ' ', '\n', '1', 'x', '😀', '-'];
const SOUP = 'ab()[]{}*+?|\\^$.-:,0123456789PpQExz<>=!';

function randomCases(count: number, seed: number): Array<[string, string]> {
  const r = random(seed);
  const pattern = (depth: number): string => {
    let out = '';
    for (let i = 1 + r(4); i > 0; i--) {
      let atom = depth > 0 && r(4) === 0 ? `(${r(2) ? '' : '?:'}${pattern(depth - 1)})` : ATOMS[r(ATOMS.length)]!;
      if (depth > 0 && r(6) === 0) atom = `(${pattern(depth - 1)}|${pattern(depth - 1)})`;
      out += atom + REPEATS[r(REPEATS.length)]!;
    }
    return (r(5) === 0 ? '(?s)' : r(5) === 0 ? '(?m)' : r(6) === 0 ? '(?i)' : '') + out;
  };
  const cases: Array<[string, string]> = [];
  for (let k = 0; k < count; k++) {
    let value = '';
    for (let i = r(12); i > 0; i--) value += VALUE_CHARS[r(VALUE_CHARS.length)]!;
    cases.push([pattern(3), value]);
    let soup = '';
    for (let i = 1 + r(8); i > 0; i--) soup += SOUP[r(SOUP.length)]!;
    cases.push([soup, 'ab{}1-']);
  }
  return cases;
}

function ours(pattern: string, value: string): { err?: string; match: boolean } {
  try {
    return { match: matchesGoRegexp(pattern, value) };
  } catch (err) {
    if (err instanceof GoRegexpError) return { err: err.message, match: false };
    throw err;
  }
}

function main(): void {
  const count = Number(process.argv[2] ?? 20_000);
  const seed = Number(process.argv[3] ?? 12345);
  const cases: Array<[string, string]> = [...GO_ANSWERS.map(([p, v]) => [p, v] as [string, string]), ...randomCases(count, seed)];
  const dir = mkdtempSync(join(tmpdir(), 'regexp-vs-go-'));
  try {
    writeFileSync(join(dir, 'main.go'), GO_PROGRAM);
    writeFileSync(join(dir, 'go.mod'), 'module regexpvsgo\n\ngo 1.22\n');
    execFileSync('go', ['build', '-o', 'answer', '.'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' } });
    const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
    const output = execFileSync(join(dir, 'answer'), { input, maxBuffer: 256 * 1024 * 1024 }).toString('utf8').trimEnd().split('\n');
    let differences = 0;
    cases.forEach(([pattern, value], i) => {
      const go = JSON.parse(output[i]!) as { err?: string; match: boolean };
      const mine = ours(pattern, value);
      if (go.err === mine.err && go.match === mine.match) return;
      differences++;
      console.log(`${JSON.stringify(pattern)} on ${JSON.stringify(value)}\n  go:   ${JSON.stringify(go)}\n  ours: ${JSON.stringify(mine)}`);
    });
    console.log(`${cases.length} cases (seed ${seed}), ${differences} differences`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
