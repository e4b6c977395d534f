/**
 * Serverless v1 (Twilio Functions and Assets), stateful: Services, Environments and their
 * Variables, Functions and Assets with their Versions (uploaded as multipart to the
 * serverless-upload host), Builds with status polling, and Deployments. A Build runs the
 * emulated packager (serverless-build.ts: npm install of the declared dependencies into a fresh
 * folder, then a health check); a Deployment serves the build with the real twilio-run
 * (serverless-runtime.ts) on a local port, reachable through `localUrl` by its public
 * https://<domain> URL.
 *
 * Semantics follow Twilio's API docs: a Service's unique_name is unique and forms its domain
 * (`<unique_name>-<4 digits>[-<suffix>].twil.io`); an Environment's unique_name and domain suffix
 * are unique in the Service; a Variable's key is unique in its Environment (key up to 128
 * characters, value up to 450 bytes); a Build needs at least one Function or Asset Version
 * (Twilio's 20001 message); Build status goes building -> completed | failed; only a completed
 * Build can be deployed; a failed Build changes nothing that is served.
 */
import { randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { buildPackage, safeRelativePath, type BuildStep, type Dependency, type Visibility } from './serverless-build';
import { createRuntimeHost } from './serverless-runtime';
import {
  iso,
  newSid,
  singlePageMeta,
  TwilioError,
  type Answer,
  type ProductContext,
  type TwilioCall,
} from './twilio-api';

type Kind = 'function' | 'asset';

interface Service {
  sid: string;
  uniqueName: string;
  friendlyName: string;
  includeCredentials: boolean;
  uiEditable: boolean;
  domainBase: string;
  created: string;
  updated: string;
}

interface Variable {
  sid: string;
  key: string;
  value: string;
  created: string;
  updated: string;
}

interface Environment {
  sid: string;
  serviceSid: string;
  uniqueName: string;
  domainSuffix: string | null;
  domainName: string;
  buildSid: string | null;
  variables: Map<string, Variable>;
  created: string;
  updated: string;
}

interface Resource {
  sid: string;
  serviceSid: string;
  kind: Kind;
  friendlyName: string;
  created: string;
  updated: string;
}

interface Version {
  sid: string;
  serviceSid: string;
  resourceSid: string;
  kind: Kind;
  path: string;
  visibility: Visibility;
  content: Buffer;
  created: string;
}

interface Build {
  sid: string;
  serviceSid: string;
  status: 'building' | 'completed' | 'failed';
  functionVersions: string[];
  assetVersions: string[];
  dependencies: Dependency[];
  runtime: string;
  created: string;
  updated: string;
  dir?: string;
  failure?: { step: BuildStep; detail: string };
}

interface Deployment {
  sid: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  created: string;
}

/** What tests and the control route see (variable values only in-process, never over HTTP). */
export interface ServerlessState {
  services: Array<{ sid: string; uniqueName: string; domainBase: string }>;
  environments: Array<{
    sid: string;
    serviceSid: string;
    uniqueName: string;
    domainName: string;
    buildSid: string | null;
    variables: Record<string, string>;
    localUrl: string | null;
  }>;
  functions: Array<{ sid: string; serviceSid: string; friendlyName: string }>;
  assets: Array<{ sid: string; serviceSid: string; friendlyName: string }>;
  versions: Array<{ sid: string; kind: Kind; resourceSid: string; path: string; visibility: Visibility }>;
  builds: Array<{
    sid: string;
    serviceSid: string;
    status: Build['status'];
    functionVersions: string[];
    assetVersions: string[];
    dependencies: Dependency[];
    dir: string | null;
    failure: { step: BuildStep; detail: string } | null;
  }>;
  deployments: Array<{ sid: string; environmentSid: string; buildSid: string }>;
}

export interface ServerlessProduct {
  handle: (call: TwilioCall) => Answer;
  /** serverless-upload.twilio.com: Function and Asset Version creation (multipart). */
  handleUpload: (call: TwilioCall) => Answer;
  state: () => ServerlessState;
  /** The local URL answering for a deployed https://<domain>/path URL, once its latest deployment is served. */
  served: (publicUrl: string) => Promise<string>;
  /** twilio-run's recent output for the environment at that domain. */
  logs: (domainName: string) => string;
  reset: () => void;
  close: () => Promise<void>;
}

const VISIBILITIES: readonly Visibility[] = ['public', 'protected', 'private'];
/**
 * A deployment or variable change is served after this quiet time, so a deploy's burst (activate,
 * then variable changes) restarts the environment's twilio-run once.
 */
const SERVE_DELAY_MS = 1000;

/**
 * The Dependencies parameter: a JSON list of {name, version}. @twilio-labs/serverless-api sends
 * it wrapped in one more pair of double quotes ("[...]"), which Twilio accepts; so does this.
 */
function parseDependencies(text: string | undefined): Dependency[] {
  if (text === undefined || text === '') return [];
  const unwrapped = /^"\[.*\]"$/s.test(text) ? text.slice(1, -1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(unwrapped);
  } catch {
    throw new TwilioError(400, 20001, 'Dependencies must be a JSON list of {"name", "version"}');
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (d: unknown) =>
        typeof d === 'object' &&
        d !== null &&
        typeof (d as Dependency).name === 'string' &&
        typeof (d as Dependency).version === 'string',
    );
  if (!valid) throw new TwilioError(400, 20001, 'Dependencies must be a JSON list of {"name", "version"}');
  return (parsed as Dependency[]).map(({ name, version }) => ({ name, version }));
}

export function createServerless({ options, baseUrl }: ProductContext): ServerlessProduct {
  let services = new Map<string, Service>();
  let environments = new Map<string, Environment>();
  let resources = new Map<string, Resource>();
  let versions = new Map<string, Version>();
  let builds = new Map<string, Build>();
  let deployments = new Map<string, Deployment>();
  const running = new Set<Promise<void>>();
  /** Builds run one at a time (npm install is the heavy part; a 2-core machine runs tests too). */
  let buildQueue: Promise<void> = Promise.resolve();
  const runtime = createRuntimeHost();

  const api = () => `${baseUrl()}/serverless/v1`;
  const serviceUrl = (s: string) => `${api()}/Services/${s}`;

  // ---- JSON shapes (Twilio's field names) ----
  const serviceJson = (s: Service) => ({
    sid: s.sid,
    account_sid: options.accountSid,
    friendly_name: s.friendlyName,
    unique_name: s.uniqueName,
    include_credentials: s.includeCredentials,
    ui_editable: s.uiEditable,
    domain_base: s.domainBase,
    date_created: s.created,
    date_updated: s.updated,
    url: serviceUrl(s.sid),
    links: {
      environments: `${serviceUrl(s.sid)}/Environments`,
      functions: `${serviceUrl(s.sid)}/Functions`,
      assets: `${serviceUrl(s.sid)}/Assets`,
      builds: `${serviceUrl(s.sid)}/Builds`,
    },
  });
  const environmentUrl = (e: Environment) => `${serviceUrl(e.serviceSid)}/Environments/${e.sid}`;
  const environmentJson = (e: Environment) => ({
    sid: e.sid,
    account_sid: options.accountSid,
    service_sid: e.serviceSid,
    build_sid: e.buildSid,
    unique_name: e.uniqueName,
    domain_suffix: e.domainSuffix,
    domain_name: e.domainName,
    date_created: e.created,
    date_updated: e.updated,
    url: environmentUrl(e),
    links: {
      variables: `${environmentUrl(e)}/Variables`,
      deployments: `${environmentUrl(e)}/Deployments`,
      logs: `${environmentUrl(e)}/Logs`,
    },
  });
  const variableJson = (e: Environment, v: Variable) => ({
    sid: v.sid,
    account_sid: options.accountSid,
    service_sid: e.serviceSid,
    environment_sid: e.sid,
    key: v.key,
    value: v.value,
    date_created: v.created,
    date_updated: v.updated,
    url: `${environmentUrl(e)}/Variables/${v.sid}`,
  });
  const collection = (kind: Kind) => (kind === 'function' ? 'Functions' : 'Assets');
  const resourceUrl = (r: Resource) => `${serviceUrl(r.serviceSid)}/${collection(r.kind)}/${r.sid}`;
  const resourceJson = (r: Resource) => ({
    sid: r.sid,
    account_sid: options.accountSid,
    service_sid: r.serviceSid,
    friendly_name: r.friendlyName,
    date_created: r.created,
    date_updated: r.updated,
    url: resourceUrl(r),
    links: { [`${r.kind}_versions`]: `${resourceUrl(r)}/Versions` },
  });
  const versionJson = (v: Version) => {
    const url = `${serviceUrl(v.serviceSid)}/${collection(v.kind)}/${v.resourceSid}/Versions/${v.sid}`;
    return {
      sid: v.sid,
      account_sid: options.accountSid,
      service_sid: v.serviceSid,
      [`${v.kind}_sid`]: v.resourceSid,
      path: v.path,
      visibility: v.visibility,
      date_created: v.created,
      url,
      ...(v.kind === 'function' ? { links: { function_version_content: `${url}/Content` } } : {}),
    };
  };
  const buildUrl = (b: Build) => `${serviceUrl(b.serviceSid)}/Builds/${b.sid}`;
  const versionRef = (sid: string) => {
    const v = versions.get(sid)!;
    return {
      sid: v.sid,
      account_sid: options.accountSid,
      service_sid: v.serviceSid,
      [`${v.kind}_sid`]: v.resourceSid,
      date_created: v.created,
      path: v.path,
      visibility: v.visibility,
    };
  };
  const buildJson = (b: Build) => ({
    sid: b.sid,
    account_sid: options.accountSid,
    service_sid: b.serviceSid,
    status: b.status,
    asset_versions: b.assetVersions.map(versionRef),
    function_versions: b.functionVersions.map(versionRef),
    dependencies: b.dependencies,
    runtime: b.runtime,
    date_created: b.created,
    date_updated: b.updated,
    url: buildUrl(b),
    links: { build_status: `${buildUrl(b)}/Status` },
  });
  const deploymentJson = (d: Deployment) => ({
    sid: d.sid,
    account_sid: options.accountSid,
    service_sid: d.serviceSid,
    environment_sid: d.environmentSid,
    build_sid: d.buildSid,
    date_created: d.created,
    date_updated: d.created,
    url: `${serviceUrl(d.serviceSid)}/Environments/${d.environmentSid}/Deployments/${d.sid}`,
  });
  const list = (url: string, key: string, items: unknown[]): Answer => [
    200,
    { [key]: items, meta: singlePageMeta(url, 50, key) },
  ];

  // ---- lookups ----
  function service(sidOrName: string | undefined): Service {
    const found =
      services.get(sidOrName ?? '') ?? [...services.values()].find((s) => s.uniqueName === (sidOrName ?? ''));
    if (!found) throw new TwilioError(404, 20404, `The requested resource /Services/${sidOrName} was not found`);
    return found;
  }
  function environment(svc: Service, sid: string | undefined): Environment {
    const found = environments.get(sid ?? '');
    if (!found || found.serviceSid !== svc.sid) throw new TwilioError(404, 20404, 'Environment not found');
    return found;
  }
  function resource(svc: Service, kind: Kind, sid: string | undefined): Resource {
    const found = resources.get(sid ?? '');
    if (!found || found.serviceSid !== svc.sid || found.kind !== kind)
      throw new TwilioError(404, 20404, `${kind === 'function' ? 'Function' : 'Asset'} not found`);
    return found;
  }
  function build(svc: Service, sid: string | undefined): Build {
    const found = builds.get(sid ?? '');
    if (!found || found.serviceSid !== svc.sid) throw new TwilioError(404, 20404, 'Build not found');
    return found;
  }
  const required = (form: Record<string, string>, name: string) => {
    const value = form[name];
    if (value === undefined || value === '') throw new TwilioError(400, 20001, `Missing required parameter ${name}`);
    return value;
  };

  // ---- what is served ----
  /** What Twilio gives a deployed Function besides its variables; Twilio here is the sandbox. */
  function platformEnv(env: Environment): Record<string, string> {
    return {
      ACCOUNT_SID: options.accountSid,
      AUTH_TOKEN: options.authToken,
      DOMAIN_NAME: env.domainName,
      SERVICE_SID: env.serviceSid,
      ENVIRONMENT_SID: env.sid,
      TWILIO_API_BASE_URL: baseUrl(),
    };
  }
  function serve(env: Environment, delayMs: number) {
    const deployed = env.buildSid ? builds.get(env.buildSid) : undefined;
    if (!deployed?.dir) return;
    const variables = Object.fromEntries([...env.variables.values()].map((v) => [v.key, v.value]));
    // Variables never override what the platform sets (Twilio reserves those names).
    runtime.serve(env.sid, { dir: deployed.dir, env: { ...variables, ...platformEnv(env) } }, delayMs);
  }

  // ---- builds ----
  function startBuild(b: Build) {
    const job = buildQueue.then(async () => {
      const outcome = await buildPackage({
        functions: b.functionVersions.map((sid) => versions.get(sid)!),
        assets: b.assetVersions.map((sid) => versions.get(sid)!),
        dependencies: b.dependencies,
      });
      if (!builds.has(b.sid)) {
        await removeDir(outcome.dir); // reset while building
        return;
      }
      b.updated = iso();
      if (outcome.ok) {
        b.status = 'completed';
        b.dir = outcome.dir;
      } else {
        b.status = 'failed';
        b.failure = { step: outcome.step, detail: outcome.detail };
        await removeDir(outcome.dir);
      }
    });
    buildQueue = job.catch(() => undefined);
    track(
      job.catch((error: unknown) => {
        b.status = 'failed';
        b.failure = { step: 'install', detail: String(error) };
      }),
    );
  }

  /** Background work (builds, stops, removals) that close() waits for. */
  function track(work: Promise<void>) {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  /** A build folder holds ~75 MB of node_modules: removed without blocking the sandbox's answers. */
  const removeDir = (dir: string) => rm(dir, { recursive: true, force: true }).catch(() => undefined);

  // ---- handlers ----
  function handleServices(method: string, parts: string[], form: Record<string, string>): Answer {
    // parts: ['v1','Services'] or ['v1','Services',Sid]
    if (parts.length === 2) {
      if (method === 'GET')
        return list(`${api()}/Services?PageSize=50&Page=0`, 'services', [...services.values()].map(serviceJson));
      const uniqueName = required(form, 'UniqueName');
      const friendlyName = required(form, 'FriendlyName');
      // It becomes part of the domain: 50 characters at most, letters, digits and hyphens.
      if (!/^[A-Za-z0-9-]{1,50}$/.test(uniqueName))
        throw new TwilioError(400, 20001, 'UniqueName must be up to 50 letters, digits or hyphens');
      if ([...services.values()].some((s) => s.uniqueName === uniqueName))
        throw new TwilioError(409, 20409, `Service with UniqueName ${uniqueName} already exists`);
      const now = iso();
      const created: Service = {
        sid: newSid('ZS'),
        uniqueName,
        friendlyName,
        includeCredentials: form.IncludeCredentials !== 'false',
        uiEditable: form.UiEditable === 'true',
        domainBase: `${uniqueName.toLowerCase()}-${randomInt(1000, 10000)}`,
        created: now,
        updated: now,
      };
      services.set(created.sid, created);
      return [201, serviceJson(created)];
    }
    const svc = service(parts[2]);
    if (method === 'GET') return [200, serviceJson(svc)];
    if (method === 'POST') {
      if (form.FriendlyName !== undefined) svc.friendlyName = form.FriendlyName;
      if (form.IncludeCredentials !== undefined) svc.includeCredentials = form.IncludeCredentials === 'true';
      if (form.UiEditable !== undefined) svc.uiEditable = form.UiEditable === 'true';
      svc.updated = iso();
      return [200, serviceJson(svc)];
    }
    for (const env of [...environments.values()].filter((e) => e.serviceSid === svc.sid)) deleteEnvironment(env);
    services.delete(svc.sid);
    return [204, undefined];
  }

  function deleteEnvironment(env: Environment) {
    environments.delete(env.sid);
    track(runtime.stop(env.sid));
  }

  function handleEnvironments(method: string, svc: Service, rest: string[], form: Record<string, string>): Answer {
    // rest: [] | [EnvSid] | [EnvSid,'Variables',...] | [EnvSid,'Deployments',...]
    const base = `${serviceUrl(svc.sid)}/Environments`;
    if (rest.length === 0) {
      const mine = [...environments.values()].filter((e) => e.serviceSid === svc.sid);
      if (method === 'GET') return list(`${base}?PageSize=50&Page=0`, 'environments', mine.map(environmentJson));
      const uniqueName = required(form, 'UniqueName');
      const suffix = form.DomainSuffix ?? null;
      if (suffix !== null && !/^[A-Za-z0-9-]{1,16}$/.test(suffix))
        throw new TwilioError(400, 20001, 'DomainSuffix must be up to 16 letters, digits or hyphens');
      if (mine.some((e) => e.uniqueName === uniqueName || (suffix !== null && e.domainSuffix === suffix)))
        throw new TwilioError(409, 20409, 'Environment with this UniqueName or DomainSuffix already exists');
      const now = iso();
      const created: Environment = {
        sid: newSid('ZE'),
        serviceSid: svc.sid,
        uniqueName,
        domainSuffix: suffix,
        domainName: `${svc.domainBase}${suffix ? `-${suffix.toLowerCase()}` : ''}.twil.io`,
        buildSid: null,
        variables: new Map(),
        created: now,
        updated: now,
      };
      environments.set(created.sid, created);
      return [201, environmentJson(created)];
    }
    const env = environment(svc, rest[0]);
    if (rest.length === 1) {
      if (method === 'GET') return [200, environmentJson(env)];
      deleteEnvironment(env);
      return [204, undefined];
    }
    if (rest[1] === 'Variables') return handleVariables(method, env, rest.slice(2), form);
    if (rest[1] === 'Deployments') return handleDeployments(method, svc, env, rest.slice(2), form);
    throw new TwilioError(404, 20404, 'Not found');
  }

  function checkVariable(key: string, value: string) {
    if (key.length > 128) throw new TwilioError(400, 20001, 'Variable Key must be at most 128 characters');
    if (Buffer.byteLength(value, 'utf8') > 450)
      throw new TwilioError(400, 20001, `Variable ${key}: Value must be at most 450 bytes`);
  }

  function handleVariables(method: string, env: Environment, rest: string[], form: Record<string, string>): Answer {
    const base = `${environmentUrl(env)}/Variables`;
    if (rest.length === 0) {
      if (method === 'GET')
        return list(
          `${base}?PageSize=50&Page=0`,
          'variables',
          [...env.variables.values()].map((v) => variableJson(env, v)),
        );
      const key = required(form, 'Key');
      const value = form.Value ?? '';
      checkVariable(key, value);
      if ([...env.variables.values()].some((v) => v.key === key))
        throw new TwilioError(409, 20409, `Variable with Key ${key} already exists`);
      const now = iso();
      const created: Variable = { sid: newSid('ZV'), key, value, created: now, updated: now };
      env.variables.set(created.sid, created);
      serve(env, SERVE_DELAY_MS);
      return [201, variableJson(env, created)];
    }
    const variable = env.variables.get(rest[0] ?? '');
    if (!variable) throw new TwilioError(404, 20404, 'Variable not found');
    if (method === 'GET') return [200, variableJson(env, variable)];
    if (method === 'DELETE') {
      env.variables.delete(variable.sid);
      serve(env, SERVE_DELAY_MS);
      return [204, undefined];
    }
    const key = form.Key ?? variable.key;
    const value = form.Value ?? variable.value;
    checkVariable(key, value);
    if (key !== variable.key && [...env.variables.values()].some((v) => v.key === key))
      throw new TwilioError(409, 20409, `Variable with Key ${key} already exists`);
    Object.assign(variable, { key, value, updated: iso() });
    serve(env, SERVE_DELAY_MS);
    return [200, variableJson(env, variable)];
  }

  function handleDeployments(
    method: string,
    svc: Service,
    env: Environment,
    rest: string[],
    form: Record<string, string>,
  ): Answer {
    const mine = [...deployments.values()].filter((d) => d.environmentSid === env.sid);
    if (rest.length === 0 && method === 'GET')
      return list(`${environmentUrl(env)}/Deployments?PageSize=50&Page=0`, 'deployments', mine.map(deploymentJson));
    if (rest.length === 0) {
      const b = build(svc, required(form, 'BuildSid'));
      if (b.status !== 'completed')
        throw new TwilioError(400, 20001, `Build ${b.sid} is ${b.status}; only a completed build can be deployed`);
      const created: Deployment = {
        sid: newSid('ZD'),
        serviceSid: svc.sid,
        environmentSid: env.sid,
        buildSid: b.sid,
        created: iso(),
      };
      deployments.set(created.sid, created);
      env.buildSid = b.sid;
      env.updated = iso();
      serve(env, SERVE_DELAY_MS);
      return [201, deploymentJson(created)];
    }
    const found = deployments.get(rest[0] ?? '');
    if (!found || found.environmentSid !== env.sid) throw new TwilioError(404, 20404, 'Deployment not found');
    return [200, deploymentJson(found)];
  }

  function handleResources(
    method: string,
    svc: Service,
    kind: Kind,
    rest: string[],
    form: Record<string, string>,
  ): Answer {
    const base = `${serviceUrl(svc.sid)}/${collection(kind)}`;
    const key = kind === 'function' ? 'functions' : 'assets';
    if (rest.length === 0) {
      const mine = [...resources.values()].filter((r) => r.serviceSid === svc.sid && r.kind === kind);
      if (method === 'GET') return list(`${base}?PageSize=50&Page=0`, key, mine.map(resourceJson));
      const friendlyName = required(form, 'FriendlyName');
      if (friendlyName.length > 255) throw new TwilioError(400, 20001, 'FriendlyName must be at most 255 characters');
      const now = iso();
      const created: Resource = {
        sid: newSid('ZH'),
        serviceSid: svc.sid,
        kind,
        friendlyName,
        created: now,
        updated: now,
      };
      resources.set(created.sid, created);
      return [201, resourceJson(created)];
    }
    const res = resource(svc, kind, rest[0]);
    if (rest.length === 1) {
      if (method === 'GET') return [200, resourceJson(res)];
      if (method === 'POST') {
        res.friendlyName = required(form, 'FriendlyName');
        res.updated = iso();
        return [200, resourceJson(res)];
      }
      resources.delete(res.sid);
      return [204, undefined];
    }
    if (rest[1] !== 'Versions') throw new TwilioError(404, 20404, 'Not found');
    const mine = [...versions.values()].filter((v) => v.resourceSid === res.sid);
    if (rest.length === 2)
      return list(`${resourceUrl(res)}/Versions?PageSize=50&Page=0`, `${kind}_versions`, mine.map(versionJson));
    const version = mine.find((v) => v.sid === rest[2]);
    if (!version) throw new TwilioError(404, 20404, 'Version not found');
    if (rest.length === 3) return [200, versionJson(version)];
    if (rest[3] === 'Content' && kind === 'function')
      return [
        200,
        {
          sid: version.sid,
          account_sid: options.accountSid,
          service_sid: version.serviceSid,
          function_sid: version.resourceSid,
          content: version.content.toString('utf8'),
          url: `${resourceUrl(res)}/Versions/${version.sid}/Content`,
        },
      ];
    throw new TwilioError(404, 20404, 'Not found');
  }

  function handleBuilds(method: string, svc: Service, rest: string[], call: TwilioCall): Answer {
    const base = `${serviceUrl(svc.sid)}/Builds`;
    if (rest.length === 0) {
      const mine = [...builds.values()].filter((b) => b.serviceSid === svc.sid);
      if (method === 'GET') return list(`${base}?PageSize=50&Page=0`, 'builds', mine.map(buildJson));
      const functionVersions = call.params.getAll('FunctionVersions');
      const assetVersions = call.params.getAll('AssetVersions');
      if (functionVersions.length + assetVersions.length === 0)
        throw new TwilioError(400, 20001, 'At least one Function Version or Asset Version is required for Build');
      for (const [kind, sids] of [
        ['function', functionVersions],
        ['asset', assetVersions],
      ] as const)
        for (const sid of sids) {
          const v = versions.get(sid);
          if (!v || v.serviceSid !== svc.sid || v.kind !== kind)
            throw new TwilioError(404, 20404, `${kind === 'function' ? 'Function' : 'Asset'} Version ${sid} not found`);
        }
      const now = iso();
      const created: Build = {
        sid: newSid('ZB'),
        serviceSid: svc.sid,
        status: 'building',
        functionVersions,
        assetVersions,
        dependencies: parseDependencies(call.form.Dependencies),
        runtime: call.form.Runtime ?? 'node22',
        created: now,
        updated: now,
      };
      builds.set(created.sid, created);
      startBuild(created);
      return [201, buildJson(created)];
    }
    const b = build(svc, rest[0]);
    if (rest.length === 1) {
      if (method === 'GET') return [200, buildJson(b)];
      if ([...environments.values()].some((e) => e.buildSid === b.sid))
        throw new TwilioError(409, 20409, 'A deployed Build cannot be deleted');
      builds.delete(b.sid);
      if (b.dir) track(removeDir(b.dir));
      return [204, undefined];
    }
    if (rest[1] === 'Status')
      return [
        200,
        {
          sid: b.sid,
          account_sid: options.accountSid,
          service_sid: b.serviceSid,
          status: b.status,
          url: `${buildUrl(b)}/Status`,
        },
      ];
    throw new TwilioError(404, 20404, 'Not found');
  }

  function upload({ parts, form, files }: TwilioCall): Answer {
    // parts: ['v1','Services',ZS,'Functions'|'Assets',ZH,'Versions']
    const svc = service(parts[2]);
    const kind: Kind = parts[3] === 'Functions' ? 'function' : 'asset';
    if ((parts[3] !== 'Functions' && parts[3] !== 'Assets') || parts[5] !== 'Versions' || parts.length !== 6)
      throw new TwilioError(404, 20404, 'Not found');
    const res = resource(svc, kind, parts[4]);
    const path = required(form, 'Path');
    const visibility = required(form, 'Visibility') as Visibility;
    const content = files.Content?.content;
    if (!content) throw new TwilioError(400, 20001, 'Missing required parameter Content');
    if (!VISIBILITIES.includes(visibility))
      throw new TwilioError(400, 20001, 'Visibility must be public, protected or private');
    // Twilio: paths begin with "/", are at most 255 characters, and address one file.
    if (path.length > 255 || safeRelativePath(path) === undefined)
      throw new TwilioError(400, 20001, `Invalid Path ${JSON.stringify(path)}`);
    const created: Version = {
      sid: newSid('ZN'),
      serviceSid: svc.sid,
      resourceSid: res.sid,
      kind,
      path,
      visibility,
      content,
      created: iso(),
    };
    versions.set(created.sid, created);
    return [201, versionJson(created)];
  }

  /** Removes the build folders once their environments' processes have stopped. */
  function cleanup(stopping: Promise<unknown>) {
    const dirs = [...builds.values()].flatMap((b) => (b.dir ? [b.dir] : []));
    track(stopping.then(() => Promise.all(dirs.map(removeDir))).then(() => undefined));
  }

  function environmentByDomain(domainName: string): Environment {
    const env = [...environments.values()].find((e) => e.domainName === domainName);
    if (!env) throw new Error(`no environment has the domain ${domainName}`);
    return env;
  }

  return {
    handle(call) {
      const { method, parts, form } = call;
      if (parts[0] !== 'v1' || parts[1] !== 'Services') throw new TwilioError(404, 20404, 'Not found');
      if (parts.length <= 3) return handleServices(method, parts, form);
      const svc = service(parts[2]);
      const rest = parts.slice(4);
      switch (parts[3]) {
        case 'Environments':
          return handleEnvironments(method, svc, rest, form);
        case 'Functions':
          return handleResources(method, svc, 'function', rest, form);
        case 'Assets':
          return handleResources(method, svc, 'asset', rest, form);
        case 'Builds':
          return handleBuilds(method, svc, rest, call);
        default:
          throw new TwilioError(404, 20404, 'Not found');
      }
    },
    handleUpload: upload,
    state: () => ({
      services: [...services.values()].map((s) => ({ sid: s.sid, uniqueName: s.uniqueName, domainBase: s.domainBase })),
      environments: [...environments.values()].map((e) => ({
        sid: e.sid,
        serviceSid: e.serviceSid,
        uniqueName: e.uniqueName,
        domainName: e.domainName,
        buildSid: e.buildSid,
        variables: Object.fromEntries([...e.variables.values()].map((v) => [v.key, v.value])),
        localUrl: runtime.localUrl(e.sid) ?? null,
      })),
      functions: [...resources.values()]
        .filter((r) => r.kind === 'function')
        .map((r) => ({ sid: r.sid, serviceSid: r.serviceSid, friendlyName: r.friendlyName })),
      assets: [...resources.values()]
        .filter((r) => r.kind === 'asset')
        .map((r) => ({ sid: r.sid, serviceSid: r.serviceSid, friendlyName: r.friendlyName })),
      versions: [...versions.values()].map((v) => ({
        sid: v.sid,
        kind: v.kind,
        resourceSid: v.resourceSid,
        path: v.path,
        visibility: v.visibility,
      })),
      builds: [...builds.values()].map((b) => ({
        sid: b.sid,
        serviceSid: b.serviceSid,
        status: b.status,
        functionVersions: [...b.functionVersions],
        assetVersions: [...b.assetVersions],
        dependencies: b.dependencies.map((d) => ({ ...d })),
        dir: b.dir ?? null,
        failure: b.failure ? { ...b.failure } : null,
      })),
      deployments: [...deployments.values()].map((d) => ({
        sid: d.sid,
        environmentSid: d.environmentSid,
        buildSid: d.buildSid,
      })),
    }),
    async served(publicUrl) {
      const url = new URL(publicUrl);
      const env = environmentByDomain(url.host);
      const local = await runtime.whenServed(env.sid);
      return local + url.pathname + url.search;
    },
    logs: (domainName) => runtime.logs(environmentByDomain(domainName).sid),
    reset() {
      const stops = [...environments.values()].map((env) => {
        environments.delete(env.sid);
        return runtime.stop(env.sid);
      });
      cleanup(Promise.all(stops));
      services = new Map();
      environments = new Map();
      resources = new Map();
      versions = new Map();
      builds = new Map();
      deployments = new Map();
    },
    async close() {
      while (running.size > 0) await Promise.all([...running]);
      cleanup(runtime.close());
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
