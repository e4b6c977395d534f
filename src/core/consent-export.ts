/** The consent history as an auditor reads it: one row per change, as CSV or JSON. */
import type { ConsentEntry } from './subscriber';

export interface ConsentExport {
  phone: string;
  userId: string;
  status: string;
  history: ConsentEntry[];
}

function csvCell(value: string): string {
  // Quote everything; a leading = + - @ is neutralized so a spreadsheet never runs it as a formula
  // (an E.164 number is only digits after its plus: left as it is).
  const safe = /^[=+\-@]/.test(value) && !/^\+\d+$/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function consentCsv(data: ConsentExport): string {
  const rows = [['phone', 'user_id', 'time', 'action', 'source', 'reason']];
  for (const entry of data.history)
    rows.push([data.phone, data.userId, entry.at, entry.action, entry.source, entry.reason ?? '']);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
