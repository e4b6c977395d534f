/** The birth-date page: status per state, its one form, the refusal told in both languages, escaping. */
import type { AnchorReason } from '../../src/core/anchor-input';
import { renderBirthPage } from '../../src/core/birth-page';

const titleOf = (html: string) => /<title>(.*)<\/title>/.exec(html)?.[1];
const h1Of = (html: string) => /<h1>(.*)<\/h1>/.exec(html)?.[1];
const alertOf = (html: string) => /<p role="alert">(.*)<\/p>/.exec(html)?.[1];
const form = (error?: AnchorReason) =>
  renderBirthPage({
    kind: 'form',
    token: 'tok',
    unsubscribeToken: 'utok',
    today: '2027-04-01',
    ...(error ? { error } : {}),
  });

test.each([
  ['forbidden', 403],
  ['invalid', 404],
] as const)('%s link: %i, the same bilingual answer, no form', (kind, status) => {
  const page = renderBirthPage({ kind });
  expect(page.status).toBe(status);
  expect(titleOf(page.html)).toBe('आमकेयर / Aamcare');
  expect(h1Of(page.html)).toBe('यो लिङ्क मिलेन');
  expect(page.html).toContain(
    '<p class="en">This link is not valid. Please open the link from your Aamcare message again, or use the Aamcare portal.</p>',
  );
  expect(page.html).not.toContain('<form');
});

test('closed: nothing to do', () => {
  const page = renderBirthPage({ kind: 'closed' });
  expect(page.status).toBe(200);
  expect(titleOf(page.html)).toBe('आमकेयर / Aamcare');
  expect(page.html).toContain('<h1>धन्यवाद</h1>\n<p class="en">Thank you. There is nothing to do here.</p>');
  expect(page.html).not.toContain('<form');
});

test.each([
  [true, 'जन्म मिति दर्ता भयो।', 'The birth date is recorded.'],
  [false, 'जन्म मिति पहिले नै दर्ता छ।', 'The birth date is already recorded.'],
])('recorded (now: %p): says whether this answer recorded it', (now, ne, en) => {
  const page = renderBirthPage({ kind: 'recorded', now });
  expect(page.status).toBe(200);
  expect(titleOf(page.html)).toBe('धन्यवाद / Thank you');
  expect(h1Of(page.html)).toBe('धन्यवाद! <span class="en">Thank you!</span>');
  expect(page.html).toContain(`<p>${ne} अबका सन्देश बच्चाको उमेर अनुसार आउनेछन्।</p>`);
  expect(page.html).toContain(`<p class="en">${en} Your messages will now follow your baby's age.</p>`);
});

test('the form: posts the token and a date no later than today; the way out to /u', () => {
  const { status, html } = form();
  expect(status).toBe(200);
  expect(titleOf(html)).toBe('बच्चाको जन्म मिति / Baby\u2019s birth date');
  expect(alertOf(html)).toBeUndefined();
  expect(html).toContain('<form method="post" action="b">\n<input type="hidden" name="t" value="tok">\n');
  expect(html).toContain(
    '<input type="date" name="baby_dob" required max="2027-04-01" placeholder="YYYY-MM-DD"></label>\n<button type="submit" class="again">पठाउनुहोस् / Send</button>\n</form>',
  );
  expect(html.match(/<a href="u\?t=utok">/g)).toHaveLength(2);
});

test.each([
  ['invalid_date', 'मिति बुझिएन। वर्ष-महिना-गते (अंग्रेजी मिति) लेख्नुहोस्।', 'Please write the date as YYYY-MM-DD.'],
  [
    'bikram_sambat_date',
    'यो विक्रम संवत् मिति जस्तो देखिन्छ। कृपया अंग्रेजी (ईस्वी) मिति लेख्नुहोस्।',
    'This looks like a Bikram Sambat date. Please write the Gregorian (AD) date.',
  ],
  ['dob_in_future', 'जन्म मिति भविष्यमा हुन सक्दैन।', 'The birth date cannot be in the future.'],
  ['dob_too_old', 'जन्म मिति पछिल्लो १२ महिनाभित्रको हुनुपर्छ।', 'The birth date must be within the last 12 months.'],
  // A due-date reason cannot come from this form: said as an unreadable date.
  ['edd_in_past', 'मिति बुझिएन। वर्ष-महिना-गते (अंग्रेजी मिति) लेख्नुहोस्।', 'Please write the date as YYYY-MM-DD.'],
] as const)('refused with %s: 400 and the reason in both languages above the form', (error, ne, en) => {
  const { status, html } = form(error);
  expect(status).toBe(400);
  expect(alertOf(html)).toBe(`<strong>${ne}</strong> <span class="en">${en}</span>`);
  expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('<form'));
});

test('token, link token and date are escaped', () => {
  const { html } = renderBirthPage({ kind: 'form', token: '"><x', unsubscribeToken: '"&', today: '"<' });
  expect(html).toContain('name="t" value="&quot;&gt;&lt;x"');
  expect(html).toContain('<a href="u?t=&quot;&amp;">');
  expect(html).toContain('max="&quot;&lt;"');
});
