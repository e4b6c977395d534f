/** GET /health (public): build version and, per feature, the names of missing settings. */
import { FEATURE_REQUIREMENTS } from '../core/health';
import { missingSettings } from '../core/settings';
import { defineRoute, json } from '../runtime/route';

declare const __BUILD_VERSION__: string;

export const handler = defineRoute({
  name: 'health',
  auth: { kind: 'public' },
  // Reads nothing: a monitor's cache-busting query is ignored, a body refused.
  input: { from: 'either', bodyTypes: [], maxBodyBytes: 0, fields: {}, undeclared: 'ignore' },
  handle({ context }) {
    const missing: Record<string, string[]> = {};
    for (const [feature, names] of Object.entries(FEATURE_REQUIREMENTS)) {
      const absent = missingSettings(context, names);
      if (absent.length > 0) missing[feature] = absent;
    }
    const ready = Object.keys(missing).length === 0;
    return Promise.resolve(json(200, { status: ready ? 'ok' : 'incomplete', version: __BUILD_VERSION__, missing }));
  },
});
