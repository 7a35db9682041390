// Table printing for core/v1 Event (upstream printEvent).
import type { Event } from 'kubernetes-types/core/v1.js';
import type { TablePrinter } from '../types.js';
import { asKind, column, nameColumn } from './columns.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';

/** Event table: Last Seen, Type, Reason, Object, Message; wide adds Subobject, Source, First Seen, Count, Name (in upstream's column order). */
export const eventTable: TablePrinter = {
  columns: [
    column('Last Seen', 'string', 'Time since the event was last observed.'),
    column('Type', 'string', 'Type of the event (Normal or Warning).'),
    column('Reason', 'string', 'Short machine-readable reason for the event.'),
    column('Object', 'string', 'Object the event is about, as kind/name.'),
    column('Subobject', 'string', 'Field path within the object, e.g. a container.', 1),
    column('Source', 'string', 'Component and host that reported the event.', 1),
    column('Message', 'string', 'Human-readable description of the event.'),
    column('First Seen', 'string', 'Time since the event was first observed.', 1),
    // Declared as string upstream although the cell is an integer.
    column('Count', 'string', 'Number of times the event has occurred.', 1),
    { ...nameColumn, priority: 1 },
  ],
  cells(obj, now) {
    const event = asKind<Event>(obj);
    const involved = event.involvedObject ?? {};

    const firstSeen = translateTimestampSince(isSet(event.firstTimestamp) ? event.firstTimestamp : event.eventTime, now);
    let lastSeen = isSet(event.lastTimestamp) ? translateTimestampSince(event.lastTimestamp, now) : firstSeen;
    let count = event.count ?? 0;
    if (event.series) {
      lastSeen = translateTimestampSince(event.series.lastObservedTime, now);
      count = event.series.count ?? 0;
    } else if (count === 0) {
      // Events written through the events.k8s.io API leave count unset for a single occurrence.
      count = 1;
    }

    const kind = (involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;

    return [
      lastSeen,
      event.type ?? '',
      event.reason ?? '',
      target,
      involved.fieldPath ?? '',
      eventSource(event),
      (event.message ?? '').trim(),
      firstSeen,
      count,
      obj.metadata.name ?? '',
    ];
  },
};

function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

function isSet(timestamp: string | undefined): boolean {
  return parseTimestamp(timestamp) !== undefined;
}
