/**
 * The birth-date page (/b?t=…), in Nepali and English on one page like the unsubscribe page
 * (a shared phone may be read by anyone in the family), and it never shows the number. GET
 * shows the form; only its POST records a date. Plain HTML, no script, small: basic phones.
 * UNREVIEWED wording (docs/programmes.md).
 */
import type { AnchorReason } from './anchor-input';
import { escapeHtml, layout } from './unsubscribe-page';

export type BirthPageState =
  /** `unsubscribeToken`: her /u link's token, for "something else happened / stop". */
  | { kind: 'form'; token: string; unsubscribeToken: string; today: string; error?: AnchorReason }
  | { kind: 'recorded'; now: boolean }
  | { kind: 'closed' }
  | { kind: 'forbidden' }
  | { kind: 'invalid' };

const ERRORS: Partial<Record<AnchorReason, { ne: string; en: string }>> = {
  invalid_date: { ne: 'मिति बुझिएन। वर्ष-महिना-गते (अंग्रेजी मिति) लेख्नुहोस्।', en: 'Please write the date as YYYY-MM-DD.' },
  bikram_sambat_date: {
    ne: 'यो विक्रम संवत् मिति जस्तो देखिन्छ। कृपया अंग्रेजी (ईस्वी) मिति लेख्नुहोस्।',
    en: 'This looks like a Bikram Sambat date. Please write the Gregorian (AD) date.',
  },
  dob_in_future: { ne: 'जन्म मिति भविष्यमा हुन सक्दैन।', en: 'The birth date cannot be in the future.' },
  dob_too_old: {
    ne: 'जन्म मिति पछिल्लो १२ महिनाभित्रको हुनुपर्छ।',
    en: 'The birth date must be within the last 12 months.',
  },
};

export function renderBirthPage(state: BirthPageState): { status: number; html: string } {
  switch (state.kind) {
    case 'forbidden':
    case 'invalid':
      return {
        status: state.kind === 'forbidden' ? 403 : 404,
        html: layout(
          'आमकेयर / Aamcare',
          `<h1>यो लिङ्क मिलेन</h1>
<p class="en">This link is not valid. Please open the link from your Aamcare message again, or use the Aamcare portal.</p>`,
        ),
      };
    case 'closed':
      return {
        status: 200,
        html: layout('आमकेयर / Aamcare', `<h1>धन्यवाद</h1>\n<p class="en">Thank you. There is nothing to do here.</p>`),
      };
    case 'recorded':
      return {
        status: 200,
        html: layout(
          'धन्यवाद / Thank you',
          `<h1>धन्यवाद! <span class="en">Thank you!</span></h1>
<p>${state.now ? 'जन्म मिति दर्ता भयो।' : 'जन्म मिति पहिले नै दर्ता छ।'} अबका सन्देश बच्चाको उमेर अनुसार आउनेछन्।</p>
<p class="en">${state.now ? 'The birth date is recorded.' : 'The birth date is already recorded.'} Your messages will now follow your baby's age.</p>`,
        ),
      };
    case 'form': {
      const error = state.error ? (ERRORS[state.error] ?? ERRORS.invalid_date)! : undefined;
      return {
        status: state.error ? 400 : 200,
        html: layout(
          'बच्चाको जन्म मिति / Baby\u2019s birth date',
          `<h1>बच्चा जन्मिसक्यो? <span class="en">Has your baby been born?</span></h1>
<p>जन्म मिति दिनुभयो भने सन्देश बच्चाको उमेर अनुसार आउनेछन्।</p>
<p class="en">Give us the birth date and your messages will follow your baby's age.</p>
${error ? `<p role="alert"><strong>${escapeHtml(error.ne)}</strong> <span class="en">${escapeHtml(error.en)}</span></p>\n` : ''}<form method="post" action="b">
<input type="hidden" name="t" value="${escapeHtml(state.token)}">
<label>जन्म मिति (ईस्वी, वर्ष-महिना-गते) <span class="en">/ Birth date (YYYY-MM-DD)</span>
<input type="date" name="baby_dob" required max="${escapeHtml(state.today)}" placeholder="YYYY-MM-DD"></label>
<button type="submit" class="again">पठाउनुहोस् / Send</button>
</form>
<p>अरू केही भयो, वा सन्देश बन्द गर्न चाहनुहुन्छ? <a href="u?t=${escapeHtml(state.unsubscribeToken)}">यहाँ</a> <span class="en">Something else happened, or you want to stop? <a href="u?t=${escapeHtml(state.unsubscribeToken)}">Here</a>.</span></p>`,
        ),
      };
    }
  }
}
