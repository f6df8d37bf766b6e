/**
 * What docker would do, without a Docker daemon: read the Dockerfile's stages (ENV, COPY,
 * HEALTHCHECK) and compute a compose service's effective environment the way compose does
 * (image ENV < env_file < environment). Tests use it to start the service's real file set
 * with exactly that environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';

export type Env = Record<string, string>;

export interface DockerCopy {
  /** The stage copied from (`--from=`), or undefined for the build context. */
  from?: string;
  sources: string[];
  destination: string;
}

export interface DockerStage {
  name: string;
  /** The base: an image reference or an earlier stage's name. */
  from: string;
  /** ENV instructions of this stage only, in order. */
  env: Env;
  copies: DockerCopy[];
  runs: string[];
  /** HEALTHCHECK in exec form (`CMD ["node", "-e", …]`). */
  healthcheck?: string[];
}

/** Instructions with their `\` continuations joined; comments and blank lines dropped. */
function instructions(dockerfile: string): { keyword: string; args: string }[] {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `ENV A=1 B="two words"` (and the legacy `ENV A 1`). */
function parseEnvInstruction(args: string): Env {
  const env: Env = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...value] = args.split(/\s+/);
    env[key] = value.join(' ');
    return env;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g)) {
    env[match[1]] = match[3] ?? match[4] ?? match[5] ?? '';
  }
  return env;
}

/** The stages of a Dockerfile, in order. */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`Unreadable FROM: ${args}`);
      stages.push({ name: match[2] ?? String(stages.length), from: match[1], env: {}, copies: [], runs: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    if (keyword === 'ENV') Object.assign(stage.env, parseEnvInstruction(args));
    if (keyword === 'RUN') stage.runs.push(args);
    if (keyword === 'COPY') {
      const words = args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      stage.copies.push({ from, sources: paths.slice(0, -1), destination: paths.at(-1)! });
    }
    if (keyword === 'HEALTHCHECK') {
      const exec = /\bCMD\s+(\[.*\])\s*$/.exec(args);
      if (!exec) throw new Error(`HEALTHCHECK must use the exec form CMD [...]: ${args}`);
      stage.healthcheck = JSON.parse(exec[1]) as string[];
    }
  }
  return stages;
}

/** A stage and the earlier stages it is built FROM, base first. */
export function stageChain(stages: DockerStage[], target: string): DockerStage[] {
  const stage = stages.find((s) => s.name === target);
  if (!stage) throw new Error(`No stage named "${target}" in the Dockerfile`);
  const base = stages.find((s) => s.name === stage.from);
  return base ? [...stageChain(stages, base.name), stage] : [stage];
}

/**
 * The ENV a stage's image carries: its own and those of the stages it is built from. The
 * `node:` base image's own ENV (NODE_VERSION, YARN_VERSION, PATH) is not included: the
 * service reads none of them.
 */
export function imageEnv(stages: DockerStage[], target: string): Env {
  return Object.assign({}, ...stageChain(stages, target).map((s) => s.env)) as Env;
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string; dockerfile?: string };
  command?: string[];
  profiles?: string[];
  env_file?: (string | { path: string; required?: boolean })[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  deploy?: { replicas?: number };
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readComposeFile(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8')) as ComposeFile;
}

/** `environment:` as a map or a list of `KEY=value`; compose passes `KEY` alone through from the shell, which we never do. */
function environmentSection(service: ComposeService): Env {
  const section = service.environment ?? {};
  if (Array.isArray(section)) {
    return Object.fromEntries(
      section.map((entry) => {
        const at = entry.indexOf('=');
        if (at < 0) throw new Error(`environment entry "${entry}" takes its value from the shell: not reproducible`);
        return [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(section).map(([key, value]) => {
      if (value === null) throw new Error(`environment entry "${key}" takes its value from the shell: not reproducible`);
      return [key, String(value)];
    }),
  );
}

/**
 * The environment compose gives a service's container: the image's ENV, overridden by each
 * `env_file` in order (a missing file with `required: false` is skipped), overridden by
 * `environment`. `files` supplies file contents by path relative to the project directory
 * (e.g. the `.env` a user made), falling back to the project directory itself.
 */
export function serviceEnvironment(options: {
  projectDir: string;
  compose: ComposeFile;
  service: string;
  dockerfile: DockerStage[];
  files?: Record<string, string>;
}): Env {
  const service = options.compose.services[options.service];
  if (!service) throw new Error(`No service "${options.service}"`);
  if (!service.build?.target) throw new Error(`Service "${options.service}" must build a named Dockerfile target`);
  const env: Env = { ...imageEnv(options.dockerfile, service.build.target) };
  const envFiles = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  for (const entry of envFiles) {
    const { path, required } = typeof entry === 'string' ? { path: entry, required: true } : { path: entry.path, required: entry.required ?? true };
    const fullPath = isAbsolute(path) ? path : join(options.projectDir, path);
    const text = options.files?.[path] ?? (existsSync(fullPath) ? readFileSync(fullPath, 'utf8') : undefined);
    if (text === undefined) {
      if (required) throw new Error(`env_file ${path} is required and missing`);
      continue;
    }
    Object.assign(env, parseEnv(text));
  }
  Object.assign(env, environmentSection(service));
  return env;
}

/**
 * A `.env` made as the README says: `.env.example` with the given lines replaced (same
 * variable name); names not present in the example are appended.
 */
export function editDotenv(example: string, values: Env): string {
  const pending = new Map(Object.entries(values));
  const lines = example.split('\n').map((line) => {
    const name = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
    if (name === undefined || !pending.has(name)) return line;
    const value = pending.get(name)!;
    pending.delete(name);
    return `${name}=${value}`;
  });
  return [...lines, ...[...pending].map(([name, value]) => `${name}=${value}`)].join('\n');
}
