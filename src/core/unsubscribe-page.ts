/**
 * The personal unsubscribe page, in Nepali and English on one page (a shared phone may be
 * read by anyone in the family). GET only shows it: link scanners and previews open links,
 * so only the button's POST changes anything. Plain HTML, no script, small: basic phones.
 */
import { LOSS_REASONS, SUPPORT_SET } from './loss';

/** Every reason the page, the portal and keywords may give; `pregnancy_loss` is a loss without saying which. */
export const OPT_OUT_REASONS = ['not_useful', 'too_many', 'changed_number', ...LOSS_REASONS, 'other'] as const;
export type OptOutReason = (typeof OPT_OUT_REASONS)[number];

/** The page's choices: the losses under one heading (UNREVIEWED wording: see docs/loss.md). */
const PLAIN_REASONS = ['not_useful', 'too_many', 'changed_number'] as const;
const SHOWN_LOSSES = ['miscarriage', 'stillbirth', 'baby_death'] as const;
const REASON_LABELS: Record<OptOutReason, { ne: string; en: string }> = {
  not_useful: { ne: 'मेरो लागि उपयोगी छैन', en: 'Not useful to me' },
  too_many: { ne: 'धेरै सन्देश आउँछन्', en: 'Too many messages' },
  changed_number: { ne: 'मैले नम्बर फेरेँ', en: 'I changed my number' },
  miscarriage: { ne: 'गर्भ तुहियो (गर्भपतन)', en: 'My pregnancy ended (miscarriage)' },
  stillbirth: { ne: 'बच्चा मृत जन्मियो', en: 'My baby was stillborn' },
  baby_death: { ne: 'मेरो बच्चाको मृत्यु भयो', en: 'My baby died' },
  pregnancy_loss: { ne: 'मैले गर्भ वा बच्चा गुमाएँ', en: 'I lost my pregnancy or baby' },
  other: { ne: 'अन्य', en: 'Other' },
};

export function isOptOutReason(value: unknown): value is OptOutReason {
  return typeof value === 'string' && (OPT_OUT_REASONS as readonly string[]).includes(value);
}

export type PageState =
  | { kind: 'confirm'; masked: string; token: string }
  /** offer: a loss was reported and the supportive set is open to a yes or a no. */
  | { kind: 'unsubscribed'; masked: string; token: string; reason?: string; loss?: boolean; offer?: boolean }
  /** The answer to the offer: the set is coming (accepted) or nothing more will. */
  | { kind: 'support'; masked: string; token: string; accepted: boolean }
  | { kind: 'subscribed'; masked: string; token: string }
  | { kind: 'invalid' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The pages' frame: Nepali and English, no script, small (basic phones). */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="ne">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.3rem}p.en,span.en{color:#444}fieldset{border:1px solid #bbb;border-radius:.4rem;margin:1rem 0}
label{display:block;padding:.35rem 0}p.group{margin:.6rem 0 0;font-weight:600}form+form{margin-top:.6rem}button{font-size:1.1rem;padding:.7rem 1.2rem;border-radius:.4rem;border:0;background:#9b1c1c;color:#fff;width:100%}
button.again{background:#1d5e2a}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function form(
  token: string,
  action: 'stop' | 'start' | 'support' | 'no_support',
  inner: string,
  button: string,
  className = '',
): string {
  return `<form method="post" action="u">
<input type="hidden" name="t" value="${escapeHtml(token)}">
<input type="hidden" name="action" value="${action}">
${inner}<button type="submit"${className ? ` class="${className}"` : ''}>${button}</button>
</form>`;
}

function resubscribeForm(token: string): string {
  return form(
    token,
    'start',
    '<p>फेरि सुरु गर्न चाहनुहुन्छ? <span class="en">Changed your mind?</span></p>\n',
    'फेरि सुरु गर्नुहोस् / Subscribe again',
    'again',
  );
}

export function renderUnsubscribePage(state: PageState): { status: number; html: string } {
  switch (state.kind) {
    case 'invalid':
      return {
        status: 404,
        html: layout(
          'आमकेयर / Aamcare',
          `<h1>यो लिङ्क मिलेन</h1>
<p class="en">This link is not valid. Please open the link from your Aamcare message again, or use the Aamcare portal.</p>`,
        ),
      };
    case 'confirm': {
      const radio = (r: OptOutReason) =>
        `<label><input type="radio" name="reason" value="${r}"> ${REASON_LABELS[r].ne} <span class="en">/ ${REASON_LABELS[r].en}</span></label>`;
      const reasons = [
        ...PLAIN_REASONS.map(radio),
        `<p class="group">${REASON_LABELS.pregnancy_loss.ne} <span class="en">/ ${REASON_LABELS.pregnancy_loss.en}:</span></p>`,
        ...SHOWN_LOSSES.map(radio),
        radio('other'),
      ].join('\n');
      return {
        status: 200,
        html: layout(
          'आमकेयर सन्देश बन्द गर्नुहोस् / Stop Aamcare messages',
          `<h1>आमकेयर सन्देश बन्द गर्ने? <span class="en">Stop Aamcare messages?</span></h1>
<p>नम्बर ${escapeHtml(state.masked)} मा स्वास्थ्य सुझाव आउन बन्द हुनेछ।</p>
<p class="en">Number ${escapeHtml(state.masked)} will get no more health tips.</p>
${form(
  state.token,
  'stop',
  `<fieldset><legend>किन? (चाहे भने) <span class="en">Why? (optional)</span></legend>
${reasons}
</fieldset>
`,
  'सन्देश बन्द गर्नुहोस् / Unsubscribe',
)}`,
        ),
      };
    }
    case 'unsubscribed': {
      const loss = state.loss
        ? `<p>तपाईंको क्षतिमा हामी गहिरो दुःख व्यक्त गर्छौं।</p>
<p class="en">We are deeply sorry for your loss.</p>
${state.offer ? supportOffer(state.token) : ''}`
        : '';
      return {
        status: 200,
        html: layout(
          'सदस्यता रद्द भयो / Unsubscribed',
          `<h1>सदस्यता रद्द भयो <span class="en">You are unsubscribed</span></h1>
${loss}<p>नम्बर ${escapeHtml(state.masked)} मा अब आमकेयर सन्देश आउने छैन।</p>
<p class="en">Number ${escapeHtml(state.masked)} will get no more Aamcare messages.</p>
${resubscribeForm(state.token)}`,
        ),
      };
    }
    case 'support':
      return {
        status: 200,
        html: layout(
          'आमकेयर / Aamcare',
          state.accepted
            ? `<h1>धन्यवाद <span class="en">Thank you</span></h1>
<p>अर्को एक महिनामा नम्बर ${escapeHtml(state.masked)} मा ${nepaliDigits(SUPPORT_SET.length)} वटा छोटा सान्त्वनाका सन्देश आउनेछन्। यही लिङ्कबाट जुनसुकै बेला बन्द गर्न सक्नुहुन्छ।</p>
<p class="en">Number ${escapeHtml(state.masked)} will get ${SUPPORT_SET.length} short supportive messages over the next month. You can stop them at any time from this link.</p>
${form(state.token, 'no_support', '', 'सान्त्वनाका सन्देश बन्द गर्नुहोस् / Stop the supportive messages')}`
            : `<h1>अब केही आउने छैन <span class="en">Nothing more will come</span></h1>
<p>नम्बर ${escapeHtml(state.masked)} मा हामी अब कुनै सन्देश पठाउने छैनौं। हामी तपाईंको सम्झना गरिरहेका छौं।</p>
<p class="en">We will not send number ${escapeHtml(state.masked)} any more messages. We are thinking of you.</p>`,
        ),
      };
    case 'subscribed':
      return {
        status: 200,
        html: layout(
          'फेरि सुरु भयो / Subscribed again',
          `<h1>फेरि स्वागत छ! <span class="en">Welcome back!</span></h1>
<p>नम्बर ${escapeHtml(state.masked)} मा फेरि हरेक दिन स्वास्थ्य सुझाव आउनेछ।</p>
<p class="en">Number ${escapeHtml(state.masked)} will get a health tip every day again.</p>
${form(state.token, 'stop', '', 'सन्देश बन्द गर्नुहोस् / Unsubscribe')}`,
        ),
      };
  }
}

function nepaliDigits(n: number): string {
  return String(n).replace(/\d/g, (d) => '०१२३४५६७८९'[Number(d)]!);
}

/** The offer after a loss: a few supportive messages, or nothing; nothing is sent unless asked. */
function supportOffer(token: string): string {
  return `<p>के तपाईं अर्को एक महिनामा केही छोटा सान्त्वनाका सन्देश चाहनुहुन्छ? तपाईंले नमागेसम्म हामी केही पठाउने छैनौं।</p>
<p class="en">Would you like a few short supportive messages over the next month? We send nothing unless you ask.</p>
${form(token, 'support', '', 'केही सान्त्वनाका सन्देश पठाउनुहोस् / A few supportive messages', 'again')}
${form(token, 'no_support', '', 'अब केही नपठाउनुहोस् / Nothing more')}
`;
}
