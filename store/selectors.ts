// Label and field selectors with the grammar, matching rules and error messages of
// k8s.io/apimachinery's pkg/labels, pkg/fields and metav1.LabelSelectorAsSelector.
import { badRequest, StatusError } from './status-error.js';

/** selection.Operator values, spelled as upstream spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export type LabelRequirement = { key: string; operator: LabelOperator; values: string[] };

export type LabelSelectorPredicate = {
  matches(labels: Record<string, string> | undefined): boolean;
  /** True when the selector does not restrict anything (the `Everything` selector). */
  empty: boolean;
  /** Sorted by key, as upstream sorts them. */
  requirements: LabelRequirement[];
};

/** metav1.LabelSelector (kubernetes-types' LabelSelector is assignable to it). */
export type LabelSelectorObject = {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
};

export type FieldSelectorTerm = { field: string; op: '=' | '!='; value: string };

export type FieldSelectorPredicate = {
  matches(fields: (field: string) => string): boolean;
  empty: boolean;
  /** In upstream's order: sorted by the raw term text. */
  terms: FieldSelectorTerm[];
};

// ---- validation (content.IsLabelKey / IsLabelValue and field.Error wording) ----

const NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME_RE = new RegExp(`^${NAME_FMT}$`);
const VALUE_FMT = `(${NAME_FMT})?`;
const VALUE_RE = new RegExp(`^${VALUE_FMT}$`);
const DNS_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const DNS_SUBDOMAIN_RE = new RegExp(`^${DNS_SUBDOMAIN_FMT}$`);
const NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

// Upstream's RegexError, including its double space before each "or".
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

// Limits are in bytes upstream, not UTF-16 units.
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

function labelKeyErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) {
    return [`a valid label key ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const errs: string[] = [];
  const name = parts.at(-1)!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') errs.push('prefix part must be non-empty');
    else {
      if (byteLength(prefix) > 253) errs.push('prefix part must be no more than 253 bytes');
      if (!DNS_SUBDOMAIN_RE.test(prefix)) {
        const msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
        errs.push(`prefix part ${regexError(msg, DNS_SUBDOMAIN_FMT, 'example.com')}`);
      }
    }
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push('name part must be no more than 63 bytes');
  if (!NAME_RE.test(name)) errs.push(`name part ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push('must be no more than 63 bytes');
  if (!VALUE_RE.test(value)) {
    const msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    errs.push(regexError(msg, VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** field.Invalid(...).Error(); a string slice prints as Go's %#v does (empty ones are nil upstream). */
function invalid(path: string, value: string | string[], detail: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : value.length === 0 ? '[]string(nil)' : `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

/** utilerrors.NewAggregate(...).Error(). */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** labels.NewRequirement's checks, as a list of field errors. */
function requirementErrors(key: string, op: LabelOperator, values: string[]): string[] {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errs.push(invalid('key', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

// ---- matching ----

function requirementMatches(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels != null && Object.hasOwn(labels, r.key);
  const value = has ? labels![r.key]! : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

// Stable, like the insertion sort Go's sort.Sort uses for the small slices selectors have.
const byKey = (a: LabelRequirement, b: LabelRequirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function selectorOf(requirements: LabelRequirement[]): LabelSelectorPredicate {
  requirements.sort(byKey);
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels)),
  };
}

const nothing = (): LabelSelectorPredicate => ({ requirements: [], empty: false, matches: () => false });

// ---- the label selector string grammar (labels.Parse) ----

const SYMBOLS = new Set(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);
const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

type TokenKind = 'eos' | 'id' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';
type Token = { kind: TokenKind; lit: string };

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  // Upstream reads bytes and uses NUL as its end-of-input marker, so an embedded NUL behaves the same.
  const read = (): string => (pos < s.length ? s[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      tokens.push({ kind: 'eos', lit: '' });
      return tokens;
    }
    let lit = ch;
    if (isSpecial(ch)) {
      // Longest run of symbols that still spells an operator: "!=" but "=" then "(" in "=(".
      for (ch = read(); ch !== '\0'; ch = read()) {
        if (!SYMBOLS.has(lit + ch)) {
          pos--;
          break;
        }
        lit += ch;
      }
      tokens.push({ kind: lit as TokenKind, lit });
    } else {
      for (ch = read(); ch !== '\0'; ch = read()) {
        if (isSpecial(ch) || isWhitespace(ch)) {
          pos--;
          break;
        }
        lit += ch;
      }
      tokens.push({ kind: lit === 'in' || lit === 'notin' ? lit : 'id', lit });
    }
  }
}

const BINARY_OPERATORS: ReadonlyMap<TokenKind, LabelOperator> = new Map<TokenKind, LabelOperator>([
  ['in', 'in'],
  ['notin', 'notin'],
  ['=', '='],
  ['==', '=='],
  ['!=', '!='],
  ['>', 'gt'],
  ['<', 'lt'],
]);

/** Parses a `labelSelector` query string; throws 400 BadRequest with upstream's message. */
export function parseLabelSelector(text: string): LabelSelectorPredicate {
  const tokens = lex(text);
  let pos = 0;
  // Outside the operator position, `in` and `notin` are ordinary identifiers ("in in (in)").
  const asValue = (t: Token): Token => (t.kind === 'in' || t.kind === 'notin' ? { kind: 'id', lit: t.lit } : t);
  const peek = (): Token => asValue(tokens[pos]!);
  const next = (): Token => asValue(tokens[pos++]!);
  const fail = (msg: string): never => {
    throw badRequest(msg);
  };
  const failRequirement = (msg: string): never => fail(`unable to parse requirement: ${msg}`);

  const parseValueSet = (): string[] => {
    const open = next();
    if (open.kind !== '(') failRequirement(`found '${open.lit}' expected: '('`);
    const first = peek();
    if (first.kind === ')') {
      pos++;
      return [''];
    }
    if (first.kind !== 'id' && first.kind !== ',') failRequirement(`found '${first.lit}', expected: ',', ')' or identifier`);
    // Empty members ("(a,,b)", "(,a)", "(a,)") are the empty string.
    const values = new Set<string>();
    for (;;) {
      const t = next();
      if (t.kind === 'id') {
        values.add(t.lit);
        const after = peek();
        if (after.kind === ')') break;
        if (after.kind !== ',') failRequirement(`found '${after.lit}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (values.size === 0) values.add('');
        const after = peek().kind;
        if (after === ')' || after === ',') values.add('');
        if (after === ')') break;
      } else {
        failRequirement(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
    pos++; // the ')'
    return [...values];
  };

  const parseExactValue = (): string[] => {
    const t = peek();
    if (t.kind === 'eos' || t.kind === ',') return [''];
    pos++;
    return t.kind === 'id' ? [t.lit] : failRequirement(`found '${t.lit}', expected: identifier`);
  };

  const parseRequirement = (): LabelRequirement => {
    let t = next();
    let operator: LabelOperator | undefined;
    if (t.kind === '!') {
      operator = '!';
      t = next();
    }
    if (t.kind !== 'id') failRequirement(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length > 0) failRequirement(invalid('<nil>', key, keyErrs.join('; ')));
    const after = peek().kind;
    let values: string[] = [];
    if (operator === undefined && (after === 'eos' || after === ',')) operator = 'exists';
    if (operator === undefined) {
      const opToken = tokens[pos++]!;
      operator = BINARY_OPERATORS.get(opToken.kind) ?? failRequirement(`found '${opToken.lit}', expected: in, notin, =, ==, !=, gt, lt`);
      // Upstream collects values in a string set: deduplicated and sorted.
      values = [...new Set(operator === 'in' || operator === 'notin' ? parseValueSet() : parseExactValue())].sort();
    }
    const errs = requirementErrors(key, operator, values);
    if (errs.length > 0) failRequirement(aggregate(errs));
    return { key, operator, values };
  };

  const requirements: LabelRequirement[] = [];
  for (;;) {
    const t = peek();
    if (t.kind === 'eos') break;
    if (t.kind !== 'id' && t.kind !== '!') fail(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
    requirements.push(parseRequirement());
    const sep = next();
    if (sep.kind === 'eos') break;
    if (sep.kind !== ',') fail(`found '${sep.lit}', expected: ',' or 'end of string'`);
    const following = peek();
    if (following.kind !== 'id' && following.kind !== '!') fail(`found '${following.lit}', expected: identifier after ','`);
  }
  return selectorOf(requirements);
}

// ---- metav1.LabelSelector objects ----

const OBJECT_OPERATORS: ReadonlyMap<string, LabelOperator> = new Map<string, LabelOperator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/**
 * metav1.LabelSelectorAsSelector: a null/absent selector selects nothing, `{}` selects everything.
 * Throws 400 BadRequest with upstream's message for invalid keys, values or operators.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | undefined | null): LabelSelectorPredicate {
  if (sel === undefined || sel === null) return nothing();
  const matchLabels = sel.matchLabels ?? {};
  const expressions = sel.matchExpressions ?? [];
  const requirements: LabelRequirement[] = [];
  const add = (key: string, operator: LabelOperator, values: string[]): void => {
    const errs = requirementErrors(key, operator, values);
    if (errs.length > 0) throw badRequest(aggregate(errs));
    requirements.push({ key, operator, values });
  };
  // Go walks the map in random order; sorting keys makes the first reported error deterministic.
  for (const key of Object.keys(matchLabels).sort()) add(key, '=', [matchLabels[key]!]);
  for (const expr of expressions) {
    const operator = OBJECT_OPERATORS.get(expr.operator);
    if (operator === undefined) throw badRequest(`${JSON.stringify(expr.operator)} is not a valid pod selector operator`);
    add(expr.key, operator, [...(expr.values ?? [])]);
  }
  return selectorOf(requirements);
}

/** Requirement.String(): multi-value sets print sorted. */
function requirementToString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** metav1.FormatLabelSelector, as printed in kubectl's Selector columns. */
export function labelSelectorToString(sel: LabelSelectorObject | undefined | null): string {
  let predicate: LabelSelectorPredicate;
  try {
    predicate = labelSelectorFromObject(sel);
  } catch (err) {
    if (err instanceof StatusError) return '<error>';
    throw err;
  }
  return predicate.requirements.map(requirementToString).join(',') || '<none>';
}

// ---- field selectors (fields.ParseSelector plus the apiserver's field label check) ----

/** Splits on commas not escaped by a backslash; escapes stay in the terms. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    if (escaped) escaped = false;
    else if (text[i] === '\\') escaped = true;
    else if (text[i] === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

function unescapeValue(raw: string): string {
  let out = '';
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its code point number.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

// The earliest operator wins, and at one position "!=" and "==" are tried before "=".
const TERM_RE = /^(.*?)(!=|==|=)(.*)$/s;

/**
 * Parses a `fieldSelector` query string. metadata.name and metadata.namespace are supported for
 * every resource, as upstream's default field label conversion allows; `supported` adds the rest.
 */
export function parseFieldSelector(text: string, supported: ReadonlySet<string> | ((field: string) => boolean)): FieldSelectorPredicate {
  const isSupported = typeof supported === 'function' ? supported : (field: string) => supported.has(field);
  const terms: FieldSelectorTerm[] = [];
  for (const part of splitTerms(text).sort()) {
    if (part === '') continue;
    const m = TERM_RE.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    terms.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3]!) });
  }
  // Upstream checks field labels only after the whole selector parsed.
  for (const { field } of terms) {
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !isSupported(field)) throw badRequest(`field label not supported: ${field}`);
  }
  return {
    terms,
    empty: terms.length === 0,
    matches: (fields) => terms.every((t) => (fields(t.field) === t.value) === (t.op === '=')),
  };
}

/**
 * fields.Selector.RequiresExactMatch("metadata.name"): the name every match must have, if any.
 * Other terms still apply, so callers must run `matches` on what they find.
 */
export function singleNameFromFieldSelector(pred: FieldSelectorPredicate): string | undefined {
  return pred.terms.find((t) => t.field === 'metadata.name' && t.op === '=')?.value;
}
