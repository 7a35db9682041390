// Ages as kubectl prints them: apimachinery's HumanDuration and the printers' translateTimestampSince.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// Go's zero time.Time, which a missing or null metav1.Time decodes to.
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** Upstream HumanDuration of a finite duration in ms: about 2–3 significant figures, e.g. `119s`, `9m59s`, `7h59m`, `2d1h`, `2y1d`. */
export function humanDuration(ms: number): string {
  // Up to 2 s in the future is clock skew between machines and reads as now.
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(ms / HOUR);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/** Epoch ms of an RFC 3339 timestamp; undefined when missing, unparseable or Go's zero time. */
export function parseTimestamp(timestamp: string | undefined | null): number | undefined {
  if (!timestamp) return undefined;
  // Tables print the ages of many objects per request, and their timestamps never change: a
  // bounded memo of Date.parse (NaN stands for "unparseable").
  let ms = PARSED_TIMESTAMPS.get(timestamp);
  if (ms === undefined) {
    ms = Date.parse(timestamp);
    if (PARSED_TIMESTAMPS.size >= 65_536) PARSED_TIMESTAMPS.clear();
    PARSED_TIMESTAMPS.set(timestamp, ms);
  }
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return undefined;
  return ms;
}

const PARSED_TIMESTAMPS = new Map<string, number>();

/** Age of `timestamp` at `now`: `<unknown>` when missing or zero, else humanDuration(now - timestamp). */
export function translateTimestampSince(timestamp: string | undefined | null, now: Date): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}
