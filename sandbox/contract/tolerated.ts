/**
 * Request parameters that are not in Twilio's spec but that a library this project deploys
 * with sends anyway, and that Twilio ignores. Only these names, only on their operation: any
 * other unknown parameter stays a violation.
 */
export const TOLERATED_EXTRA_PARAMETERS: Record<string, readonly string[]> = {
  // @twilio-labs/serverless-api 5.x (createEnvironmentFromSuffix) names the environment it creates;
  // the Environment resource has no friendly name.
  CreateEnvironment: ['FriendlyName'],
};

export function withoutTolerated<T>(operation: string, form: Record<string, T>): Record<string, T> {
  const tolerated = TOLERATED_EXTRA_PARAMETERS[operation];
  if (!tolerated) return form;
  return Object.fromEntries(Object.entries(form).filter(([name]) => !tolerated.includes(name)));
}
