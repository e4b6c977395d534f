/**
 * The unsubscribe page's rules: status per state, which forms each state offers (the only
 * way anything changes), what it says in both languages, and escaping. The wording is
 * asserted where it is the rule (the number told back, the loss condolence, the offer).
 */
import { SUPPORT_SET } from '../../src/core/loss';
import {
  escapeHtml,
  isOptOutReason,
  layout,
  OPT_OUT_REASONS,
  renderUnsubscribePage,
} from '../../src/core/unsubscribe-page';

const MASKED = '+977******001';
const TOKEN = 'abc123TOKEN';

/** The forms of a page: the token and action each posts, its button and whether it is the green one. */
function formsOf(html: string): Array<{ token: string; action: string; button: string; again: boolean }> {
  const pattern =
    /<form method="post" action="u">\n<input type="hidden" name="t" value="([^"]*)">\n<input type="hidden" name="action" value="([^"]*)">\n[\s\S]*?<button type="submit"( class="again")?>([^<]*)<\/button>\n<\/form>/g;
  return [...html.matchAll(pattern)].map((m) => ({
    token: m[1]!,
    action: m[2]!,
    button: m[4]!,
    again: m[3] !== undefined,
  }));
}

const titleOf = (html: string) => /<title>(.*)<\/title>/.exec(html)?.[1];
const h1Of = (html: string) => /<h1>(.*)<\/h1>/.exec(html)?.[1];

test('escapeHtml escapes the five characters that matter, nothing else', () => {
  expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  expect(escapeHtml('नम्बर +977 (plain)')).toBe('नम्बर +977 (plain)');
});

test.each([
  ...OPT_OUT_REASONS.map((reason): [unknown, boolean] => [reason, true]),
  ['loss', false],
  ['Other', false],
  ['', false],
  [5, false],
  [undefined, false],
])('isOptOutReason(%p) -> %p', (value, expected) => {
  expect(isOptOutReason(value)).toBe(expected);
});

test('layout: Nepali first, no script, not indexed, the title escaped', () => {
  const html = layout('A & B', '<p>x</p>');
  expect(html.startsWith('<!doctype html>\n<html lang="ne">\n<head>\n<meta charset="utf-8">')).toBe(true);
  expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(html).toContain('<meta name="robots" content="noindex">');
  expect(titleOf(html)).toBe('A &amp; B');
  expect(html).toContain('<body>\n<p>x</p>\n</body>\n</html>\n');
  expect(html).not.toMatch(/<script/i);
});

describe('renderUnsubscribePage', () => {
  test('invalid: 404, no form, both languages', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'invalid' });
    expect(status).toBe(404);
    expect(titleOf(html)).toBe('आमकेयर / Aamcare');
    expect(h1Of(html)).toBe('यो लिङ्क मिलेन');
    expect(html).toContain(
      '<p class="en">This link is not valid. Please open the link from your Aamcare message again, or use the Aamcare portal.</p>',
    );
    expect(formsOf(html)).toEqual([]);
  });

  test('confirm: one stop form with every shown reason, the losses under their heading', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'confirm', masked: MASKED, token: TOKEN });
    expect(status).toBe(200);
    expect(titleOf(html)).toBe('आमकेयर सन्देश बन्द गर्नुहोस् / Stop Aamcare messages');
    expect(h1Of(html)).toBe('आमकेयर सन्देश बन्द गर्ने? <span class="en">Stop Aamcare messages?</span>');
    expect(html).toContain(`<p>नम्बर ${MASKED} मा स्वास्थ्य सुझाव आउन बन्द हुनेछ।</p>`);
    expect(html).toContain(`<p class="en">Number ${MASKED} will get no more health tips.</p>`);
    expect(formsOf(html)).toEqual([
      { token: TOKEN, action: 'stop', button: 'सन्देश बन्द गर्नुहोस् / Unsubscribe', again: false },
    ]);
    expect(html).toContain('<legend>किन? (चाहे भने) <span class="en">Why? (optional)</span></legend>');
    const radios = [...html.matchAll(/<input type="radio" name="reason" value="([a-z_]+)"> (.*)<\/label>/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(radios).toEqual([
      ['not_useful', 'मेरो लागि उपयोगी छैन <span class="en">/ Not useful to me</span>'],
      ['too_many', 'धेरै सन्देश आउँछन् <span class="en">/ Too many messages</span>'],
      ['changed_number', 'मैले नम्बर फेरेँ <span class="en">/ I changed my number</span>'],
      ['miscarriage', 'गर्भ तुहियो (गर्भपतन) <span class="en">/ My pregnancy ended (miscarriage)</span>'],
      ['stillbirth', 'बच्चा मृत जन्मियो <span class="en">/ My baby was stillborn</span>'],
      ['baby_death', 'मेरो बच्चाको मृत्यु भयो <span class="en">/ My baby died</span>'],
      ['other', 'अन्य <span class="en">/ Other</span>'],
    ]);
    // The heading sits between the plain reasons and the losses.
    const heading = '<p class="group">मैले गर्भ वा बच्चा गुमाएँ <span class="en">/ I lost my pregnancy or baby:</span></p>';
    expect(html.indexOf(heading)).toBeGreaterThan(html.indexOf('value="changed_number"'));
    expect(html.indexOf(heading)).toBeLessThan(html.indexOf('value="miscarriage"'));
  });

  test('unsubscribed: said back with the number, and a form to subscribe again', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'unsubscribed', masked: MASKED, token: TOKEN });
    expect(status).toBe(200);
    expect(titleOf(html)).toBe('सदस्यता रद्द भयो / Unsubscribed');
    expect(h1Of(html)).toBe('सदस्यता रद्द भयो <span class="en">You are unsubscribed</span>');
    expect(html).toContain(`<p>नम्बर ${MASKED} मा अब आमकेयर सन्देश आउने छैन।</p>`);
    expect(html).toContain(`<p class="en">Number ${MASKED} will get no more Aamcare messages.</p>`);
    expect(html).toContain('<p>फेरि सुरु गर्न चाहनुहुन्छ? <span class="en">Changed your mind?</span></p>');
    expect(html).not.toContain('sorry for your loss');
    expect(formsOf(html)).toEqual([
      { token: TOKEN, action: 'start', button: 'फेरि सुरु गर्नुहोस् / Subscribe again', again: true },
    ]);
  });

  test('unsubscribed after a loss: condolence; the offer of support only when it is open', () => {
    const condolence =
      '<p>तपाईंको क्षतिमा हामी गहिरो दुःख व्यक्त गर्छौं।</p>\n<p class="en">We are deeply sorry for your loss.</p>\n';
    const noOffer = renderUnsubscribePage({ kind: 'unsubscribed', masked: MASKED, token: TOKEN, loss: true });
    expect(noOffer.html).toContain(condolence);
    expect(formsOf(noOffer.html).map((f) => f.action)).toEqual(['start']);

    const offer = renderUnsubscribePage({
      kind: 'unsubscribed',
      masked: MASKED,
      token: TOKEN,
      loss: true,
      offer: true,
    });
    expect(offer.html).toContain(condolence);
    expect(offer.html).toContain(
      '<p class="en">Would you like a few short supportive messages over the next month? We send nothing unless you ask.</p>',
    );
    expect(offer.html).toContain(
      '<p>के तपाईं अर्को एक महिनामा केही छोटा सान्त्वनाका सन्देश चाहनुहुन्छ? तपाईंले नमागेसम्म हामी केही पठाउने छैनौं।</p>',
    );
    expect(formsOf(offer.html)).toEqual([
      {
        token: TOKEN,
        action: 'support',
        button: 'केही सान्त्वनाका सन्देश पठाउनुहोस् / A few supportive messages',
        again: true,
      },
      { token: TOKEN, action: 'no_support', button: 'अब केही नपठाउनुहोस् / Nothing more', again: false },
      { token: TOKEN, action: 'start', button: 'फेरि सुरु गर्नुहोस् / Subscribe again', again: true },
    ]);
    // An offer without a loss is not made.
    const offerOnly = renderUnsubscribePage({ kind: 'unsubscribed', masked: MASKED, token: TOKEN, offer: true });
    expect(formsOf(offerOnly.html).map((f) => f.action)).toEqual(['start']);
  });

  test('support accepted: how many messages (in Nepali digits too) and a form to stop them', () => {
    expect(SUPPORT_SET.length).toBe(4);
    const { status, html } = renderUnsubscribePage({ kind: 'support', masked: MASKED, token: TOKEN, accepted: true });
    expect(status).toBe(200);
    expect(titleOf(html)).toBe('आमकेयर / Aamcare');
    expect(h1Of(html)).toBe('धन्यवाद <span class="en">Thank you</span>');
    expect(html).toContain(
      `<p>अर्को एक महिनामा नम्बर ${MASKED} मा ४ वटा छोटा सान्त्वनाका सन्देश आउनेछन्। यही लिङ्कबाट जुनसुकै बेला बन्द गर्न सक्नुहुन्छ।</p>`,
    );
    expect(html).toContain(
      `<p class="en">Number ${MASKED} will get 4 short supportive messages over the next month. You can stop them at any time from this link.</p>`,
    );
    expect(formsOf(html)).toEqual([
      {
        token: TOKEN,
        action: 'no_support',
        button: 'सान्त्वनाका सन्देश बन्द गर्नुहोस् / Stop the supportive messages',
        again: false,
      },
    ]);
  });

  test('support declined: nothing more will come, and no form', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'support', masked: MASKED, token: TOKEN, accepted: false });
    expect(status).toBe(200);
    expect(h1Of(html)).toBe('अब केही आउने छैन <span class="en">Nothing more will come</span>');
    expect(html).toContain(`<p>नम्बर ${MASKED} मा हामी अब कुनै सन्देश पठाउने छैनौं। हामी तपाईंको सम्झना गरिरहेका छौं।</p>`);
    expect(html).toContain(
      `<p class="en">We will not send number ${MASKED} any more messages. We are thinking of you.</p>`,
    );
    expect(formsOf(html)).toEqual([]);
  });

  test('subscribed again: welcome back, and a form to stop', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'subscribed', masked: MASKED, token: TOKEN });
    expect(status).toBe(200);
    expect(titleOf(html)).toBe('फेरि सुरु भयो / Subscribed again');
    expect(h1Of(html)).toBe('फेरि स्वागत छ! <span class="en">Welcome back!</span>');
    expect(html).toContain(`<p>नम्बर ${MASKED} मा फेरि हरेक दिन स्वास्थ्य सुझाव आउनेछ।</p>`);
    expect(html).toContain(`<p class="en">Number ${MASKED} will get a health tip every day again.</p>`);
    expect(formsOf(html)).toEqual([
      { token: TOKEN, action: 'stop', button: 'सन्देश बन्द गर्नुहोस् / Unsubscribe', again: false },
    ]);
  });

  test('the number and the token are escaped on every page that shows them', () => {
    const masked = '<b>&';
    const token = '"><script>';
    for (const state of [
      { kind: 'confirm', masked, token },
      { kind: 'unsubscribed', masked, token, loss: true, offer: true },
      { kind: 'support', masked, token, accepted: true },
      { kind: 'support', masked, token, accepted: false },
      { kind: 'subscribed', masked, token },
    ] as const) {
      const { html } = renderUnsubscribePage(state);
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<b>');
      expect(html).toContain('&lt;b&gt;&amp;');
      for (const form of formsOf(html)) expect(form.token).toBe('&quot;&gt;&lt;script&gt;');
    }
  });
});
