import t from 'tap';
import { humanDuration, parseTimestamp, translateTimestampSince } from '../../../api/printers/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

t.test('humanDuration matches upstream HumanDuration at every boundary', async (t) => {
  // From duration_test.go TestHumanDurationBoundaries; Go's 1 ns steps become 1 ms here.
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-2 * S + 1, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [S - 1, '0s'],
    [S, '1s'],
    [2 * M - 1, '119s'],
    [2 * M, '2m'],
    [2 * M + S, '2m1s'],
    [10 * M - 1, '9m59s'],
    [10 * M, '10m'],
    [10 * M + S, '10m'],
    [3 * H - 1, '179m'],
    [3 * H, '3h'],
    [3 * H + M, '3h1m'],
    [8 * H - 1, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 59 * M, '8h'],
    [2 * D - 1, '47h'],
    [2 * D, '2d'],
    [2 * D + H, '2d1h'],
    [8 * D - 1, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [2 * Y - 1, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 23 * H, '2y'],
    [2 * Y + 23 * H + 59 * M, '2y'],
    [2 * Y + D - 1, '2y'],
    [2 * Y + D, '2y1d'],
    [3 * Y, '3y'],
    [4 * Y, '4y'],
    [5 * Y, '5y'],
    [6 * Y, '6y'],
    [7 * Y, '7y'],
    [8 * Y - 1, '7y364d'],
    [8 * Y, '8y'],
    [8 * Y + 364 * D, '8y'],
    [9 * Y, '9y'],
  ];
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, `${ms} ms`);
});

t.test('humanDuration matches upstream HumanDuration on typical ages', async (t) => {
  // From duration_test.go TestHumanDuration.
  const cases: Array<[number, string]> = [
    [S, '1s'],
    [70 * S, '70s'],
    [190 * S, '3m10s'],
    [70 * M, '70m'],
    [47 * H, '47h'],
    [49 * H, '2d1h'],
    [(8 * 24 + 2) * H, '8d'],
    [367 * D, '367d'],
    [(365 * 2 * 24 + 25) * H, '2y1d'],
    [(365 * 8 * 24 + 2) * H, '8y'],
  ];
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, `${ms} ms`);
});

t.test('humanDuration renders the brief boundary examples', async (t) => {
  const cases: Array<[number, string]> = [
    [M + 59 * S, '119s'],
    [2 * M, '2m'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [2 * H + 59 * M, '179m'],
    [3 * H, '3h'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [2 * Y, '2y'],
  ];
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, `${ms} ms`);
});

t.test('translateTimestampSince renders <unknown> for a missing or zero timestamp', async (t) => {
  const now = new Date('2025-06-01T12:00:00Z');
  for (const ts of [undefined, null, '', '0001-01-01T00:00:00Z', 'not a time']) {
    t.equal(translateTimestampSince(ts, now), '<unknown>', String(ts));
  }
});

t.test('translateTimestampSince renders the age of past and future timestamps', async (t) => {
  const now = new Date('2025-06-01T12:00:00Z');
  const cases: Array<[string, string]> = [
    ['2025-06-01T12:00:00Z', '0s'],
    ['2025-06-01T11:56:50Z', '3m10s'],
    ['2025-06-01T11:56:50.250000Z', '3m9s'],
    ['2025-05-30T11:00:00Z', '2d1h'],
    ['2025-06-01T12:00:01Z', '0s'],
    ['2025-06-01T12:00:01.999Z', '0s'],
    ['2025-06-01T12:00:02Z', '<invalid>'],
    ['2025-06-01T13:00:00Z', '<invalid>'],
  ];
  for (const [ts, want] of cases) t.equal(translateTimestampSince(ts, now), want, ts);
});

t.test('parseTimestamp reads RFC 3339 and MicroTime and rejects zero or junk', async (t) => {
  t.equal(parseTimestamp('2025-06-01T12:00:00Z'), Date.UTC(2025, 5, 1, 12));
  t.equal(parseTimestamp('2025-06-01T12:00:00.123456Z'), Date.UTC(2025, 5, 1, 12, 0, 0, 123));
  t.equal(parseTimestamp('2025-06-01T14:00:00+02:00'), Date.UTC(2025, 5, 1, 12));
  t.equal(parseTimestamp('0001-01-01T00:00:00Z'), undefined);
  t.equal(parseTimestamp('garbage'), undefined);
  t.equal(parseTimestamp(undefined), undefined);
});
