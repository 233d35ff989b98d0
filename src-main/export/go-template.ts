/**
 * A small renderer for the subset of Go's text/template (pkg.go.dev/text/template) that Ollama
 * Modelfile templates use, so an exported TEMPLATE can be checked against the Hugging Face chat
 * template without Ollama installed. Supported: text; actions with `{{-`/`-}}` trimming; `if` /
 * `else if` / `else` / `end`; `range $i, $v := pipeline` and `range pipeline`; `$x := ...` and
 * `$x = ...`; fields `.A.B`, `$.A`, `$x.A`; string, number and bool literals; parentheses; the
 * functions and, or, not, eq, ne, lt, le, gt, ge, len, slice, index. Anything else is an error, so
 * a template that uses more than this subset fails the check loudly rather than rendering wrong.
 */

export type GoValue = string | number | boolean | null | undefined | GoValue[] | { [key: string]: GoValue };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; expr: Expr }
  | { kind: 'assign'; name: string; declare: boolean; expr: Expr }
  | { kind: 'if'; branches: { cond: Expr; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; keyVar?: string; valueVar?: string; expr: Expr; body: Node[]; otherwise: Node[] };

type Expr =
  { kind: 'lit'; value: GoValue } | { kind: 'field'; base: 'dot' | 'root' | { variable: string }; path: string[] } | { kind: 'call'; fn: string; args: Expr[] };

interface Token {
  kind: 'text' | 'action';
  value: string;
}

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', value: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error('template: unclosed action');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner = inner.slice(2);
    }
    let trimAfter = false;
    if (inner.endsWith(' -')) {
      trimAfter = true;
      inner = inner.slice(0, -2);
    }
    if (text) tokens.push({ kind: 'text', value: text });
    tokens.push({ kind: 'action', value: inner.trim() });
    i = close + 2;
    if (trimAfter) while (i < src.length && ' \t\r\n'.includes(src[i])) i++;
  }
  return tokens;
}

/** Splits an action into words: string literals, parentheses and bare words. */
function words(action: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i];
    if (c === ' ' || c === '\t' || c === '\n') i++;
    else if (c === '(' || c === ')') out.push(action[i++]);
    else if (c === '"') {
      let j = i + 1;
      while (j < action.length && action[j] !== '"') j += action[j] === '\\' ? 2 : 1;
      out.push(action.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < action.length && !' \t\n()'.includes(action[j])) j++;
      out.push(action.slice(i, j));
      i = j;
    }
  }
  return out;
}

function parseOperand(w: string[], at: { i: number }): Expr {
  const t = w[at.i++];
  if (t === undefined) throw new Error('template: missing operand');
  if (t === '(') {
    const e = parseCommand(w, at, ')');
    if (w[at.i++] !== ')') throw new Error('template: missing )');
    return e;
  }
  if (t.startsWith('"')) return { kind: 'lit', value: JSON.parse(t) as string };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { kind: 'lit', value: Number(t) };
  if (t === 'true' || t === 'false') return { kind: 'lit', value: t === 'true' };
  if (t === '.') return { kind: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { kind: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t === '$') return { kind: 'field', base: 'root', path: [] };
  if (t.startsWith('$.')) return { kind: 'field', base: 'root', path: t.slice(2).split('.') };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { kind: 'field', base: { variable: name }, path };
  }
  throw new Error(`template: unexpected "${t}"`);
}

const FUNCS = new Set(['and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'len', 'slice', 'index']);

function parseCommand(w: string[], at: { i: number }, stop?: string): Expr {
  const head = w[at.i];
  if (FUNCS.has(head)) {
    at.i++;
    const args: Expr[] = [];
    while (at.i < w.length && w[at.i] !== stop) args.push(parseOperand(w, at));
    return { kind: 'call', fn: head, args };
  }
  if (/^[a-zA-Z_]\w*$/.test(head) && !['true', 'false'].includes(head)) throw new Error(`template: function "${head}" is not in the supported subset`);
  const e = parseOperand(w, at);
  if (at.i < w.length && w[at.i] !== stop) throw new Error(`template: unexpected "${w[at.i]}"`);
  return e;
}

function parseExpr(text: string): Expr {
  const w = words(text);
  const at = { i: 0 };
  const e = parseCommand(w, at);
  if (at.i !== w.length) throw new Error(`template: trailing "${w.slice(at.i).join(' ')}"`);
  return e;
}

function parse(tokens: Token[]): Node[] {
  let pos = 0;
  const block = (ends: string[]): { body: Node[]; end: string } => {
    const body: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++];
      if (t.kind === 'text') {
        body.push({ kind: 'text', text: t.value });
        continue;
      }
      const a = t.value;
      const keyword = a.split(/\s+/)[0];
      if (ends.includes(keyword) || (keyword === 'else' && ends.includes('else'))) return { body, end: a };
      if (keyword === 'if') {
        const branches = [{ cond: parseExpr(a.slice(2)), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const r = block(['end', 'else']);
          branches[branches.length - 1].body = r.body;
          if (r.end === 'end') break;
          if (/^else\s+if\s/.test(r.end)) branches.push({ cond: parseExpr(r.end.replace(/^else\s+if\s/, '')), body: [] });
          else {
            otherwise = block(['end']).body;
            break;
          }
        }
        body.push({ kind: 'if', branches, otherwise });
      } else if (keyword === 'range') {
        const m = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w*))?\s*:=\s*)?(.+)$/.exec(a);
        if (!m) throw new Error(`template: bad range "${a}"`);
        const [, v1, v2, expr] = m;
        const r = block(['end', 'else']);
        const otherwise = r.end === 'end' ? [] : block(['end']).body;
        body.push({
          kind: 'range',
          keyVar: v2 !== undefined ? v1 : undefined,
          valueVar: v2 !== undefined ? v2 : v1,
          expr: parseExpr(expr),
          body: r.body,
          otherwise,
        });
      } else if (/^\$\w+\s*:?=/.test(a)) {
        const m = /^(\$\w+)\s*(:?=)\s*(.+)$/.exec(a)!;
        body.push({ kind: 'assign', name: m[1], declare: m[2] === ':=', expr: parseExpr(m[3]) });
      } else if (keyword === 'end' || keyword === 'else') {
        throw new Error(`template: unexpected {{${a}}}`);
      } else {
        body.push({ kind: 'output', expr: parseExpr(a) });
      }
    }
    if (ends.length) throw new Error('template: missing {{end}}');
    return { body, end: '' };
  };
  return block([]).body;
}

function truthy(v: GoValue): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function show(v: GoValue): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'object') throw new Error('template: cannot print a list or object');
  return String(v);
}

class Scope {
  constructor(
    readonly vars: Map<string, GoValue>,
    readonly parent?: Scope,
  ) {}
  /** The innermost scope that declares `name`. */
  private owner(name: string): Scope | undefined {
    return this.vars.has(name) ? this : this.parent?.owner(name);
  }
  lookup(name: string): GoValue {
    const s = this.owner(name);
    if (!s) throw new Error(`template: undefined variable ${name}`);
    return s.vars.get(name);
  }
  set(name: string, value: GoValue): void {
    const s = this.owner(name);
    if (!s) throw new Error(`template: assignment to undeclared ${name}`);
    s.vars.set(name, value);
  }
}

function field(v: GoValue, path: string[]): GoValue {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(p in cur)) throw new Error(`template: no field ${p}`);
    cur = cur[p];
  }
  return cur;
}

function evaluate(e: Expr, dot: GoValue, root: GoValue, scope: Scope): GoValue {
  if (e.kind === 'lit') return e.value;
  if (e.kind === 'field') {
    const base = e.base === 'dot' ? dot : e.base === 'root' ? root : scope.lookup(e.base.variable);
    return field(base, e.path);
  }
  const arg = (i: number) => evaluate(e.args[i], dot, root, scope);
  switch (e.fn) {
    case 'and': {
      let last: GoValue = true;
      for (let i = 0; i < e.args.length; i++) if (!truthy((last = arg(i)))) return last;
      return last;
    }
    case 'or': {
      let last: GoValue = false;
      for (let i = 0; i < e.args.length; i++) if (truthy((last = arg(i)))) return last;
      return last;
    }
    case 'not':
      return !truthy(arg(0));
    case 'eq': {
      const a = arg(0);
      for (let i = 1; i < e.args.length; i++) if (a === arg(i)) return true;
      return false;
    }
    case 'ne':
      return arg(0) !== arg(1);
    case 'lt':
      return (arg(0) as number) < (arg(1) as number);
    case 'le':
      return (arg(0) as number) <= (arg(1) as number);
    case 'gt':
      return (arg(0) as number) > (arg(1) as number);
    case 'ge':
      return (arg(0) as number) >= (arg(1) as number);
    case 'len': {
      const v = arg(0);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      throw new Error('template: len of a non-list');
    }
    case 'slice': {
      const v = arg(0);
      if (!Array.isArray(v) && typeof v !== 'string') throw new Error('template: slice of a non-list');
      const from = e.args.length > 1 ? (arg(1) as number) : 0;
      const to = e.args.length > 2 ? (arg(2) as number) : v.length;
      return v.slice(from, to) as GoValue;
    }
    case 'index': {
      const v = arg(0);
      const k = arg(1);
      if (Array.isArray(v) && typeof k === 'number') return v[k];
      if (v && typeof v === 'object' && typeof k === 'string') return (v as Record<string, GoValue>)[k];
      throw new Error('template: bad index');
    }
  }
  throw new Error(`template: unknown function ${e.fn}`);
}

function run(nodes: Node[], dot: GoValue, root: GoValue, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        break;
      case 'output':
        out.push(show(evaluate(n.expr, dot, root, scope)));
        break;
      case 'assign': {
        const v = evaluate(n.expr, dot, root, scope);
        if (n.declare) scope.vars.set(n.name, v);
        else scope.set(n.name, v);
        break;
      }
      case 'if': {
        const hit = n.branches.find((b) => truthy(evaluate(b.cond, dot, root, scope)));
        run(hit ? hit.body : n.otherwise, dot, root, new Scope(new Map(), scope), out);
        break;
      }
      case 'range': {
        const list = evaluate(n.expr, dot, root, scope);
        if (list !== null && list !== undefined && !Array.isArray(list)) throw new Error('template: range over a non-list');
        if (!list || list.length === 0) {
          run(n.otherwise, dot, root, new Scope(new Map(), scope), out);
          break;
        }
        list.forEach((item, i) => {
          const vars = new Map<string, GoValue>();
          if (n.keyVar) vars.set(n.keyVar, i);
          if (n.valueVar) vars.set(n.valueVar, item);
          run(n.body, item, root, new Scope(vars, scope), out);
        });
        break;
      }
    }
  }
}

/** Renders `template` with `data` as dot and `$`. Throws on anything outside the subset. */
export function renderGoTemplate(template: string, data: GoValue): string {
  const out: string[] = [];
  run(parse(lex(template)), data, data, new Scope(new Map([['$', data]])), out);
  return out.join('');
}
