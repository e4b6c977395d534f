/**
 * A clock time ('HH:MM', the TIPS_LOCAL_TIME setting) the way people say it, for message
 * texts: "7 AM", "7:30 PM" in English; "बिहान ७ बजे", "बिहान साढे ७ बजे", "बेलुका ६:१० बजे" in
 * Nepali (part of the day, 12-hour clock, Devanagari digits; quarter and half hours said as
 * सवा / साढे / पौने). Texts never write the hour themselves: it is a setting.
 */
import type { Language } from './subscriber';

const NEPALI_DIGITS = '०१२३४५६७८९';

/** ASCII digits turned into Devanagari ones ("12" -> "१२"). */
export function toNepaliDigits(text: string): string {
  return text.replace(/[0-9]/g, (digit) => NEPALI_DIGITS[Number(digit)]!);
}

/** Devanagari digits turned into ASCII ones ("१२" -> "12"). */
export function fromNepaliDigits(text: string): string {
  return text.replace(/[०-९]/g, (digit) => String(NEPALI_DIGITS.indexOf(digit)));
}

/** Part of the day a Nepali speaker names before the hour. */
function nepaliDayPart(hour: number): string {
  if (hour >= 4 && hour < 12) return 'बिहान';
  if (hour >= 12 && hour < 16) return 'दिउँसो';
  if (hour >= 16 && hour < 19) return 'बेलुका';
  return 'राति';
}

function twelveHour(hour: number): number {
  return hour % 12 === 0 ? 12 : hour % 12;
}

function parseClock(localTime: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(localTime);
  if (!match) throw new RangeError(`not a local time (HH:MM): ${JSON.stringify(localTime)}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

export function spokenTime(localTime: string, language: Language): string {
  const { hour, minute } = parseClock(localTime);
  if (language === 'en') {
    const clock = minute === 0 ? `${twelveHour(hour)}` : `${twelveHour(hour)}:${String(minute).padStart(2, '0')}`;
    return `${clock} ${hour < 12 ? 'AM' : 'PM'}`;
  }
  const part = nepaliDayPart(hour);
  const h = twelveHour(hour);
  const said =
    minute === 0
      ? `${h}`
      : minute === 15
        ? `सवा ${h}`
        : minute === 30
          ? `साढे ${h}`
          : minute === 45
            ? `पौने ${twelveHour(hour + 1)}`
            : `${h}:${String(minute).padStart(2, '0')}`;
  return `${part} ${toNepaliDigits(said)} बजे`;
}
