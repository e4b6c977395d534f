/**
 * The Serverless upload host's operations, which Twilio's OpenAPI spec leaves out. Function and
 * Asset Versions are created by a multipart POST to https://serverless-upload.twilio.com/v1/
 * Services/{ServiceSid}/{Functions|Assets}/{Sid}/Versions with `Path`, `Visibility` and the file
 * `Content` (Twilio's Function Version and Asset Version pages). They are written here in the
 * spec's own terms, from the spec's parts: the path parameters of the Versions list operation on
 * the same path, the visibility enums and the Version resource schemas. Path follows the docs:
 * it begins with "/" and is at most 255 characters.
 */
import type { Json } from './normalize';

const UPLOADS = [
  {
    path: '/v1/Services/{ServiceSid}/Functions/{FunctionSid}/Versions',
    operationId: 'CreateFunctionVersion',
    visibility: 'function_version_enum_visibility',
    resource: 'serverless.v1.service.function.function_version',
  },
  {
    path: '/v1/Services/{ServiceSid}/Assets/{AssetSid}/Versions',
    operationId: 'CreateAssetVersion',
    visibility: 'asset_version_enum_visibility',
    resource: 'serverless.v1.service.asset.asset_version',
  },
];

/** OpenAPI path items for the upload host, built from the serverless spec's `paths`. */
export function serverlessUploadPaths(specPaths: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const upload of UPLOADS) {
    const listOperation = specPaths[upload.path]?.get as Json | undefined;
    if (!listOperation) throw new Error(`contract: the serverless spec has no GET ${upload.path}`);
    const pathParameters = ((listOperation.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');
    out[upload.path] = {
      post: {
        operationId: upload.operationId,
        parameters: pathParameters,
        requestBody: {
          content: {
            // Multipart on the wire; its text fields are checked like form parameters.
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['Path', 'Visibility', 'Content'],
                properties: {
                  Path: { type: 'string', pattern: '^/', maxLength: 255 },
                  Visibility: { $ref: `#/components/schemas/${upload.visibility}` },
                  Content: { type: 'string', format: 'binary' },
                },
              },
            },
          },
        },
        responses: {
          '201': {
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${upload.resource}` } } },
          },
        },
      },
    };
  }
  return out;
}
