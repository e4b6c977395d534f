/**
 * Welcome message content. SMS: a body in English or Nepali that confirms the
 * registration, says what the service sends and how to stop. WhatsApp: business-initiated
 * messages need an approved template, so only its variables are built here.
 */
import type { Channel, Language } from './subscriber';

const MAX_NAME_LENGTH = 30;

/** A display name safe to put in a message: no control characters, no links, bounded. */
export function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const cleaned = name
    .normalize('NFC')
    .replace(/[\p{Cc}<>]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned === '' || /https?:|www\./i.test(cleaned) ? undefined : cleaned;
}

/** `stop`: how this subscriber stops (stop-instruction.ts), said last. */
export function welcomeBody(language: Language, name: string | undefined, stop: string): string {
  const who = cleanName(name);
  if (language === 'ne') {
    return `आमकेयरमा स्वागत छ${who ? `, ${who}` : ''}! तपाईंको नम्बर दर्ता भयो। हरेक दिन बिहान ७ बजे स्वास्थ्य सुझाव पाउनुहुनेछ। ${stop}`;
  }
  return `Welcome to Aamcare${who ? `, ${who}` : ''}! Your number is registered. You will get a free health tip every day at 7 AM. ${stop}`;
}

/** Variables of the approved WhatsApp welcome template: {{1}} name, {{2}} tip time, {{3}} how to stop. */
export function welcomeTemplateVariables(
  language: Language,
  name: string | undefined,
  stop: string,
): Record<string, string> {
  const fallback = language === 'ne' ? 'साथी' : 'friend';
  return { '1': cleanName(name) ?? fallback, '2': language === 'ne' ? 'बिहान ७ बजे' : '7 AM', '3': stop };
}

/** Settings a welcome on this channel needs and lacks: WhatsApp welcomes need an approved template. */
export function missingWelcomeSettings(channel: Channel, welcomeContentSid: string | undefined): string[] {
  return channel === 'whatsapp' && !welcomeContentSid ? ['WELCOME_CONTENT_SID'] : [];
}
