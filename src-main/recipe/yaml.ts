/**
 * A small YAML writer and reader for recipe files: block mappings, block sequences and scalars, the
 * subset LLaMA-Factory's and axolotl's example recipes use (and what PyYAML's safe_dump writes for a
 * flat training_args.yaml). No anchors, tags, flow collections or multi-line block scalars: strings
 * that would need them are written double-quoted with JSON escapes, which YAML 1.2 reads the same.
 */

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | { [key: string]: YamlValue };
export type YamlMap = { [key: string]: YamlValue };

/** Plain words YAML 1.1 (PyYAML) or 1.2 would read as something other than a string. */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|nan|\.nan|inf|\.inf|-\.inf)$/i;
const NUMBER_LIKE = /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0x[0-9a-f]+$|^0o[0-7]+$/i;

function scalarText(v: YamlScalar): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`YAML: cannot write the number ${v}`);
    // PyYAML reads 2e-4 as a string (its float pattern wants a dot); 2.0e-4 is a float everywhere.
    const s = String(v);
    return /e/i.test(s) && !s.includes('.') ? s.replace(/e/i, '.0e') : s;
  }
  const plain =
    v !== '' &&
    !RESERVED.test(v) &&
    !NUMBER_LIKE.test(v) &&
    /^[A-Za-z0-9_./\u0080-\uffff][A-Za-z0-9_./ ,()=+\-\u0080-\uffff]*$/.test(v) &&
    !/\s$/.test(v) &&
    !v.includes(': ') &&
    !v.includes(' #');
  return plain ? v : JSON.stringify(v);
}

function keyText(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

const isMap = (v: YamlValue): v is YamlMap => typeof v === 'object' && v !== null && !Array.isArray(v);

function emitBlock(value: YamlValue[] | YamlMap, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const lines: string[] = [];
        emitBlock(item, indent + 2, lines);
        out.push(pad + '- ' + lines[0].slice(indent + 2), ...lines.slice(1));
      } else if (Array.isArray(item) && item.length > 0) {
        out.push(pad + '-');
        emitBlock(item, indent + 2, out);
      } else out.push(pad + '- ' + inline(item));
    }
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if ((isMap(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
      out.push(`${pad}${keyText(k)}:`);
      emitBlock(v as YamlValue[] | YamlMap, indent + 2, out);
    } else out.push(`${pad}${keyText(k)}: ${inline(v)}`);
  }
}

function inline(v: YamlValue): string {
  if (Array.isArray(v)) return '[]';
  if (isMap(v)) return '{}';
  return scalarText(v);
}

export interface EmitOptions {
  /** Comment lines written above a top-level key (without the leading '# '). */
  comments?: Record<string, string[]>;
  /** Comment lines at the top of the file. */
  header?: string[];
}

/** A top-level mapping as YAML text, keys in insertion order. */
export function emitYaml(doc: YamlMap, opts: EmitOptions = {}): string {
  const out: string[] = (opts.header ?? []).map((l) => `# ${l}`.trimEnd());
  for (const [k, v] of Object.entries(doc)) {
    for (const c of opts.comments?.[k] ?? []) out.push(`# ${c}`.trimEnd());
    emitBlock({ [k]: v }, 0, out);
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- reading

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function stripComment(s: string): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function parseScalar(raw: string, no: number): YamlScalar | YamlValue[] | YamlMap {
  const s = raw.trim();
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      throw new YamlError(`a double-quoted string is not closed or has a bad escape: ${s}`, no);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlError(`a single-quoted string is not closed: ${s}`, no);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s === '[]') return [];
  if (s === '{}') return {};
  if (s.startsWith('[') || s.startsWith('{')) {
    try {
      return JSON.parse(s) as YamlValue[] | YamlMap;
    } catch {
      throw new YamlError(`flow collections other than JSON are not read: ${s}`, no);
    }
  }
  if (s === '' || s === '~' || /^null$/i.test(s)) return null;
  if (/^(true|yes|on)$/i.test(s)) return true;
  if (/^(false|no|off)$/i.test(s)) return false;
  if (NUMBER_LIKE.test(s) && !/^0x|^0o/i.test(s)) return Number(s.replace(/_/g, ''));
  return s;
}

function splitKey(text: string, no: number): [string, string] | null {
  let key: string;
  let rest: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = text.indexOf(text[0] + ':', 1);
    if (end < 0) return null;
    key = String(parseScalar(text.slice(0, end + 1), no));
    rest = text.slice(end + 2);
  } else {
    const m = /^([^:]+?):(?:\s|$)/.exec(text);
    if (!m) return null;
    key = m[1].trim();
    rest = text.slice(m[0].length);
  }
  return [key, rest.trim()];
}

/** Reads the subset emitYaml writes (and PyYAML's block-style safe_dump). */
export function parseYaml(text: string): YamlValue {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*(#|$)/.test(raw) || raw.trim() === '---') return;
    if (/^\t/.test(raw)) throw new YamlError('tabs are not allowed for indentation', i + 1);
    const indent = raw.length - raw.trimStart().length;
    lines.push({ indent, text: stripComment(raw.trim()), no: i + 1 });
  });
  let pos = 0;

  function block(indent: number): YamlValue {
    const first = lines[pos];
    if (first.text.startsWith('- ') || first.text === '-') return seq(indent);
    return map(indent);
  }

  function seq(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (pos < lines.length && lines[pos].indent === indent && (lines[pos].text.startsWith('- ') || lines[pos].text === '-')) {
      const line = lines[pos];
      const rest = line.text === '-' ? '' : line.text.slice(2).trim();
      if (rest === '') {
        pos++;
        out.push(pos < lines.length && lines[pos].indent > indent ? block(lines[pos].indent) : null);
      } else if (splitKey(rest, line.no) && !rest.startsWith('"') && !rest.startsWith("'")) {
        // "- key: value" opens a mapping whose keys sit at indent + 2.
        lines[pos] = { indent: indent + 2, text: rest, no: line.no };
        out.push(map(indent + 2));
      } else {
        pos++;
        out.push(parseScalar(rest, line.no));
      }
    }
    return out;
  }

  function map(indent: number): YamlMap {
    const out: YamlMap = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const line = lines[pos];
      if (line.text.startsWith('- ')) break;
      const kv = splitKey(line.text, line.no);
      if (!kv) throw new YamlError(`expected "key: value", got: ${line.text}`, line.no);
      const [key, rest] = kv;
      if (Object.hasOwn(out, key)) throw new YamlError(`the key "${key}" appears twice`, line.no);
      pos++;
      if (rest !== '') out[key] = parseScalar(rest, line.no);
      else if (pos < lines.length && (lines[pos].indent > indent || (lines[pos].indent === indent && lines[pos].text.startsWith('- ')))) {
        out[key] = block(lines[pos].indent);
      } else out[key] = null;
    }
    if (pos < lines.length && lines[pos].indent > indent) throw new YamlError('unexpected indentation', lines[pos].no);
    return out;
  }

  if (lines.length === 0) return null;
  const doc = block(lines[0].indent);
  if (pos < lines.length) throw new YamlError('unexpected indentation', lines[pos].no);
  return doc;
}
