/**
 * The time box of one request. A Twilio Function is killed at 10 s: our own work and every
 * outbound retry stop by this many milliseconds after the request arrived, leaving room to answer.
 */
export const REQUEST_BUDGET_MS = 8000;
