/**
 * Benchmark: our normalizePhone vs raw libphonenumber-js/max on the same 1,000,000 generated
 * inputs in mixed formats, in the same run. The raw baseline does what a caller of the
 * library would minimally do: parse with the default country, then isValid() and getType().
 *   npm run bench:phone [-- --count 1000000 --rounds 3]
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalizePhone } from '../src/core/phone';
import { defineCli, parseCli, wholeNumber } from '../scripts/cli';

const CLI = defineCli({
  usage: 'npm run bench:phone -- [--count N] [--rounds N]',
  summary: 'normalizePhone vs raw libphonenumber-js/max on the same generated inputs, in the same run.',
  options: {
    count: { type: 'string', value: 'N', description: 'inputs (default 1000000)' },
    rounds: { type: 'string', value: 'N', description: 'rounds (default 3)' },
  },
  notes: ['figures: bench/README.md'],
});

/** Deterministic generator (mulberry32) so every run measures the same inputs. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateInputs(count: number, seed = 42): string[] {
  const random = rng(seed);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const formats: Array<() => string> = [
    () => `+97798${digits(8)}`,
    () => `98${digits(8)}`,
    () => `098${digits(8)}`,
    () => `00977 98${digits(1)}-${digits(3)}-${digits(4)}`,
    () => `(98${digits(1)}) ${digits(3)}.${digits(4)}`,
    () => `97798${digits(8)}`,
    () => `+1 415 ${digits(3)} ${digits(4)}`,
    () => `whatsapp:+97798${digits(8)}`,
    () => `01${digits(7)}`, // Kathmandu landline
    () => digits(5), // too short
    () => `+44 7${digits(9)}`, // foreign
  ];
  return Array.from({ length: count }, () => formats[Math.floor(random() * formats.length)]!());
}

function time(label: string, inputs: string[], fn: (s: string) => unknown): number {
  const start = process.hrtime.bigint();
  let sink = 0;
  for (const s of inputs) if (fn(s)) sink++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = inputs.length / seconds;
  console.log(
    `${label.padEnd(26)} ${seconds.toFixed(2)} s  ${Math.round(rate).toLocaleString('en-US')} numbers/s  (accepted ${sink})`,
  );
  return rate;
}

function main() {
  const { values } = parseCli(CLI);
  const count = wholeNumber(CLI, 'count', values.count) ?? 1_000_000;
  const rounds = wholeNumber(CLI, 'rounds', values.rounds) ?? 3;
  const inputs = generateInputs(count);
  const options = { defaultCountry: 'NP' as const, allowedCountries: ['NP', 'US'] };
  const raw = (s: string) => {
    const p = parsePhoneNumberFromString(s, 'NP');
    return p !== undefined && p.isValid() && p.getType() !== undefined;
  };
  const ours = (s: string) => normalizePhone(s, options).ok;
  // Warm both paths so the JIT has compiled them before timing.
  const warm = inputs.slice(0, 20_000);
  warm.forEach(raw);
  warm.forEach(ours);
  console.log(`node ${process.version}, ${count.toLocaleString('en-US')} inputs, ${rounds} rounds (alternating)`);
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const rawRate = time(`raw libphonenumber #${r + 1}`, inputs, raw);
    const ourRate = time(`normalizePhone #${r + 1}`, inputs, ours);
    ratios.push(ourRate / rawRate);
  }
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  console.log(
    `ratio ours/raw per round: ${ratios.map((x) => x.toFixed(3)).join(', ')}; median ${median.toFixed(3)} (target >= 0.85)`,
  );
}

if (require.main === module) main();
