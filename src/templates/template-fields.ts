/**
 * The upload-time walk of a template's Handlebars AST: every field it names must exist where it is
 * named (a dataset column inside a row loop, a declared parameter under `parameters`, a known key of
 * the render context elsewhere), and constructs outside the sandbox's reach are refused:
 * - partials (`{{> file}}`), partial blocks and decorators: a template can include nothing;
 * - triple-stash `{{{ }}}` and `{{& }}`: every value goes through the format's escaping;
 * - helpers other than the shared ones and `if`/`unless`/`each`/`with` (`lookup` reads properties by
 *   computed name, `log` writes to the worker's console);
 * - `__proto__`, `constructor`, `prototype` and other segments outside the context's shape;
 * - loops other than one pass over the rows (or over `groupBy` groups and each group's rows), so the
 *   work of a render is linear in rows × template size: no loop inside a loop over the same rows.
 * The line of the first problem is named. Handlebars' own runtime refuses prototype access as well
 * (since 4.6); this walk refuses it before anything is stored.
 */
import Handlebars from 'handlebars';
import { ReportError, type ErrorCode } from '../domain/errors.js';

type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;

/** Helpers a tenant template may call: the shared helpers (src/render/helpers) minus the report-specific aging one. */
export const TEMPLATE_HELPERS = ['t', 'money', 'number', 'date', 'datetime', 'month', 'countryName', 'inLanguage', 'sum', 'groupBy', 'first', 'eq', 'pad'] as const;
const BLOCKS = ['if', 'unless', 'each', 'with'];
/** Helpers whose second argument is a column name (`sum rows 'line_total'`). */
const COLUMN_ARGUMENT = new Set(['sum', 'groupBy']);
/** Keys of the render context (src/render/template-context.ts) and what may follow them. */
const ROOT_KEYS: Record<string, readonly string[] | 'any' | 'none' | 'parameters'> = {
  report: ['code', 'title'],
  request: ['id', 'format', 'language', 'locale', 'timezone'],
  parameters: 'parameters',
  period: ['from', 'to', 'fromDate', 'toDate'],
  filters: 'none',
  // `rows.length`: the record count a header or trailer prints.
  rows: ['length'],
  generated_at: 'none',
  labels: 'any',
};
const DATA_VARIABLES = new Set(['index', 'first', 'last', 'key']);
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'hasOwnProperty', 'valueOf', 'toString']);

/** Where a path is resolved: the root, one row, or one `groupBy` group (`key`, `rows`). */
type Scope = 'root' | 'row' | 'group';

/** What a template may name: its dataset's columns and the run's parameter names. */
export interface TemplateVocabulary {
  columns: ReadonlySet<string>;
  parameters: ReadonlySet<string>;
}

/**
 * Parses `body` and walks it.
 * @throws ReportError('TEMPLATE_SYNTAX_INVALID') on `body` naming the line when it is not Handlebars;
 *   ReportError('TEMPLATE_FIELD_UNKNOWN') naming the field and line when a name does not exist;
 *   ReportError('TEMPLATE_CONSTRUCT_REFUSED') naming the construct and line for the refusals above.
 */
export function checkTemplateBody(body: string, vocabulary: TemplateVocabulary): void {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(body);
  } catch (err) {
    // Handlebars says "Parse error on line 4:\n…" or, for a block closed by the wrong name, "each doesn't match if - 2:12".
    const text = (err as Error).message;
    const line = /line (\d+)/i.exec(text)?.[1] ?? / - (\d+):\d+$/.exec(text)?.[1];
    const message = text.replace(/^Parse error on line \d+:\n/, '').split('\n').filter((l) => l.trim() && !/^[-^]+$/.test(l.trim())).join(' ');
    throw refusal('TEMPLATE_SYNTAX_INVALID', 'body', `${line ? `Line ${line}: ` : ''}${message}`);
  }
  new Walker(vocabulary).program(program, ['root'], false);
}

function refusal(code: ErrorCode, field: string, message: string): ReportError {
  return new ReportError(code, message, [{ field, code, message }]);
}

function lineOf(node: Node): number {
  return node.loc?.start.line ?? 0;
}

class Walker {
  constructor(private readonly vocabulary: TemplateVocabulary) {}

  /** `inLoop`: inside a loop over rows already, where another loop over rows would multiply the work. */
  program(program: hbs.AST.Program | undefined, scopes: Scope[], inLoop: boolean): void {
    for (const statement of program?.body ?? []) this.statement(statement, scopes, inLoop);
  }

  private statement(node: hbs.AST.Statement, scopes: Scope[], inLoop: boolean): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        if (!m.escaped) this.refuse(node, 'Triple-stash {{{ }}} and {{& }} are refused: every value is escaped for the format.');
        this.call(m.path, m.params, m.hash, scopes, node);
        return;
      }
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement, scopes, inLoop);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.refuse(node, 'Partials ({{> name}}) are refused: a template includes nothing.');
      default:
        // DecoratorBlock, Decorator and anything newer: not part of the sandbox.
        return this.refuse(node, `${node.type} is refused.`);
    }
  }

  private block(node: hbs.AST.BlockStatement, scopes: Scope[], inLoop: boolean): void {
    const name = node.path.type === 'PathExpression' ? (node.path as hbs.AST.PathExpression).original : '';
    if (!BLOCKS.includes(name)) this.refuse(node, `Block helper "${name}" is refused; blocks: ${BLOCKS.join(', ')}.`);
    const target = node.params[0];
    if (name === 'each' || name === 'with') {
      if (!target || node.params.length !== 1) this.refuse(node, `{{#${name}}} takes one argument.`);
      const inner = this.collectionScope(target!, scopes, name, inLoop, node);
      this.program(node.program, [...scopes, inner], inLoop || name === 'each');
      this.program(node.inverse, scopes, inLoop);
      return;
    }
    for (const p of node.params) this.expression(p, scopes, node);
    for (const pair of node.hash?.pairs ?? []) this.expression(pair.value, scopes, node);
    this.program(node.program, scopes, inLoop);
    this.program(node.inverse, scopes, inLoop);
  }

  /** The scope inside `{{#each target}}` / `{{#with target}}`; anything else is refused. */
  private collectionScope(target: Expr, scopes: Scope[], block: string, inLoop: boolean, node: Node): Scope {
    const scope = scopes[scopes.length - 1]!;
    if (target.type === 'SubExpression') {
      const sub = target as hbs.AST.SubExpression;
      const helper = (sub.path as hbs.AST.PathExpression).original;
      this.call(sub.path, sub.params, sub.hash, scopes, node);
      if (block === 'with' && helper === 'first') return 'row';
      if (block === 'each' && helper === 'groupBy' && !inLoop && scope === 'root') return 'group';
    } else if (target.type === 'PathExpression') {
      const path = target as hbs.AST.PathExpression;
      const isRows = path.parts.length === 1 && path.parts[0] === 'rows' && path.depth === 0;
      if (block === 'each' && isRows && ((scope === 'root' && !inLoop) || scope === 'group')) return 'row';
    }
    return this.refuse(node, block === 'each'
      ? '{{#each}} may loop over `rows` once (not inside another loop), over `(groupBy rows \'column\')`, or over a group\'s `rows`.'
      : '{{#with}} takes `(first rows)` only.');
  }

  /** A mustache or sub-expression: a helper call with arguments, or a bare field. */
  private call(path: Expr, params: Expr[], hash: hbs.AST.Hash | undefined, scopes: Scope[], node: Node): void {
    const name = path.type === 'PathExpression' ? (path as hbs.AST.PathExpression) : undefined;
    const isHelper = name !== undefined && name.parts.length === 1 && name.depth === 0 && !name.data && (TEMPLATE_HELPERS as readonly string[]).includes(name.original);
    if (params.length > 0 || (hash?.pairs.length ?? 0) > 0 || path.type === 'SubExpression') {
      if (!isHelper) this.refuse(node, `Helper "${name?.original ?? '?'}" is refused; helpers: ${TEMPLATE_HELPERS.join(', ')}.`);
      params.forEach((p, i) => {
        if (i === 1 && COLUMN_ARGUMENT.has(name!.original) && p.type === 'StringLiteral') this.column((p as hbs.AST.StringLiteral).value, node);
        else this.expression(p, scopes, node);
      });
      for (const pair of hash?.pairs ?? []) this.expression(pair.value, scopes, node);
      return;
    }
    if (!isHelper) this.expression(path, scopes, node);
  }

  private expression(expr: Expr, scopes: Scope[], node: Node): void {
    if (expr.type === 'SubExpression') {
      const sub = expr as hbs.AST.SubExpression;
      return this.call(sub.path, sub.params, sub.hash, scopes, node);
    }
    if (expr.type === 'PathExpression') return this.path(expr as hbs.AST.PathExpression, scopes, node);
    // String, number, boolean, undefined and null literals name nothing.
  }

  private path(path: hbs.AST.PathExpression, scopes: Scope[], node: Node): void {
    const parts = path.parts;
    for (const part of parts) if (FORBIDDEN.has(part)) this.refuse(node, `"${path.original}" is refused: it reaches outside the data.`);
    if (path.data) {
      if (parts[0] === 'root') return this.resolve(parts.slice(1), 'root', path.original, node);
      if (parts.length === 1 && DATA_VARIABLES.has(parts[0]!)) return;
      return this.unknown(path.original, node);
    }
    if (path.depth >= scopes.length) return this.unknown(path.original, node);
    this.resolve(parts, scopes[scopes.length - 1 - path.depth]!, path.original, node);
  }

  private resolve(parts: string[], scope: Scope, original: string, node: Node): void {
    const [head, ...rest] = parts;
    if (head === undefined) return; // `this`
    if (scope === 'row') {
      if (!this.vocabulary.columns.has(head) || rest.length) this.unknown(original, node);
      return;
    }
    if (scope === 'group') {
      const ok = head === 'key' ? rest.length === 0 : head === 'rows' && (rest.length === 0 || (rest.length === 1 && rest[0] === 'length'));
      if (!ok) this.unknown(original, node);
      return;
    }
    const allowed = Object.prototype.hasOwnProperty.call(ROOT_KEYS, head) ? ROOT_KEYS[head] : undefined;
    if (allowed === undefined) return this.unknown(original, node);
    if (rest.length === 0 || allowed === 'any') return;
    if (rest.length > 1 || allowed === 'none') return this.unknown(original, node);
    const ok = allowed === 'parameters' ? this.vocabulary.parameters.has(rest[0]!) : allowed.includes(rest[0]!);
    if (!ok) this.unknown(original, node);
  }

  private column(name: string, node: Node): void {
    if (!this.vocabulary.columns.has(name)) this.unknown(name, node);
  }

  private unknown(name: string, node: Node): never {
    const message = `Line ${lineOf(node)}: "${name}" is not a field of the dataset or the render context.`;
    throw refusal('TEMPLATE_FIELD_UNKNOWN', 'body', message);
  }

  private refuse(node: Node, why: string): never {
    throw refusal('TEMPLATE_CONSTRUCT_REFUSED', 'body', `Line ${lineOf(node)}: ${why}`);
  }
}
