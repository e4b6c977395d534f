/**
 * The editorial rules every text must pass before it is sent (`npm run content:check`, the
 * build, `content:import`): both languages, the SMS segment budget counted on the whole body
 * a subscriber gets, placeholders the code fills, no reply instruction for people who cannot
 * reply, no hour written into a text, one term per concept (the glossary), Nepali that keeps
 * the English's numbers, a source for each tip, and the clinical review. Each finding names
 * the entry, the rule and what is wrong; docs/content.md lists the rules for editors.
 */
import { LANGUAGES, isRecord, reviewState, type ContentEntry } from './content';
import {
  MESSAGE_IDS,
  MESSAGE_SPECS,
  keywordWords,
  messagesShapeProblems,
  parseMessages,
  placeholdersIn,
  renderMessage,
  type MessageId,
  type Messages,
} from './messages';
import { keywordText, matchKeyword } from './keywords';
import { countSegments, nonGsmCharacters } from './segments';
import { fromNepaliDigits, spokenTime } from './spoken-time';
import { stopInstruction } from './stop-instruction';
import type { Language } from './subscriber';
import { MAX_SEGMENTS, TOPICS, parseTips, tipSmsBody, tipsShapeProblems, type Tip } from './tips';
import { ANCHORS, parseProgrammes, programmesShapeProblems, stageOf, type Programmes } from './programmes';
import { welcomeValues } from './welcome';

export type Severity = 'error' | 'warning';

/** Every rule, with what it asks of the text (docs/content.md has the same list). */
export const RULES = {
  schema: 'the file has the expected shape (fields, ids, topics)',
  'missing-language': 'every text has English and Nepali',
  whitespace: 'no leading, trailing or double spaces',
  'control-character': 'no line breaks, tabs or other control characters',
  nfc: 'Nepali is stored NFC-normalized',
  gsm7: 'English uses only GSM-7 characters (one curly quote or dash makes the SMS UCS-2: 70 characters a segment)',
  devanagari: 'Nepali is written in Devanagari',
  'nepali-digits': 'Nepali writes numbers in Devanagari digits',
  numbers: 'Nepali has the same numbers as the English (nothing dropped in translation)',
  placeholder: 'a text uses exactly the placeholders the code fills in',
  'reply-instruction': 'texts read by people who cannot reply (SMS to Nepal) never ask for a reply',
  'clock-time': 'no hour written into a text: the tip time is a setting ({time})',
  'free-claim':
    'service messages promise nothing the sender cannot keep (receiving and replying is not free everywhere)',
  term: 'one term per concept, and the Nepali says what the English says (glossary.json)',
  'sms-budget': 'the whole SMS a subscriber gets, stop phrase and link included, fits the segment budget',
  'whatsapp-variable': 'a tip fits a WhatsApp template variable (no runs of 5 spaces, at most 1024 characters)',
  source: 'each tip names the guideline it follows',
  duplicate: 'no two tips share a text',
  'review-date': 'a review has both reviewer and date (YYYY-MM-DD, not in the future)',
  unreviewed: 'a clinician has signed the text as it is now',
  cycle: 'the tip cycle has 45 to 60 tips and covers every topic',
  keyword:
    'a keyword is written as it is matched (lower case, no punctuation) and is no other keyword (STOP, START, HELP, another list)',
  cadence: "a programme message falls on a day its stage's cadence sends on, one message per slot",
  'programme-sets': 'one set per anchor date (edd, baby_dob); stages of a set do not overlap',
  coverage: "a programme's cadence slots each have a message (a slot without one sends nothing that day)",
} as const;
export type Rule = keyof typeof RULES;

export interface Finding {
  severity: Severity;
  /** e.g. 'tip t03', 'message welcome', 'glossary[2]'. */
  where: string;
  rule: Rule;
  message: string;
}

export interface CheckOptions {
  /** Characters of the personal link the budget counts (default BUDGET_LINK_LENGTH). */
  linkLength?: number;
  /** Today's date (YYYY-MM-DD): reviews may not be dated later. Default: today in UTC. */
  today?: string;
}

/**
 * A shortened link (`https://<domain>/<10 characters>`, SHORTEN_URLS=true) with a domain of up
 * to 11 characters. Without link shortening the link is about 70 characters and the weekly tip
 * that carries it may need one segment more: `npm run tips:report -- --link-length 70`.
 */
export const BUDGET_LINK_LENGTH = 30;
/** A name this long must fit the named welcome; longer ones are dropped when they do not fit. */
export const WELCOME_NAME_LENGTH = 12;
/** The cycle a maternal-health programme expects: long enough to cover, short enough to repeat. */
export const CYCLE_TIPS = { min: 45, max: 60 } as const;
const WHATSAPP_VARIABLE_MAX = 1024;

export interface GlossaryTerm {
  /** English forms (a match requires the Nepali term). */
  en: string[];
  /** The one Nepali term for the concept (a substring: postpositions may follow). */
  ne: string;
  avoid_en?: string[];
  avoid_ne?: string[];
  /** Which texts the term applies to. */
  scope: 'all' | 'tips' | 'messages';
  note?: string;
}

/** A link of `length` characters, as the budget counts it. */
export function budgetLink(length = BUDGET_LINK_LENGTH): string {
  return `https://${'x'.repeat(Math.max(1, length - 8))}`;
}

/** The longest way the tip time can be said in a language (any HH:MM setting). */
export function longestSpokenTime(language: Language): string {
  let longest = '';
  for (let minutes = 0; minutes < 1440; minutes++) {
    const clock = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const said = spokenTime(clock, language);
    if (said.length > longest.length) longest = said;
  }
  return longest;
}

/** Every way a tip's SMS body can look: who can reply, and whether the day carries the link. */
export const TIP_VARIANTS = [
  { canReply: false, withLink: false, label: 'one-way, no link' },
  { canReply: false, withLink: true, label: 'one-way, with the weekly link' },
  { canReply: true, withLink: false, label: 'two-way, no link' },
  { canReply: true, withLink: true, label: 'two-way, with the weekly link' },
] as const;

function withoutPlaceholders(text: string): string {
  return text.replace(/\{[^{}]*\}/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An English form as a whole word or phrase; acronyms (all capitals) match case-sensitively. */
function englishMatcher(form: string): RegExp {
  const flags = form === form.toUpperCase() ? 'u' : 'iu';
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(form)}(?![\\p{L}\\p{N}])`, flags);
}

const REPLY_WORDS = {
  en: /\b(?:[Rr]eply|[Rr]eplies|[Tt]ext back)\b|\b(?:STOP|START|HELP|INFO|UNSUBSCRIBE)\b/,
  ne: /जवाफ|\b(?:STOP|START|HELP|INFO)\b/,
} as const;
const CLOCK = {
  en: /\b\d{1,2}(?::\d{2})?\s*(?:AM|PM|a\.m\.|p\.m\.)|\bo'clock\b/i,
  ne: /[0-9०-९]+(?:[:.][0-9०-९]+)?\s*बजे/,
} as const;
const FREE = { en: /\bfree\b/i, ne: /निःशुल्क|नि:शुल्क|फ्री|सित्तै/ } as const;

function numbersIn(text: string, language: Language): string[] {
  const plain = withoutPlaceholders(text);
  const digits = language === 'ne' ? fromNepaliDigits(plain) : plain;
  return (digits.match(/\d+/g) ?? []).sort();
}

class Findings {
  readonly list: Finding[] = [];
  error(where: string, rule: Rule, message: string): void {
    this.list.push({ severity: 'error', where, rule, message });
  }
  warning(where: string, rule: Rule, message: string): void {
    this.list.push({ severity: 'warning', where, rule, message });
  }
}

/** Rules that look at one text on its own. */
function textRules(out: Findings, where: string, language: Language, text: string): void {
  const at = `${where} (${language})`;
  if (text !== text.trim() || / {2}/.test(text)) out.error(at, 'whitespace', 'leading, trailing or double spaces');
  if (/\p{Cc}/u.test(text)) out.error(at, 'control-character', 'contains a line break, tab or control character');
  if (text.normalize('NFC') !== text)
    out.error(at, 'nfc', 'not NFC-normalized (paste it through a Unicode normalizer)');
  const plain = withoutPlaceholders(text);
  if (language === 'en') {
    const foreign = nonGsmCharacters(plain);
    if (foreign.length > 0)
      out.error(
        at,
        'gsm7',
        `characters outside GSM-7 (the SMS would be UCS-2, 70 characters a segment): ${foreign.map((c) => JSON.stringify(c)).join(' ')}`,
      );
  } else {
    if (!/\p{Script=Devanagari}/u.test(plain)) out.error(at, 'devanagari', 'no Devanagari text');
    if (/[0-9]/.test(plain)) out.error(at, 'nepali-digits', 'ASCII digits: write ० १ २ ३ ४ ५ ६ ७ ८ ९');
  }
  if (CLOCK[language].test(plain))
    out.error(at, 'clock-time', 'an hour is written into the text; use {time} (the TIPS_LOCAL_TIME setting)');
}

/** Rules that compare the two languages of one entry, or the entry with the glossary. */
function pairRules(
  out: Findings,
  where: string,
  entry: Pick<ContentEntry, Language>,
  glossary: readonly GlossaryTerm[],
  scope: 'tips' | 'messages',
): void {
  const en = numbersIn(entry.en, 'en');
  const ne = numbersIn(entry.ne, 'ne');
  if (en.join(',') !== ne.join(','))
    out.error(
      where,
      'numbers',
      `numbers differ: English ${en.join(', ') || 'none'}, Nepali ${ne.join(', ') || 'none'} (a number dropped or changed in translation)`,
    );
  for (const term of glossary) {
    if (term.scope !== 'all' && term.scope !== scope) continue;
    const said = term.en.find((form) => englishMatcher(form).test(entry.en));
    if (said !== undefined && !entry.ne.includes(term.ne))
      out.error(where, 'term', `the English says "${said}": the Nepali must say "${term.ne}"`);
    for (const avoid of term.avoid_en ?? [])
      if (englishMatcher(avoid).test(entry.en))
        out.error(`${where} (en)`, 'term', `"${avoid}": write "${term.en[0]}" (one term per concept)`);
    for (const avoid of term.avoid_ne ?? [])
      if (entry.ne.includes(avoid))
        out.error(`${where} (ne)`, 'term', `"${avoid}": write "${term.ne}" (one term per concept)`);
  }
}

function reviewRules(out: Findings, where: string, entry: ContentEntry, today: string): void {
  const by = entry.reviewed_by.trim();
  const on = entry.reviewed_on.trim();
  if ((by === '') !== (on === '')) {
    out.error(where, 'review-date', 'reviewed_by and reviewed_on go together: fill both or neither');
    return;
  }
  if (on !== '') {
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(on) && new Date(`${on}T00:00:00Z`).toISOString().slice(0, 10) === on;
    if (!valid) out.error(where, 'review-date', `reviewed_on "${on}" is not a date YYYY-MM-DD`);
    else if (on > today) out.error(where, 'review-date', `reviewed_on ${on} is in the future`);
  }
  const state = reviewState(entry);
  if (state === 'unreviewed') out.warning(where, 'unreviewed', 'no clinical review yet');
  else if (state === 'changed_since_review')
    out.warning(
      where,
      'unreviewed',
      entry.reviewed_fingerprint
        ? `the text changed after ${by} reviewed it on ${on}: it needs a new review`
        : `review by ${by} on ${on} was not recorded through npm run content:import (no fingerprint of the signed text)`,
    );
}

function glossaryOf(json: unknown, out: Findings): GlossaryTerm[] {
  if (!Array.isArray(json)) {
    out.error('glossary', 'schema', 'the glossary must be a JSON array of terms');
    return [];
  }
  const terms: GlossaryTerm[] = [];
  json.forEach((term: unknown, index) => {
    const where = `glossary[${index}]`;
    const strings = (value: unknown) => Array.isArray(value) && value.every((s) => typeof s === 'string' && s !== '');
    if (
      !isRecord(term) ||
      !strings(term.en) ||
      (term.en as string[]).length === 0 ||
      typeof term.ne !== 'string' ||
      term.ne === '' ||
      (term.avoid_en !== undefined && !strings(term.avoid_en)) ||
      (term.avoid_ne !== undefined && !strings(term.avoid_ne)) ||
      !['all', 'tips', 'messages'].includes(term.scope as string)
    ) {
      out.error(
        where,
        'schema',
        'a term is { en: [forms], ne: "term", avoid_en?: [...], avoid_ne?: [...], scope: "all" | "tips" | "messages" }',
      );
      return;
    }
    terms.push(term as unknown as GlossaryTerm);
  });
  return terms;
}

function tipRules(
  out: Findings,
  tips: readonly Tip[],
  messages: Messages | undefined,
  glossary: readonly GlossaryTerm[],
  options: Required<CheckOptions>,
): void {
  const seen: Record<Language, Map<string, string>> = { en: new Map(), ne: new Map() };
  for (const tip of tips) {
    const where = `tip ${tip.id}`;
    sendableTextRules(out, where, tip, messages, glossary, options, TIP_VARIANTS);
    for (const language of LANGUAGES) {
      const other = seen[language].get(tip[language]);
      if (other !== undefined) out.error(where, 'duplicate', `same ${language} text as tip ${other}`);
      else seen[language].set(tip[language], tip.id);
    }
  }
  if (tips.length < CYCLE_TIPS.min || tips.length > CYCLE_TIPS.max)
    out.warning('tips', 'cycle', `${tips.length} tips; a cycle of ${CYCLE_TIPS.min} to ${CYCLE_TIPS.max} is expected`);
  for (const topic of TOPICS)
    if (!tips.some((tip) => tip.topic === topic)) out.warning('tips', 'cycle', `no tip about ${topic}`);
}

/** The rules of the text of one sendable entry (a tip or a programme message): alone, in its SMS, with its pair. */
function sendableTextRules(
  out: Findings,
  where: string,
  entry: Pick<Tip, Language | 'source'> & ContentEntry,
  messages: Messages | undefined,
  glossary: readonly GlossaryTerm[],
  options: Required<CheckOptions>,
  variants: ReadonlyArray<(typeof TIP_VARIANTS)[number]>,
): void {
  if (entry.source.trim() === '')
    out.error(where, 'source', 'no source: name the guideline (organisation, document, year)');
  for (const language of LANGUAGES) {
    const text = entry[language];
    textRules(out, where, language, text);
    const placeholders = placeholdersIn(text);
    if (placeholders.length > 0)
      out.error(
        `${where} (${language})`,
        'placeholder',
        `unknown placeholder ${placeholders.map((p) => `{${p}}`).join(' ')}: tips have none`,
      );
    if (REPLY_WORDS[language].test(text))
      out.error(`${where} (${language})`, 'reply-instruction', 'asks for a reply: most subscribers cannot reply');
    if (/ {5,}/.test(text) || text.length > WHATSAPP_VARIABLE_MAX)
      out.error(`${where} (${language})`, 'whatsapp-variable', 'not valid as a WhatsApp template variable');
    if (!messages) continue;
    const link = budgetLink(options.linkLength);
    for (const variant of variants) {
      const body = tipSmsBody(
        entry,
        language,
        { canReply: variant.canReply, link: variant.withLink ? link : undefined },
        messages,
      );
      const count = countSegments(body);
      if (count.segments > MAX_SEGMENTS[language]) {
        out.error(
          `${where} (${language})`,
          'sms-budget',
          `${count.segments} segments (${count.units} ${count.encoding} units) ${variant.label}; the budget is ${MAX_SEGMENTS[language]}`,
        );
        break;
      }
    }
  }
  pairRules(out, where, entry, glossary, 'tips');
  reviewRules(out, where, entry, options.today);
}

/**
 * Programme messages: the text rules of tips (a programme message always carries the personal
 * link, so its budget counts the link), plus the set rules: one set per anchor, stages that do
 * not overlap, each message on a cadence day of its stage and alone in its slot, no text twice
 * in a set, and a warning for cadence slots with no message.
 */
function programmeRules(
  out: Findings,
  programmes: Programmes,
  messages: Messages | undefined,
  glossary: readonly GlossaryTerm[],
  options: Required<CheckOptions>,
): void {
  for (const anchor of ANCHORS) {
    const sets = programmes.sets.filter((set) => set.anchor === anchor);
    if (sets.length > 1)
      out.error(
        `set ${sets[1]!.id}`,
        'programme-sets',
        `a second set keyed to ${anchor} (${sets.map((s) => s.id).join(', ')}): a subscriber could be in either`,
      );
  }
  for (const set of programmes.sets) {
    const weeks = new Map<number, string>();
    for (const stage of set.stages)
      for (let week = stage.from_week; week <= stage.to_week; week++) {
        const other = weeks.get(week);
        if (other !== undefined)
          out.error(`set ${set.id}`, 'programme-sets', `week ${week} is in stage ${other} and stage ${stage.id}`);
        else weeks.set(week, stage.id);
      }
  }
  const slots = new Map<string, string>();
  const texts = new Map<string, string>();
  for (const message of programmes.messages) {
    const where = `programme message ${message.id}`;
    const set = programmes.sets.find((s) => s.id === message.set)!;
    const stage = stageOf(set, message.week);
    if (!stage) out.error(where, 'cadence', `week ${message.week} is in no stage of set ${set.id}`);
    else if (!stage.days.includes(message.day))
      out.error(
        where,
        'cadence',
        `day ${message.day} of week ${message.week}: stage ${stage.id} sends on days ${stage.days.join(', ')} only, so it would never go`,
      );
    const slot = `${message.set} ${message.week} ${message.day}`;
    const taken = slots.get(slot);
    if (taken !== undefined)
      out.error(where, 'cadence', `week ${message.week} day ${message.day} of set ${message.set} already has ${taken}`);
    else slots.set(slot, message.id);
    for (const language of LANGUAGES) {
      const key = `${message.set} ${language} ${message[language]}`;
      const other = texts.get(key);
      if (other !== undefined) out.error(where, 'duplicate', `same ${language} text as ${other} in set ${message.set}`);
      else texts.set(key, message.id);
    }
    sendableTextRules(
      out,
      where,
      message,
      messages,
      glossary,
      options,
      TIP_VARIANTS.filter((v) => v.withLink),
    );
  }
  for (const set of programmes.sets) {
    let open = 0;
    let total = 0;
    for (const stage of set.stages)
      for (let week = stage.from_week; week <= stage.to_week; week++)
        for (const day of stage.days) {
          total++;
          if (!slots.has(`${set.id} ${week} ${day}`)) open++;
        }
    if (open > 0)
      out.warning(
        `set ${set.id}`,
        'coverage',
        `${open} of ${total} cadence slots have no message: those days send nothing`,
      );
  }
}

/** The SMS bodies a whole message can become (its budget applies to each), with a label for findings. */
export function messageSmsBodies(
  id: MessageId,
  language: Language,
  messages: Messages,
  options: Pick<Required<CheckOptions>, 'linkLength'>,
): Array<{ label: string; body: string }> {
  const time = longestSpokenTime(language);
  const link = budgetLink(options.linkLength);
  if (id === 'welcome' || id === 'welcome_no_name') {
    return [false, true].map((canReply) => {
      const stop = stopInstruction(language, { canReply, link }, messages)!;
      const values = welcomeValues(language, stop, { canReply, messages, localTime: '00:00' });
      const name = language === 'en' ? 'M'.repeat(WELCOME_NAME_LENGTH) : 'म'.repeat(WELCOME_NAME_LENGTH);
      return {
        label: `${canReply ? 'two-way' : 'one-way'}${id === 'welcome' ? `, a ${WELCOME_NAME_LENGTH}-character name` : ''}, the longest tip time`,
        body: renderMessage(messages, id, language, { ...values, time, name }),
      };
    });
  }
  if (id === 'birth_ask') {
    // Sent as a programme message: its text (with the /b link), then the brand and the stop phrase with the /u link.
    const text = renderMessage(messages, id, language, { link });
    return [false, true].map((canReply) => ({
      label: `${canReply ? 'two-way' : 'one-way'}, as a programme message with the stop phrase and both links`,
      body: tipSmsBody({ en: text, ne: text }, language, { canReply, link }, messages),
    }));
  }
  if ((MESSAGE_SPECS[id].placeholders as readonly string[]).includes('stop'))
    return [false, true].map((canReply) => ({
      label: `${canReply ? 'two-way' : 'one-way'}, the stop phrase with the link, the longest tip time`,
      body: renderMessage(messages, id, language, {
        time,
        stop: stopInstruction(language, { canReply, link }, messages)!,
      }),
    }));
  return [{ label: 'the longest tip time', body: renderMessage(messages, id, language, { time }) }];
}

/** Keyword lists: each word as matched, and no word in two lists or among STOP / START / HELP. */
function keywordRules(out: Findings, messages: Messages): void {
  const owner = new Map<string, string>();
  for (const id of MESSAGE_IDS) {
    if (!('keywords' in MESSAGE_SPECS[id])) continue;
    for (const { word, language } of keywordWords(messages, id)) {
      const at = `message ${id} (${language})`;
      if (keywordText(word) !== word)
        out.error(at, 'keyword', `"${word}" is matched as "${keywordText(word)}": write that`);
      const builtIn = matchKeyword(word);
      if (builtIn) out.error(at, 'keyword', `"${word}" is already a ${builtIn.kind.toUpperCase()} keyword`);
      const other = owner.get(keywordText(word));
      if (other !== undefined && other !== id) out.error(at, 'keyword', `"${word}" is also in ${other}`);
      owner.set(keywordText(word), id);
    }
  }
}

function messageRules(
  out: Findings,
  messages: Messages,
  glossary: readonly GlossaryTerm[],
  options: Required<CheckOptions>,
): void {
  for (const id of MESSAGE_IDS) {
    const spec = MESSAGE_SPECS[id];
    const entry = messages[id];
    const where = `message ${id}`;
    let placeholdersOk = true;
    for (const language of LANGUAGES) {
      const text = entry[language];
      textRules(out, where, language, text);
      const used = placeholdersIn(text);
      const expected: readonly string[] = spec.placeholders;
      const unknown = used.filter((p) => !expected.includes(p));
      const missing = expected.filter((p) => !used.includes(p));
      if (unknown.length > 0 || missing.length > 0) {
        placeholdersOk = false;
        out.error(
          `${where} (${language})`,
          'placeholder',
          [
            unknown.length > 0 ? `unknown placeholder ${unknown.map((p) => `{${p}}`).join(' ')}` : '',
            missing.length > 0 ? `missing ${missing.map((p) => `{${p}}`).join(' ')}` : '',
          ]
            .filter(Boolean)
            .join('; ') + ` (this message takes ${expected.map((p) => `{${p}}`).join(' ') || 'none'})`,
        );
      }
      if (spec.audience === 'everyone' && REPLY_WORDS[language].test(withoutPlaceholders(text)))
        out.error(
          `${where} (${language})`,
          'reply-instruction',
          'asks for a reply, but people who cannot reply read it (put it in a stop phrase or help_hint)',
        );
      if (FREE[language].test(text))
        out.error(`${where} (${language})`, 'free-claim', 'says "free": receiving or replying may cost the subscriber');
    }
    pairRules(out, where, entry, glossary, 'messages');
    reviewRules(out, where, entry, options.today);
    if (!placeholdersOk || !('budget' in spec)) continue;
    for (const language of LANGUAGES) {
      for (const { label, body } of messageSmsBodies(id, language, messages, options)) {
        const count = countSegments(body);
        const limit = spec.budget[language];
        if (count.segments > limit || (language === 'en' && count.encoding !== 'GSM-7')) {
          out.error(
            `${where} (${language})`,
            'sms-budget',
            `${count.segments} ${count.encoding} segments (${count.units} units) with ${label}; the budget is ${limit}${language === 'en' ? ' GSM-7' : ''}`,
          );
          break;
        }
      }
    }
  }
}

export interface ContentFiles {
  tips: unknown;
  messages: unknown;
  glossary: unknown;
  /** Stage-based message sets (src/assets/programmes.private.json); absent: not checked. */
  programmes?: unknown;
}

export interface CheckResult {
  findings: Finding[];
  errors: number;
  warnings: number;
  /** The parsed files, when their structure allowed it. */
  tips?: Tip[];
  messages?: Messages;
  programmes?: Programmes;
}

/** A structural problem as a finding: `tip t03: missing ne text` is a missing language. */
function shapeFinding(out: Findings, file: string, problem: string): void {
  const [where, ...rest] = problem.split(': ');
  const named = rest.length > 0 && /^(?:tip|message|programme message|set) /.test(where!);
  out.error(
    named ? where! : file,
    / missing (?:en|ne) text$/.test(problem) ? 'missing-language' : 'schema',
    named ? rest.join(': ') : problem,
  );
}

/** Every finding for a set of content files (none of them trusted: structure is checked first). */
export function checkContent(files: ContentFiles, options: CheckOptions = {}): CheckResult {
  const settings: Required<CheckOptions> = {
    linkLength: options.linkLength ?? BUDGET_LINK_LENGTH,
    today: options.today ?? new Date().toISOString().slice(0, 10),
  };
  const out = new Findings();
  const glossary = glossaryOf(files.glossary, out);
  const messageProblems = messagesShapeProblems(files.messages);
  for (const problem of messageProblems) shapeFinding(out, 'messages', problem);
  const messages = messageProblems.length === 0 ? parseMessages(files.messages) : undefined;
  const tipProblems = tipsShapeProblems(files.tips);
  for (const problem of tipProblems) shapeFinding(out, 'tips', problem);
  const tips = tipProblems.length === 0 ? parseTips(files.tips) : undefined;
  if (messages) messageRules(out, messages, glossary, settings);
  if (messages) keywordRules(out, messages);
  if (tips) tipRules(out, tips, messages, glossary, settings);
  let programmes: Programmes | undefined;
  if (files.programmes !== undefined) {
    const problems = programmesShapeProblems(files.programmes);
    for (const problem of problems) shapeFinding(out, 'programmes', problem);
    if (problems.length === 0) {
      programmes = parseProgrammes(files.programmes);
      programmeRules(out, programmes, messages, glossary, settings);
    }
  }
  const findings = out.list;
  return {
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    ...(tips ? { tips } : {}),
    ...(messages ? { messages } : {}),
    ...(programmes ? { programmes } : {}),
  };
}

export interface ReviewStatus {
  total: number;
  reviewed: number;
  /** Ids never signed. */
  unreviewed: string[];
  /** Ids whose text changed after the signature. */
  changedSinceReview: string[];
}

function reviewStatusOf(entries: ReadonlyArray<readonly [string, ContentEntry]>): ReviewStatus {
  const by = (state: string) => entries.filter(([, entry]) => reviewState(entry) === state).map(([id]) => id);
  return {
    total: entries.length,
    reviewed: by('reviewed').length,
    unreviewed: by('unreviewed'),
    changedSinceReview: by('changed_since_review'),
  };
}

/** What a clinician has signed, for the dashboard and the reports. */
export function contentReviewStatus(
  tips: readonly Tip[],
  messages: Messages,
): { tips: ReviewStatus; messages: ReviewStatus } {
  return {
    tips: reviewStatusOf(tips.map((tip) => [tip.id, tip] as const)),
    messages: reviewStatusOf(MESSAGE_IDS.map((id) => [id, messages[id]] as const)),
  };
}
