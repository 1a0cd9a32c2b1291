/**
 * The README's element reference comes from the code: JSDoc → `dist/custom-elements.json`
 * (cem analyze, part of `npm run build`) → the tables between the README's `api` markers.
 * `npm run docs` rewrites them; `e2e/docs.spec.ts` fails when they are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const README_PATH = `${repoRoot}README.md`;
export const MANIFEST_PATH = `${repoRoot}dist/custom-elements.json`;

interface Named {
  name: string;
  description?: string;
  default?: string;
  type?: { text?: string };
}
interface Member extends Named {
  kind: string;
  privacy?: string;
  static?: boolean;
  parameters?: Named[];
  return?: { type?: { text?: string } };
}
interface Declaration {
  tagName?: string;
  customElement?: boolean;
  summary?: string;
  attributes?: Named[];
  events?: Named[];
  slots?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
  members?: Member[];
}
interface Manifest {
  modules: { declarations?: Declaration[] }[];
}

const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();
const code = (text: string | undefined) => (text ? `\`${text}\`` : '');

function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** Markdown for one element, from its manifest declaration. */
export function renderElementDocs(element: Declaration): string {
  const sections: string[] = [];
  const add = (title: string, body: string) => {
    if (body) sections.push(`#### ${title}\n\n${body}`);
  };
  add(
    'Methods',
    table(
      ['method', 'description'],
      (element.members ?? [])
        .filter((m) => m.kind === 'method' && !m.privacy && !m.static && m.description)
        .map((m) => [code(`${m.name}(${(m.parameters ?? []).map((p) => p.name).join(', ')})`), cell(m.description)]),
    ),
  );
  add('Events', table(['event', 'description'], (element.events ?? []).map((e) => [code(e.name), cell(e.description)])));
  add('Slots', table(['slot', 'description'], (element.slots ?? []).map((s) => [s.name ? code(s.name) : '(default)', cell(s.description)])));
  add('CSS parts', table(['part', 'description'], (element.cssParts ?? []).map((p) => [code(p.name), cell(p.description)])));
  add(
    'CSS custom properties',
    table(['property', 'default', 'description'], (element.cssProperties ?? []).map((p) => [code(p.name), code(p.default), cell(p.description)])),
  );
  return `### \`<${element.tagName}>\` reference (generated)\n\n${cell(element.summary)}\n\n${sections.join('\n\n')}`;
}

export function renderApiDocs(manifest: Manifest): string {
  return manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .filter((declaration) => declaration.customElement && declaration.tagName)
    .map(renderElementDocs)
    .join('\n\n');
}

const START = '<!-- api:start (generated from dist/custom-elements.json by `npm run docs`) -->';
const END = '<!-- api:end -->';

/** The README with its generated section replaced by `docs`. */
export function withApiDocs(readme: string, docs: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} … ${END}`);
  return `${readme.slice(0, start + START.length)}\n\n${docs}\n\n${readme.slice(end)}`;
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = readFileSync(README_PATH, 'utf8');
  writeFileSync(README_PATH, withApiDocs(readme, renderApiDocs(readManifest())));
  console.log('README.md: element reference updated from dist/custom-elements.json');
}
