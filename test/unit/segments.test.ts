import fc from 'fast-check';
import { countSegments, isGsm7, LIMITS, nonGsmCharacters } from '../../src/core/segments';

const a = (n: number) => 'a'.repeat(n);
const euro = (n: number) => '€'.repeat(n);
/** Devanagari letter A: one UTF-16 unit. */
const ka = (n: number) => 'अ'.repeat(n);
/** An emoji outside the BMP: a surrogate pair, two UTF-16 units. */
const smile = (n: number) => '😀'.repeat(n);

describe('countSegments', () => {
  test.each([
    ['empty', '', 'GSM-7', 0, 0],
    ['one char', 'a', 'GSM-7', 1, 1],
    // GSM-7: 160 in one, 153 per segment after.
    ['160 GSM', a(160), 'GSM-7', 160, 1],
    ['161 GSM', a(161), 'GSM-7', 161, 2],
    ['306 GSM', a(306), 'GSM-7', 306, 2],
    ['307 GSM', a(307), 'GSM-7', 307, 3],
    ['459 GSM', a(459), 'GSM-7', 459, 3],
    ['460 GSM', a(460), 'GSM-7', 460, 4],
    // Extension characters are two septets.
    ['80 euros = 160 septets', euro(80), 'GSM-7', 160, 1],
    ['80 euros + 1', `${euro(80)}a`, 'GSM-7', 161, 2],
    ['159 + extension = 161', `${a(159)}^`, 'GSM-7', 161, 2],
    ['158 + extension = 160', `${a(158)}{`, 'GSM-7', 160, 1],
    // An escape pair is never cut: at 152 used, '€' (2) moves to segment 2 and wastes a septet.
    ['extension straddling a boundary', `${a(152)}€${a(152)}`, 'GSM-7', 306, 3],
    ['extension just fitting', `${a(151)}€${a(153)}`, 'GSM-7', 306, 2],
    // UCS-2: 70 in one, 67 per segment after.
    ['70 Devanagari', ka(70), 'UCS-2', 70, 1],
    ['71 Devanagari', ka(71), 'UCS-2', 71, 2],
    ['134 Devanagari', ka(134), 'UCS-2', 134, 2],
    ['135 Devanagari', ka(135), 'UCS-2', 135, 3],
    // One non-GSM character turns the whole message into UCS-2.
    ['69 GSM + curly quote', `${a(69)}’`, 'UCS-2', 70, 1],
    ['70 GSM + curly quote', `${a(70)}’`, 'UCS-2', 71, 2],
    ['em dash', `Drink water — daily`, 'UCS-2', 19, 1],
    // Emoji count 2 units and are never split across segments.
    ['35 emoji = 70 units', smile(35), 'UCS-2', 70, 1],
    ['36 emoji = 72 units', smile(36), 'UCS-2', 72, 2],
    ['surrogate pair straddling a boundary', `${ka(66)}😀${ka(66)}`, 'UCS-2', 134, 3],
    ['surrogate pair just fitting', `${ka(65)}😀${ka(67)}`, 'UCS-2', 134, 2],
  ])('%s', (_name, text, encoding, units, segments) => {
    const count = countSegments(text);
    expect(count).toMatchObject({ encoding, units, segments });
    expect(count.unitsPerSegment).toBe(
      units > LIMITS[encoding as 'GSM-7' | 'UCS-2'].single
        ? LIMITS[encoding as 'GSM-7' | 'UCS-2'].multi
        : LIMITS[encoding as 'GSM-7' | 'UCS-2'].single,
    );
  });

  test('characters are code points, units are septets or UTF-16 code units', () => {
    expect(countSegments('a€')).toMatchObject({ characters: 2, units: 3 });
    expect(countSegments('😀अ')).toMatchObject({ characters: 2, units: 3 });
  });

  test('Nepali is UCS-2', () => {
    const count = countSegments('हरेक दिन साबुन पानीले हात धुनुहोस्।');
    expect(count.encoding).toBe('UCS-2');
    expect(count.units).toBe('हरेक दिन साबुन पानीले हात धुनुहोस्।'.length);
  });
});

describe('GSM-7 alphabet', () => {
  test('the basic set, Greek capitals and accented letters it has are one septet each', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect([...basic]).toHaveLength(127);
    expect(countSegments(basic)).toMatchObject({ encoding: 'GSM-7', units: 127 });
  });

  test.each(['^', '{', '}', '\\', '[', ']', '~', '|', '€', '\f'])('extension %j is two septets', (char) => {
    expect(countSegments(char)).toMatchObject({ encoding: 'GSM-7', units: 2 });
  });

  test.each(['’', '‘', '“', '”', '—', '–', '…', '`', 'á', 'í', 'ó', 'ú', 'ç', '₹', '\t', 'अ', '😀'])(
    '%j is not GSM-7',
    (char) => {
      expect(isGsm7(`ok ${char}`)).toBe(false);
      expect(nonGsmCharacters(`ok ${char} ${char}`)).toEqual([char]);
    },
  );
});

describe('properties', () => {
  const text = fc.string({ unit: fc.constantFrom('a', ' ', '€', '^', 'अ', '्', '😀', '’', '\n'), maxLength: 400 });

  test('segments always hold the units, and at least ceil(units / capacity) are needed', () => {
    fc.assert(
      fc.property(text, (t) => {
        const { units, segments, unitsPerSegment } = countSegments(t);
        expect(segments * unitsPerSegment).toBeGreaterThanOrEqual(units);
        expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / unitsPerSegment));
        // At most one unit wasted per segment boundary (a 2-unit character moved whole).
        expect(segments).toBeLessThanOrEqual(Math.ceil(units / (unitsPerSegment - 1)));
      }),
    );
  });

  test('appending text never lowers the segment count', () => {
    fc.assert(
      fc.property(text, text, (t, more) =>
        expect(countSegments(t + more).segments).toBeGreaterThanOrEqual(countSegments(t).segments),
      ),
    );
  });
});
