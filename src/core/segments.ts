/**
 * SMS segment count, as carriers bill it. A text that fits the GSM-7 alphabet (GSM 03.38
 * basic set plus its extension table) goes as 7-bit septets: 160 in one segment, 153 per
 * segment once it is split (the rest is the concatenation header). Anything else, Nepali
 * (Devanagari) included, goes as UCS-2: 70 UTF-16 code units alone, 67 per segment split.
 * A character is never cut across two segments: an extension character (2 septets) or an
 * emoji (a surrogate pair, 2 code units) that does not fit moves whole to the next one.
 * Counts what is sent as is: Twilio's optional Smart Encoding is not assumed.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Unicode code points. */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Capacity of each segment for this message: 160/70 when it fits in one, else 153/67. */
  unitsPerSegment: number;
}

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Sent as ESC + one septet: two septets each. */
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC_SET: ReadonlySet<string> = new Set(GSM_BASIC);
const EXTENSION_SET: ReadonlySet<string> = new Set(GSM_EXTENSION);

export const LIMITS: Readonly<Record<SmsEncoding, { single: number; multi: number }>> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

/** Septets of a character in GSM-7, or undefined when GSM-7 cannot carry it. */
function gsmSeptets(char: string): 1 | 2 | undefined {
  if (BASIC_SET.has(char)) return 1;
  if (EXTENSION_SET.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === undefined) return false;
  return true;
}

/** Characters GSM-7 cannot carry (each listed once), e.g. curly quotes or an em dash. */
export function nonGsmCharacters(text: string): string[] {
  return [...new Set([...text].filter((char) => gsmSeptets(char) === undefined))];
}

/** Packs whole characters into segments of `capacity` units; none is cut in two. */
function packSegments(widths: readonly number[], capacity: number): number {
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > capacity) {
      segments++;
      used = 0;
    }
    used += width;
  }
  return segments;
}

export function countSegments(text: string): SegmentCount {
  const chars = [...text];
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  // for..of walks code points, so an astral character (emoji) has length 2 in UTF-16.
  const widths = chars.map((char) => (encoding === 'GSM-7' ? gsmSeptets(char)! : char.length));
  const units = widths.reduce((sum, width) => sum + width, 0);
  const { single, multi } = LIMITS[encoding];
  if (units <= single)
    return { encoding, characters: chars.length, units, segments: units === 0 ? 0 : 1, unitsPerSegment: single };
  return { encoding, characters: chars.length, units, segments: packSegments(widths, multi), unitsPerSegment: multi };
}
