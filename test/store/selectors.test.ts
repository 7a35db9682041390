import t from 'tap';
import { StatusError } from '../../store/status-error.js';
import {
  labelSelectorFromObject,
  labelSelectorToString,
  parseFieldSelector,
  parseLabelSelector,
  singleNameFromFieldSelector,
  type LabelSelectorObject,
} from '../../store/selectors.js';

type Labels = Record<string, string> | undefined;

// Upstream's validation messages, spelled out once.
const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_RULE =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError && err.code === 400 && err.reason === 'BadRequest') return err.message;
    throw err;
  }
  return '<no error>';
}

const fieldsOf = (rec: Record<string, string>) => (field: string) => rec[field] ?? '';

t.test('label selector strings match labels with every operator as upstream does', async (t) => {
  const cases: Array<[selector: string, labels: Labels, want: boolean]> = [
    ['', {}, true],
    ['', undefined, true],
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a=b', {}, false],
    ['a==b', { a: 'b' }, true],
    ['a==b', { a: 'c' }, false],
    ['a!=b', { a: 'c' }, true],
    ['a!=b', { a: 'b' }, false],
    ['a!=b', {}, true],
    ['a!=b', undefined, true],
    ['a in (b,c)', { a: 'c' }, true],
    ['a in (b,c)', { a: 'd' }, false],
    ['a in (b,c)', {}, false],
    ['a notin (b,c)', { a: 'b' }, false],
    ['a notin (b,c)', { a: 'd' }, true],
    ['a notin (b,c)', {}, true],
    ['a', { a: '' }, true],
    ['a', { b: 'a' }, false],
    ['a', undefined, false],
    ['!a', {}, true],
    ['!a', undefined, true],
    ['!a', { a: 'x' }, false],
    ['a>1', { a: '2' }, true],
    ['a>1', { a: '1' }, false],
    ['a>1', { a: 'two' }, false],
    ['a>1', {}, false],
    ['a<10', { a: '9' }, true],
    ['a<10', { a: '007' }, true],
    ['a<10', { a: '10' }, false],
    ['a>9223372036854775806', { a: '9223372036854775807' }, true],
    ['a<1', { a: '-9223372036854775809' }, false],
    ['a=b,c=d', { a: 'b', c: 'd' }, true],
    ['a=b,c=d', { a: 'b' }, false],
    ['constructor', {}, false],
    ['!toString', {}, true],
  ];
  for (const [selector, labels, want] of cases) {
    t.equal(parseLabelSelector(selector).matches(labels), want, `${JSON.stringify(selector)} on ${JSON.stringify(labels)}`);
  }
});

t.test('empty label values are allowed after = and inside value sets', async (t) => {
  const cases: Array<[selector: string, labels: Labels, want: boolean]> = [
    ['a=', { a: '' }, true],
    ['a=', { a: 'x' }, false],
    ['a==,b', { a: '', b: 'x' }, true],
    ['a!=', { a: '' }, false],
    ['a in ()', { a: '' }, true],
    ['a in (,b)', { a: '' }, true],
    ['a in (b,)', { a: '' }, true],
    ['a in (b,,c)', { a: '' }, true],
    ['a in (b,c)', { a: '' }, false],
    ['a notin ()', { a: '' }, false],
  ];
  for (const [selector, labels, want] of cases) {
    t.equal(parseLabelSelector(selector).matches(labels), want, `${JSON.stringify(selector)} on ${JSON.stringify(labels)}`);
  }
});

t.test('parsed label requirements are sorted by key with deduplicated sorted values', async (t) => {
  const cases: Array<[selector: string, want: unknown]> = [
    ['', []],
    ['b=1,a in (z,y,y)', [{ key: 'a', operator: 'in', values: ['y', 'z'] }, { key: 'b', operator: '=', values: ['1'] }]],
    ['x in (foo,,baz),y,z notin ()', [
      { key: 'x', operator: 'in', values: ['', 'baz', 'foo'] },
      { key: 'y', operator: 'exists', values: [] },
      { key: 'z', operator: 'notin', values: [''] },
    ]],
    ['!b,a==1,c!=2,d>3,e<4', [
      { key: 'a', operator: '==', values: ['1'] },
      { key: 'b', operator: '!', values: [] },
      { key: 'c', operator: '!=', values: ['2'] },
      { key: 'd', operator: 'gt', values: ['3'] },
      { key: 'e', operator: 'lt', values: ['4'] },
    ]],
    ['example.com/app=web', [{ key: 'example.com/app', operator: '=', values: ['web'] }]],
    ['in in (in,notin)', [{ key: 'in', operator: 'in', values: ['in', 'notin'] }]],
    ['notin=in', [{ key: 'notin', operator: '=', values: ['in'] }]],
  ];
  for (const [selector, want] of cases) {
    t.same(parseLabelSelector(selector).requirements, want, JSON.stringify(selector));
  }
});

t.test('whitespace around label selector tokens is ignored', async (t) => {
  const cases: string[] = ['  a  =  b  ,  c  in  ( d , e )  ', '\ta==b,\nc in (d,e)\r', 'a=b ,c in(e,d)'];
  for (const selector of cases) {
    t.same(
      parseLabelSelector(selector).requirements,
      [{ key: 'a', operator: selector.includes('==') ? '==' : '=', values: ['b'] }, { key: 'c', operator: 'in', values: ['d', 'e'] }],
      JSON.stringify(selector),
    );
  }
});

t.test('only a label selector without requirements is empty', async (t) => {
  const cases: Array<[selector: string, empty: boolean]> = [
    ['', true],
    ['   ', true],
    ['a', false],
    ['!a', false],
  ];
  for (const [selector, empty] of cases) t.equal(parseLabelSelector(selector).empty, empty, JSON.stringify(selector));
});

t.test('malformed label selector strings are rejected with upstream parser messages', async (t) => {
  const cases: Array<[selector: string, message: string]> = [
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => parseLabelSelector(selector)), message, JSON.stringify(selector));
  }
});

t.test('invalid label keys in selector strings are rejected with upstream validation messages', async (t) => {
  const long = 'k'.repeat(64);
  const cases: Array<[selector: string, message: string]> = [
    ['a/b/c=d', `<nil>: Invalid value: "a/b/c": a valid label key ${NAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ['-a', `<nil>: Invalid value: "-a": name part ${NAME_RULE}`],
    ['/a', '<nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['a/=b', `<nil>: Invalid value: "a/": name part must be non-empty; name part ${NAME_RULE}`],
    ['Example.com/a', `<nil>: Invalid value: "Example.com/a": ${PREFIX_RULE}`],
    [`!${long}`, `<nil>: Invalid value: "${long}": name part must be no more than 63 bytes`],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => parseLabelSelector(selector)), `unable to parse requirement: ${message}`, JSON.stringify(selector));
  }
});

t.test('invalid label values and integer bounds in selector strings are rejected with upstream messages', async (t) => {
  const long = 'v'.repeat(64);
  const cases: Array<[selector: string, message: string]> = [
    ['a=-b', `values[0][a]: Invalid value: "-b": ${VALUE_RULE}`],
    [`a!=${long}`, `values[0][a]: Invalid value: "${long}": must be no more than 63 bytes`],
    ['a in (b,-c)', `values[0][a]: Invalid value: "-c": ${VALUE_RULE}`],
    ['a notin (x-,-y)', `[values[0][a]: Invalid value: "-y": ${VALUE_RULE}, values[1][a]: Invalid value: "x-": ${VALUE_RULE}]`],
    ['a>b', `values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a<', `values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a>-1', `values[0][a]: Invalid value: "-1": ${VALUE_RULE}`],
    ['a>9223372036854775808', `values[0]: Invalid value: "9223372036854775808": for 'Gt', 'Lt' operators, the value must be an integer`],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => parseLabelSelector(selector)), `unable to parse requirement: ${message}`, JSON.stringify(selector));
  }
});

t.test('a null LabelSelector object selects nothing while an empty one selects everything', async (t) => {
  const cases: Array<[selector: LabelSelectorObject | null | undefined, empty: boolean, matchesAnything: boolean]> = [
    [null, false, false],
    [undefined, false, false],
    [{}, true, true],
    [{ matchLabels: {}, matchExpressions: [] }, true, true],
    [{ matchLabels: null, matchExpressions: null }, true, true],
  ];
  for (const [selector, empty, matchesAnything] of cases) {
    const pred = labelSelectorFromObject(selector);
    t.equal(pred.empty, empty, `empty for ${JSON.stringify(selector)}`);
    t.equal(pred.matches({ app: 'web' }), matchesAnything, `labelled object for ${JSON.stringify(selector)}`);
    t.equal(pred.matches(undefined), matchesAnything, `unlabelled object for ${JSON.stringify(selector)}`);
  }
});

t.test('LabelSelector objects match with matchLabels and every expression operator', async (t) => {
  const cases: Array<[selector: LabelSelectorObject, labels: Labels, want: boolean]> = [
    [{ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchLabels: { app: 'web', tier: 'x' } }, { app: 'web' }, false],
    [{ matchLabels: { app: '' } }, { app: '' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, { env: 'dev' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, { env: 'prod' }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists', values: [] }] }, {}, false],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {}, true],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: null }] }, { env: 'x' }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { app: 'web' }, false],
  ];
  for (const [selector, labels, want] of cases) {
    t.equal(labelSelectorFromObject(selector).matches(labels), want, `${JSON.stringify(selector)} on ${JSON.stringify(labels)}`);
  }
});

t.test('invalid LabelSelector objects are rejected with upstream messages', async (t) => {
  const cases: Array<[selector: LabelSelectorObject, message: string]> = [
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid pod selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'in', values: ['1'] }] }, '"in" is not a valid pod selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
    [{ matchExpressions: [{ key: 'a b', operator: 'Exists' }] }, `key: Invalid value: "a b": name part ${NAME_RULE}`],
    [{ matchExpressions: [{ key: '', operator: 'DoesNotExist' }] }, `key: Invalid value: "": name part must be non-empty; name part ${NAME_RULE}`],
    [{ matchLabels: { app: '-x' } }, `values[0][app]: Invalid value: "-x": ${VALUE_RULE}`],
    [{ matchLabels: { '-k': 'v_' } }, `[key: Invalid value: "-k": name part ${NAME_RULE}, values[0][-k]: Invalid value: "v_": ${VALUE_RULE}]`],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => labelSelectorFromObject(selector)), message, JSON.stringify(selector));
  }
});

t.test('LabelSelector objects format like metav1.FormatLabelSelector', async (t) => {
  const cases: Array<[selector: LabelSelectorObject | null | undefined, want: string]> = [
    [undefined, '<none>'],
    [null, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: {} }, '<none>'],
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [{ matchLabels: { 'app.kubernetes.io/name': 'fluentd' } }, 'app.kubernetes.io/name=fluentd'],
    [{ matchLabels: { a: '' } }, 'a='],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] }, 'a in (x)'],
    [
      {
        matchLabels: { tier: 'x' },
        matchExpressions: [
          { key: 'zone', operator: 'DoesNotExist' },
          { key: 'env', operator: 'NotIn', values: ['prod', 'dev'] },
          { key: 'app', operator: 'Exists' },
          { key: 'env2', operator: 'In', values: ['b', 'a'] },
        ],
      },
      'app,env notin (dev,prod),env2 in (a,b),tier=x,!zone',
    ],
    [{ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }] }, 'app=a,app in (a,b)'],
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '<error>'],
    [{ matchLabels: { 'bad key': 'v' } }, '<error>'],
  ];
  for (const [selector, want] of cases) t.equal(labelSelectorToString(selector), want, JSON.stringify(selector));
});

t.test('field selectors match with =, == and != including empty values', async (t) => {
  const supported = new Set(['involvedObject.namespace', 'spec.nodeName', 'status.phase']);
  const cases: Array<[selector: string, fields: Record<string, string>, want: boolean]> = [
    ['', {}, true],
    [',', { 'metadata.name': 'x' }, true],
    ['metadata.name=foo', { 'metadata.name': 'foo' }, true],
    ['metadata.name=foo', { 'metadata.name': 'bar' }, false],
    ['metadata.name==foo', { 'metadata.name': 'foo' }, true],
    ['metadata.name!=foo', { 'metadata.name': 'foo' }, false],
    ['metadata.name!=foo', { 'metadata.name': 'bar' }, true],
    ['involvedObject.namespace=', {}, true],
    ['involvedObject.namespace=', { 'involvedObject.namespace': 'ns' }, false],
    ['spec.nodeName!=', { 'spec.nodeName': 'n1' }, true],
    ['spec.nodeName=n1,status.phase!=Running', { 'spec.nodeName': 'n1', 'status.phase': 'Pending' }, true],
    ['spec.nodeName=n1,status.phase!=Running', { 'spec.nodeName': 'n1', 'status.phase': 'Running' }, false],
    [',,metadata.namespace=ns,', { 'metadata.namespace': 'ns' }, true],
    ['status.phase=!Running', { 'status.phase': '!Running' }, true],
  ];
  for (const [selector, fields, want] of cases) {
    t.equal(parseFieldSelector(selector, supported).matches(fieldsOf(fields)), want, `${JSON.stringify(selector)} on ${JSON.stringify(fields)}`);
  }
});

t.test('field selector terms are unescaped and sorted by their raw text', async (t) => {
  const any = () => true;
  const cases: Array<[selector: string, want: unknown]> = [
    ['a=b\\,c', [{ field: 'a', op: '=', value: 'b,c' }]],
    ['a=b\\=c', [{ field: 'a', op: '=', value: 'b=c' }]],
    ['a=b\\\\c', [{ field: 'a', op: '=', value: 'b\\c' }]],
    ['a==\\,', [{ field: 'a', op: '=', value: ',' }]],
    ['z=1,a!=2', [{ field: 'a', op: '!=', value: '2' }, { field: 'z', op: '=', value: '1' }]],
    ['x!=a\\,b,x=c', [{ field: 'x', op: '!=', value: 'a,b' }, { field: 'x', op: '=', value: 'c' }]],
  ];
  for (const [selector, want] of cases) t.same(parseFieldSelector(selector, any).terms, want, JSON.stringify(selector));
});

t.test('malformed field selectors are rejected with upstream messages', async (t) => {
  const any = () => true;
  const cases: Array<[selector: string, message: string]> = [
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['x=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
    ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
    ['x=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a!=b', 'invalid field selector: unescaped character in value: 61'],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => parseFieldSelector(selector, any)), message, JSON.stringify(selector));
  }
});

t.test('unsupported field labels are rejected only after the whole field selector parses', async (t) => {
  const supported = new Set(['spec.nodeName']);
  const cases: Array<[selector: string, message: string]> = [
    ['spec.bogus=x', 'field label not supported: spec.bogus'],
    ['spec.nodeName=n,status.phase=Running', 'field label not supported: status.phase'],
    ['=x', 'field label not supported: '],
    ['bogus=1,x', "invalid selector: 'bogus=1,x'; can't understand 'x'"],
    ['spec.bogus=a\\q', 'invalid field selector: invalid escape sequence: \\q'],
  ];
  for (const [selector, message] of cases) {
    t.equal(badRequestMessage(() => parseFieldSelector(selector, supported)), message, JSON.stringify(selector));
  }
  t.equal(badRequestMessage(() => parseFieldSelector('spec.x=1', (f) => f !== 'spec.x')), 'field label not supported: spec.x', 'predicate form');
});

t.test('metadata.name and metadata.namespace are supported for every resource', async (t) => {
  const cases: Array<ReadonlySet<string> | ((field: string) => boolean)> = [new Set<string>(), () => false];
  for (const supported of cases) {
    t.equal(parseFieldSelector('metadata.name=a,metadata.namespace=b', supported).terms.length, 2);
  }
});

t.test('only a field selector without terms is empty', async (t) => {
  const cases: Array<[selector: string, empty: boolean]> = [
    ['', true],
    [',,', true],
    ['metadata.name=', false],
  ];
  for (const [selector, empty] of cases) t.equal(parseFieldSelector(selector, new Set()).empty, empty, JSON.stringify(selector));
});

t.test('the single required name is taken from a metadata.name equality term', async (t) => {
  const cases: Array<[selector: string, want: string | undefined]> = [
    ['metadata.name=foo', 'foo'],
    ['metadata.name==foo,metadata.namespace=ns', 'foo'],
    ['metadata.namespace=ns', undefined],
    ['metadata.name!=foo', undefined],
    ['metadata.name!=bar,metadata.name=foo', 'foo'],
    ['metadata.name=', ''],
    ['', undefined],
  ];
  for (const [selector, want] of cases) {
    t.equal(singleNameFromFieldSelector(parseFieldSelector(selector, new Set())), want, JSON.stringify(selector));
  }
});
