/**
 * Response fields the project's code reads, per resource schema. Twilio's specs list no
 * required response fields (every property is optional and most are nullable), so a
 * stand-in that forgot `revision` would pass the spec alone; these lists make such an
 * omission a contract violation. A field listed here must be present; it may still be null
 * where the spec says nullable. Add a field when code starts reading it.
 */
export const FIELDS_THE_PROJECT_READS: Record<string, Record<string, string[]>> = {
  api: {
    // src/twilio/messaging.ts: send, findSent
    'api.v2010.account.message': ['sid', 'status', 'to', 'body', 'direction', 'date_created', 'error_code'],
  },
  sync: {
    // src/twilio/sync-store.ts: toItem
    'sync.v1.service.sync_map.sync_map_item': ['key', 'data', 'revision', 'date_updated'],
    'sync.v1.service.sync_map': ['sid', 'unique_name'],
    'sync.v1.service.document': ['sid', 'unique_name', 'data', 'revision'],
    // src/ops/setup.ts, doctor.ts: the service exists
    'sync.v1.service': ['sid'],
  },
  lookups: {
    // src/twilio/lookup.ts
    'lookups.v2.phone_number': ['phone_number', 'valid', 'validation_errors', 'line_type_intelligence'],
  },
  messaging: {
    // src/ops/setup.ts, doctor.ts
    'messaging.v1.service': ['sid', 'friendly_name', 'inbound_request_url', 'status_callback'],
    'messaging.v1.service.phone_number': ['sid'],
  },
  content: {
    // src/ops/doctor.ts: WhatsApp template approval
    'content.v1.content.approval_fetch': ['whatsapp'],
  },
  serverless: {
    // npm run deploy: @twilio-labs/serverless-api (services, environments, functions, assets,
    // variables, builds) and src/ops/deploy.ts (the failed build, the live build)
    'serverless.v1.service': ['sid', 'unique_name'],
    'serverless.v1.service.environment': ['sid', 'unique_name', 'domain_suffix', 'domain_name', 'build_sid'],
    'serverless.v1.service.environment.variable': ['sid', 'key', 'value'],
    'serverless.v1.service.function': ['sid', 'friendly_name'],
    'serverless.v1.service.asset': ['sid', 'friendly_name'],
    'serverless.v1.service.build': ['sid', 'status', 'runtime', 'date_created'],
    'serverless.v1.service.build.build_status': ['status'],
  },
  'serverless-upload': {
    // @twilio-labs/serverless-api: the new version's SID goes into the build
    'serverless.v1.service.function.function_version': ['sid'],
    'serverless.v1.service.asset.asset_version': ['sid'],
  },
};
